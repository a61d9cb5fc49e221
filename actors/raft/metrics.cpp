#include "actors/raft/metrics.hpp"

#include "runtime/metrics.hpp"

namespace dfs {

namespace {

const prometheus::Histogram::BucketBoundaries& latency_buckets() {
  static const prometheus::Histogram::BucketBoundaries buckets{
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
  return buckets;
}

prometheus::Gauge& gauge(prometheus::Registry& r, const char* name, const char* help,
                         const std::string& node) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(r).Add({{"node", node}});
}

prometheus::Histogram& histogram(prometheus::Registry& r, const char* name, const char* help,
                                 const std::string& node) {
  return prometheus::BuildHistogram().Name(name).Help(help).Register(r).Add({{"node", node}},
                                                                            latency_buckets());
}

}  // namespace

raft_metrics::raft_metrics(prometheus::Registry& registry, const std::string& node)
  : term_(gauge(registry, "dfs_raft_term", "Current Raft term", node)),
    roles_(prometheus::BuildGauge()
             .Name("dfs_raft_role")
             .Help("1 for the role this participant is in, 0 for the others")
             .Register(registry)),
    node_(node),
    leader_changes_(prometheus::BuildCounter()
                      .Name("dfs_raft_leader_changes_total")
                      .Help("Times this participant saw a new leader (itself included)")
                      .Register(registry)
                      .Add({{"node", node}})),
    commit_(gauge(registry, "dfs_raft_commit_index", "Highest log index known committed", node)),
    applied_(gauge(registry, "dfs_raft_applied_index",
                   "Highest log index applied to the metadata state machine", node)),
    log_entries_(
      gauge(registry, "dfs_raft_log_entries", "Entries in the log after the snapshot", node)),
    append_(histogram(registry, "dfs_raft_append_duration_seconds",
                      "Time to make one batch of log entries and hard state durable", node)),
    commit_latency_(histogram(registry, "dfs_raft_commit_duration_seconds",
                              "Time from a proposal on the leader to its being applied", node)),
    state_write_(histogram(registry, "dfs_raft_state_write_duration_seconds",
                           "Time to write one batch of applied commands to the state "
                           "machine's database",
                           node)),
    mailbox_(mailbox_gauge(registry, node, "raft")),
    one_round_reads_(prometheus::BuildCounter()
                       .Name("dfs_raft_one_round_reads_total")
                       .Help("Reads this participant served as leader with no round of its own "
                             "(a client confirms them with the other members' status)")
                       .Register(registry)
                       .Add({{"node", node}})) {
  for (auto r : {"follower", "pre_candidate", "candidate", "leader"})
    roles_.Add({{"node", node_}, {"role", r}}).Set(0);
}

void raft_metrics::role(const std::string& r) {
  if (r == role_)
    return;
  if (!role_.empty())
    roles_.Add({{"node", node_}, {"role", role_}}).Set(0);
  roles_.Add({{"node", node_}, {"role", r}}).Set(1);
  role_ = r;
}

}  // namespace dfs
