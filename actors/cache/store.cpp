#include "actors/cache/store.hpp"

#include <algorithm>
#include <cstdlib>

#include "actors/cache/ring.hpp"

namespace dfs::cache {

std::unique_ptr<store> store::make(const std::string& policy_name, std::uint64_t budget,
                                   std::uint64_t typical_entry) {
  policy_options o;
  o.capacity_bytes = budget;
  o.expected_entries =
    std::max<std::uint64_t>(16, budget / std::max<std::uint64_t>(1, typical_entry));
  auto p = make_policy(policy_name, o);
  if (!p)
    return nullptr;
  auto a = advisor::make(policy_name, budget, o.expected_entries);
  return std::unique_ptr<store>(new store(std::move(p), std::move(a), budget));
}

store::store(std::unique_ptr<policy> p, std::unique_ptr<advisor> a, std::uint64_t budget)
  : policy_(std::move(p)), advisor_(std::move(a)) {
  stats_.capacity = budget;
}

const byte_buffer* store::get(const std::string& id, std::uint64_t now) {
  key k = stable_hash(id);
  advisor_->lookup(k, now);
  bool resident = policy_->lookup(k, now);
  auto it = entries_.find(k);
  if (resident && it != entries_.end() && it->second.id == id) {
    // The advisor's smaller copies may have missed what the shard hit:
    // they take it as a fill now, as they would have after their miss.
    advisor_->insert(k, charge(id, it->second.data), now);
    ++stats_.hits;
    stats_.bytes_hit += it->second.data.size();
    return &it->second.data;
  }
  ++stats_.misses;
  return nullptr;
}

bool store::put(const std::string& id, byte_buffer data, std::uint64_t now) {
  key k = stable_hash(id);
  auto it = entries_.find(k);
  if (it != entries_.end()) {
    if (it->second.id == id)
      return true;
    erase(it->second.id);  // a 64-bit collision: the newer chunk wins
  }
  ++stats_.fills;
  stats_.bytes_missed += data.size();
  advisor_->insert(k, charge(id, data), now);
  evicted_.clear();
  bool admitted = policy_->insert(k, charge(id, data), now, evicted_);
  for (key e : evicted_) {
    auto victim = entries_.find(e);
    if (victim != entries_.end()) {
      stats_.bytes -= charge(victim->second.id, victim->second.data);
      entries_.erase(victim);
      ++stats_.evictions;
    }
  }
  stats_.entries = entries_.size();
  if (!admitted) {
    ++stats_.rejected;
    return false;
  }
  stats_.bytes += charge(id, data);
  entries_.emplace(k, entry{id, std::move(data)});
  stats_.entries = entries_.size();
  return true;
}

void store::erase(const std::string& id) {
  key k = stable_hash(id);
  auto it = entries_.find(k);
  if (it == entries_.end() || it->second.id != id)
    return;
  policy_->erase(k);
  stats_.bytes -= charge(it->second.id, it->second.data);
  entries_.erase(it);
  stats_.entries = entries_.size();
}

void store::check_invariants() const {
  policy_->check_invariants();
  std::uint64_t sum = 0;
  for (auto& [k, e] : entries_) {
    if (!policy_->contains(k) || stable_hash(e.id) != k)
      std::abort();
    sum += charge(e.id, e.data);
  }
  if (sum != stats_.bytes || sum != policy_->bytes() || entries_.size() != policy_->entries() ||
      sum > stats_.capacity)
    std::abort();
}

}  // namespace dfs::cache
