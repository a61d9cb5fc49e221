#include <gtest/gtest.h>

#include <sys/resource.h>
#include <unistd.h>

#include <cstdlib>

#include "runtime/memory.hpp"

namespace dfs {
namespace {

#if defined(__SANITIZE_ADDRESS__)
#define DFS_OWN_MALLOC 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DFS_OWN_MALLOC 0
#endif
#endif
#ifndef DFS_OWN_MALLOC
#define DFS_OWN_MALLOC 1
#endif

long minor_faults() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_minflt;
}

// Page faults taken while a new 16 MiB buffer is written once, in a
// process that first set up malloc as dfsd does and reserved `reserved`
// bytes of heap. Runs in a child process (the settings are global): the
// exit code is the faults per hundred pages.
[[noreturn]] void faults_of_a_fresh_buffer(uint64_t reserved) {
  keep_chunk_buffers();
  reserve_heap(reserved);
  constexpr size_t size = 16u << 20;
  long page = sysconf(_SC_PAGESIZE);
  auto before = minor_faults();
  auto* p = static_cast<volatile char*>(std::malloc(size));
  for (size_t at = 0; at < size; at += static_cast<size_t>(page))
    p[at] = 1;
  auto faults = minor_faults() - before;
  std::free(const_cast<char*>(p));
  std::exit(static_cast<int>(std::min<long>(100, faults * 100 / (size / page))));
}

TEST(reserve_heap, later_buffers_find_their_pages_faulted_in) {
  if (!DFS_OWN_MALLOC)
    GTEST_SKIP() << "AddressSanitizer replaces malloc";
  // Without a reservation nearly every page of the buffer is a fault (the
  // test can tell the two apart), with one almost none.
  EXPECT_EXIT(faults_of_a_fresh_buffer(0), testing::ExitedWithCode(100), "");
  EXPECT_EXIT(faults_of_a_fresh_buffer(64ull << 20), testing::ExitedWithCode(0), "");
}

TEST(reserve_heap, a_reservation_past_the_limit_is_cut_to_it) {
  if (!DFS_OWN_MALLOC)
    GTEST_SKIP() << "AddressSanitizer replaces malloc";
  // Asking for more than max_reserved_heap must neither fail nor give the
  // heap back: the buffer still finds its pages.
  EXPECT_EXIT(faults_of_a_fresh_buffer(max_reserved_heap * 2), testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace dfs
