// Least frequently used, counting only while resident: the entry with the
// fewest hits goes, the least recently used among equals. Frequency
// buckets in an ordered map make both steps O(log n).
#include <list>
#include <map>
#include <unordered_map>

#include "actors/cache/policies.hpp"

namespace dfs::cache {
namespace {

class lfu final : public policy {
public:
  explicit lfu(std::uint64_t capacity) : capacity_(capacity) {}

  bool lookup(key k, std::uint64_t) override {
    auto i = index_.find(k);
    if (i == index_.end())
      return false;
    entry& e = i->second;
    unbucket(e);
    ++e.count;
    bucket(k, e);
    return true;
  }

  bool insert(key k, std::uint64_t bytes, std::uint64_t, std::vector<key>& evicted) override {
    if (index_.count(k))
      return true;
    if (bytes > capacity_)
      return false;
    while (used_ + bytes > capacity_) {
      auto& [count, keys] = *buckets_.begin();
      key victim = keys.front();
      evicted.push_back(victim);
      erase(victim);
    }
    entry& e = index_[k];
    e.bytes = bytes;
    e.count = 1;
    bucket(k, e);
    used_ += bytes;
    return true;
  }

  void erase(key k) override {
    auto i = index_.find(k);
    if (i == index_.end())
      return;
    unbucket(i->second);
    used_ -= i->second.bytes;
    index_.erase(i);
  }

  bool contains(key k) const override { return index_.count(k) > 0; }
  std::uint64_t bytes() const override { return used_; }
  std::size_t entries() const override { return index_.size(); }
  std::uint64_t capacity() const override { return capacity_; }
  const char* name() const override { return "lfu"; }

  void check_invariants() const override {
    std::size_t n = 0;
    std::uint64_t sum = 0;
    for (auto& [count, keys] : buckets_) {
      if (keys.empty())
        std::abort();
      for (key k : keys) {
        auto i = index_.find(k);
        if (i == index_.end() || i->second.count != count)
          std::abort();
        sum += i->second.bytes;
        ++n;
      }
    }
    if (n != index_.size() || sum != used_ || used_ > capacity_)
      std::abort();
  }

private:
  struct entry {
    std::uint64_t bytes = 0;
    std::uint64_t count = 0;
    std::list<key>::iterator pos;
  };

  void bucket(key k, entry& e) {
    auto& keys = buckets_[e.count];
    e.pos = keys.insert(keys.end(), k);
  }

  void unbucket(entry& e) {
    auto b = buckets_.find(e.count);
    b->second.erase(e.pos);
    if (b->second.empty())
      buckets_.erase(b);
  }

  std::uint64_t capacity_;
  std::uint64_t used_ = 0;
  std::unordered_map<key, entry> index_;
  std::map<std::uint64_t, std::list<key>> buckets_;  // count -> keys, oldest first
};

}  // namespace

std::unique_ptr<policy> make_lfu(const policy_options& options) {
  return std::make_unique<lfu>(options.capacity_bytes);
}

}  // namespace dfs::cache
