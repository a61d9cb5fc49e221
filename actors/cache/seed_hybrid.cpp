// The hybrid LRU+LFU policy exactly as first specified, kept as the
// reference point the redesign is measured against:
//   score = 0.6 * frequency + 0.4 * recency, lowest score evicted;
//   frequency = log(1+n) / log(1+max), n = hits while resident (reset on
//     eviction), max = the largest n among resident entries;
//   recency of an entry last used `age` seconds ago = 1.0 up to 5 min,
//     linear down to 0.7 at 30 min, then 0.7 * exp(-(age - 30 min) / tau),
//     tau = 3500 s so the slope is continuous at 30 min.
// The minimum is found exactly, not through a heap of stale scores:
// entries sit in buckets by n, oldest first, so each bucket's candidate is
// its front (recency falls with age), and buckets are scanned upward until
// the frequency term alone exceeds the best score found.
#include <cmath>
#include <list>
#include <map>
#include <unordered_map>

#include "actors/cache/policies.hpp"

namespace dfs::cache {
namespace {

double recency(double age_s) {
  if (age_s <= 300)
    return 1.0;
  if (age_s <= 1800)
    return 1.0 - 0.3 * (age_s - 300) / 1500;
  return 0.7 * std::exp(-(age_s - 1800) / 3500);
}

class seed_hybrid final : public policy {
public:
  seed_hybrid(std::uint64_t capacity, double units_per_second)
    : capacity_(capacity), units_per_second_(units_per_second) {}

  bool lookup(key k, std::uint64_t now) override {
    auto i = index_.find(k);
    if (i == index_.end())
      return false;
    entry& e = i->second;
    unbucket(e);
    ++e.count;
    e.last = now;
    bucket(k, e);
    return true;
  }

  bool insert(key k, std::uint64_t bytes, std::uint64_t now, std::vector<key>& evicted) override {
    if (index_.count(k))
      return true;
    if (bytes > capacity_)
      return false;
    while (used_ + bytes > capacity_) {
      key victim = lowest_score(now);
      evicted.push_back(victim);
      erase(victim);
    }
    entry& e = index_[k];
    e.bytes = bytes;
    e.count = 1;
    e.last = now;
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
  const char* name() const override { return "seed-hybrid"; }

  void check_invariants() const override {
    std::size_t n = 0;
    std::uint64_t sum = 0;
    for (auto& [count, keys] : buckets_) {
      std::uint64_t last = 0;
      for (key k : keys) {
        auto i = index_.find(k);
        if (i == index_.end() || i->second.count != count || i->second.last < last)
          std::abort();
        last = i->second.last;
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
    std::uint64_t last = 0;
    std::list<key>::iterator pos;
  };

  double score_of(std::uint64_t count, std::uint64_t last, std::uint64_t now) const {
    double max = static_cast<double>(buckets_.rbegin()->first);
    double frequency = std::log1p(double(count)) / std::log1p(max);
    double age = now > last ? double(now - last) / units_per_second_ : 0;
    return 0.6 * frequency + 0.4 * recency(age);
  }

  key lowest_score(std::uint64_t now) const {
    double best = 2;
    key victim = 0;
    double log_max = std::log1p(double(buckets_.rbegin()->first));
    for (auto& [count, keys] : buckets_) {
      if (0.6 * std::log1p(double(count)) / log_max >= best)
        break;
      const entry& e = index_.at(keys.front());
      double s = score_of(count, e.last, now);
      if (s < best) {
        best = s;
        victim = keys.front();
      }
    }
    return victim;
  }

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
  double units_per_second_;
  std::uint64_t used_ = 0;
  std::unordered_map<key, entry> index_;
  std::map<std::uint64_t, std::list<key>> buckets_;  // n -> keys, least recent first
};

}  // namespace

std::unique_ptr<policy> make_seed_hybrid(const policy_options& options) {
  return std::make_unique<seed_hybrid>(options.capacity_bytes, options.units_per_second);
}

}  // namespace dfs::cache
