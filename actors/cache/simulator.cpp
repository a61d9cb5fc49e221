#include "actors/cache/simulator.hpp"

#include "actors/cache/advisor.hpp"

#include <limits>
#include <set>
#include <unordered_map>

namespace dfs::cache {

sim_result simulate(const std::vector<request>& trace, policy& p) {
  sim_result r;
  r.policy = p.name();
  std::vector<key> evicted;
  for (std::uint64_t i = 0; i < trace.size(); ++i) {
    const request& q = trace[i];
    ++r.requests;
    r.bytes_requested += q.bytes;
    if (p.lookup(q.k, i)) {
      ++r.hits;
      r.bytes_hit += q.bytes;
    } else {
      evicted.clear();
      p.insert(q.k, q.bytes, i, evicted);
    }
  }
  return r;
}

sim_result simulate_opt(const std::vector<request>& trace, std::uint64_t capacity) {
  constexpr std::uint64_t never = std::numeric_limits<std::uint64_t>::max();
  // next[i]: the index of the next request for trace[i]'s key.
  std::vector<std::uint64_t> next(trace.size(), never);
  {
    std::unordered_map<key, std::uint64_t> later;
    later.reserve(trace.size() / 4);
    for (std::uint64_t i = trace.size(); i-- > 0;) {
      auto [it, fresh] = later.try_emplace(trace[i].k, i);
      if (!fresh) {
        next[i] = it->second;
        it->second = i;
      }
    }
  }
  sim_result r;
  r.policy = "opt";
  struct resident {
    std::uint64_t next_use;
    std::uint64_t bytes;
  };
  std::unordered_map<key, resident> cache;
  std::set<std::pair<std::uint64_t, key>> by_next_use;  // furthest last
  std::uint64_t used = 0;
  for (std::uint64_t i = 0; i < trace.size(); ++i) {
    const request& q = trace[i];
    ++r.requests;
    r.bytes_requested += q.bytes;
    auto it = cache.find(q.k);
    if (it != cache.end()) {
      ++r.hits;
      r.bytes_hit += q.bytes;
      by_next_use.erase({it->second.next_use, q.k});
      if (next[i] == never) {  // never used again: drop it now
        used -= it->second.bytes;
        cache.erase(it);
        continue;
      }
      it->second.next_use = next[i];
      by_next_use.insert({next[i], q.k});
      continue;
    }
    if (next[i] == never || q.bytes > capacity)
      continue;
    // Is there enough room in entries used later than this one?
    std::uint64_t freeable = capacity - used;
    for (auto v = by_next_use.rbegin(); v != by_next_use.rend() && freeable < q.bytes; ++v) {
      if (v->first < next[i])
        break;
      freeable += cache.at(v->second).bytes;
    }
    if (freeable < q.bytes)
      continue;
    while (capacity - used < q.bytes) {
      auto victim = std::prev(by_next_use.end());
      used -= cache.at(victim->second).bytes;
      cache.erase(victim->second);
      by_next_use.erase(victim);
    }
    cache[q.k] = {next[i], q.bytes};
    by_next_use.insert({next[i], q.k});
    used += q.bytes;
  }
  return r;
}

sim_result simulate_named(const std::vector<request>& trace, const std::string& name,
                          const policy_options& options) {
  if (name == "opt")
    return simulate_opt(trace, options.capacity_bytes);
  auto p = make_policy(name, options);
  if (!p)
    return {};
  return simulate(trace, *p);
}

std::vector<advice_check> check_advice(const std::vector<request>& trace, const std::string& name,
                                       const policy_options& options) {
  auto a = advisor::make(name, options.capacity_bytes, options.expected_entries);
  if (!a)
    return {};
  for (std::uint64_t i = 0; i < trace.size(); ++i) {
    a->lookup(trace[i].k, i);
    a->insert(trace[i].k, trace[i].bytes, i);  // only copies that missed take it
  }
  std::vector<advice_check> out;
  for (auto& e : a->estimates()) {
    policy_options o = options;
    o.capacity_bytes = e.capacity_bytes;
    o.expected_entries = std::max<std::uint64_t>(
      16, static_cast<std::uint64_t>(double(options.expected_entries) * e.scale));
    out.push_back({e.scale, e.hit_rate(), simulate_named(trace, name, o).hit_rate()});
  }
  return out;
}

}  // namespace dfs::cache
