// `dfsctl cache sim` and `dfsctl cache suite`: replay traces through the
// real policy code (actors/cache) and print request and byte hit rates,
// Belady's OPT beside them. Offline: no cluster needed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/config.hpp"

namespace dfs::ctl {

struct cache_sim_options {
  std::string trace;                  // a .lis or key-per-line file (.xz is unpacked)
  std::string gen;                    // or a generator spec (actors/cache/trace.hpp)
  std::uint64_t seed = 42;            // of the generator and of mixed sizes
  std::string capacity;               // entries ("1000"), bytes with a unit ("64MiB") or "P%"
  std::vector<std::string> policies;  // default: every policy and opt
  bool mixed_sizes = false;           // sizes 1 KiB..1 MiB per key, not 1
  bool advise = false;                // the capacity advisor's predictions beside full simulations
  double rate = 1000;                 // requests per second seen by seed-hybrid
  bool json = false;
};

int cache_sim_cmd(const cache_sim_options& options);

// The standard suite: synthetic traces with fixed seeds and the real ARC
// traces found in `trace_dir`, at 1% and 10% of the distinct objects,
// unit and mixed sizes; prints every policy's hit rates and whether hybrid
// meets its goal (>= max(w-tinylfu, s3-fifo) - 0.5 points and >= lru on
// each, above both on average). Exit 0 when it does, 7 when not.
int cache_suite_cmd(const std::string& trace_dir, bool mixed_sizes, bool quick, bool json);

// Every cache shard of every node of the cluster (found through the node
// table of the first metadata node that answers among `endpoints`; the
// endpoints themselves when none does): hits, misses, ratios, evictions,
// admissions rejected, bytes and entries, and the cluster's totals.
// Exit 0; 5 when no node could be asked.
int cache_stats_cmd(const std::vector<host_port>& endpoints, bool json);

// The capacity advisor's figures summed over every shard: the hit rate the
// cluster's cache would have at 0.25x, 0.5x, 1x, 2x and 4x its capacity.
int cache_advise_cmd(const std::vector<host_port>& endpoints, bool json);

}  // namespace dfs::ctl
