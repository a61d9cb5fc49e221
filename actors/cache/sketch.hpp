// A count-min sketch of access frequencies with aging (TinyLFU, Einziger
// et al. 2017): four rows of saturating counters (max 15), conservative
// increments, and every `sample` recorded accesses all counters halve, so
// history decays instead of piling up. Memory: 16 bytes per expected entry
// (rounded up to a power of two), whatever the number of keys seen; a
// key's four counters lie in one 64-byte block, so a request touches one
// cache line of it.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "actors/cache/entry_table.hpp"

namespace dfs::cache {

class frequency_sketch {
public:
  explicit frequency_sketch(std::uint64_t expected_entries) { size_for(expected_entries); }

  // Grows the sketch (and forgets its counts) when the cache holds more
  // than twice the entries it was sized for: a sketch sized for 4 MiB
  // chunks must still work when the cache fills with 4 KiB files.
  void ensure_capacity(std::uint64_t entries) {
    if (entries > 2 * expected_)
      size_for(2 * entries);
  }

  // Counts one access of `k`.
  void record(key k) {
    std::uint8_t* block = block_of(k);
    std::uint64_t h = mix64(k);
    std::uint8_t* c[4];
    std::uint8_t low = 15;
    for (int row = 0; row < 4; ++row) {
      c[row] = block + 16 * row + ((h >> (4 * row)) & 15);
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
    const std::uint8_t* block = const_cast<frequency_sketch*>(this)->block_of(k);
    std::uint64_t h = mix64(k);
    std::uint8_t low = 15;
    for (int row = 0; row < 4; ++row)
      low = std::min(low, block[16 * row + ((h >> (4 * row)) & 15)]);
    return low;
  }

private:
  std::uint8_t* block_of(key k) { return &counters_[64 * ((mix64(k) >> 16) & mask_)]; }

  void size_for(std::uint64_t expected_entries) {
    // 16 counters per expected entry, in blocks of 64: a key's four
    // counters share one block (one cache line), one per 16-counter row.
    expected_ = std::max<std::uint64_t>(expected_entries, 16);
    std::uint64_t blocks = 1;
    while (blocks * 64 < 16 * expected_)
      blocks <<= 1;
    mask_ = blocks - 1;
    counters_.assign(64 * blocks, 0);
    sample_ = 10 * expected_;
    recorded_ = 0;
  }

  void age() {
    for (auto& c : counters_)
      c >>= 1;
    recorded_ /= 2;
  }

  std::uint64_t expected_ = 0;  // entries it is sized for
  std::uint64_t mask_ = 0;
  std::uint64_t sample_ = 0;
  std::uint64_t recorded_ = 0;
  std::vector<std::uint8_t> counters_;
};

}  // namespace dfs::cache
