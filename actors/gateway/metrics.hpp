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

private:
  std::string node_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& latency_;
  prometheus::Counter& bytes_in_;
  prometheus::Counter& bytes_out_;
  prometheus::Gauge& uploads_;
};

}  // namespace dfs
