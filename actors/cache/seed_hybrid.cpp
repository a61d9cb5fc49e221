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
#include "actors/cache/buckets.hpp"
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

class seed_hybrid final : public bucket_policy {
public:
  seed_hybrid(std::uint64_t capacity, double units_per_second)
    : bucket_policy(capacity), units_per_second_(units_per_second) {}
  const char* name() const override { return "seed-hybrid"; }

private:
  // The lowest score (see the top of the file).
  key victim(std::uint64_t now) const override {
    auto& buckets = entries_.buckets();
    double log_max = std::log1p(double(buckets.rbegin()->first));
    double best = 2;
    key lowest = 0;
    for (auto& [count, keys] : buckets) {
      double frequency = std::log1p(double(count)) / log_max;
      if (0.6 * frequency >= best)
        break;
      std::uint64_t last = entries_.find(keys.front())->last;
      double age = now > last ? double(now - last) / units_per_second_ : 0;
      double score = 0.6 * frequency + 0.4 * recency(age);
      if (score < best) {
        best = score;
        lowest = keys.front();
      }
    }
    return lowest;
  }

  double units_per_second_;
};

}  // namespace

std::unique_ptr<policy> make_seed_hybrid(const policy_options& options) {
  return std::make_unique<seed_hybrid>(options.capacity_bytes, options.units_per_second);
}

}  // namespace dfs::cache
