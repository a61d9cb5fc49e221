// The metadata state machine of a Raft member. It lives in memory behind
// a meta_view: the Raft participant applies committed commands to it and
// answers reads from it, with no thread hop. Its database is written
// behind it by a detached writer (SQLite never runs on a scheduler
// thread), one transaction per batch of applied commands, without an
// fsync each: the Raft log is the durable record and re-applies whatever
// a crash takes from the database.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/expected.hpp>

#include "actors/meta/state_machine.hpp"

namespace dfs {

class meta_view;

// What a batch of applied commands changed, for the database.
struct meta_changes {
  // A snapshot installed from the Raft leader: replaces everything before
  // `outcomes`, which were applied after it.
  std::shared_ptr<const proto::MetaSnapshot> restore;
  std::vector<apply_outcome> outcomes;  // in log order; skipped ones left out
  uint64_t last_index = 0;              // the state machine's applied index after them
  uint64_t next_inode = 0;
  int64_t log_time = 0;
  // Adds `later`, which was applied after this.
  void append(meta_changes&& later);
};

// Passed from the participant to the writer inside one process.
using meta_changes_ptr = std::shared_ptr<const meta_changes>;

struct meta_machine {
  std::shared_ptr<meta_view> view;
  // Takes (persist_atom, meta_changes_ptr) and answers ok once written. A
  // failed write stops it, with the error as the exit reason: the state in
  // memory is then ahead of the disk, and only a restart (re-applying the
  // Raft log) is safe.
  // Takes (snapshot_atom) and answers (index, data): everything in the
  // database, as of the applied index it holds, serialized as a
  // proto::MetaSnapshot, for log compaction.
  caf::actor writer;
};

// Opens the database at `db_path` (verifying it) on the calling thread,
// loads the state machine and spawns the writer. A damaged database is an
// error here.
caf::expected<meta_machine> open_meta_machine(caf::actor_system& sys, const std::string& db_path);

}  // namespace dfs

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dfs::meta_changes_ptr)
