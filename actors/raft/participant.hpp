// The Raft participant actor: a thin shell around raft::core. It drives
// ticks from a timer; hands each batch of the core's outputs to a log
// writer (a detached actor: SQLite and fsync never run on a scheduler
// thread) and only once that batch is durable sends its messages, applies
// its committed commands in order to the node's metadata state machine (in
// memory; a detached writer puts them in its database behind it) and
// serves its reads. While one batch is being written the core keeps
// working, and everything it produces meanwhile goes into the next batch
// (group commit).
//
// Every member offers the metadata interface. The leader serves it;
// a follower forwards each request once to the leader it knows, and a
// request that finds no leader (an election is running) waits, retried on
// every tick until its deadline. Proposals carry the client's session, so
// a retried one is applied once.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

#include "messages/handles.hpp"

namespace prometheus {
class Registry;
}

namespace dfs {

struct participant_config {
  std::string id;
  std::vector<std::string> voters;     // bootstrap group, this node included
  std::string db_path;                 // the Raft log (SQLite)
  std::chrono::milliseconds tick{15};  // one core tick
  int election_ticks = 10;             // election timeout 150-300 ms with the tick above
  uint64_t seed = 0;                   // 0: from the OS
  // A request forwarded to a leader that does not answer in this time is
  // tried again (at the new leader, once one is known).
  std::chrono::milliseconds forward_timeout{1000};
  // Log compaction: once the log holds more entries than this, the state
  // machine's database becomes a snapshot and the log before it goes (0:
  // never).
  uint64_t compact_after = 10000;
  // A snapshot goes to a member that needs it in pieces of this size, each
  // acknowledged before the next.
  uint64_t snapshot_chunk_bytes = 1 << 20;
  // Reads served by the leader's lease instead of a heartbeat round each
  // (see raft::config::lease_reads): faster, but they rely on clocks.
  bool lease_reads = false;
  // A membership change (a node added and caught up, or removed) not done
  // in this time is answered with a timeout.
  std::chrono::milliseconds member_change_timeout{30000};
  prometheus::Registry* metrics = nullptr;  // may be null
};

struct meta_machine;

// Takes over `machine` (the node's metadata state machine, see
// actors/meta/service.hpp): the participant applies committed commands to
// it, answers reads from it, and stops with its database writer.
caf::expected<raft_actor> spawn_raft_participant(caf::actor_system& sys, participant_config cfg,
                                                 meta_machine machine);

}  // namespace dfs
