#include "actors/health/metrics.hpp"

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
             .Register(registry)) {}

void health_metrics::own_load(const node_load& load) {
  cpu_.Set(load.cpu);
  memory_.Set(static_cast<double>(load.memory_bytes));
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
