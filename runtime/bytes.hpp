// The byte buffer that carries chunk data through dfs: a std::vector<char>
// whose resize() leaves new bytes uninitialized. Every resize of a chunk
// buffer is followed by a write over all of it (a pread, CAF copying a
// received message in), so zero-filling it first was a wasted pass over
// megabytes, and for fresh memory the pass that faulted its pages in.
#pragma once

#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

namespace dfs {

// std::allocator, except that a value constructed without arguments is
// default-initialized (for char: left as it is) instead of value-initialized.
template <class T>
struct default_init_allocator : std::allocator<T> {
  template <class U>
  struct rebind {
    using other = default_init_allocator<U>;
  };
  default_init_allocator() noexcept = default;
  template <class U>
  default_init_allocator(const default_init_allocator<U>&) noexcept {}
  template <class U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible<U>::value) {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

using byte_buffer = std::vector<char, default_init_allocator<char>>;

}  // namespace dfs

// CAF moves a byte sequence as one raw block (a resize and one copy)
// instead of byte by byte. It knows std::vector<char> as one; byte_buffer
// is the same but for its allocator. Declared here, beside the type, so
// that every use of it sees this (no CAF header needed: pure code uses
// byte_buffer too).
namespace caf::detail {
template <class T>
struct is_byte_sequence;
template <>
struct is_byte_sequence<dfs::byte_buffer> : std::true_type {};
}  // namespace caf::detail
