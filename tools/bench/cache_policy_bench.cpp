// The cache policies' own speed (Google Benchmark): requests per second
// through a policy on one core, Zipf 0.9 over 100,000 keys with a cache
// sized for about 90% hits: each request is a lookup, and a miss an
// insert, as a shard does. The `hit_ratio` counter shows what each policy
// actually hit; `items_per_second` is requests; `hits_per_second` hits.
// Run by tools/bench/cache_bench.sh.
#include <benchmark/benchmark.h>

#include "actors/cache/policy.hpp"
#include "actors/cache/trace.hpp"

namespace {

using namespace dfs::cache;

const std::vector<request>& zipf_trace() {
  static const std::vector<request> trace = [] {
    std::string error;
    return *generate("zipf:0.9:100000:4000000", 42, error);
  }();
  return trace;
}

void policy_requests(benchmark::State& state, const char* name) {
  auto& trace = zipf_trace();
  std::uint64_t capacity = static_cast<std::uint64_t>(state.range(0));
  auto p = make_policy(name, {capacity, capacity, 1000});
  std::vector<key> evicted;
  std::size_t i = 0;
  std::uint64_t hits = 0, requests = 0;
  // Warm up: one pass over a quarter of the trace.
  for (; i < trace.size() / 4; ++i)
    if (!p->lookup(trace[i].k, i)) {
      evicted.clear();
      p->insert(trace[i].k, 1, i, evicted);
    }
  for (auto _ : state) {
    if (i == trace.size())
      i = 0;
    const request& r = trace[i];
    bool hit = p->lookup(r.k, i);
    if (!hit) {
      evicted.clear();
      p->insert(r.k, 1, i, evicted);
    }
    hits += hit;
    ++requests;
    ++i;
  }
  state.SetItemsProcessed(static_cast<int64_t>(requests));
  state.counters["hit_ratio"] = double(hits) / double(requests);
  state.counters["hits_per_second"] = benchmark::Counter(double(hits), benchmark::Counter::kIsRate);
}

// 55,000 of 100,000 keys: about 90% hits for hybrid.
constexpr int64_t capacity = 55000;

}  // namespace

BENCHMARK_CAPTURE(policy_requests, hybrid, "hybrid")->Arg(capacity);
BENCHMARK_CAPTURE(policy_requests, lru, "lru")->Arg(capacity);
BENCHMARK_CAPTURE(policy_requests, s3_fifo, "s3-fifo")->Arg(capacity);
BENCHMARK_CAPTURE(policy_requests, w_tinylfu, "w-tinylfu")->Arg(capacity);
BENCHMARK_CAPTURE(policy_requests, arc, "arc")->Arg(capacity);
BENCHMARK_CAPTURE(policy_requests, lfu, "lfu")->Arg(capacity);
BENCHMARK_CAPTURE(policy_requests, seed_hybrid, "seed-hybrid")->Arg(capacity);

BENCHMARK_MAIN();
