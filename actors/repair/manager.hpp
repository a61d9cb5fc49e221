// The repair manager actor: keeps every chunk at its file's replication
// factor. One runs on every metadata node; only the Raft leader's works,
// in scans every `interval`:
//
//   1. read the chunk table from the local state machine (the leader's);
//   2. ask every storage node for its inventory (also the liveness probe):
//      a copy the table lists that a node lacks or found corrupt is bad;
//   3. a node the node's health monitor has judged down for `dead_after`
//      (phi accrual over heartbeats; health/monitor.hpp), and whose
//      replica manager does not answer, is marked dead through Raft; one
//      the monitor sees active again, answering, is marked active. For a
//      node the monitor does not know, the probes decide: unreachable for
//      `dead_after` is dead, reachable in two scans in a row is back;
//   4. plan copies with repair::plan_repairs (fewest copies first, at most
//      `concurrency` in flight): the source node copies the chunk straight
//      to the target, then the new placement is committed through Raft;
//   5. after a linearizable read confirms the leadership, read the table
//      again and collect garbage: copies no file lists at that node for
//      `gc_grace` (repair::gc_tracker).
//
// fsck is answered with the figures of a scan that started after the
// request arrived; a follower forwards it to the leader's manager.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <caf/actor_system.hpp>

#include "messages/handles.hpp"

namespace dfs {

class meta_view;
class repair_metrics;

struct repair_config {
  std::string node_id;
  std::chrono::milliseconds interval{2000};
  std::chrono::milliseconds dead_after{30000};
  std::chrono::milliseconds probe_timeout{2000};  // for an inventory answer
  std::chrono::milliseconds copy_timeout{60000};  // for one chunk copy
  std::chrono::milliseconds gc_grace{3600000};
  uint32_t concurrency = 8;
  uint64_t rate = 0;  // bytes per second of chunk copies started; 0: unlimited
  uint64_t seed = 0;  // placement randomness; 0: from the OS
  // The share of time scans may take: a scan reads the whole chunk table
  // and every node's inventory, so with many chunks one whose own work
  // (not its waiting for answers) took T keeps the timer's next scan off
  // for T * (1 / share - 1); never more often than `interval`. An fsck
  // starts a scan at once.
  double scan_share = 0.1;
};

struct repair_deps {
  raft_actor raft;                          // the local participant
  std::shared_ptr<meta_view> view;          // its state machine
  replica_actor local_replica;              // null when this node stores nothing
  std::string local_address;                // host:port of this node's agent
  std::shared_ptr<repair_metrics> metrics;  // may be null (tests)
};

repair_actor spawn_repair_manager(caf::actor_system& sys, repair_config cfg, repair_deps deps);

}  // namespace dfs
