// The replica manager actor: the storage role of a node. It owns the
// chunk store and a small pool of detached I/O actors; every disk access
// runs on those (never on a scheduler thread) and they answer the caller
// directly.
#pragma once

#include <memory>
#include <string>

#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

#include "messages/handles.hpp"
#include "runtime/disk.hpp"

namespace dfs {

// Opens the chunk store under `dir` on the calling thread (indexing what is
// on disk), then spawns the manager with `io_threads` I/O actors.
caf::expected<replica_actor> spawn_replica_manager(caf::actor_system& sys, std::shared_ptr<disk> fs,
                                                   const std::string& dir, uint32_t io_threads);

}  // namespace dfs
