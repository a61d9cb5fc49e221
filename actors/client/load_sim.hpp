// The cache hit ratio a bench run should see, from the cache simulator:
// the run's own access sequence through the cluster's own shards (their
// policies and budgets, chunks mapped to shards by the same rendezvous
// hashing as the gateways). Pure: no actors, no clock.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "messages/types.hpp"

namespace dfs {

struct bench_trace {
  std::vector<uint64_t> keys;  // file per request (cycled)
  std::vector<uint8_t> reads;  // 1: get, 0: put (cycled with keys)
  uint64_t requests = 0;       // how many of the sequence ran
  // The chunk of each file when the run started (its only chunk): the
  // key a shard caches it under. Empty: unknown.
  std::vector<std::string> chunk_of;
  std::vector<uint64_t> size_of;      // bytes of each file
  double requests_per_second = 1000;  // to give the policies a clock
};

// The ratio of hits over lookups (one per get: files of one chunk), or -1
// when it cannot be told (no shards, or files of unknown chunks). A put
// gives its file a new chunk, so the next get of it misses, as in the
// cluster; the new chunk's shard is drawn from a hash, as a fresh random
// chunk id's would be.
double simulated_hit_ratio(const bench_trace& trace, const std::vector<cache_shard_stats>& shards);

}  // namespace dfs
