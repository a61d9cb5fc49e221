#include "actors/health/metrics.hpp"

#include "runtime/metrics.hpp"

namespace dfs {

health_metrics::health_metrics(prometheus::Registry& registry, const std::string& node)
  : registry_(registry),
    node_(node),
    cpu_(prometheus::BuildGauge()
           .Name("dfs_node_cpu_share")
           .Help("Share of the machine's CPUs this node's process used (0..1)")
           .Register(registry)
           .Add({{"node", node}})),
    memory_(prometheus::BuildGauge()
              .Name("dfs_node_memory_bytes")
              .Help("Resident memory of this node's process")
              .Register(registry)
              .Add({{"node", node}})),
    open_files_(prometheus::BuildGauge()
                  .Name("dfs_node_open_files")
                  .Help("File descriptors this node's process holds open")
                  .Register(registry)
                  .Add({{"node", node}})),
    disk_free_(prometheus::BuildGauge()
                 .Name("dfs_node_disk_free_bytes")
                 .Help("Free bytes on the file system holding this node's chunks")
                 .Register(registry)
                 .Add({{"node", node}})),
    disk_used_(prometheus::BuildGauge()
                 .Name("dfs_node_disk_used_bytes")
                 .Help("Bytes of chunk data this node stores")
                 .Register(registry)
                 .Add({{"node", node}})),
    scrubbed_(prometheus::BuildCounter()
                .Name("dfs_scrub_bytes_total")
                .Help("Chunk bytes the scrubber re-read and verified")
                .Register(registry)
                .Add({{"node", node}})),
    scrub_passes_(prometheus::BuildCounter()
                    .Name("dfs_scrub_passes_total")
                    .Help("Complete passes of the scrubber over this node's chunks")
                    .Register(registry)
                    .Add({{"node", node}})),
    corrupt_found_(prometheus::BuildCounter()
                     .Name("dfs_chunk_copies_corrupt_found_total")
                     .Help("Chunk copies that failed verification here (reads and scrubber)")
                     .Register(registry)
                     .Add({{"node", node}})),
    heartbeats_(prometheus::BuildCounter()
                  .Name("dfs_health_heartbeats_received_total")
                  .Help("Heartbeats received from peers' health monitors")
                  .Register(registry)
                  .Add({{"node", node}})),
    changes_(prometheus::BuildCounter()
               .Name("dfs_health_state_changes_total")
               .Help("Peer state changes (active, suspect, down) this node observed")
               .Register(registry)
               .Add({{"node", node}})),
    phi_(prometheus::BuildGauge()
           .Name("dfs_health_peer_phi")
           .Help("Suspicion (phi accrual) of each peer, as this node sees it")
           .Register(registry)),
    state_(prometheus::BuildGauge()
             .Name("dfs_health_peer_state")
             .Help("1 for each peer's current state (active, suspect, down), else 0")
             .Register(registry)),
    heard_(prometheus::BuildGauge()
             .Name("dfs_health_peer_heard_seconds")
             .Help("Seconds since each peer's last heartbeat arrived")
             .Register(registry)),
    mailbox_(mailbox_gauge(registry, node, "health")) {}

void health_metrics::own_load(const node_load& load, uint64_t open_files) {
  cpu_.Set(load.cpu);
  memory_.Set(static_cast<double>(load.memory_bytes));
  open_files_.Set(static_cast<double>(open_files));
  disk_free_.Set(static_cast<double>(load.disk_free));
  disk_used_.Set(static_cast<double>(load.disk_used));
}

void health_metrics::storage(const replica_stats& s) {
  auto grow = [](prometheus::Counter& c, uint64_t now, uint64_t before) {
    if (now > before)
      c.Increment(static_cast<double>(now - before));
  };
  grow(scrubbed_, s.scrubbed_bytes, storage_seen_.scrubbed_bytes);
  grow(scrub_passes_, s.scrub_passes, storage_seen_.scrub_passes);
  grow(corrupt_found_, s.corrupt_found, storage_seen_.corrupt_found);
  storage_seen_ = s;
}

void health_metrics::peer(const peer_health& p) {
  // phi is unbounded: capped so that a dashboard's axis stays readable.
  phi_.Add({{"node", node_}, {"peer", p.node.value}}).Set(std::min(p.phi, 1000.0));
  for (const char* s : {"active", "suspect", "down"})
    state_.Add({{"node", node_}, {"peer", p.node.value}, {"state", s}})
      .Set(p.state == s ? 1.0 : 0.0);
  heard_.Add({{"node", node_}, {"peer", p.node.value}})
    .Set(p.heard_ago_ms < 0 ? -1.0 : static_cast<double>(p.heard_ago_ms) / 1000.0);
}

}  // namespace dfs
