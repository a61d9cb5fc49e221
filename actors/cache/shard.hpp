// The cache shard actor: one slice of the cluster's chunk cache, holding
// chunk bytes in memory under a byte budget (cache::store with a
// replacement policy, hybrid by default).
//
// Single flight: the first miss on a chunk is told to load it (read it
// from a replica, then fill); lookups of the same chunk while that load
// is under way wait for the fill instead of reading the chunk again, and
// are told to read it themselves if the loader abandons it or does not
// fill within `load_timeout`. A fill after the reply never delays anyone:
// gateways answer their client first and send the fill after. A fill may
// name the chunk instead of carrying it, when this node holds a replica:
// the shard then reads it from `replicas`, checks it against the
// reference, and stores it; the waiters get it then. A reference that
// comes after its load was given up on is dropped (bytes are kept).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

#include "messages/handles.hpp"

namespace prometheus {
class Registry;
}

namespace dfs {

struct cache_shard_config {
  node_id node;
  uint32_t index = 0;  // of the shard on its node
  std::string policy = "hybrid";
  uint64_t budget = 64ull << 20;         // bytes, bookkeeping included; never exceeded
  uint64_t typical_entry = 64ull << 10;  // sizes the policy's frequency sketch
  // load_timeout + tick stays well below the gateways' cache_timeout
  // (3 s): a waiter is released before its gateway gives up on the shard.
  std::chrono::milliseconds load_timeout{1500};
  std::chrono::milliseconds tick{250};  // load expiry and metrics
  prometheus::Registry* metrics = nullptr;
  replica_actor replicas;  // of this node, for fills by reference (none: not storage)
};

// Fails for an unknown policy name.
caf::expected<cache_actor> spawn_cache_shard(caf::actor_system& sys, cache_shard_config cfg);

}  // namespace dfs
