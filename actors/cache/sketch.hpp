// A count-min sketch of access frequencies with aging (TinyLFU, Einziger
// et al. 2017): four rows of saturating counters (max 15), conservative
// increments, and every `sample` recorded accesses all counters halve, so
// history decays instead of piling up. Memory: 4 bytes per expected entry
// (rounded up to a power of two), whatever the number of keys seen.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "actors/cache/entry_table.hpp"

namespace dfs::cache {

class frequency_sketch {
public:
  explicit frequency_sketch(std::uint64_t expected_entries) {
    std::uint64_t width = 16;
    while (width < 4 * expected_entries)
      width <<= 1;
    mask_ = width - 1;
    counters_.assign(4 * width, 0);
    sample_ = 10 * std::max<std::uint64_t>(expected_entries, 16);
  }

  // Counts one access of `k`.
  void record(key k) {
    std::uint64_t h = mix64(k);
    std::uint8_t* c[4];
    std::uint8_t low = 15;
    for (int row = 0; row < 4; ++row) {
      c[row] = &counters_[row * (mask_ + 1) + (index(h, row) & mask_)];
      low = std::min(low, *c[row]);
    }
    if (low < 15)
      for (auto* counter : c)
        if (*counter == low)
          ++*counter;
    if (++recorded_ >= sample_)
      age();
  }

  // An upper bound of `k`'s recent accesses (0..15).
  std::uint8_t estimate(key k) const {
    std::uint64_t h = mix64(k);
    std::uint8_t low = 15;
    for (int row = 0; row < 4; ++row)
      low = std::min(low, counters_[row * (mask_ + 1) + (index(h, row) & mask_)]);
    return low;
  }

private:
  static std::uint64_t index(std::uint64_t h, int row) {
    return (h >> (16 * row)) ^ (h * (2 * row + 1) >> 32);
  }

  void age() {
    for (auto& c : counters_)
      c >>= 1;
    recorded_ /= 2;
  }

  std::uint64_t mask_ = 0;
  std::uint64_t sample_ = 0;
  std::uint64_t recorded_ = 0;
  std::vector<std::uint8_t> counters_;
};

}  // namespace dfs::cache
