// A per-node circuit breaker, pure: time is an input (milliseconds of a
// monotonic clock).
//
//   closed    -- failure_threshold failures in a row -->  open
//   open      -- cool_down elapsed -->                    half_open
//   half_open -- `probes` requests let through; all succeed --> closed
//             -- any fails -->                            open (cool-down doubled, up to max)
//
// A request is asked for with allow() and its outcome reported with
// success() or failure(); outcomes of requests let through before the
// breaker opened still count (a success closes nothing while open).
#pragma once

#include <algorithm>
#include <cstdint>

namespace dfs::balancer {

enum class breaker_state { closed, open, half_open };

inline const char* to_string(breaker_state s) {
  switch (s) {
    case breaker_state::closed:
      return "closed";
    case breaker_state::open:
      return "open";
    case breaker_state::half_open:
      return "half-open";
  }
  return "unknown";
}

struct breaker_config {
  uint32_t failure_threshold = 5;
  int64_t cool_down_ms = 2000;
  int64_t max_cool_down_ms = 30000;
  uint32_t probes = 3;
};

class circuit_breaker {
public:
  explicit circuit_breaker(breaker_config cfg = {}) : cfg_(cfg), cool_down_ms_(cfg.cool_down_ms) {}

  // The state at `now_ms` (an open breaker whose cool-down is over is half-open).
  breaker_state state(int64_t now_ms) {
    if (state_ == breaker_state::open && now_ms >= opened_ms_ + cool_down_ms_) {
      state_ = breaker_state::half_open;
      probes_sent_ = 0;
      probes_ok_ = 0;
    }
    return state_;
  }

  // May a request go to the node now? In half-open, true for at most
  // `probes` requests until their outcomes are in.
  bool allow(int64_t now_ms) {
    switch (state(now_ms)) {
      case breaker_state::closed:
        return true;
      case breaker_state::open:
        return false;
      case breaker_state::half_open:
        if (probes_sent_ >= cfg_.probes)
          return false;
        ++probes_sent_;
        return true;
    }
    return false;
  }

  // Whether allow() would say yes, without taking a probe.
  bool would_allow(int64_t now_ms) {
    auto s = state(now_ms);
    return s == breaker_state::closed ||
           (s == breaker_state::half_open && probes_sent_ < cfg_.probes);
  }

  void success(int64_t now_ms) {
    switch (state(now_ms)) {
      case breaker_state::closed:
        failures_ = 0;
        break;
      case breaker_state::open:
        break;
      case breaker_state::half_open:
        if (++probes_ok_ >= cfg_.probes) {
          state_ = breaker_state::closed;
          failures_ = 0;
          cool_down_ms_ = cfg_.cool_down_ms;
        }
        break;
    }
  }

  void failure(int64_t now_ms) {
    switch (state(now_ms)) {
      case breaker_state::closed:
        if (++failures_ >= cfg_.failure_threshold)
          open(now_ms, cfg_.cool_down_ms);
        break;
      case breaker_state::open:
        break;
      case breaker_state::half_open:
        open(now_ms, std::min(cool_down_ms_ * 2, cfg_.max_cool_down_ms));
        break;
    }
  }

  uint32_t consecutive_failures() const { return failures_; }
  uint64_t times_opened() const { return opened_; }

private:
  void open(int64_t now_ms, int64_t cool_down) {
    state_ = breaker_state::open;
    opened_ms_ = now_ms;
    cool_down_ms_ = std::max<int64_t>(cool_down, 1);
    failures_ = 0;
    ++opened_;
  }

  breaker_config cfg_;
  breaker_state state_ = breaker_state::closed;
  uint32_t failures_ = 0;
  int64_t opened_ms_ = 0;
  int64_t cool_down_ms_;
  uint32_t probes_sent_ = 0;
  uint32_t probes_ok_ = 0;
  uint64_t opened_ = 0;
};

}  // namespace dfs::balancer
