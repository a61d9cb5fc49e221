// A node's configuration: every key with its default and unit in one place.
// Loaded from a TOML file, then overridden key by key (from the command
// line). Unknown keys and bad values are rejected with a message naming the
// key; nothing is silently ignored.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace dfs {

struct host_port {
  std::string host;
  uint16_t port = 0;
  std::string to_string() const { return host + ":" + std::to_string(port); }
};

// Parses "host:port"; nullopt with a reason in `why` on failure.
std::optional<host_port> parse_host_port(const std::string& text, std::string* why = nullptr);

// Another node of the cluster: its id and where its node agent listens.
struct peer_address {
  std::string id;
  host_port addr;
  std::string to_string() const { return id + "@" + addr.to_string(); }
};

// Parses "n2@host:port"; nullopt with a reason in `why` on failure.
std::optional<peer_address> parse_peer(const std::string& text, std::string* why = nullptr);

// True for a valid node id: 1-64 letters, digits, '-' or '_'.
bool valid_node_id(const std::string& id);

// Parses "4194304", "4MiB", "64KiB", "1GiB", "10MB" into bytes.
std::optional<uint64_t> parse_bytes(const std::string& text);

// Parses "500ms", "30s", "5m", "1h" into milliseconds.
std::optional<std::chrono::milliseconds> parse_duration(const std::string& text);

inline const std::vector<std::string>& all_roles() {
  static const std::vector<std::string> roles{"meta", "storage", "cache", "gateway", "monitor"};
  return roles;
}

struct node_config {
  std::string node_id = "n1";
  host_port listen{"127.0.0.1", 7100};
  std::string data_dir = "./var/n1";
  std::vector<peer_address> peers;  // the other nodes
  // The Raft group of a new cluster (node ids); empty: this node and every
  // peer. Used only to bootstrap: afterwards membership lives in the log.
  std::vector<std::string> voters;
  // Joins a running cluster (as a learner, once `dfsctl node add` names it)
  // instead of bootstrapping one: it starts with no voters of its own.
  bool join = false;
  std::vector<std::string> roles = all_roles();
  host_port metrics{"127.0.0.1", 9100};
  uint64_t chunk_size = 4ull << 20;     // bytes per chunk
  uint32_t replication = 1;             // replicas per chunk, default for new files
  uint64_t cache_bytes = 256ull << 20;  // byte budget of the chunk cache
  uint32_t cache_shards = 4;            // cache shard actors it is split into
  std::string cache_policy = "hybrid";  // replacement policy of every shard
  // The cache's memory (up to 1 GiB) faulted in when the node starts, not
  // page by page as fills grow the cache.
  bool cache_prefault = true;
  uint32_t scheduler_threads = 2;                    // CAF worker threads
  uint32_t io_threads = 2;                           // detached disk-I/O actors per replica manager
  std::chrono::milliseconds request_timeout{30000};  // default deadline of a request
  std::chrono::milliseconds upload_timeout{300000};  // idle uploads are abandoned after this
  // Replication upkeep (the Raft leader's repair manager).
  std::string failure_domain;                       // rack or zone; empty: the node is its own
  std::chrono::milliseconds dead_after{30000};      // unreachable this long: marked dead
  std::chrono::milliseconds repair_interval{2000};  // one scan of nodes and chunks
  // Health monitors: heartbeats and the phi-accrual detector's thresholds.
  std::chrono::milliseconds heartbeat_interval{500};
  double suspect_phi = 5;
  double dead_phi = 10;  // "down" for this observer; dead cluster-wide after dead_after
  // Gateway admission control and read routing.
  uint32_t max_in_flight = 1024;  // client requests served at once
  double client_rate = 0;         // requests per second per client; 0: no limit
  double client_burst = 0;        // 0: one second's worth of client_rate
  uint32_t breaker_failures = 5;
  std::chrono::milliseconds breaker_cool_down{2000};
  uint32_t repair_concurrency = 8;      // chunk copies in flight
  uint64_t repair_rate = 100ull << 20;  // bytes per second of copies; 0: unlimited
  // A chunk copy nothing references is deleted once it has been so this
  // long (and is this old); a write must commit within half of it.
  std::chrono::milliseconds gc_grace{3600000};
  uint64_t scrub_rate = 8ull << 20;  // bytes per second the scrubber re-reads; 0: off
  uint64_t pack_limit = 64 * 1024;   // chunks up to this size go to pack files; 0: none do
  // Chunk bytes a gateway holds for writes in flight; past it writes are
  // refused as overloaded and clients retry after a pause.
  uint64_t write_budget = 256ull << 20;
  uint64_t read_budget = 256ull << 20;  // the same for chunk reads in flight
  // Batches of small chunk writes a gateway keeps in flight (0: each
  // chunk is written alone).
  uint32_t write_batches = 1;
  std::string log_level = "info";
  // Raft log compaction: a snapshot once the log holds this many entries
  // (0: never).
  uint64_t raft_compact_after = 10000;
  // Linearizable reads by the Raft leader's lease (clock-dependent) instead
  // of a heartbeat round each.
  bool raft_lease_reads = false;

  bool has_role(const std::string& role) const;
  // The bootstrap Raft group: `voters`, or this node and every peer; none
  // for a joining node.
  std::vector<std::string> raft_voters() const;
};

// Checks what no single key can: peer ids distinct and not this node's,
// voters known by address and including this node. Empty string when fine.
std::string check_config(const node_config& cfg);

// Sets one key from its textual value. Lists are comma-separated.
// Returns an empty string on success, else "key 'x': why".
std::string set_config_key(node_config& cfg, const std::string& key, const std::string& value);

// Names and one-line help of every key, in a stable order.
struct config_key_doc {
  const char* name;
  const char* help;
};
const std::vector<config_key_doc>& config_keys();

// Reads a TOML file into `cfg` (keys absent from the file keep their
// defaults). Returns an empty string on success, else the reason.
std::string load_config_file(node_config& cfg, const std::string& path);

// Same from TOML text (for tests); `origin` names the source in messages.
std::string load_config_text(node_config& cfg, const std::string& text,
                             const std::string& origin = "config");

// Renders the configuration as TOML that load_config_text accepts.
std::string to_toml(const node_config& cfg);

}  // namespace dfs
