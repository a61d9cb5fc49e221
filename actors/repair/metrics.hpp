// Prometheus metrics of the repair manager. The figures of a scan are set
// by the Raft leader's manager; every other node reports 0, so that a
// maximum over the nodes is the cluster's figure.
#pragma once

#include <cstdint>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "messages/repair_messages.hpp"

namespace dfs {

class repair_metrics {
public:
  repair_metrics(prometheus::Registry& registry, const std::string& node);

  // The figures of one complete scan (or zeros when not leading).
  void scanned(const fsck_report& r);
  void not_leading() { scanned(fsck_report{}); }
  void repair_done() { repairs_.Increment(); }
  void collected() { collected_.Increment(); }
  void node_marked_dead() { marked_dead_.Increment(); }
  void mailbox(size_t n) { mailbox_.Set(static_cast<double>(n)); }
  // A leader's scan ended; `work_seconds`: the time this actor spent on it
  // (reading the chunk table, taking in the inventories, the analysis).
  void scan_work(double work_seconds) {
    scans_.Increment();
    scan_work_.Increment(work_seconds);
  }

private:
  prometheus::Gauge& under_replicated_;
  prometheus::Gauge& lost_;
  prometheus::Gauge& unavailable_;
  prometheus::Gauge& corrupt_;
  prometheus::Gauge& missing_;
  prometheus::Gauge& orphaned_;
  prometheus::Gauge& in_flight_;
  prometheus::Counter& repairs_;
  prometheus::Counter& collected_;
  prometheus::Counter& marked_dead_;
  prometheus::Gauge& mailbox_;
  prometheus::Counter& scans_;
  prometheus::Counter& scan_work_;
};

}  // namespace dfs
