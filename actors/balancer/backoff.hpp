// Retry pauses: exponential backoff with full jitter (a uniform pause in
// [0, min(cap, base * 2^attempt)]), bounded by the time a request has
// left. Pure: the random source is an input.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <random>

namespace dfs::balancer {

struct backoff_config {
  int64_t base_ms = 10;
  int64_t cap_ms = 1000;
  uint32_t max_attempts = 6;  // retries after the first try
};

// The pause before retry number `attempt` (0 for the first retry), or
// nullopt when no retry is left: attempts used up, or the pause plus
// `min_try_ms` (the least a try needs) would not fit in `remaining_ms`.
template <class Rng>
std::optional<int64_t> next_backoff(const backoff_config& cfg, uint32_t attempt,
                                    int64_t remaining_ms, int64_t min_try_ms, Rng& rng) {
  if (attempt >= cfg.max_attempts)
    return std::nullopt;
  auto ceiling = cfg.base_ms;
  for (uint32_t i = 0; i < attempt && ceiling < cfg.cap_ms; ++i)
    ceiling *= 2;
  ceiling = std::min(ceiling, cfg.cap_ms);
  // Never longer than what leaves a try its minimum.
  ceiling = std::min(ceiling, remaining_ms - min_try_ms);
  if (ceiling < 0)
    return std::nullopt;
  std::uniform_int_distribution<int64_t> pause(0, ceiling);
  return pause(rng);
}

}  // namespace dfs::balancer
