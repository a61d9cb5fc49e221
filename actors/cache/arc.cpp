// ARC (Megiddo and Modha, FAST 2003), generalized to byte sizes: T1 holds
// entries seen once recently, T2 entries seen at least twice; the ghost
// lists B1 and B2 remember keys recently evicted from each, and a hit in a
// ghost list moves the target size p of T1 toward the list that would have
// kept it. With unit sizes this is the paper's algorithm step for step.
#include <algorithm>

#include "actors/cache/entry_table.hpp"
#include "actors/cache/policies.hpp"

namespace dfs::cache {
namespace {

enum : std::uint8_t { t1, t2, b1, b2 };

class arc final : public policy {
public:
  explicit arc(std::uint64_t capacity) : capacity_(capacity) {}

  bool lookup(key k, std::uint64_t) override {
    auto s = table_.find(k);
    if (s == no_slot || table_[s].queue >= b1)
      return false;
    table_.move_front(s, q_[table_[s].queue], q_[t2], t2);
    return true;
  }

  bool insert(key k, std::uint64_t bytes, std::uint64_t, std::vector<key>& evicted) override {
    auto s = table_.find(k);
    if (s != no_slot && table_[s].queue < b1)
      return true;
    if (bytes > capacity_)
      return false;
    bool in_b1 = s != no_slot && table_[s].queue == b1;
    bool in_b2 = s != no_slot && table_[s].queue == b2;
    double c = static_cast<double>(capacity_);
    if (in_b1) {
      double ratio = q_[b2].bytes > q_[b1].bytes ? double(q_[b2].bytes) / double(q_[b1].bytes) : 1;
      p_ = std::min(c, p_ + ratio * double(bytes));
      table_.remove(s, q_[b1]);
    } else if (in_b2) {
      double ratio = q_[b1].bytes > q_[b2].bytes ? double(q_[b1].bytes) / double(q_[b2].bytes) : 1;
      p_ = std::max(0.0, p_ - ratio * double(bytes));
      table_.remove(s, q_[b2]);
    }
    while (q_[t1].bytes + q_[t2].bytes + bytes > capacity_)
      replace(in_b2, evicted);
    table_.add(k, bytes, q_[in_b1 || in_b2 ? t2 : t1], in_b1 || in_b2 ? t2 : t1);
    while (q_[t1].bytes + q_[b1].bytes > capacity_ && q_[b1].count > 0)
      table_.remove(q_[b1].back, q_[b1]);
    while (total() > 2 * capacity_ && q_[b2].count > 0)
      table_.remove(q_[b2].back, q_[b2]);
    return true;
  }

  void erase(key k) override {
    auto s = table_.find(k);
    if (s != no_slot && table_[s].queue < b1)
      table_.remove(s, q_[table_[s].queue]);
  }

  bool contains(key k) const override {
    auto s = table_.find(k);
    return s != no_slot && table_[s].queue < b1;
  }
  std::uint64_t bytes() const override { return q_[t1].bytes + q_[t2].bytes; }
  std::size_t entries() const override { return q_[t1].count + q_[t2].count; }
  std::uint64_t capacity() const override { return capacity_; }
  const char* name() const override { return "arc"; }

  void check_invariants() const override {
    std::size_t n = 0;
    for (std::uint8_t q = t1; q <= b2; ++q)
      n += table_.check_queue(q_[q], q);
    if (n != table_.size() || bytes() > capacity_ || p_ < 0 || p_ > double(capacity_))
      std::abort();
  }

private:
  std::uint64_t total() const { return q_[t1].bytes + q_[t2].bytes + q_[b1].bytes + q_[b2].bytes; }

  // The paper's REPLACE: evicts from T1 when it is above its target p,
  // from T2 otherwise, keeping the key in the matching ghost list.
  void replace(bool in_b2, std::vector<key>& evicted) {
    bool from_t1 = q_[t1].count > 0 && (double(q_[t1].bytes) > p_ ||
                                        (in_b2 && double(q_[t1].bytes) == p_) || q_[t2].count == 0);
    std::uint8_t from = from_t1 ? t1 : t2;
    std::uint32_t s = q_[from].back;
    evicted.push_back(table_[s].k);
    table_.move_front(s, q_[from], q_[from_t1 ? b1 : b2], from_t1 ? b1 : b2);
  }

  std::uint64_t capacity_;
  double p_ = 0;  // target bytes of T1
  entry_table table_;
  queue q_[4];
};

}  // namespace

std::unique_ptr<policy> make_arc(const policy_options& options) {
  return std::make_unique<arc>(options.capacity_bytes);
}

}  // namespace dfs::cache
