// Least recently used: one queue, hits move to the front, the back goes.
#include "actors/cache/entry_table.hpp"
#include "actors/cache/policies.hpp"

namespace dfs::cache {
namespace {

class lru final : public policy {
public:
  explicit lru(std::uint64_t capacity) : capacity_(capacity) {}

  bool lookup(key k, std::uint64_t) override {
    auto s = table_.find(k);
    if (s == no_slot)
      return false;
    table_.move_front(s, q_, q_, 0);
    return true;
  }

  bool insert(key k, std::uint64_t bytes, std::uint64_t, std::vector<key>& evicted) override {
    if (table_.find(k) != no_slot)
      return true;
    if (bytes > capacity_)
      return false;
    while (q_.bytes + bytes > capacity_) {
      evicted.push_back(table_[q_.back].k);
      table_.remove(q_.back, q_);
    }
    table_.add(k, bytes, q_, 0);
    return true;
  }

  void erase(key k) override {
    auto s = table_.find(k);
    if (s != no_slot)
      table_.remove(s, q_);
  }

  bool contains(key k) const override { return table_.find(k) != no_slot; }
  std::uint64_t bytes() const override { return q_.bytes; }
  std::size_t entries() const override { return q_.count; }
  std::uint64_t capacity() const override { return capacity_; }
  const char* name() const override { return "lru"; }

  void check_invariants() const override {
    if (table_.check_queue(q_, 0) != table_.size() || q_.bytes > capacity_)
      std::abort();
  }

private:
  std::uint64_t capacity_;
  entry_table table_;
  queue q_;
};

}  // namespace

std::unique_ptr<policy> make_lru(const policy_options& options) {
  return std::make_unique<lru>(options.capacity_bytes);
}

}  // namespace dfs::cache
