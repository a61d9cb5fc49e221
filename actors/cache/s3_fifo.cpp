// S3-FIFO (Yang et al., SOSP 2023): a small FIFO S (10% of the bytes)
// filters one-hit wonders, a main FIFO M keeps the rest with lazy
// promotion (a 2-bit hit counter gives an entry another round), and a
// ghost FIFO G remembers keys that left S so a quick return goes straight
// to M. Hits only bump a counter: no list moves on the hit path.
#include <algorithm>

#include "actors/cache/entry_table.hpp"
#include "actors/cache/policies.hpp"

namespace dfs::cache {
namespace {

enum : std::uint8_t { small_q, main_q, ghost_q };

class s3_fifo final : public policy {
public:
  explicit s3_fifo(std::uint64_t capacity)
    : capacity_(capacity), small_target_(capacity / 10), main_target_(capacity - capacity / 10) {}

  bool lookup(key k, std::uint64_t) override {
    auto s = table_.find(k);
    if (s == no_slot || table_[s].queue == ghost_q)
      return false;
    table_[s].freq = static_cast<std::uint8_t>(std::min(3, table_[s].freq + 1));
    return true;
  }

  bool insert(key k, std::uint64_t bytes, std::uint64_t, std::vector<key>& evicted) override {
    auto s = table_.find(k);
    if (s != no_slot && table_[s].queue != ghost_q)
      return true;
    if (bytes > capacity_)
      return false;
    bool was_ghost = s != no_slot;
    if (was_ghost)
      table_.remove(s, q_[ghost_q]);
    while (q_[small_q].bytes + q_[main_q].bytes + bytes > capacity_)
      evict(evicted);
    table_.add(k, bytes, q_[was_ghost ? main_q : small_q], was_ghost ? main_q : small_q);
    return true;
  }

  void erase(key k) override {
    auto s = table_.find(k);
    if (s != no_slot && table_[s].queue != ghost_q)
      table_.remove(s, q_[table_[s].queue]);
  }

  bool contains(key k) const override {
    auto s = table_.find(k);
    return s != no_slot && table_[s].queue != ghost_q;
  }
  std::uint64_t bytes() const override { return q_[small_q].bytes + q_[main_q].bytes; }
  std::size_t entries() const override { return q_[small_q].count + q_[main_q].count; }
  std::uint64_t capacity() const override { return capacity_; }
  const char* name() const override { return "s3-fifo"; }

  void check_invariants() const override {
    std::size_t n = 0;
    for (std::uint8_t q = small_q; q <= ghost_q; ++q)
      n += table_.check_queue(q_[q], q);
    if (n != table_.size() || bytes() > capacity_ || q_[ghost_q].bytes > main_target_)
      std::abort();
  }

private:
  void evict(std::vector<key>& evicted) {
    if (q_[small_q].bytes >= small_target_ || q_[main_q].count == 0)
      evict_small(evicted);
    else
      evict_main(evicted);
  }

  // Moves entries hit while in S to M until one entry leaves the cache.
  void evict_small(std::vector<key>& evicted) {
    while (q_[small_q].count > 0) {
      std::uint32_t s = q_[small_q].back;
      if (table_[s].freq >= promote_after) {
        table_[s].freq = 0;
        table_.move_front(s, q_[small_q], q_[main_q], main_q);
        if (q_[main_q].bytes > main_target_) {
          evict_main(evicted);
          return;
        }
      } else {
        evicted.push_back(table_[s].k);
        table_.move_front(s, q_[small_q], q_[ghost_q], ghost_q);
        while (q_[ghost_q].bytes > main_target_)
          table_.remove(q_[ghost_q].back, q_[ghost_q]);
        return;
      }
    }
    evict_main(evicted);
  }

  // Gives entries with hits another round (one hit less) until one leaves.
  void evict_main(std::vector<key>& evicted) {
    while (q_[main_q].count > 0) {
      std::uint32_t s = q_[main_q].back;
      if (table_[s].freq > 0) {
        --table_[s].freq;
        table_.move_front(s, q_[main_q], q_[main_q], main_q);
      } else {
        evicted.push_back(table_[s].k);
        table_.remove(s, q_[main_q]);
        return;
      }
    }
  }

  static constexpr std::uint8_t promote_after = 2;  // hits in S that earn M

  std::uint64_t capacity_;
  std::uint64_t small_target_;
  std::uint64_t main_target_;
  entry_table table_;
  queue q_[3];
};

}  // namespace

std::unique_ptr<policy> make_s3_fifo(const policy_options& options) {
  return std::make_unique<s3_fifo>(options.capacity_bytes);
}

}  // namespace dfs::cache
