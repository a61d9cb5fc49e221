// Least frequently used, counting only while resident: the entry with the
// fewest hits goes, the least recently used among equals.
#include "actors/cache/buckets.hpp"
#include "actors/cache/policies.hpp"

namespace dfs::cache {
namespace {

class lfu final : public policy {
public:
  explicit lfu(std::uint64_t capacity) : capacity_(capacity) {}

  bool lookup(key k, std::uint64_t now) override {
    if (!entries_.find(k))
      return false;
    entries_.hit(k, now);
    return true;
  }

  bool insert(key k, std::uint64_t bytes, std::uint64_t now, std::vector<key>& evicted) override {
    if (entries_.find(k))
      return true;
    if (bytes > capacity_)
      return false;
    while (entries_.bytes() + bytes > capacity_) {
      key victim = entries_.buckets().begin()->second.front();
      evicted.push_back(victim);
      entries_.erase(victim);
    }
    entries_.add(k, bytes, now);
    return true;
  }

  void erase(key k) override { entries_.erase(k); }
  bool contains(key k) const override { return entries_.find(k) != nullptr; }
  std::uint64_t bytes() const override { return entries_.bytes(); }
  std::size_t entries() const override { return entries_.size(); }
  std::uint64_t capacity() const override { return capacity_; }
  const char* name() const override { return "lfu"; }
  void check_invariants() const override { entries_.check(capacity_); }

private:
  std::uint64_t capacity_;
  frequency_buckets entries_;
};

}  // namespace

std::unique_ptr<policy> make_lfu(const policy_options& options) {
  return std::make_unique<lfu>(options.capacity_bytes);
}

}  // namespace dfs::cache
