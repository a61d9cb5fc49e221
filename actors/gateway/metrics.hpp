// Prometheus metrics of the gateway: requests by op and result, latency
// histograms by op, bytes in and out, open uploads.
#pragma once

#include <string>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "messages/errc.hpp"

namespace dfs {

class gateway_metrics {
public:
  gateway_metrics(prometheus::Registry& registry, const std::string& node);

  // One finished request: its op ("put", "get", ...), result and duration.
  void request_done(const std::string& op, errc result, double seconds);
  void bytes_received(size_t n) { bytes_in_.Increment(static_cast<double>(n)); }
  void bytes_sent(size_t n) { bytes_out_.Increment(static_cast<double>(n)); }
  void open_uploads(size_t n) { uploads_.Set(static_cast<double>(n)); }
  void in_flight(uint32_t n) { in_flight_.Set(static_cast<double>(n)); }
  // A request refused by admission control, and why ("in-flight limit",
  // "client rate limit").
  void rejected(const std::string& reason);
  // A chunk read sent to storage node `target`, and one sent on to the
  // next replica after a failure.
  void routed(const std::string& target);
  void read_retry() { retries_.Increment(); }
  // A chunk read or cache lookup slow to answer: the next copy asked too.
  void read_hedged() { hedged_.Increment(); }
  void mailbox(size_t n) { mailbox_.Set(static_cast<double>(n)); }
  // The read router's view of `target`: its breaker state ("closed",
  // "open", "half-open") and latency estimate.
  void route_state(const std::string& target, const std::string& breaker, double latency_ms);

private:
  std::string node_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& latency_;
  prometheus::Counter& bytes_in_;
  prometheus::Counter& bytes_out_;
  prometheus::Gauge& uploads_;
  prometheus::Gauge& in_flight_;
  prometheus::Family<prometheus::Counter>& rejected_;
  prometheus::Family<prometheus::Counter>& routed_;
  prometheus::Counter& retries_;
  prometheus::Counter& hedged_;
  prometheus::Family<prometheus::Gauge>& breaker_;
  prometheus::Family<prometheus::Gauge>& route_latency_;
  prometheus::Gauge& mailbox_;
};

}  // namespace dfs
