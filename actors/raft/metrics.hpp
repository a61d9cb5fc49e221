// Prometheus metrics of a Raft participant: term, role, commit and applied
// index, leader changes, log size, the latency of appending to the
// durable log and of committing a proposal, and reads served as leader in
// one round.
#pragma once

#include <string>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace dfs {

class raft_metrics {
public:
  raft_metrics(prometheus::Registry& registry, const std::string& node);

  void term(uint64_t t) { term_.Set(static_cast<double>(t)); }
  // One of follower, pre_candidate, candidate, leader.
  void role(const std::string& r);
  void leader_changed() { leader_changes_.Increment(); }
  void commit_index(uint64_t i) { commit_.Set(static_cast<double>(i)); }
  void applied_index(uint64_t i) { applied_.Set(static_cast<double>(i)); }
  void log_entries(uint64_t n) { log_entries_.Set(static_cast<double>(n)); }
  void append_done(double seconds) { append_.Observe(seconds); }
  void commit_done(double seconds) { commit_latency_.Observe(seconds); }
  void state_written(double seconds) { state_write_.Observe(seconds); }
  void mailbox(size_t n) { mailbox_.Set(static_cast<double>(n)); }
  void one_round_reads(size_t n) { one_round_reads_.Increment(static_cast<double>(n)); }

private:
  prometheus::Gauge& term_;
  prometheus::Family<prometheus::Gauge>& roles_;
  std::string node_;
  std::string role_;
  prometheus::Counter& leader_changes_;
  prometheus::Gauge& commit_;
  prometheus::Gauge& applied_;
  prometheus::Gauge& log_entries_;
  prometheus::Histogram& append_;
  prometheus::Histogram& commit_latency_;
  prometheus::Histogram& state_write_;
  prometheus::Gauge& mailbox_;
  prometheus::Counter& one_round_reads_;
};

}  // namespace dfs
