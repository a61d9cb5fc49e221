// The one error vocabulary of dfs. Every failure that crosses an actor
// boundary, reaches a client or ends a command is one of these codes, with a
// human message for context. Registered with CAF as the error category "dfs",
// so a caf::error carrying an errc survives the trip across the middleman.
#pragma once

#include <cstdint>
#include <string>

#include <caf/atom.hpp>
#include <caf/error.hpp>

namespace dfs {

enum class errc : uint8_t {
  ok = 0,
  invalid_argument,  // a malformed request: bad size, bad option, bad index
  invalid_path,      // a path that breaks the path rules
  not_found,         // no such file, directory, chunk or upload
  already_exists,    // the target path exists
  not_a_directory,   // a file where a directory is expected
  is_a_directory,    // a directory where a file is expected
  not_empty,         // removing a non-empty directory without recursion
  unavailable,       // the node or role cannot serve this now (down, shutting down)
  timeout,           // the request's deadline passed
  io_error,          // the disk refused a read or a write
  corrupt,           // stored data failed its checksum or could not be decoded
  no_space,          // the disk is full
  too_large,         // a payload or a name exceeds its bound
  overloaded,        // too much work in flight; retry later
  internal,          // a bug: an invariant did not hold
};

// Name of the CAF error category for errc.
constexpr caf::atom_value errc_category = caf::atom("dfs");

// Short, stable name of a code ("not_found").
const char* to_string(errc code);

// Process exit code of dfsctl for a failure with this code.
int exit_code(errc code);

// Wraps a code and a context message into a caf::error.
caf::error make_error(errc code, std::string context = {});

// Maps any caf::error (ours, or CAF's own sec codes such as request_timeout)
// to the nearest errc. A default-constructed error maps to errc::ok.
errc to_errc(const caf::error& err);

// "not_found: /a/b does not exist" for any caf::error.
std::string describe(const caf::error& err);

}  // namespace dfs
