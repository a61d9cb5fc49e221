#include "actors/repair/metrics.hpp"

#include "runtime/metrics.hpp"

namespace dfs {

namespace {

prometheus::Gauge& gauge(prometheus::Registry& r, const char* name, const char* help,
                         const std::string& node) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(r).Add({{"node", node}});
}

prometheus::Counter& counter(prometheus::Registry& r, const char* name, const char* help,
                             const std::string& node) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(r).Add({{"node", node}});
}

}  // namespace

repair_metrics::repair_metrics(prometheus::Registry& registry, const std::string& node)
  : under_replicated_(gauge(registry, "dfs_chunks_under_replicated",
                            "Chunks with fewer live copies than their file asks for", node)),
    lost_(gauge(registry, "dfs_chunks_lost", "Chunks with no good copy left", node)),
    unavailable_(gauge(registry, "dfs_chunks_unavailable",
                       "Chunks whose good copies are all unreachable now", node)),
    corrupt_(gauge(registry, "dfs_chunk_copies_corrupt",
                   "Copies found corrupt and not replaced yet", node)),
    missing_(gauge(registry, "dfs_chunk_copies_missing",
                   "Copies the metadata lists that their node does not have", node)),
    orphaned_(gauge(registry, "dfs_chunk_copies_orphaned",
                    "Copies no file references, waiting for garbage collection", node)),
    in_flight_(gauge(registry, "dfs_repairs_in_flight", "Chunk copies being made now", node)),
    repairs_(counter(registry, "dfs_repairs_total", "Chunk copies made and recorded", node)),
    collected_(counter(registry, "dfs_chunk_copies_collected_total",
                       "Unreferenced copies deleted by garbage collection", node)),
    marked_dead_(counter(registry, "dfs_nodes_marked_dead_total",
                         "Storage nodes marked dead after their grace period", node)),
    mailbox_(mailbox_gauge(registry, node, "repair")),
    scans_(counter(registry, "dfs_repair_scans_total", "Scans completed as the Raft leader", node)),
    scan_work_(counter(registry, "dfs_repair_scan_work_seconds_total",
                       "Time the leader's repair manager spent on its scans' own work", node)) {}

void repair_metrics::scanned(const fsck_report& r) {
  under_replicated_.Set(static_cast<double>(r.under_replicated));
  lost_.Set(static_cast<double>(r.lost));
  unavailable_.Set(static_cast<double>(r.unavailable));
  corrupt_.Set(static_cast<double>(r.corrupt));
  missing_.Set(static_cast<double>(r.missing));
  orphaned_.Set(static_cast<double>(r.orphaned));
  in_flight_.Set(static_cast<double>(r.repairs_in_flight));
}

}  // namespace dfs
