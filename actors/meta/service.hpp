// The metadata service actor (single node until Raft lands): applies
// MetaCommands to the state machine in order, persisting each to SQLite
// before it replies, and answers stat/list from memory. The work runs in a
// detached actor (its own thread) because every apply blocks on an fsync;
// callers talk to an event-based facade in front of it.
#pragma once

#include <memory>
#include <string>

#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

#include "actors/meta/store.hpp"
#include "messages/handles.hpp"

namespace dfs {

// Opens the metadata database at `db_path` (verifying it) on the calling
// thread, then spawns the service. A damaged database is an error here.
caf::expected<meta_actor> spawn_meta_service(caf::actor_system& sys, const std::string& db_path);

// The detached worker alone (for a Raft participant, which applies
// commands by log index). Never hand its handle to another node.
caf::expected<meta_worker_actor> spawn_meta_worker(
  caf::actor_system& sys, const std::string& db_path,
  meta_durability durability = meta_durability::fsync_each);

}  // namespace dfs
