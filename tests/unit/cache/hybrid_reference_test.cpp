// hybrid's O(1) structure against an O(n) reference implementation of the
// same policy (plain vectors, linear search, the same sketch): on random
// traces with mixed sizes, every lookup, admission and eviction must be
// identical. Proves the queues and the hash index exact, not approximate.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "actors/cache/entry_table.hpp"
#include "actors/cache/policy.hpp"
#include "actors/cache/sketch.hpp"

namespace dfs::cache {
namespace {

// The policy as its header comment states it, written for clarity only.
class reference_hybrid {
public:
  reference_hybrid(std::uint64_t capacity, std::uint64_t expected_entries)
    : capacity_(capacity),
      min_small_(std::max<std::uint64_t>(capacity / 100, 1)),
      max_small_(std::max<std::uint64_t>(capacity / 5, 1)),
      small_target_(std::max<std::uint64_t>(capacity / 10, 1)),
      sketch_(expected_entries) {}

  bool lookup(key k) {
    sketch_.record(k);
    auto [q, i] = find(k);
    if (q < 0 || q >= ghost_small)
      return false;
    auto& f = queues_[q][i].freq;
    f = std::min(3, f + 1);
    return true;
  }

  bool insert(key k, std::uint64_t bytes, std::vector<key>& evicted) {
    auto [q, i] = find(k);
    if (q >= 0 && q < ghost_small)
      return true;
    if (bytes > capacity_)
      return false;
    bool remembered = q >= 0;
    if (remembered) {
      int other = q == ghost_small ? ghost_main : ghost_small;
      double ratio =
        std::max(1.0, double(total(other)) / double(std::max<std::uint64_t>(total(q), 1)));
      double target = double(small_target_) + ratio * double(bytes) * (q == ghost_small ? 1 : -1);
      small_target_ =
        static_cast<std::uint64_t>(std::clamp(target, double(min_small_), double(max_small_)));
      queues_[q].erase(queues_[q].begin() + i);
    }
    while (total(small) + total(main) + bytes > capacity_)
      evict(evicted);
    queues_[small].insert(queues_[small].begin(), {k, bytes, 0});
    if ((remembered || sketch_.estimate(k) > 2) && room_in_main(k, bytes, evicted))
      move(small, 0, main);
    while (total(main) > capacity_ - small_target_)
      evict_main(evicted);
    sketch_.ensure_capacity(queues_[small].size() + queues_[main].size());
    return contains(k);
  }

  bool contains(key k) const {
    auto [q, i] = find(k);
    return q >= 0 && q < ghost_small;
  }
  std::uint64_t bytes() const { return total(small) + total(main); }

private:
  enum { small, main, ghost_small, ghost_main };
  struct entry {
    key k;
    std::uint64_t bytes;
    int freq;
  };

  std::pair<int, std::size_t> find(key k) const {
    for (int q = 0; q < 4; ++q)
      for (std::size_t i = 0; i < queues_[q].size(); ++i)
        if (queues_[q][i].k == k)
          return {q, i};
    return {-1, 0};
  }
  std::uint64_t total(int q) const {
    std::uint64_t sum = 0;
    for (auto& e : queues_[q])
      sum += e.bytes;
    return sum;
  }
  // Moves entry i of queue `from` to the front (index 0) of `to`.
  void move(int from, std::size_t i, int to) {
    entry e = queues_[from][i];
    queues_[from].erase(queues_[from].begin() + i);
    queues_[to].insert(queues_[to].begin(), e);
  }
  // main's CLOCK: the oldest entry with hits goes round again, one hit less.
  bool main_victim() {
    while (!queues_[main].empty()) {
      if (queues_[main].back().freq == 0)
        return true;
      --queues_[main].back().freq;
      move(main, queues_[main].size() - 1, main);
    }
    return false;
  }
  bool room_in_main(key k, std::uint64_t bytes, std::vector<key>& evicted) {
    while (total(main) + bytes > capacity_ - small_target_) {
      if (!main_victim())
        return true;
      if (sketch_.estimate(k) <= sketch_.estimate(queues_[main].back().k))
        return false;
      evicted.push_back(queues_[main].back().k);
      to_ghost(main, ghost_main);
    }
    return true;
  }
  void to_ghost(int from, int ghost) {
    move(from, queues_[from].size() - 1, ghost);
    std::uint64_t limit = ghost == ghost_small ? capacity_ - small_target_ : capacity_;
    while (total(ghost) > limit)
      queues_[ghost].pop_back();
  }
  void evict(std::vector<key>& evicted) {
    if (total(small) >= small_target_ || queues_[main].empty()) {
      while (!queues_[small].empty()) {
        if (queues_[small].back().freq > 0) {
          queues_[small].back().freq = 0;
          move(small, queues_[small].size() - 1, main);
          if (total(main) > capacity_ - small_target_) {
            evict_main(evicted);
            return;
          }
        } else {
          evicted.push_back(queues_[small].back().k);
          to_ghost(small, ghost_small);
          return;
        }
      }
    }
    evict_main(evicted);
  }
  void evict_main(std::vector<key>& evicted) {
    if (!main_victim())
      return;
    evicted.push_back(queues_[main].back().k);
    to_ghost(main, ghost_main);
  }

  std::uint64_t capacity_, min_small_, max_small_, small_target_;
  frequency_sketch sketch_;
  std::vector<entry> queues_[4];  // index 0 is the newest
};

TEST(hybrid, evicts_exactly_as_the_linear_reference_does) {
  for (std::uint64_t seed = 1; seed <= 12; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937_64 rng(seed);
    bool unit_sizes = seed % 3 == 0;
    std::uint64_t keys = 50 + rng() % 600;
    std::uint64_t capacity = unit_sizes ? 10 + rng() % (keys / 3) : 200 + rng() % 2000;
    auto fast = make_policy("hybrid", {capacity, capacity / (unit_sizes ? 1 : 20), 1});
    reference_hybrid slow(capacity, capacity / (unit_sizes ? 1 : 20));
    std::vector<key> ef, es;
    std::uint64_t evictions = 0;
    for (int i = 0; i < 20000; ++i) {
      // Phases of skew, scans and shifts.
      key k = (i / 5000) % 2 ? rng() % keys : (rng() % keys) * (rng() % keys) / keys + i / 7000;
      std::uint64_t bytes = 1 + mix64(k) % (unit_sizes ? 1 : 80);
      bool hf = fast->lookup(k, i), hs = slow.lookup(k);
      ASSERT_EQ(hf, hs) << "request " << i;
      if (!hf) {
        ef.clear(), es.clear();
        ASSERT_EQ(fast->insert(k, bytes, i, ef), slow.insert(k, bytes, es)) << "request " << i;
        ASSERT_EQ(ef, es) << "request " << i;
        evictions += ef.size();
      }
      ASSERT_EQ(fast->bytes(), slow.bytes());
      fast->check_invariants();
    }
    EXPECT_GT(evictions, 1000u) << "the trace must exercise eviction";
  }
}

}  // namespace
}  // namespace dfs::cache
