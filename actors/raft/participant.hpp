// The Raft participant actor: a thin shell around raft::core. It drives
// ticks from a timer, persists each ready through the SQLite log store
// before sending its messages, sends them to the peer participants, applies
// committed commands in order through the node's metadata worker, and
// answers proposals (leader only; followers name the leader) and
// linearizable reads (ReadIndex). It runs detached: persisting blocks on
// fsync. Not yet used by dfsd (see docs/design.md).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

#include "messages/handles.hpp"

namespace dfs {

struct participant_config {
  std::string id;
  std::vector<std::string> voters;     // bootstrap group, this node included
  std::string db_path;                 // the Raft log (SQLite)
  std::chrono::milliseconds tick{15};  // one core tick
  int election_ticks = 10;             // election timeout 150-300 ms with the tick above
  uint64_t seed = 0;                   // 0: from the OS
};

caf::expected<raft_actor> spawn_raft_participant(caf::actor_system& sys, participant_config cfg,
                                                 meta_worker_actor worker);

}  // namespace dfs
