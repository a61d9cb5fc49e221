// The typed message structs that actors of dfs exchange, each with the
// `inspect` overload CAF uses to serialize it across the middleman. Every
// struct here is registered in register.cpp under its own name.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

#include "runtime/bytes.hpp"

namespace dfs {

// A node's identity in the cluster ("n1"). A distinct type, never a bare string.
struct node_id {
  std::string value;
  friend bool operator==(const node_id& a, const node_id& b) { return a.value == b.value; }
  friend bool operator!=(const node_id& a, const node_id& b) { return !(a == b); }
  friend bool operator<(const node_id& a, const node_id& b) { return a.value < b.value; }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_id& x) {
  return f(caf::meta::type_name("node_id"), x.value);
}

// A chunk's identity: 32 lowercase hex digits, unique cluster-wide.
struct chunk_id {
  std::string value;
  friend bool operator==(const chunk_id& a, const chunk_id& b) { return a.value == b.value; }
  friend bool operator!=(const chunk_id& a, const chunk_id& b) { return !(a == b); }
  friend bool operator<(const chunk_id& a, const chunk_id& b) { return a.value < b.value; }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, chunk_id& x) {
  return f(caf::meta::type_name("chunk_id"), x.value);
}

// True for exactly 32 lowercase hex digits: the only valid chunk ids (so no
// id can name a path outside a chunk directory).
inline bool valid_chunk_id(const std::string& id) {
  if (id.size() != 32)
    return false;
  for (char c : id)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
      return false;
  return true;
}

// Travels with every client request, unchanged through every actor. Actors
// log trace_id and refuse work whose deadline has passed. (client_id,
// sequence) identify a request for exactly-once retries; identity is the
// caller's authenticated name once auth exists.
struct request_context {
  uint64_t trace_id = 0;
  int64_t deadline_ms = 0;  // wall-clock milliseconds since the Unix epoch
  std::string client_id;
  uint64_t sequence = 0;
  std::string identity;
  uint32_t hops = 0;  // times forwarded between nodes (a follower to its leader)
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, request_context& x) {
  return f(caf::meta::type_name("request_context"), x.trace_id, x.deadline_ms, x.client_id,
           x.sequence, x.identity, x.hops);
}

// One chunk of a file: where it is and how to verify it.
struct chunk_ref {
  chunk_id id;
  uint64_t length = 0;    // bytes
  uint64_t checksum = 0;  // XXH3-64 of the chunk's bytes
  std::vector<node_id> replicas;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, chunk_ref& x) {
  return f(caf::meta::type_name("chunk_ref"), x.id, x.length, x.checksum, x.replicas);
}

enum class entry_kind : uint8_t { file = 1, directory = 2 };

// What stat and ls report about a namespace entry. `chunks` is filled by
// stat of a file and left empty by ls.
struct file_info {
  std::string path;
  entry_kind kind = entry_kind::file;
  uint64_t size = 0;  // bytes; 0 for directories
  uint32_t mode = 0;
  int64_t mtime_ms = 0;
  uint64_t version = 0;  // 1 on creation, +1 per overwrite
  uint32_t replication = 0;
  std::vector<chunk_ref> chunks;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, file_info& x) {
  return f(caf::meta::type_name("file_info"), x.path, x.kind, x.size, x.mode, x.mtime_ms, x.version,
           x.replication, x.chunks);
}

// A file's record and, for a file of at most one chunk, its bytes
// (`complete`); otherwise the reader reads the chunks itself.
struct file_data {
  file_info info;
  byte_buffer data;
  bool complete = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, file_data& x) {
  return f(caf::meta::type_name("file_data"), x.info, x.data, x.complete);
}

// The gateway's answer to opening a write: which upload, and the chunk size
// every chunk but the last must have.
struct upload_ticket {
  uint64_t upload_id = 0;
  uint64_t chunk_size = 0;  // bytes
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, upload_ticket& x) {
  return f(caf::meta::type_name("upload_ticket"), x.upload_id, x.chunk_size);
}

// A node's view of itself, as `cluster status` shows it.
struct node_status {
  node_id id;
  std::vector<std::string> roles;
  std::string listen;   // host:port of the node agent
  std::string metrics;  // host:port of the Prometheus exposer
  std::string state;    // "active" or "stopping"
  int64_t uptime_ms = 0;
  uint64_t chunks = 0;      // chunks stored on this node
  uint64_t bytes_used = 0;  // bytes of chunk data stored
  uint64_t bytes_free = 0;  // free bytes on the data dir's file system
  // The other nodes it was started with, "id@host:port" (nodes added later
  // are in the node table: client::known_nodes merges both).
  std::vector<std::string> peers;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_status& x) {
  return f(caf::meta::type_name("node_status"), x.id, x.roles, x.listen, x.metrics, x.state,
           x.uptime_ms, x.chunks, x.bytes_used, x.bytes_free, x.peers);
}

// Storage figures of one replica manager.
struct replica_stats {
  uint64_t chunks = 0;
  uint64_t bytes_used = 0;
  uint64_t bytes_free = 0;
  uint64_t corrupt_found = 0;  // copies that failed verification (reads and scrubber)
  uint64_t missing_found = 0;  // indexed copies whose file had vanished
  uint64_t scrub_passes = 0;   // complete passes of the scrubber
  uint64_t scrubbed_bytes = 0;
  std::string domain;  // the node's failure domain (empty: its own)
  // False while the disk refuses writes: the last chunk write failed with
  // an I/O error or a full disk (cleared by the next one that succeeds).
  bool writable = true;
  uint32_t injected_delay_ms = 0;  // fault injection (dfsctl node slow): 0 when off
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, replica_stats& x) {
  return f(caf::meta::type_name("replica_stats"), x.chunks, x.bytes_used, x.bytes_free,
           x.corrupt_found, x.missing_found, x.scrub_passes, x.scrubbed_bytes, x.domain, x.writable,
           x.injected_delay_ms);
}

// A cache shard's answer to a lookup. A hit carries the bytes. A miss
// says whether the asker should read the chunk and fill the cache
// (`load`: no one else is reading it), or whether another reader's load
// failed or took too long (read it, no fill needed).
struct cache_lookup {
  bool hit = false;
  bool load = false;
  byte_buffer data;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cache_lookup& x) {
  return f(caf::meta::type_name("cache_lookup"), x.hit, x.load, x.data);
}

// Figures of one cache shard.
struct cache_shard_stats {
  node_id node;
  uint32_t shard = 0;
  std::string policy;
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t bytes_hit = 0;
  uint64_t bytes_missed = 0;  // of the misses that were filled
  uint64_t coalesced = 0;     // misses that waited for another reader's load (single flight)
  uint64_t released = 0;      // of those, sent to read for themselves (load abandoned or late)
  uint64_t removed = 0;       // entries dropped because a reader found them bad
  uint64_t fills = 0;
  uint64_t rejected = 0;  // fills the admission filter (or the size) turned away
  uint64_t evictions = 0;
  uint64_t bytes = 0;  // resident, bookkeeping included
  uint64_t entries = 0;
  uint64_t capacity = 0;  // the shard's byte budget
  // Capacity advice: of `advice_requests` sampled lookups, how many would
  // have hit at 0.25x, 0.5x, 1x, 2x and 4x the capacity.
  uint64_t advice_requests = 0;
  std::vector<uint64_t> advice_hits;
  double advice_expected = 0;  // the sampling rate times all lookups (advisor.hpp)
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cache_shard_stats& x) {
  return f(caf::meta::type_name("cache_shard_stats"), x.node, x.shard, x.policy, x.hits, x.misses,
           x.bytes_hit, x.bytes_missed, x.coalesced, x.released, x.removed, x.fills, x.rejected,
           x.evictions, x.bytes, x.entries, x.capacity, x.advice_requests, x.advice_hits,
           x.advice_expected);
}

// CAF 0.17's binary serializer loops forever on an infinite or NaN double
// (its IEEE 754 packing halves the value until it is below 2): every
// double put in a message goes through this first.
inline double finite_or_zero(double x) {
  return x - x == 0 ? x : 0;  // false for infinities and NaN
}

// The load a node reports in every heartbeat (health monitors), sampled
// by its monitor from the process and its own actors.
struct node_load {
  node_id node;
  uint64_t sequence = 0;  // heartbeats sent since the process started
  int64_t uptime_ms = 0;
  double cpu = 0;               // this process's share of the machine's CPUs, 0..1
  uint64_t memory_bytes = 0;    // resident set size
  uint64_t disk_used = 0;       // bytes of chunk data stored
  uint64_t disk_free = 0;       // free bytes where they are stored
  uint32_t in_flight = 0;       // client requests at its gateway
  double latency_ewma_ms = 0;   // of its gateway's client requests
  double latency_p99_ms = 0;    // over the last heartbeat interval
  double cache_hit_ratio = -1;  // of its cache shards over the last interval; -1: no lookups
  uint64_t requests = 0;        // client requests served since start
  uint64_t rejected = 0;        // refused by admission control since start
  double latency_p50_ms = 0;    // over the last heartbeat interval
  // Chunk health from the node's repair manager: the cluster's figures on
  // the Raft leader, zero elsewhere (so a maximum over nodes is the
  // cluster's).
  uint64_t under_replicated = 0;
  uint64_t corrupt = 0;
  uint64_t lost = 0;
  uint64_t repairs_done = 0;
  std::vector<std::string> roles;  // the node's roles (meta, storage, cache, gateway, monitor)
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_load& x) {
  return f(caf::meta::type_name("node_load"), x.node, x.sequence, x.uptime_ms, x.cpu,
           x.memory_bytes, x.disk_used, x.disk_free, x.in_flight, x.latency_ewma_ms,
           x.latency_p99_ms, x.cache_hit_ratio, x.requests, x.rejected, x.latency_p50_ms,
           x.under_replicated, x.corrupt, x.lost, x.repairs_done, x.roles);
}

// What one health monitor knows of another node.
struct peer_health {
  node_id node;
  std::string state;          // "active", "suspect" or "down" (this observer's verdict)
  double phi = 0;             // suspicion now
  int64_t state_for_ms = 0;   // time in that state
  int64_t heard_ago_ms = -1;  // since its last heartbeat; -1: never heard
  node_load load;             // from its last heartbeat
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, peer_health& x) {
  return f(caf::meta::type_name("peer_health"), x.node, x.state, x.phi, x.state_for_ms,
           x.heard_ago_ms, x.load);
}

// A gateway's routing figures for one storage node.
struct route_status {
  node_id node;
  uint32_t in_flight = 0;
  double latency_ms = 0;  // the router's estimate (per 256 KiB or request)
  uint64_t routed = 0;    // reads sent there
  uint64_t failed = 0;
  std::string breaker;  // "closed", "open" or "half-open"
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, route_status& x) {
  return f(caf::meta::type_name("route_status"), x.node, x.in_flight, x.latency_ms, x.routed,
           x.failed, x.breaker);
}

// A gateway's load and routing.
struct gateway_status {
  uint32_t in_flight = 0;
  uint32_t max_in_flight = 0;
  double latency_ewma_ms = 0;
  double latency_p99_ms = 0;  // since the previous status request
  double latency_p50_ms = 0;
  uint64_t requests = 0;
  uint64_t rejected = 0;
  uint64_t retries = 0;  // chunk reads sent to another replica after a failure
  std::vector<route_status> routes;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, gateway_status& x) {
  return f(caf::meta::type_name("gateway_status"), x.in_flight, x.max_in_flight, x.latency_ewma_ms,
           x.latency_p99_ms, x.latency_p50_ms, x.requests, x.rejected, x.retries, x.routes);
}

// A health monitor's view: its own node's load, every peer's health, and
// (from the node's gateway, when it has one) the routing figures.
struct health_report {
  node_load self;
  std::vector<peer_health> peers;
  bool has_gateway = false;
  gateway_status gateway;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, health_report& x) {
  return f(caf::meta::type_name("health_report"), x.self, x.peers, x.has_gateway, x.gateway);
}

}  // namespace dfs
