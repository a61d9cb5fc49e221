// The replacement-policy interface of the chunk cache, and the factory of
// every policy dfs knows. A policy decides which entries stay; it holds no
// data, only keys and sizes, so the same code runs inside a cache shard and
// inside the trace simulator.
//
// Contract (every policy):
// - byte sized: the sum of resident entries' bytes never exceeds capacity;
// - time is an input (`now`, in the caller's unit: milliseconds in a shard,
//   request number or simulated milliseconds in the simulator), never read;
// - deterministic: the same calls give the same answers;
// - not thread-safe: the owner (one shard actor) serializes calls.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace dfs::cache {

// A cached object's identity. Chunk ids are hashed to 64 bits by the shard.
using key = std::uint64_t;

class policy {
public:
  virtual ~policy() = default;

  // One request for `k`. Returns true when `k` is resident (a hit); the
  // policy updates its recency and frequency state either way (policies
  // with a history count misses too).
  virtual bool lookup(key k, std::uint64_t now) = 0;

  // Offers `k` of `bytes` after a miss. Returns true when it was admitted;
  // keys evicted to make room are appended to `evicted`. An object larger
  // than the capacity, or one the admission filter turns away, is not
  // admitted. Offering a resident key changes nothing and returns true.
  virtual bool insert(key k, std::uint64_t bytes, std::uint64_t now, std::vector<key>& evicted) = 0;

  // Drops `k` if it is resident (the owner lost or invalidated it).
  virtual void erase(key k) = 0;

  virtual bool contains(key k) const = 0;
  virtual std::uint64_t bytes() const = 0;  // resident bytes
  virtual std::size_t entries() const = 0;  // resident entries
  virtual std::uint64_t capacity() const = 0;
  virtual const char* name() const = 0;

  // Aborts with a message when the policy's internal structure is
  // inconsistent; tests call it after every step.
  virtual void check_invariants() const = 0;
};

// What a policy may know about its workload when it is made.
struct policy_options {
  std::uint64_t capacity_bytes = 0;
  // Expected resident entries (capacity / typical object size); sizes the
  // frequency sketches of the policies that keep one.
  std::uint64_t expected_entries = 0;
  // seed-hybrid only: how many `now` units make a second (1000: ms).
  double units_per_second = 1000;
};

// Names accepted by make_policy, in the order reports list them.
const std::vector<std::string>& policy_names();

// Makes the policy called `name` ("lru", "lfu", "arc", "s3-fifo",
// "w-tinylfu", "seed-hybrid", "hybrid"); nullptr for an unknown name.
// "opt" is offline and lives in the simulator only.
std::unique_ptr<policy> make_policy(const std::string& name, const policy_options& options);

}  // namespace dfs::cache
