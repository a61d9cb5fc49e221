// Replays a trace through policies and counts request and byte hits:
// each request is a lookup, and a miss is followed by an insert (the
// cache fill). OPT is Belady's clairvoyant policy, computed offline: on a
// miss it evicts the entries whose next use is furthest away, and does not
// admit an object whose next use is further still (or that never
// returns). With unit sizes that is the optimum; with mixed sizes it is
// the usual furthest-in-future bound, not an exact optimum.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "actors/cache/policy.hpp"
#include "actors/cache/trace.hpp"

namespace dfs::cache {

struct sim_result {
  std::string policy;
  std::uint64_t requests = 0;
  std::uint64_t hits = 0;
  std::uint64_t bytes_requested = 0;
  std::uint64_t bytes_hit = 0;

  double hit_rate() const { return requests ? double(hits) / double(requests) : 0; }
  double byte_hit_rate() const {
    return bytes_requested ? double(bytes_hit) / double(bytes_requested) : 0;
  }
};

// `now` for request i is i: logical time.
sim_result simulate(const std::vector<request>& trace, policy& p);

sim_result simulate_opt(const std::vector<request>& trace, std::uint64_t capacity_bytes);

// Runs "opt" or any make_policy name; an unknown name gives a result with
// an empty policy name.
sim_result simulate_named(const std::vector<request>& trace, const std::string& name,
                          const policy_options& options);

// The capacity advisor (advisor.hpp) against the truth: for each of its
// scales, the hit rate it predicts after seeing `trace` through a cache
// of `options` and the hit rate a full simulation at that size gets.
struct advice_check {
  double scale = 0;
  double predicted = 0;
  double actual = 0;
};
std::vector<advice_check> check_advice(const std::vector<request>& trace, const std::string& name,
                                       const policy_options& options);

}  // namespace dfs::cache
