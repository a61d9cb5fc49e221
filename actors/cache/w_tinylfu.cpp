// W-TinyLFU (Einziger, Friedman and Manes, 2017) as Caffeine ships it by
// default: a window LRU of 1% of the bytes takes every new entry; entries
// leaving it compete with the main region's victim, and the one the
// frequency sketch has seen more often stays. The main region is a
// segmented LRU: probation (20%) and protected (80%).
#include "actors/cache/entry_table.hpp"
#include "actors/cache/policies.hpp"
#include "actors/cache/sketch.hpp"

namespace dfs::cache {
namespace {

enum : std::uint8_t { window_q, probation_q, protected_q };

class w_tinylfu final : public policy {
public:
  w_tinylfu(std::uint64_t capacity, std::uint64_t expected_entries)
    : capacity_(capacity),
      window_target_(std::max<std::uint64_t>(capacity / 100, 1)),
      main_target_(capacity - window_target_),
      protected_target_(main_target_ * 8 / 10),
      sketch_(expected_entries) {}

  bool lookup(key k, std::uint64_t) override {
    sketch_.record(k);
    auto s = table_.find(k);
    if (s == no_slot)
      return false;
    std::uint8_t q = table_[s].queue;
    if (q == probation_q) {
      table_.move_front(s, q_[probation_q], q_[protected_q], protected_q);
      while (q_[protected_q].bytes > protected_target_)
        table_.move_front(q_[protected_q].back, q_[protected_q], q_[probation_q], probation_q);
    } else {
      table_.move_front(s, q_[q], q_[q], q);
    }
    return true;
  }

  bool insert(key k, std::uint64_t bytes, std::uint64_t, std::vector<key>& evicted) override {
    if (table_.find(k) != no_slot)
      return true;
    if (bytes > capacity_)
      return false;
    std::size_t before = evicted.size();
    table_.add(k, bytes, q_[window_q], window_q);
    while (q_[window_q].bytes > window_target_)
      leave_window(evicted);
    sketch_.ensure_capacity(entries());
    return admitted(*this, k, evicted, before);
  }

  void erase(key k) override {
    auto s = table_.find(k);
    if (s != no_slot)
      table_.remove(s, q_[table_[s].queue]);
  }

  bool contains(key k) const override { return table_.find(k) != no_slot; }
  std::uint64_t bytes() const override {
    return q_[window_q].bytes + q_[probation_q].bytes + q_[protected_q].bytes;
  }
  std::size_t entries() const override { return table_.size(); }
  std::uint64_t capacity() const override { return capacity_; }
  const char* name() const override { return "w-tinylfu"; }

  void check_invariants() const override {
    std::size_t n = 0;
    for (std::uint8_t q = window_q; q <= protected_q; ++q)
      n += table_.check_queue(q_[q], q);
    if (n != table_.size() || bytes() > capacity_ ||
        q_[probation_q].bytes + q_[protected_q].bytes > main_target_)
      std::abort();
  }

private:
  // The window's oldest entry enters the main region if it fits or if it
  // is more frequent than each victim it would displace.
  void leave_window(std::vector<key>& evicted) {
    std::uint32_t cand = q_[window_q].back;
    std::uint64_t need = table_[cand].bytes;
    std::uint8_t cand_freq = sketch_.estimate(table_[cand].k);
    while (q_[probation_q].bytes + q_[protected_q].bytes + need > main_target_) {
      std::uint8_t from = q_[probation_q].count > 0 ? probation_q : protected_q;
      std::uint32_t victim = q_[from].back;
      if (victim == no_slot || cand_freq <= sketch_.estimate(table_[victim].k)) {
        evicted.push_back(table_[cand].k);
        table_.remove(cand, q_[window_q]);
        return;
      }
      evicted.push_back(table_[victim].k);
      table_.remove(victim, q_[from]);
    }
    table_.move_front(cand, q_[window_q], q_[probation_q], probation_q);
  }

  std::uint64_t capacity_;
  std::uint64_t window_target_;
  std::uint64_t main_target_;
  std::uint64_t protected_target_;
  frequency_sketch sketch_;
  entry_table table_;
  queue q_[3];
};

}  // namespace

std::unique_ptr<policy> make_w_tinylfu(const policy_options& options) {
  return std::make_unique<w_tinylfu>(options.capacity_bytes, options.expected_entries);
}

}  // namespace dfs::cache
