// Placement and repair planning: pure functions over a snapshot of the
// cluster (nodes with their state and free space, chunks with their
// replicas). No CAF, no clock, no I/O; randomness comes from the caller's
// seeded generator, so every decision can be replayed in a test.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace dfs::repair {

// What the metadata says of a node (see proto::NodeState).
enum class node_state { active, dead, draining };

struct node_info {
  std::string id;
  node_state state = node_state::active;
  bool reachable = false;      // answered the repair loop's last probe
  uint64_t bytes_free = 0;     // on its data file system
  uint64_t pending_bytes = 0;  // chunk bytes already on their way to it
  std::string domain;          // failure domain; empty: the node is its own
  double load = 0;             // its process's CPU share (0..1), from heartbeats
};

// Picks up to `count` distinct targets for a chunk of `chunk_bytes`:
// active, reachable nodes with room for it, none in `exclude`. Targets go
// to distinct failure domains, also distinct from `keep`'s (the replicas
// the chunk keeps), as long as such nodes exist; after that any eligible
// node will do. Among the candidates, two are drawn at random and the one
// with more free space wins, free space counting for less on a busy node
// (up to half at full CPU): spreads load, yet favours empty, idle nodes.
// Returns fewer than `count` when too few nodes qualify.
std::vector<std::string> place(const std::vector<node_info>& nodes, size_t count,
                               uint64_t chunk_bytes, const std::vector<std::string>& exclude,
                               const std::vector<std::string>& keep, std::mt19937_64& rng);

// The storage nodes a cluster has, reachable or not, to hold a
// replication factor against: every node seen as a storage node and every
// node in the node table (`table`), less those removed from it. A node
// that is down still counts: a write goes on to the nodes that answer (a
// majority of the factor) and repair makes the other copies once nodes
// are back.
size_t storage_members(const std::set<std::string>& seen,
                       const std::map<std::string, node_state>& table,
                       const std::set<std::string>& removed);

struct chunk_info {
  std::string id;
  uint64_t length = 0;
  uint32_t wanted = 1;                // the file's replication factor
  std::vector<std::string> replicas;  // as the file record lists them
};

// One copy to make: read `chunk` at `source`, store it at `target`, then
// record target as a replica and drop `drop` from the record.
struct repair_task {
  std::string chunk;
  uint64_t length = 0;
  std::string source;
  std::string target;
  std::vector<std::string> drop;
  size_t live = 0;  // good copies the chunk had when planned
};

struct plan_input {
  std::vector<node_info> nodes;
  std::vector<chunk_info> chunks;
  // (chunk, node) pairs known to be bad: missing from the node's disk or
  // found corrupt there. Such a copy neither counts nor serves as a source.
  std::set<std::pair<std::string, std::string>> bad;
  std::set<std::string> busy;  // chunks with a repair in flight: left alone
  size_t max_tasks = 0;        // at most this many new tasks
  // New copies stop once their bytes reach this (the last one may go
  // past it: a chunk larger than the whole allowance still gets copied).
  uint64_t max_bytes = UINT64_MAX;
};

struct plan {
  std::vector<repair_task> tasks;  // fewest live copies first
  // Chunks with all the live copies they want whose record still lists
  // copies on dead or draining nodes, or bad ones: drop those (no copy;
  // source and target are empty).
  std::vector<repair_task> cleanups;
  size_t under_replicated = 0;  // chunks with fewer live copies than wanted
  size_t lost = 0;              // chunks with no good copy left anywhere
  size_t unavailable = 0;       // good copies exist, none reachable now
  size_t unplaceable = 0;       // no node can take another copy
  size_t on_draining = 0;       // chunks still counting on a draining node
};

// A copy counts ("live") when it is not bad and its node is active and
// not dead (an active node that is unreachable still counts: the grace
// period before it is declared dead has not passed). A draining node's
// copy does not count but can be read. Every chunk with fewer live copies
// than wanted gets one task (more follow in later rounds), as long as a
// readable good copy and a target exist; the copies on dead nodes, bad
// copies, and once the chunk is complete again those on draining nodes,
// are dropped with it. A chunk with enough live copies that still lists
// others gets a cleanup instead (both at most max_tasks).
plan plan_repairs(const plan_input& in, std::mt19937_64& rng);

// A byte-rate limit on repair copies: a token bucket on the caller's
// monotonic clock, filled at `bytes_per_s` up to `burst_ms` worth (at
// least the time between two of the caller's plans, or the rate is not
// reached). What a plan spends may take it below zero (one large chunk),
// and then nothing more starts until it has refilled. 0: unlimited.
class rate_limit {
public:
  explicit rate_limit(uint64_t bytes_per_s, int64_t burst_ms = 1000)
    : rate_(bytes_per_s), burst_ms_(std::max<int64_t>(burst_ms, 1)) {}

  // Bytes that may start now.
  uint64_t available(int64_t now_ms);
  void spend(uint64_t bytes);

private:
  uint64_t rate_;
  int64_t burst_ms_;
  double tokens_ = 0;
  int64_t last_ms_ = -1;
};

// Garbage collection of chunk copies nothing references. A copy on a
// node is garbage once the metadata has not listed it at that node in
// any inventory for `grace_ms` on end. The clock is the caller's
// monotonic one, and the first sighting comes after the copy was stored,
// so a chunk being written (not committed yet) or a repair copy not yet
// recorded is never collected: a write or repair must finish within the
// grace period.
class gc_tracker {
public:
  explicit gc_tracker(int64_t grace_ms) : grace_ms_(grace_ms) {}

  struct stored {
    std::string chunk;
    int64_t created_ms = 0;  // as the node reports it: its removal names this copy
  };

  // A node's inventory seen at `now_ms`, with whether the metadata lists
  // each copy. Returns the copies to delete now.
  template <class IsReferenced>
  std::vector<stored> observe(const std::string& node, const std::vector<stored>& inventory,
                              IsReferenced&& referenced, int64_t now_ms) {
    auto& seen = unreferenced_[node];
    std::map<std::string, sighting> still;
    std::vector<stored> collect;
    for (auto& s : inventory) {
      if (referenced(s.chunk))
        continue;
      // A copy stored again since (another creation time) starts over.
      auto it = seen.find(s.chunk);
      auto since =
        it == seen.end() || it->second.created_ms != s.created_ms ? now_ms : it->second.since;
      if (now_ms - since >= grace_ms_)
        collect.push_back(s);
      else
        still.emplace(s.chunk, sighting{since, s.created_ms});
    }
    seen = std::move(still);
    return collect;
  }

  // Copies seen unreferenced and not yet collected, over all nodes.
  size_t waiting() const;
  void forget(const std::string& node) { unreferenced_.erase(node); }
  void clear() { unreferenced_.clear(); }

private:
  struct sighting {
    int64_t since;       // first seen unreferenced
    int64_t created_ms;  // of the copy seen then
  };
  int64_t grace_ms_;
  std::map<std::string, std::map<std::string, sighting>> unreferenced_;  // node -> chunk
};

}  // namespace dfs::repair
