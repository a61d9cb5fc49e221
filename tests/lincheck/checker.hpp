// A linearizability checker for client histories of a key-value namespace
// (Wing & Gong's search with Lowe's memoization, partitioned per key as in
// Porcupine). Each operation has an invocation and a return time; an
// operation that timed out has no return (it may or may not have taken
// effect, at any time after its invocation). check() answers whether some
// total order of the operations, consistent with real time, explains every
// observed result under sequential semantics.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace dfs::lincheck {

enum class op_kind { put, get, remove };

struct operation {
  op_kind kind = op_kind::get;
  std::string key;
  std::string value;  // put: the value written
  int64_t invoked = 0;
  int64_t returned = std::numeric_limits<int64_t>::max();  // max: timed out
  // Observed result (ignored for timed-out operations):
  //   get: the value read, or nullopt for "not found";
  //   remove: "ok" or "not_found" in `status`.
  std::optional<std::string> read;
  std::string status;

  bool timed_out() const { return returned == std::numeric_limits<int64_t>::max(); }
};

struct verdict {
  bool linearizable = true;
  std::string key;  // the first key whose history has no valid order
};

verdict check(const std::vector<operation>& history);

}  // namespace dfs::lincheck
