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

// The shard (a position in `seeds`) a path's one-chunk files are cached
// near: a gateway names such a file's chunk so that the chunk's shard is
// on this shard's node (draw_id), and a client that sends the path's
// requests to that node's gateway finds the shard in the same process.
inline std::size_t path_owner(const std::string& path, const std::vector<std::uint64_t>& seeds) {
  return owner_of(stable_hash("path:" + path), seeds);
}

// Calls draw() for ids until one whose owning shard satisfies
// wanted(position), at most `tries` times; returns the last one drawn when
// none does (and the first when there are no shards).
template <class Draw, class Wanted>
std::string draw_id(const std::vector<std::uint64_t>& seeds, int tries, Draw draw, Wanted wanted) {
  std::string id = draw();
  for (int i = 1; i < tries && !seeds.empty() && !wanted(owner_of(stable_hash(id), seeds)); ++i)
    id = draw();
  return id;
}

}  // namespace dfs::cache
