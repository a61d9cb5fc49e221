#include "actors/client/load_sim.hpp"

#include <algorithm>
#include <memory>

#include "actors/cache/policy.hpp"
#include "actors/cache/ring.hpp"
#include "actors/cache/store.hpp"

namespace dfs {

double simulated_hit_ratio(const bench_trace& trace, const std::vector<cache_shard_stats>& shards) {
  if (shards.empty() || trace.keys.empty() || trace.chunk_of.empty())
    return -1;
  for (auto& id : trace.chunk_of)
    if (id.empty())
      return -1;
  // As the nodes size them: a shard expects entries of
  // min(chunk size, 64 KiB) (node.cpp); 64 KiB with the default chunks.
  constexpr uint64_t typical_entry = 64 << 10;
  std::vector<uint64_t> seeds;
  std::vector<std::unique_ptr<cache::policy>> policies;
  for (auto& s : shards) {
    seeds.push_back(cache::shard_seed(s.node.value, s.shard));
    policies.push_back(cache::make_policy(
      s.policy, {s.capacity, std::max<uint64_t>(16, s.capacity / typical_entry), 1000}));
    if (!policies.back())
      return -1;
  }
  std::vector<uint32_t> version(trace.chunk_of.size(), 0);
  uint64_t hits = 0, lookups = 0;
  std::vector<cache::key> evicted;
  auto ms_per_request = 1000.0 / std::max(trace.requests_per_second, 1e-3);
  for (uint64_t i = 0; i < trace.requests; ++i) {
    auto file = trace.keys[i % trace.keys.size()] % trace.chunk_of.size();
    bool read = trace.reads[i % trace.reads.size()] != 0;
    if (!read) {
      ++version[file];
      continue;
    }
    auto& id = trace.chunk_of[file];
    auto k = cache::stable_hash(version[file] == 0 ? id : id + "#" + std::to_string(version[file]));
    auto now = static_cast<uint64_t>(static_cast<double>(i) * ms_per_request);
    auto& p = *policies[cache::owner_of(k, seeds)];
    ++lookups;
    if (p.lookup(k, now)) {
      ++hits;
    } else {
      evicted.clear();
      p.insert(k, id.size() + trace.size_of[file] + cache::store::entry_overhead, now, evicted);
    }
  }
  return lookups ? static_cast<double>(hits) / static_cast<double>(lookups) : -1;
}

}  // namespace dfs
