// hybrid, dfs's default policy: recency and frequency blended, with the
// blend adapted to the workload. It redesigns the first hybrid
// (seed-hybrid) to remove its four weaknesses:
//   (1) no clock: only the order of requests matters, so a fast benchmark
//       and a slow production node see the same policy;
//   (2) old popularity fades: residency is decided by recency (FIFO queues
//       with second chances) and the frequency history decays, so formerly
//       popular entries leave once they stop being asked for;
//   (3) exact O(1) eviction: queues, not a heap of scores that go stale;
//   (4) history survives eviction: a decaying count-min sketch and two
//       ghost queues remember keys that left.
//
// Structure (after S3-FIFO, Yang et al. SOSP 2023, with TinyLFU's sketch,
// Einziger et al. 2017, and ARC's adaptation, Megiddo and Modha 2003):
// - small: a FIFO that takes new keys; an entry hit while in it moves on
//   to main when it reaches the end, the others leave (one-hit wonders and
//   scans pass through small only) and are remembered in ghost_small;
// - main: a FIFO with second chances (a 2-bit hit counter, CLOCK-like);
//   its evictions are remembered in ghost_main;
// - a key remembered by a ghost, or seen often by the sketch, goes straight
//   to main, but only if the sketch rates it above main's next victim
//   (frequency-based admission);
// - the size of small adapts as in ARC: a hit in ghost_small means small
//   was too short to see the key's second request, a hit in ghost_main
//   that main was too small; each moves the target by the object's bytes
//   times the ratio of the ghosts' sizes, within 1%..20% of the capacity.
// Sizes are bytes throughout; counters and targets are per policy, so the
// owner (one shard) needs no lock.
#include <algorithm>

#include "actors/cache/entry_table.hpp"
#include "actors/cache/policies.hpp"
#include "actors/cache/sketch.hpp"

namespace dfs::cache {
namespace {

enum : std::uint8_t { small_q, main_q, ghost_small_q, ghost_main_q };

class hybrid final : public policy {
public:
  hybrid(std::uint64_t capacity, std::uint64_t expected_entries)
    : capacity_(capacity),
      min_small_(std::max<std::uint64_t>(capacity / 100, 1)),
      max_small_(std::max<std::uint64_t>(capacity / 5, 1)),
      small_target_(std::max<std::uint64_t>(capacity / 10, 1)),
      sketch_(expected_entries) {}

  bool lookup(key k, std::uint64_t) override {
    sketch_.record(k);
    auto s = table_.find(k);
    if (s == no_slot || table_[s].queue >= ghost_small_q)
      return false;
    table_[s].freq = static_cast<std::uint8_t>(std::min(3, table_[s].freq + 1));
    return true;
  }

  bool insert(key k, std::uint64_t bytes, std::uint64_t, std::vector<key>& evicted) override {
    auto s = table_.find(k);
    if (s != no_slot && table_[s].queue < ghost_small_q)
      return true;
    if (bytes > capacity_)
      return false;
    bool remembered = s != no_slot;
    if (remembered) {
      adapt(table_[s].queue, bytes);
      table_.remove(s, q_[table_[s].queue]);
    }
    while (resident_bytes() + bytes > capacity_)
      evict(evicted);
    std::size_t before = evicted.size();
    auto n = table_.add(k, bytes, q_[small_q], small_q);
    if ((remembered || sketch_.estimate(k) > seen_often) && make_room_in_main(n, evicted))
      table_.move_front(n, q_[small_q], q_[main_q], main_q);
    while (q_[main_q].bytes > main_target())
      evict_main(evicted);
    sketch_.ensure_capacity(entries());
    return admitted(*this, k, evicted, before);
  }

  void erase(key k) override {
    auto s = table_.find(k);
    if (s != no_slot && table_[s].queue < ghost_small_q)
      table_.remove(s, q_[table_[s].queue]);
  }

  bool contains(key k) const override {
    auto s = table_.find(k);
    return s != no_slot && table_[s].queue < ghost_small_q;
  }
  std::uint64_t bytes() const override { return resident_bytes(); }
  std::size_t entries() const override { return q_[small_q].count + q_[main_q].count; }
  std::uint64_t capacity() const override { return capacity_; }
  const char* name() const override { return "hybrid"; }

  void check_invariants() const override {
    std::size_t n = 0;
    for (std::uint8_t q = small_q; q <= ghost_main_q; ++q)
      n += table_.check_queue(q_[q], q);
    if (n != table_.size() || resident_bytes() > capacity_ || small_target_ < min_small_ ||
        small_target_ > max_small_ || q_[ghost_small_q].bytes > capacity_ ||
        q_[ghost_main_q].bytes > capacity_)
      std::abort();
  }

private:
  // A key not remembered by a ghost enters main directly once the sketch
  // has seen it more than this often (the current request included).
  static constexpr std::uint8_t seen_often = 2;

  std::uint64_t resident_bytes() const { return q_[small_q].bytes + q_[main_q].bytes; }
  std::uint64_t main_target() const { return capacity_ - small_target_; }

  // ARC's rule on small's target size, driven by which ghost remembered k.
  void adapt(std::uint8_t ghost, std::uint64_t bytes) {
    std::uint8_t other = ghost == ghost_small_q ? ghost_main_q : ghost_small_q;
    double ratio =
      std::max(1.0, double(q_[other].bytes) / double(std::max<std::uint64_t>(q_[ghost].bytes, 1)));
    double step = ratio * double(bytes) * (ghost == ghost_small_q ? 1 : -1);
    double target =
      std::clamp(double(small_target_) + step, double(min_small_), double(max_small_));
    small_target_ = static_cast<std::uint64_t>(target);
  }

  // Frequency-based admission of the new entry `n` to main: evicts main's
  // victims while the sketch rates `n` above each; false when one rates
  // at least as high (n then stays in small).
  bool make_room_in_main(std::uint32_t n, std::vector<key>& evicted) {
    std::uint8_t rating = sketch_.estimate(table_[n].k);
    while (q_[main_q].bytes + table_[n].bytes > main_target()) {
      std::uint32_t victim = main_victim();
      if (victim == no_slot)
        return true;
      if (rating <= sketch_.estimate(table_[victim].k))
        return false;
      evicted.push_back(table_[victim].k);
      to_ghost(victim, main_q, ghost_main_q);
    }
    return true;
  }

  // Gives main's oldest entries with hits another round (one hit less)
  // until the oldest has none; returns it (no_slot when main is empty).
  std::uint32_t main_victim() {
    while (q_[main_q].count > 0) {
      std::uint32_t s = q_[main_q].back;
      if (table_[s].freq == 0)
        return s;
      --table_[s].freq;
      table_.move_front(s, q_[main_q], q_[main_q], main_q);
    }
    return no_slot;
  }

  void evict(std::vector<key>& evicted) {
    if (q_[small_q].bytes >= small_target_ || q_[main_q].count == 0)
      evict_small(evicted);
    else
      evict_main(evicted);
  }

  // Entries hit while in small move to main until one entry leaves.
  void evict_small(std::vector<key>& evicted) {
    while (q_[small_q].count > 0) {
      std::uint32_t s = q_[small_q].back;
      if (table_[s].freq > 0) {
        table_[s].freq = 0;
        table_.move_front(s, q_[small_q], q_[main_q], main_q);
        if (q_[main_q].bytes > main_target()) {
          evict_main(evicted);
          return;
        }
      } else {
        evicted.push_back(table_[s].k);
        to_ghost(s, small_q, ghost_small_q);
        return;
      }
    }
    evict_main(evicted);
  }

  void evict_main(std::vector<key>& evicted) {
    std::uint32_t s = main_victim();
    if (s == no_slot)
      return;
    evicted.push_back(table_[s].k);
    to_ghost(s, main_q, ghost_main_q);
  }

  // Ghosts remember at most the capacity's worth of bytes each (ghost_small
  // at most main's target, as in S3-FIFO).
  void to_ghost(std::uint32_t s, std::uint8_t from, std::uint8_t ghost) {
    table_.move_front(s, q_[from], q_[ghost], ghost);
    std::uint64_t limit = ghost == ghost_small_q ? main_target() : capacity_;
    while (q_[ghost].bytes > limit)
      table_.remove(q_[ghost].back, q_[ghost]);
  }

  std::uint64_t capacity_;
  std::uint64_t min_small_;  // bounds of small's target size
  std::uint64_t max_small_;
  std::uint64_t small_target_;  // adapted
  frequency_sketch sketch_;
  entry_table table_;
  queue q_[4];
};

}  // namespace

std::unique_ptr<policy> make_hybrid(const policy_options& options) {
  return std::make_unique<hybrid>(options.capacity_bytes, options.expected_entries);
}

}  // namespace dfs::cache
