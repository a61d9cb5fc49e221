// Prometheus metrics of a node's health monitor: its own load, and its
// view of every peer (suspicion and state).
#pragma once

#include <map>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "messages/types.hpp"

namespace dfs {

class health_metrics {
public:
  health_metrics(prometheus::Registry& registry, const std::string& node);

  void own_load(const node_load& load, uint64_t open_files);
  void peer(const peer_health& p);
  // The replica manager's cumulative scrub and verification figures.
  void storage(const replica_stats& s);
  void heartbeat_received() { heartbeats_.Increment(); }
  void state_changed() { changes_.Increment(); }
  void mailbox(size_t n) { mailbox_.Set(static_cast<double>(n)); }

private:
  prometheus::Registry& registry_;
  std::string node_;
  prometheus::Gauge& cpu_;
  prometheus::Gauge& memory_;
  prometheus::Gauge& open_files_;
  prometheus::Gauge& disk_free_;
  prometheus::Gauge& disk_used_;
  prometheus::Counter& scrubbed_;
  prometheus::Counter& scrub_passes_;
  prometheus::Counter& corrupt_found_;
  replica_stats storage_seen_;
  prometheus::Counter& heartbeats_;
  prometheus::Counter& changes_;
  prometheus::Family<prometheus::Gauge>& phi_;
  prometheus::Family<prometheus::Gauge>& state_;
  prometheus::Family<prometheus::Gauge>& heard_;
  prometheus::Gauge& mailbox_;
};

}  // namespace dfs
