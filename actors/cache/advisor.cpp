#include "actors/cache/advisor.hpp"

#include <algorithm>

#include "actors/cache/entry_table.hpp"

namespace dfs::cache {

std::unique_ptr<advisor> advisor::make(const std::string& policy_name, std::uint64_t capacity_bytes,
                                       std::uint64_t expected_entries,
                                       std::uint64_t sampled_entries) {
  std::unique_ptr<advisor> a(new advisor);
  a->capacity_ = capacity_bytes;
  double rate =
    expected_entries > sampled_entries ? double(sampled_entries) / double(expected_entries) : 1.0;
  a->threshold_ = std::max<std::uint64_t>(1, std::uint64_t(rate * double(1ull << 24)));
  for (std::size_t i = 0; i < scales.size(); ++i) {
    policy_options o;
    o.capacity_bytes = std::max<std::uint64_t>(
      1, std::uint64_t(double(capacity_bytes) * scales[i] * a->sampling_rate()));
    o.expected_entries = std::max<std::uint64_t>(
      16, std::uint64_t(double(expected_entries) * scales[i] * a->sampling_rate()));
    a->copies_[i] = make_policy(policy_name, o);
    if (!a->copies_[i])
      return nullptr;
  }
  return a;
}

bool advisor::sampled(key k) const {
  // A hash independent of the ones the policies and shards use.
  return (mix64(k ^ 0x5bd1e9955bd1e995ULL) & ((1ull << 24) - 1)) < threshold_;
}

void advisor::lookup(key k, std::uint64_t now) {
  ++all_requests_;
  if (!sampled(k))
    return;
  ++requests_;
  for (std::size_t i = 0; i < copies_.size(); ++i)
    hits_[i] += copies_[i]->lookup(k, now);
}

void advisor::insert(key k, std::uint64_t bytes, std::uint64_t now) {
  if (!sampled(k))
    return;
  for (auto& c : copies_)
    if (!c->contains(k)) {
      evicted_.clear();
      c->insert(k, bytes, now, evicted_);
    }
}

std::vector<advisor::estimate> advisor::estimates() const {
  std::vector<estimate> out;
  for (std::size_t i = 0; i < scales.size(); ++i)
    out.push_back({scales[i], std::uint64_t(double(capacity_) * scales[i]), hits_[i], requests_,
                   sampling_rate() * double(all_requests_)});
  return out;
}

}  // namespace dfs::cache
