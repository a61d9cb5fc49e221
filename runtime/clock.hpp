// Wall-clock helpers for the actor layer (pure cores never read a clock).
#pragma once

#include <chrono>
#include <cstdint>

namespace dfs {

// Milliseconds since the Unix epoch.
inline int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// Milliseconds of the monotonic clock (for intervals and timeouts: never
// jumps when the wall clock is set).
inline int64_t mono_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace dfs
