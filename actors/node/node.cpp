#include "actors/node/node.hpp"

#include <caf/send.hpp>

#include "actors/cache/shard.hpp"
#include "actors/gateway/gateway.hpp"
#include "actors/health/metrics.hpp"
#include "actors/health/monitor.hpp"
#include "actors/meta/service.hpp"
#include "actors/meta/view.hpp"
#include "actors/node/peers.hpp"
#include "actors/raft/participant.hpp"
#include "actors/repair/manager.hpp"
#include "actors/repair/metrics.hpp"
#include "actors/replica/manager.hpp"
#include "runtime/metrics.hpp"

namespace dfs {

caf::expected<node_handles> spawn_node(caf::actor_system& sys, const node_config& cfg,
                                       std::shared_ptr<disk> fs, prometheus::Registry* metrics,
                                       std::shared_ptr<node_readiness> readiness,
                                       std::shared_ptr<dashboard_feed> dashboard) {
  node_handles handles;
  handles.id = node_id{cfg.node_id};
  if (cfg.has_role("gateway") && !cfg.has_role("meta"))
    return make_error(errc::invalid_argument,
                      "role 'gateway' needs 'meta' on the same node (its Raft participant)");
  if (auto why = check_config(cfg); !why.empty())
    return make_error(errc::invalid_argument, why);
  if (auto st = fs->make_dirs(cfg.data_dir); !st.ok())
    return make_error(st.code, "cannot create data dir " + cfg.data_dir + ": " + st.message);
  auto fail = [&](const char* what, const caf::error& err) {
    stop_node(handles);
    return make_error(to_errc(err), std::string{what} + ": " + describe(err));
  };
  std::shared_ptr<meta_view> view;
  if (cfg.has_role("meta")) {
    // The Raft log is the durable record; the state machine's database
    // need not fsync each command (what a power loss takes is re-applied).
    auto machine = open_meta_machine(sys, cfg.data_dir + "/meta.db");
    if (!machine)
      return fail("metadata state machine cannot start", machine.error());
    view = machine->view;
    participant_config pc;
    pc.id = cfg.node_id;
    pc.voters = cfg.raft_voters();
    pc.db_path = cfg.data_dir + "/raft.db";
    pc.metrics = metrics;
    pc.compact_after = cfg.raft_compact_after;
    pc.lease_reads = cfg.raft_lease_reads;
    auto raft = spawn_raft_participant(sys, std::move(pc), std::move(*machine));
    if (!raft)
      return fail("raft participant cannot start", raft.error());
    handles.raft = *raft;
    handles.meta = caf::actor_cast<meta_actor>(*raft);
  }
  if (cfg.has_role("storage")) {
    replica_config rc;
    rc.dir = cfg.data_dir + "/chunks";
    rc.io_threads = cfg.io_threads;
    rc.domain = cfg.failure_domain;
    rc.scrub_rate = cfg.scrub_rate;
    rc.pack_limit = cfg.pack_limit;
    if (metrics)
      rc.mailbox = &mailbox_gauge(*metrics, cfg.node_id, "replica");
    auto replica = spawn_replica_manager(sys, fs, std::move(rc));
    if (!replica)
      return fail("replica manager cannot start", replica.error());
    handles.replica = *replica;
  }
  if (cfg.has_role("cache") && cfg.cache_bytes > 0) {
    for (uint32_t i = 0; i < cfg.cache_shards; ++i) {
      cache_shard_config cc;
      cc.node = handles.id;
      cc.index = i;
      cc.policy = cfg.cache_policy;
      cc.budget = cfg.cache_bytes / cfg.cache_shards;
      cc.typical_entry = std::min<uint64_t>(cfg.chunk_size, 64ull << 10);
      cc.metrics = metrics;
      cc.replicas = handles.replica;
      auto shard = spawn_cache_shard(sys, std::move(cc));
      if (!shard)
        return fail("cache shard cannot start", shard.error());
      handles.caches.push_back(*shard);
    }
  }
  if (handles.raft) {
    repair_config rc;
    rc.node_id = cfg.node_id;
    rc.interval = cfg.repair_interval;
    rc.dead_after = cfg.dead_after;
    rc.gc_grace = cfg.gc_grace;
    rc.concurrency = cfg.repair_concurrency;
    rc.rate = cfg.repair_rate;
    repair_deps deps;
    deps.raft = handles.raft;
    deps.view = view;
    deps.local_replica = handles.replica;
    deps.local_address = cfg.listen.to_string();
    if (metrics)
      deps.metrics = std::make_shared<repair_metrics>(*metrics, cfg.node_id);
    handles.repair = spawn_repair_manager(sys, std::move(rc), std::move(deps));
  }
  if (cfg.has_role("gateway")) {
    gateway_config gw;
    gw.chunk_size = cfg.chunk_size;
    gw.default_replication = cfg.replication;
    gw.request_timeout = cfg.request_timeout;
    gw.upload_timeout = cfg.upload_timeout;
    gw.max_upload_age = cfg.gc_grace / 2;
    gw.write_budget = cfg.write_budget;
    gw.read_budget = cfg.read_budget;
    gw.write_batches = cfg.write_batches;
    gw.routing.breaker.failure_threshold = cfg.breaker_failures;
    gw.routing.breaker.cool_down_ms = cfg.breaker_cool_down.count();
    gw.routing.breaker.max_cool_down_ms =
      std::max<int64_t>(cfg.breaker_cool_down.count() * 16, gw.routing.breaker.cool_down_ms);
    gw.admission.max_in_flight = cfg.max_in_flight;
    gw.admission.client_rate = cfg.client_rate;
    gw.admission.client_burst = cfg.client_burst;
    gateway_deps deps;
    deps.meta = handles.meta;
    deps.local = handles.id;
    deps.view = view;
    if (handles.replica)
      deps.replicas.emplace(handles.id, handles.replica);
    if (!handles.caches.empty())
      deps.caches.emplace(handles.id, handles.caches);
    if (metrics)
      deps.metrics = std::make_shared<gateway_metrics>(*metrics, cfg.node_id);
    handles.gateway = spawn_gateway(sys, gw, std::move(deps));
  }
  {
    monitor_config mc;
    mc.node_id = cfg.node_id;
    mc.interval = cfg.heartbeat_interval;
    mc.liveness.detector.expected_interval_ms = cfg.heartbeat_interval.count();
    mc.liveness.suspect_phi = cfg.suspect_phi;
    mc.liveness.down_phi = cfg.dead_phi;
    mc.needs_raft = static_cast<bool>(handles.raft);
    mc.needs_storage = static_cast<bool>(handles.replica);
    mc.min_free_bytes = cfg.chunk_size;
    monitor_deps md;
    md.gateway = handles.gateway;
    md.replica = handles.replica;
    md.caches = handles.caches;
    md.raft = handles.raft;
    md.repair = handles.repair;
    md.readiness = std::move(readiness);
    md.dashboard = std::move(dashboard);
    md.roles = cfg.roles;
    if (metrics)
      md.metrics = std::make_shared<health_metrics>(*metrics, cfg.node_id);
    handles.health = spawn_health_monitor(sys, std::move(mc), std::move(md));
  }
  if (handles.raft || !cfg.peers.empty()) {
    peer_connector_config pc;
    pc.peers = cfg.peers;
    spawn_peer_connector(sys, std::move(pc), handles);  // linked: stops with them
  }
  return handles;
}

void stop_node(const node_handles& handles) {
  for (auto& shard : handles.caches)
    caf::anon_send_exit(shard, caf::exit_reason::user_shutdown);
  for (auto& a :
       {caf::actor_cast<caf::actor>(handles.health), caf::actor_cast<caf::actor>(handles.gateway),
        caf::actor_cast<caf::actor>(handles.replica), caf::actor_cast<caf::actor>(handles.repair),
        caf::actor_cast<caf::actor>(handles.raft)})
    if (a)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
}

node_status static_status(const node_config& cfg) {
  node_status status;
  status.id = node_id{cfg.node_id};
  status.roles = cfg.roles;
  status.listen = cfg.listen.to_string();
  status.metrics = cfg.metrics.to_string();
  for (auto& p : cfg.peers)
    status.peers.push_back(p.to_string());
  return status;
}

}  // namespace dfs
