// The replica manager actor: the storage role of a node. It owns the
// chunk store and a small pool of detached I/O actors; every disk access
// runs on those (never on a scheduler thread) and they answer the caller
// directly. A scrubber re-reads every stored chunk at a bounded rate; a
// copy that fails verification, there or on any read, is dropped and
// reported as bad in the node's inventory, for the repair manager.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <prometheus/gauge.h>
#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

#include "messages/handles.hpp"
#include "runtime/disk.hpp"

namespace dfs {

struct replica_config {
  std::string dir;  // the chunk directory
  uint32_t io_threads = 2;
  std::string domain;       // failure domain, reported in the inventory
  uint64_t scrub_rate = 0;  // bytes re-read per second by the scrubber; 0: no scrubbing
  std::chrono::milliseconds scrub_step{1000};
  uint64_t pack_limit = 64 * 1024;                    // see chunk_store_options
  std::chrono::milliseconds transfer_timeout{30000};  // a replicate's store at its target
  // Messages waiting in the manager's mailbox, set at each status request
  // (the health monitor asks every heartbeat); null: not reported.
  prometheus::Gauge* mailbox = nullptr;
};

// Opens the chunk store under cfg.dir on the calling thread (indexing what
// is on disk), then spawns the manager with its I/O actors.
caf::expected<replica_actor> spawn_replica_manager(caf::actor_system& sys, std::shared_ptr<disk> fs,
                                                   replica_config cfg);

}  // namespace dfs
