// dfs-cache-e2e-bench: the cache's hit rate through a running cluster,
// beside the simulator's figure for the same trace and capacity.
//
//  1. C clients put F files of S bytes (one chunk each);
//  2. C clients read them in the order of a seeded Zipf(ALPHA) trace of N
//     requests (80/20 Pareto is ALPHA 0.914), each read a stat and a
//     verified chunk read through the gateways;
//  3. the cluster's hit rate is the cache shards' hits over lookups during
//     the reads (dfsctl cache stats' figures);
//  4. the same trace runs through the simulator twice: sharded exactly as
//     the cluster is (every shard's policy and budget, chunks mapped to
//     shards by the same rendezvous hashing), and as one cache of the
//     same total budget.
// Prints one JSON line.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include "actors/cache/policy.hpp"
#include "actors/cache/ring.hpp"
#include "actors/cache/store.hpp"
#include "actors/cache/trace.hpp"
#include "actors/client/client.hpp"
#include "runtime/config.hpp"

namespace {

using namespace dfs;
using steady = std::chrono::steady_clock;

std::string content(uint64_t size, uint64_t seed) {
  std::string out(size, '\0');
  std::mt19937_64 rng{seed};
  for (size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<char>(rng());
  return out;
}

// Every shard of the cluster, from the nodes' agents.
std::vector<cache_shard_stats> all_shards(client& c, const std::vector<host_port>& endpoints) {
  std::vector<host_port> nodes;
  if (auto members = c.members(endpoints.front()))
    for (auto& m : *members)
      if (auto p = parse_peer(m))
        nodes.push_back(p->addr);
  if (nodes.empty())
    nodes = endpoints;
  std::vector<cache_shard_stats> out;
  for (auto& n : nodes) {
    auto s = c.cache_stats_of(n);
    if (!s) {
      std::cerr << "cache stats of " << n.to_string() << ": " << describe(s.error()) << "\n";
      continue;
    }
    out.insert(out.end(), s->begin(), s->end());
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"dfs-cache-e2e-bench: cluster cache hit rate beside the simulator"};
  std::vector<std::string> cluster;
  int files = 10000, clients = 8;
  uint64_t requests = 60000, seed = 42, typical_entry = 64 << 10;
  double alpha = 0.914;
  uint32_t replicas = 1;
  std::string size_text = "4KiB", prefix = "/cachebench";
  bool skip_put = false;
  app.add_option("--cluster", cluster, "HOST:PORT of the nodes (comma-separated)")
    ->delimiter(',')
    ->required();
  app.add_option("--files", files, "files (the working set)");
  app.add_option("--size", size_text, "bytes per file (one chunk)");
  app.add_option("--requests", requests, "reads in the trace");
  app.add_option("--alpha", alpha, "Zipf exponent (0.914: 80/20)");
  app.add_option("--seed", seed, "trace seed");
  app.add_option("--clients", clients, "concurrent readers (and writers)");
  app.add_option("--replicas", replicas, "replicas per file");
  app.add_option("--prefix", prefix, "directory of the files");
  app.add_option("--typical-entry", typical_entry,
                 "the shards' sizing hint (min(chunk_size, 64KiB) on a node)");
  app.add_flag("--skip-put", skip_put, "the files are there from an earlier run");
  CLI11_PARSE(app, argc, argv);
  auto size = parse_bytes(size_text);
  if (!size || *size == 0) {
    std::cerr << "--size: expected a size such as 4KiB\n";
    return 2;
  }
  client_options co;
  for (auto& text : cluster) {
    std::string why;
    auto hp = parse_host_port(text, &why);
    if (!hp) {
      std::cerr << "--cluster: " << why << "\n";
      return 2;
    }
    co.endpoints.push_back(*hp);
  }
  co.timeout = std::chrono::seconds{60};
  std::vector<std::unique_ptr<client>> cl;
  for (int c = 0; c < clients; ++c) {
    auto opts = co;
    std::rotate(opts.endpoints.begin(), opts.endpoints.begin() + c % opts.endpoints.size(),
                opts.endpoints.end());
    auto x = client::connect(opts);
    if (!x) {
      std::cerr << "connect: " << describe(x.error()) << "\n";
      return 5;
    }
    cl.push_back(std::move(*x));
  }
  auto name = [&](int i) { return prefix + "/f" + std::to_string(i); };
  std::atomic<int> errors{0};
  auto parallel = [&](uint64_t n, auto work) {
    std::atomic<uint64_t> next{0};
    std::vector<std::thread> threads;
    for (int c = 0; c < clients; ++c)
      threads.emplace_back([&, c] {
        for (uint64_t i = next++; i < n; i = next++)
          if (!work(c, i))
            ++errors;
      });
    for (auto& t : threads)
      t.join();
  };
  if (!skip_put) {
    cl[0]->mkdir(prefix, true);
    parallel(files, [&](int c, uint64_t i) {
      std::istringstream in{content(*size, seed * 1000003 + i)};
      auto r = cl[c]->put(in, name(int(i)), replicas, *size);
      if (!r)
        std::cerr << "put " << name(int(i)) << ": " << describe(r.error()) << "\n";
      return static_cast<bool>(r);
    });
  }
  // The chunk of every file, for the simulation.
  std::vector<std::string> chunk(files);
  parallel(files, [&](int c, uint64_t i) {
    auto info = cl[c]->stat(name(int(i)));
    if (!info || info->chunks.size() != 1)
      return false;
    chunk[i] = info->chunks[0].id.value;
    return true;
  });
  if (errors > 0) {
    std::cerr << errors << " files could not be put or found\n";
    return 1;
  }
  std::string error;
  auto trace = cache::generate(
    "zipf:" + std::to_string(alpha) + ":" + std::to_string(files) + ":" + std::to_string(requests),
    seed, error);
  if (!trace) {
    std::cerr << error << "\n";
    return 2;
  }
  auto before = all_shards(*cl[0], co.endpoints);
  if (before.empty()) {
    std::cerr << "the cluster has no cache shards\n";
    return 1;
  }
  auto start = steady::now();
  parallel(trace->size(), [&](int c, uint64_t i) {
    std::ostringstream out;
    auto r = cl[c]->get(name(int((*trace)[i].k)), out);
    return r && out.str().size() == *size;
  });
  double secs = std::chrono::duration<double>(steady::now() - start).count();
  auto after = all_shards(*cl[0], co.endpoints);
  uint64_t hits = 0, lookups = 0, coalesced = 0, capacity = 0;
  for (auto& a : after)
    for (auto& b : before)
      if (a.node == b.node && a.shard == b.shard) {
        hits += a.hits - b.hits;
        lookups += (a.hits + a.misses) - (b.hits + b.misses);
        coalesced += a.coalesced - b.coalesced;
        capacity += a.capacity;
      }
  // The simulations: keys and charged sizes exactly as the shards see them.
  std::vector<cache::request> keyed;
  for (auto& r : *trace) {
    auto& id = chunk[r.k];
    keyed.push_back({cache::stable_hash(id), id.size() + *size + cache::store::entry_overhead});
  }
  std::vector<uint64_t> seeds;
  std::vector<std::unique_ptr<cache::policy>> shards;
  for (auto& s : after) {
    seeds.push_back(cache::shard_seed(s.node.value, s.shard));
    shards.push_back(cache::make_policy(
      s.policy, {s.capacity, std::max<uint64_t>(16, s.capacity / typical_entry), 1000}));
  }
  auto single = cache::make_policy(
    after.front().policy, {capacity, std::max<uint64_t>(16, capacity / typical_entry), 1000});
  uint64_t sharded_hits = 0, single_hits = 0;
  std::vector<cache::key> evicted;
  for (uint64_t i = 0; i < keyed.size(); ++i) {
    auto& p = *shards[cache::owner_of(keyed[i].k, seeds)];
    for (auto* q : {&p, single.get()}) {
      bool hit = q->lookup(keyed[i].k, i);
      (q == single.get() ? single_hits : sharded_hits) += hit;
      if (!hit) {
        evicted.clear();
        q->insert(keyed[i].k, keyed[i].bytes, i, evicted);
      }
    }
  }
  double measured = lookups ? double(hits) / double(lookups) : 0;
  double sim_sharded = double(sharded_hits) / double(keyed.size());
  double sim_single = double(single_hits) / double(keyed.size());
  std::printf(
    "{\"policy\":\"%s\",\"files\":%d,\"size\":%llu,\"alpha\":%.3f,\"requests\":%llu,"
    "\"clients\":%d,\"shards\":%zu,\"cache_bytes\":%llu,\"working_set_bytes\":%llu,"
    "\"lookups\":%llu,\"hits\":%llu,\"coalesced\":%llu,\"hit_rate\":%.4f,"
    "\"sim_sharded_hit_rate\":%.4f,\"sim_single_hit_rate\":%.4f,\"gets_per_s\":%.1f,"
    "\"errors\":%d}\n",
    after.front().policy.c_str(), files, static_cast<unsigned long long>(*size), alpha,
    static_cast<unsigned long long>(requests), clients, after.size(),
    static_cast<unsigned long long>(capacity),
    static_cast<unsigned long long>(uint64_t(files) * (*size + 32 + cache::store::entry_overhead)),
    static_cast<unsigned long long>(lookups), static_cast<unsigned long long>(hits),
    static_cast<unsigned long long>(coalesced), measured, sim_sharded, sim_single,
    double(trace->size()) / secs, errors.load());
  return errors == 0 ? 0 : 1;
}
