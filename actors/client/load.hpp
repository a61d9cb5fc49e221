// The load driver behind `dfsctl bench`: many concurrent users, each an
// actor with its own gateway (spread over the cluster's nodes), reading
// and writing a set of files in a skewed order. Requests are asynchronous
// messages, so a few threads drive hundreds of users.
//
// A request is one file operation: a get (stat, then every chunk read) or
// a put (the whole file in one request). Keys come from the cache
// simulator's generators (cache/trace.hpp), so a run's access sequence is
// the simulator's trace for the same spec and seed.
//
// A request that fails because its gateway is gone, silent or busy is
// tried again after a pause (exponential backoff, full jitter) within its
// deadline, at the next gateway unless the first was only busy. A write is
// retried with the same client id and sequence number: the Raft session
// applies it once.
//
// Closed loop by default (each user sends its next request when the last
// one is answered). With a rate, request i is due at start + i/rate and its
// latency counts from then, not from when it was sent: a stall shows in
// the latency of every request it delayed (no coordinated omission).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <caf/expected.hpp>

#include "actors/balancer/backoff.hpp"
#include "messages/handles.hpp"
#include "runtime/config.hpp"
#include "runtime/histogram.hpp"

namespace dfs {

class client;

// The sizes of the files a run writes: each file's own size, the same on
// every overwrite (a hash of its index and the seed picks it).
//   "4KiB"                    every file 4 KiB
//   "1KiB..1MiB"              log-uniform between the two (small files common)
//   "4KiB:80,64KiB:15,1MiB:5" a weighted mix
struct size_distribution {
  std::vector<uint64_t> sizes;  // one (fixed), two (a range) or the mix's sizes
  std::vector<double> weights;  // the mix's weights; empty otherwise
  bool range = false;

  // Parses the text above; nullopt with the reason in `why`.
  static std::optional<size_distribution> parse(const std::string& text, std::string& why);
  uint64_t size_of(uint64_t file, uint64_t seed) const;
  uint64_t largest() const;
  std::string to_string() const;
};

struct load_options {
  uint64_t requests = 0;                  // stop after this many (0: by duration only)
  std::chrono::milliseconds duration{0};  // stop after this long (0: by count only)
  uint32_t concurrency = 16;              // users
  uint64_t files = 1000;
  size_distribution size{{4096}, {}, false};  // bytes per file
  double read_ratio = 0.9;                    // the rest are puts (overwrites)
  std::string dist = "zipf:0.9";              // uniform, pareto, zipf:A, hotcold:H/C, shift:N
  uint64_t seed = 42;
  std::string prefix = "/bench";
  double rate = 0;                           // requests per second over all users; 0: closed loop
  std::chrono::milliseconds timeout{10000};  // per request
  uint32_t replication = 0;                  // of the files written; 0: the cluster default
  bool setup = true;                         // create the files first (those missing)
  // Retries of a request that failed for a retryable reason (unavailable,
  // timeout, overloaded): pauses with full jitter, within its deadline.
  balancer::backoff_config backoff{10, 500, 8};
  // Called about every `report_every` during the run (0: never) with the
  // figures of that interval.
  std::chrono::milliseconds report_every{0};
  // A user's pause between the answer to one request and the next
  // (closed loop only): exponentially distributed with this mean; 0: none.
  std::chrono::milliseconds think{0};
  // A get or put goes first to the gateway on the node that caches its
  // path's one-chunk files (cache::path_owner), not the user's own.
  bool route_by_path = true;
};

struct load_figures {
  uint64_t requests = 0;  // answered (ok or error)
  uint64_t ok = 0;
  uint64_t reads = 0;
  uint64_t writes = 0;
  std::map<std::string, uint64_t> errors;  // by errc name
  double seconds = 0;
  latency_histogram latency_us;  // every answered request
  latency_histogram failed_us;   // of those, the ones that failed (how soon)
  latency_histogram read_us;     // the gets among them
  latency_histogram write_us;    // the puts among them
  double throughput() const { return seconds > 0 ? static_cast<double>(requests) / seconds : 0; }
};

struct load_report {
  load_options options;
  load_figures total;
  // Chunk reads each storage node served during the run, from the
  // gateways' routing counters (every node the endpoints reach).
  std::map<std::string, uint64_t> reads_by_node;
  // The cache shards' hit ratio over the run (-1: no cache lookups).
  double cache_hit_ratio = -1;
  // Hits and the misses that waited for another reader's load of the
  // same chunk (single flight: no disk read of their own), over lookups.
  // The simulator serves requests one at a time, so a chunk is resident
  // as soon as its first miss: this is the figure to set beside it.
  double cache_served_ratio = -1;
  // The simulator's figure for the same access sequence and the same
  // shards (load_sim.hpp); -1 when unknown (no set-up: files' chunks not seen).
  double simulated_hit_ratio = -1;
  uint64_t setup_files = 0;  // files created before the run
  // The endpoints whose gateways the users were spread over (those that
  // answered with one; a node reached at two addresses counts once).
  std::vector<std::string> gateways;
};

// The keys `opts` asks for, in order: the trace generator's spec for it
// (uniform and pareto are mapped onto the generators).
std::string trace_spec(const load_options& opts, uint64_t requests);

// Runs the load against the gateways at `endpoints` through `c`'s actor
// system. `on_interval` (may be empty) gets each interval's figures.
caf::expected<load_report> run_load(
  client& c, const std::vector<host_port>& endpoints, const load_options& opts,
  const std::function<void(const load_figures&)>& on_interval = {});

}  // namespace dfs
