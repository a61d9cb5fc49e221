// Deadlines of requests, as carried by request_context.
#pragma once

#include <algorithm>
#include <chrono>

#include "messages/types.hpp"
#include "runtime/clock.hpp"

namespace dfs {

// A context with a deadline this far from now.
inline request_context context_with_timeout(std::chrono::milliseconds timeout) {
  request_context ctx;
  ctx.deadline_ms = now_ms() + timeout.count();
  return ctx;
}

// True when the request's deadline has passed (0 means no deadline).
inline bool past_deadline(const request_context& ctx) {
  return ctx.deadline_ms != 0 && now_ms() >= ctx.deadline_ms;
}

// Time left until the deadline, capped at `cap` (and at least 1 ms, so a
// request issued just in time still gets a timer). No deadline: `cap`.
inline std::chrono::milliseconds time_left(const request_context& ctx,
                                           std::chrono::milliseconds cap) {
  if (ctx.deadline_ms == 0)
    return cap;
  auto left = std::chrono::milliseconds{ctx.deadline_ms - now_ms()};
  return std::clamp(left, std::chrono::milliseconds{1}, cap);
}

}  // namespace dfs
