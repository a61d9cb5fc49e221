// The health monitor actor, one per node. Every `interval` it:
//   1. samples the node's load: CPU and memory from /proc, disk from the
//      replica manager, in-flight requests and latency from the gateway,
//      the cache shards' hit ratio (answers arrive during the interval and
//      ride on the next heartbeat);
//   2. sends a heartbeat carrying that load to every peer's monitor;
//   3. judges every peer from the heartbeats it received (phi accrual with
//      hysteresis, health/detector.hpp) and passes the verdicts and loads
//      to the node's gateway (read routing, placement) and repair manager
//      (which marks a node dead through Raft once it stayed down for the
//      grace period, and active again once it is back);
//   4. updates the node's readiness (/readyz): a member of the Raft group,
//      a leader in contact, storage writable;
//   5. publishes the web dashboard's snapshot (health/dashboard.hpp), with
//      recent events: peers changing state, leader changes, repairs.
// Heartbeats are one-way messages; no request waits on a peer.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <caf/actor_system.hpp>

#include "actors/health/detector.hpp"
#include "messages/handles.hpp"

namespace dfs {

class dashboard_feed;
class health_metrics;
class node_readiness;

struct monitor_config {
  std::string node_id;
  std::chrono::milliseconds interval{500};
  health::liveness_config liveness;
  bool needs_raft = false;      // a meta node: ready only as a member with a known leader
  bool needs_storage = false;   // a storage node: ready only while its disk takes writes
  uint64_t min_free_bytes = 0;  // ... and has room for at least this much (one chunk)
};

struct monitor_deps {
  gateway_actor gateway;  // each may be null: the role is not hosted
  replica_actor replica;
  std::vector<cache_actor> caches;
  raft_actor raft;
  repair_actor repair;
  std::shared_ptr<node_readiness> readiness;  // may be null (tests)
  std::shared_ptr<health_metrics> metrics;    // may be null (tests)
  std::shared_ptr<dashboard_feed> dashboard;  // may be null: no web dashboard
  std::vector<std::string> roles;             // shown on the dashboard
};

health_actor spawn_health_monitor(caf::actor_system& sys, monitor_config cfg, monitor_deps deps);

}  // namespace dfs
