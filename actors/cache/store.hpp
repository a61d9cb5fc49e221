// The contents of one cache shard: chunk bytes by chunk id, kept or
// evicted by a replacement policy under a byte budget that counts each
// entry's bookkeeping too. Pure (no CAF, no clock: `now` is an input);
// not thread-safe: its shard actor is its only user.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/cache/advisor.hpp"
#include "actors/cache/policy.hpp"
#include "runtime/bytes.hpp"

namespace dfs::cache {

struct store_stats {
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  std::uint64_t bytes_hit = 0;
  std::uint64_t bytes_missed = 0;  // of misses later filled (a miss's size is unknown)
  std::uint64_t fills = 0;         // chunks offered after a miss
  std::uint64_t rejected = 0;      // offered but not admitted (admission filter or too large)
  std::uint64_t evictions = 0;
  std::uint64_t bytes = 0;  // charged bytes resident, bookkeeping included
  std::uint64_t entries = 0;
  std::uint64_t capacity = 0;
};

class store {
public:
  // Bookkeeping charged per entry on top of its chunk id and bytes: the
  // map node, the policy's slot and index, its share of ghost entries
  // and of the frequency sketch.
  static constexpr std::uint64_t entry_overhead = 256;

  // `typical_entry` sizes the policy's sketch (expected entries =
  // budget / typical_entry). nullptr policy name: see make().
  static std::unique_ptr<store> make(const std::string& policy_name, std::uint64_t budget,
                                     std::uint64_t typical_entry);

  // The chunk's bytes, or nullptr; counts a hit or a miss. The pointer is
  // valid until the next call that changes the store.
  const byte_buffer* get(const std::string& id, std::uint64_t now);

  // Offers a chunk after a miss; true when it was admitted (or already
  // there). Never lets the charged bytes exceed the budget.
  bool put(const std::string& id, byte_buffer data, std::uint64_t now);

  void erase(const std::string& id);

  const store_stats& stats() const { return stats_; }
  // What the hit rate would be at 0.25x..4x the budget (advisor.hpp).
  std::vector<advisor::estimate> advice() const { return advisor_->estimates(); }
  const char* policy_name() const { return policy_->name(); }

  // Aborts when the entries, the policy and the charged bytes disagree.
  void check_invariants() const;

private:
  store(std::unique_ptr<policy> p, std::unique_ptr<advisor> a, std::uint64_t budget);
  static std::uint64_t charge(const std::string& id, const byte_buffer& data) {
    return id.size() + data.size() + entry_overhead;
  }

  struct entry {
    std::string id;  // guards against two ids with the same 64-bit key
    byte_buffer data;
  };

  std::unique_ptr<policy> policy_;
  std::unique_ptr<advisor> advisor_;
  std::unordered_map<key, entry> entries_;
  std::vector<key> evicted_;  // scratch
  store_stats stats_;
};

}  // namespace dfs::cache
