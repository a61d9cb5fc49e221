// Read routing, pure: which of a chunk's replicas to ask. No clock, no I/O:
// time (milliseconds of a monotonic clock) and randomness are inputs.
//
// Each node's expected cost is (requests in flight + 1) x latency, the
// latency an EWMA of what this gateway observed that rises fast (half the
// way to a slower sample) and falls slowly (a fifth of the way to a faster
// one): a node that turns slow loses its traffic after one or two slow
// answers, and a single quick answer does not bring it back.
//
// order() picks the first replica by power of two choices: two random
// candidates, the cheaper wins (costs within 5% are a tie broken by lower
// CPU use); but the caller's own node, when it is a candidate and costs at
// most `local_slack` more than the cheapest, comes first (its reads cross
// no network; more load moves them elsewhere). The rest follow cheapest
// first, so retries go to the next best.
// Nodes whose breaker refuses, or that the health monitor says are down,
// come last (tried only when nothing else is left); suspect ones just
// before them.
//
// A node that lost its traffic must get the chance to show it recovered:
// one order() in `explore_every` sends its request to a usable node whose
// estimate is older than `probe_after_ms`, if there is one (so a node
// shunned as slow gets about one probe a second under load, and a slow
// node costs the clients almost nothing); and an estimate not refreshed
// for a while drifts back towards the fastest node's (time constant
// `decay_ms`), which brings a recovered node back at low request rates.
#pragma once

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "actors/balancer/breaker.hpp"
#include "actors/health/detector.hpp"

namespace dfs::balancer {

struct router_config {
  double rise = 0.5;       // weight of a sample slower than the estimate
  double fall = 0.2;       // weight of a faster one
  double decay_ms = 5000;  // a stale estimate's drift back to the fastest node's
  uint32_t explore_every = 20;
  double max_latency_ms = 10000;  // estimates are capped here (finite, and quick to come down)
  int64_t probe_after_ms = 1000;
  // Latency is normalized per this many bytes beyond the first block, so
  // a 4 MiB chunk does not make its node look slow next to 4 KiB ones.
  uint64_t unit_bytes = 256 << 10;
  double local_slack = 0.5;  // the own node first up to this much dearer than the cheapest
  breaker_config breaker;
};

struct node_route_stats {
  uint32_t in_flight = 0;
  double latency_ms = 0;  // the EWMA as of the last sample
  uint64_t routed = 0;    // requests sent
  uint64_t failed = 0;
  breaker_state breaker = breaker_state::closed;
  health::node_health health = health::node_health::active;
  double cpu = 0;
};

class router {
public:
  explicit router(router_config cfg = {}) : cfg_(cfg) {}

  // Health monitor's view of `node`: state and CPU use (0..1).
  void set_health(const std::string& node, health::node_health h, double cpu);

  // `candidates` in the order to try them; `local`: the caller's own node
  // (empty: none).
  std::vector<std::string> order(const std::vector<std::string>& candidates, int64_t now_ms,
                                 std::mt19937_64& rng, const std::string& local = {});

  // A request goes to `node` now: counts it in flight and takes the
  // breaker's permission (a half-open breaker lets only a few through).
  // Returns the breaker's generation to hand back to finish(), or -1
  // when the breaker refuses (the request should go elsewhere) unless
  // `force` (no other node is left to ask).
  int64_t dispatch(const std::string& node, int64_t now_ms, bool force = false);
  // Its outcome: `bytes` moved, taking `latency_ms`. A failure that says
  // something about the node (an error, a timeout it had time for)
  // counts towards the breaker, a neutral one (a timeout of a request
  // with almost no time left) does not; neither makes the node look
  // faster than it is. Outcomes of requests sent before the breaker last
  // opened (`generation`) do not move the breaker.
  enum class outcome { success, failure, neutral };
  void finish(const std::string& node, int64_t now_ms, double latency_ms, uint64_t bytes,
              outcome result, int64_t generation);

  // How long a read of `bytes` from `node` is expected to take (ms), by
  // its latency estimate; 0 while it has none.
  double expected_ms(const std::string& node, int64_t now_ms, uint64_t bytes) const;

  // The expected cost of one more request to `node` at `now_ms`.
  double cost(const std::string& node, int64_t now_ms) const;

  node_route_stats stats(const std::string& node, int64_t now_ms);
  std::vector<std::string> nodes() const;
  void forget(const std::string& node) { nodes_.erase(node); }

private:
  struct entry {
    uint32_t in_flight = 0;
    double ewma = -1;  // < 0: never measured
    int64_t sampled_ms = 0;
    uint64_t routed = 0;
    uint64_t failed = 0;
    circuit_breaker breaker;
    health::node_health health = health::node_health::active;
    double cpu = 0;
  };
  entry& at(const std::string& node);
  // Latency is estimated per unit_bytes: how many units `bytes` are.
  double units(uint64_t bytes) const;
  // The fastest measured estimate (the unmeasured are taken as that fast).
  double reference() const;
  double latency(const entry& e, int64_t now_ms, double reference) const;
  int rank(entry& e, int64_t now_ms) const;  // 0: usable, 1: suspect, 2: refused or down

  router_config cfg_;
  std::map<std::string, entry> nodes_;
  uint64_t orders_ = 0;
};

}  // namespace dfs::balancer
