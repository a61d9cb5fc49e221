// Capacity advice: what hit rate the cache would have at 0.25x, 0.5x, 1x,
// 2x and 4x its capacity, estimated online by miniature simulation
// (Waldspurger et al., USENIX ATC 2017, after SHARDS, FAST 2015): requests
// for a spatially hashed sample of the keys (a fixed fraction R of the key
// space, the same keys every time) run through five small copies of the
// cache's own policy, each with R times the capacity it stands for. The
// sampled copies see a representative slice of the workload, so their hit
// rates estimate the full cache's at those sizes, for any policy, at a
// cost of R x 5 policy steps per request.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "actors/cache/policy.hpp"

namespace dfs::cache {

class advisor {
public:
  static constexpr std::array<double, 5> scales{0.25, 0.5, 1, 2, 4};

  // `expected_entries` of the full cache at 1x sets the sampling rate so
  // the 1x copy holds about `sampled_entries` entries (all keys when the
  // cache is that small). nullptr for an unknown policy.
  static std::unique_ptr<advisor> make(const std::string& policy, std::uint64_t capacity_bytes,
                                       std::uint64_t expected_entries,
                                       std::uint64_t sampled_entries = 8000);

  // One request (a lookup, as the cache saw it).
  void lookup(key k, std::uint64_t now);
  // The object was filled after a miss: each copy that missed takes it.
  void insert(key k, std::uint64_t bytes, std::uint64_t now);

  // The figures of one scale. The hit rate corrects the sample as
  // SHARDS-adj does: a sample that drew more (or fewer) requests than its
  // share R of all requests drew more (fewer) of the most popular keys, whose
  // requests hit at any size; the difference is taken off (added to) the
  // hits, over R times all requests.
  struct estimate {
    double scale = 0;
    std::uint64_t capacity_bytes = 0;
    std::uint64_t hits = 0;      // of sampled requests
    std::uint64_t requests = 0;  // sampled requests
    double expected = 0;         // R x all requests
    double hit_rate() const {
      if (expected <= 0)
        return 0;
      double adjusted = double(hits) + expected - double(requests);
      return std::clamp(adjusted / expected, 0.0, 1.0);
    }
  };
  std::vector<estimate> estimates() const;

  double sampling_rate() const { return double(threshold_) / double(1ull << 24); }

private:
  advisor() = default;
  bool sampled(key k) const;

  std::uint64_t capacity_ = 0;
  std::uint64_t threshold_ = 0;  // a key is sampled when its hash mod 2^24 is below
  std::array<std::unique_ptr<policy>, scales.size()> copies_;
  std::array<std::uint64_t, scales.size()> hits_{};
  std::uint64_t requests_ = 0;  // sampled
  std::uint64_t all_requests_ = 0;
  std::vector<key> evicted_;
};

}  // namespace dfs::cache
