// Messages of replication upkeep: what a replica manager reports of its
// disk, and what the repair manager reports of the cluster (fsck).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/error.hpp>
#include <caf/meta/type_name.hpp>

#include "messages/types.hpp"

namespace dfs {

// The outcome of a chained store, one entry per node of the chain in its
// order: no error where that node has the chunk durably.
struct chain_outcome {
  std::vector<caf::error> results;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, chain_outcome& x) {
  return f(caf::meta::type_name("chain_outcome"), x.results);
}

// Small chunks stored together (a gateway's batch of small writes): one
// message along the chain and one sync per pack at each node. The lists
// match: chunk i is ids[i] with data[i] and checksums[i].
struct chunk_batch {
  std::vector<chunk_id> ids;
  std::vector<byte_buffer> data;
  std::vector<uint64_t> checksums;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, chunk_batch& x) {
  return f(caf::meta::type_name("chunk_batch"), x.ids, x.data, x.checksums);
}

// Everything a replica manager stores, for the repair loop: the chunks
// (id, length and creation time, in matching order), the ones it found
// corrupt or missing and dropped, and its figures.
struct chunk_inventory {
  std::vector<chunk_id> chunks;
  std::vector<uint64_t> lengths;
  std::vector<int64_t> created_ms;
  std::vector<chunk_id> bad;
  replica_stats stats;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, chunk_inventory& x) {
  return f(caf::meta::type_name("chunk_inventory"), x.chunks, x.lengths, x.created_ms, x.bad,
           x.stats);
}

// One storage node as the repair manager sees it.
struct node_report {
  std::string id;
  std::string address;  // host:port of its node agent, when known
  std::string state;    // "active", "dead" or "draining" (from the metadata)
  bool reachable = false;
  int64_t last_seen_ms = -1;  // since its last answer; -1: not since this leader started
  uint64_t chunks = 0;        // chunk copies on its disk
  uint64_t referenced = 0;    // copies the metadata places on it
  uint64_t bytes_used = 0;
  uint64_t bytes_free = 0;
  uint64_t corrupt_found = 0;  // by its reads and scrubber since it started
  uint64_t scrub_passes = 0;   // complete scrub passes since it started
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_report& x) {
  return f(caf::meta::type_name("node_report"), x.id, x.address, x.state, x.reachable,
           x.last_seen_ms, x.chunks, x.referenced, x.bytes_used, x.bytes_free, x.corrupt_found,
           x.scrub_passes);
}

// The health of the stored data, from one complete scan by the leader's
// repair manager. Healthy: every chunk has as many good, live copies as
// its file asks for. Orphaned copies (garbage waiting for collection) do
// not make it unhealthy.
struct fsck_report {
  std::string by;  // the node whose repair manager scanned (the Raft leader)
  uint64_t files = 0;
  uint64_t chunks = 0;
  uint64_t bytes = 0;  // of file data, one copy
  uint64_t under_replicated = 0;
  uint64_t corrupt = 0;      // copies found corrupt and not replaced yet
  uint64_t missing = 0;      // copies the metadata lists that a node does not have
  uint64_t lost = 0;         // chunks with no good copy anywhere
  uint64_t unavailable = 0;  // chunks whose good copies are all unreachable now
  uint64_t orphaned = 0;     // copies no file references (collected after a grace period)
  uint64_t repairs_in_flight = 0;
  uint64_t repairs_done = 0;  // since this node became leader
  uint64_t collected = 0;     // garbage copies deleted since this node became leader
  std::vector<node_report> nodes;
  bool healthy() const {
    return under_replicated == 0 && corrupt == 0 && missing == 0 && lost == 0 && unavailable == 0;
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, fsck_report& x) {
  return f(caf::meta::type_name("fsck_report"), x.by, x.files, x.chunks, x.bytes,
           x.under_replicated, x.corrupt, x.missing, x.lost, x.unavailable, x.orphaned,
           x.repairs_in_flight, x.repairs_done, x.collected, x.nodes);
}

}  // namespace dfs
