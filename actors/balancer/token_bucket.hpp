// A token bucket, pure: `rate` tokens per second accrue up to `burst`;
// time is an input (milliseconds of a monotonic clock).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace dfs::balancer {

class token_bucket {
public:
  token_bucket(double rate_per_s, double burst, int64_t now_ms)
    : rate_(std::max(rate_per_s, 0.0)),
      burst_(std::max(burst, 1.0)),
      tokens_(burst_),
      at_ms_(now_ms) {}

  // Takes `n` tokens if there are that many at `now_ms`.
  bool try_take(int64_t now_ms, double n = 1) {
    refill(now_ms);
    if (tokens_ < n)
      return false;
    tokens_ -= n;
    return true;
  }

  // Milliseconds until `n` tokens are there (0: now); -1 when never (no rate).
  int64_t retry_after_ms(int64_t now_ms, double n = 1) {
    refill(now_ms);
    if (tokens_ >= n)
      return 0;
    if (rate_ <= 0)
      return -1;
    // Capped (a year) so that a tiny rate cannot overflow the cast.
    return static_cast<int64_t>(std::min(std::ceil((n - tokens_) * 1000.0 / rate_), 3.2e10));
  }

  double tokens(int64_t now_ms) {
    refill(now_ms);
    return tokens_;
  }
  int64_t last_used_ms() const { return at_ms_; }

private:
  void refill(int64_t now_ms) {
    if (now_ms > at_ms_) {
      tokens_ = std::min(burst_, tokens_ + rate_ * static_cast<double>(now_ms - at_ms_) / 1000.0);
      at_ms_ = now_ms;
    }
  }

  double rate_;
  double burst_;
  double tokens_;
  int64_t at_ms_;
};

}  // namespace dfs::balancer
