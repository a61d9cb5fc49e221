// Which cache shard owns a chunk: rendezvous (highest random weight)
// hashing over every shard of every cache node. Each gateway computes it
// alone and all agree (the hashes are fixed functions, not std::hash);
// adding or removing a node moves only the keys of that node's shards.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "actors/cache/entry_table.hpp"

namespace dfs::cache {

// A stable 64-bit hash of a string (FNV-1a, then mixed).
inline std::uint64_t stable_hash(const std::string& s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return mix64(h);
}

// The identity of shard `index` on node `node`.
inline std::uint64_t shard_seed(const std::string& node, std::uint32_t index) {
  return stable_hash(node + "#" + std::to_string(index));
}

// The position in `seeds` of the shard that owns `k`; seeds.size() when
// there is none.
inline std::size_t owner_of(std::uint64_t k, const std::vector<std::uint64_t>& seeds) {
  std::size_t best = seeds.size();
  std::uint64_t best_weight = 0;
  for (std::size_t i = 0; i < seeds.size(); ++i) {
    std::uint64_t w = mix64(seeds[i] ^ k);
    if (best == seeds.size() || w > best_weight || (w == best_weight && seeds[i] < seeds[best])) {
      best = i;
      best_weight = w;
    }
  }
  return best;
}

}  // namespace dfs::cache
