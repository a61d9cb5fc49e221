// Admission control at a gateway, pure: time is an input (milliseconds of
// a monotonic clock). Two limits, both answered at once so that a client
// is never left queueing until its deadline:
//   - requests in flight at this gateway (`max_in_flight`): past it, a new
//     request is refused as overloaded;
//   - a token bucket per client id (`client_rate` per second, `client_burst`
//     at once; rate 0: no per-client limit).
// A refusal says when to retry: when the client's bucket has a token again,
// or, for the in-flight limit, after about one typical request's time.
#pragma once

#include <cstdint>
#include <list>
#include <string>
#include <unordered_map>

#include "actors/balancer/token_bucket.hpp"

namespace dfs::balancer {

struct admission_config {
  uint32_t max_in_flight = 1024;
  double client_rate = 0;
  double client_burst = 0;     // 0: one second's worth of the rate
  size_t max_clients = 10000;  // buckets kept; the least recently used go first
};

struct admission_verdict {
  bool admitted = true;
  int64_t retry_after_ms = 0;
  const char* reason = "";  // "in-flight limit" or "client rate limit" when refused
};

class admission {
public:
  explicit admission(admission_config cfg = {}) : cfg_(cfg) {}

  // A request of `client` arrives at `now_ms`. Admitted ones count as in
  // flight until release().
  admission_verdict admit(const std::string& client, int64_t now_ms);
  void release() {
    if (in_flight_ > 0)
      --in_flight_;
  }
  // The typical time a request takes (for the retry-after of the in-flight limit).
  void observe_latency(double ms) { typical_ms_ += 0.05 * (ms - typical_ms_); }
  double typical_latency_ms() const { return typical_ms_; }

  uint32_t in_flight() const { return in_flight_; }
  size_t clients() const { return buckets_.size(); }
  const admission_config& config() const { return cfg_; }

private:
  token_bucket& bucket(const std::string& client, int64_t now_ms);

  admission_config cfg_;
  uint32_t in_flight_ = 0;
  double typical_ms_ = 10;
  std::list<std::string> recency_;  // most recent first
  struct slot {
    token_bucket bucket;
    std::list<std::string>::iterator pos;
  };
  std::unordered_map<std::string, slot> buckets_;
};

}  // namespace dfs::balancer
