// The gateway actor: the client API of the file service (mkdir, stat, ls,
// rm, mv, and chunked put/get). It turns client calls into metadata
// commands and chunk transfers; it holds no file data beyond the chunks in
// flight, so memory stays bounded by the clients' windows, not file sizes.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include <caf/actor_system.hpp>

#include "actors/balancer/admission.hpp"
#include "actors/balancer/router.hpp"
#include "actors/gateway/metrics.hpp"
#include "messages/handles.hpp"

namespace dfs {

class meta_view;

struct gateway_config {
  uint64_t chunk_size = 4ull << 20;  // bytes; every chunk but a file's last has this size
  uint32_t default_replication = 1;
  std::chrono::milliseconds request_timeout{30000};  // cap on any internal request
  std::chrono::milliseconds upload_timeout{300000};  // idle uploads are dropped after this
  size_t max_uploads = 1024;                         // open uploads at once
  uint64_t max_chunks_per_file = 1u << 22;
  // An upload must commit within this time of its opening: chunks not
  // committed are garbage after the garbage collector's grace period
  // (half of it, so that a commit never names a collected chunk).
  std::chrono::milliseconds max_upload_age{1800000};
  // A chunk write whose replica fails is sent to another node, at most
  // this many times per chunk.
  uint32_t write_retries = 3;
  // Bytes of chunk data this gateway holds for writes in flight; a write
  // past it is refused at once with errc::overloaded (clients retry after
  // a pause), so memory does not grow with the number of clients.
  uint64_t write_budget = 256ull << 20;
  // The same for chunk reads in flight (fetched from a replica, not yet
  // sent on to the client).
  uint64_t read_budget = 256ull << 20;
  // Chunks up to batch_chunk_limit bytes are stored in batches: at most
  // write_batches in flight (0: each alone), each of at most batch_chunks
  // chunks and batch_bytes bytes. Writes that arrive while the batches
  // are out wait for the next one.
  uint32_t write_batches = 1;
  uint64_t batch_chunk_limit = 64 * 1024;
  uint32_t batch_chunks = 64;
  uint64_t batch_bytes = 1u << 20;
  // A batch out for longer than this no longer holds up the next one.
  std::chrono::milliseconds batch_patience{500};
  std::chrono::milliseconds stats_interval{1000};  // storage nodes' free space refreshed
  // A cache lookup waits at most this long (a miss may wait for another
  // reader's load of the same chunk); a cache node whose shard fails or
  // times out is skipped for cache_skip, reads going to replicas.
  std::chrono::milliseconds cache_timeout{3000};
  std::chrono::milliseconds cache_skip{10000};
  // A chunk read not answered by its replica within max(hedge_after,
  // 4 x that node's expected time for it) is also sent to the next copy,
  // the first answer winning; a cache lookup not answered within
  // hedge_after goes on to the replicas. A paused or stalled node then
  // costs a read this much, not the seconds until it is judged down.
  // At most one read in ten is hedged; 0: never.
  std::chrono::milliseconds hedge_after{100};
  uint64_t seed = 0;                     // placement randomness; 0: from the OS
  balancer::router_config routing;       // read routing and circuit breakers
  balancer::admission_config admission;  // in-flight limit, per-client rate
};

struct gateway_deps {
  meta_actor meta;
  node_id local;                              // this node: its storage is written first
  std::map<node_id, replica_actor> replicas;  // storage nodes this gateway can reach
  // Cache shards of the cache nodes this gateway can reach (this node's
  // included), in shard order; a chunk's owner is chosen by rendezvous
  // hashing over all of them.
  std::map<node_id, std::vector<cache_actor>> caches;
  std::shared_ptr<gateway_metrics> metrics;  // may be null (tests)
  // The node's metadata (node states: no new chunks on dead or draining
  // nodes); null: every reachable node is taken as active.
  std::shared_ptr<meta_view> view;
};

gateway_actor spawn_gateway(caf::actor_system& sys, gateway_config cfg, gateway_deps deps);

}  // namespace dfs
