#include "runtime/memory.hpp"

#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace dfs {

void keep_chunk_buffers() {
  // One arena: a buffer freed by another thread than the one that made it
  // is reused from the same heap, instead of piling up in an arena per
  // thread (measured: +47 MiB peak during a 100 MiB put and get, against
  // +83 MiB with per-thread arenas).
  mallopt(M_ARENA_MAX, 1);
  // Fixed thresholds (glibc then stops moving them itself): a chunk buffer
  // comes from the heap, not from its own mapping, and the heap top is
  // trimmed only past 64 MiB free (reserve_heap raises that to what it
  // reserves, plus 64 MiB). Measured on 64 MiB puts at RF 3: the
  // nodes' page faults 3-5x fewer, throughput 1.2-1.4x. See
  // docs/measurements.md.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
}

uint64_t heap_reservation(uint64_t bytes) {
  return std::min<uint64_t>(bytes, max_reserved_heap);
}

void reserve_heap(uint64_t bytes) {
  constexpr uint64_t spare = 64ull << 20;
  static_assert(max_reserved_heap + spare <= static_cast<uint64_t>(INT_MAX),
                "malloc's trim threshold is an int");
  bytes = heap_reservation(bytes);
  if (bytes == 0)
    return;
  // Freed memory at the heap top is kept up to this much (the heap is
  // meant to stay this large), instead of 64 MiB.
  mallopt(M_TRIM_THRESHOLD, static_cast<int>(bytes + spare));
  // Pieces below the mmap threshold come from the heap; touching every
  // page faults it in now, and freeing them, newest first, gives them back
  // to the heap top, where the next allocations find them.
  constexpr size_t piece = 16u << 20;
  long page = sysconf(_SC_PAGESIZE);
  std::vector<char*> pieces;
  for (uint64_t done = 0; done < bytes; done += piece) {
    auto* p = static_cast<char*>(std::malloc(piece));
    if (!p)
      break;
    for (size_t at = 0; at < piece; at += static_cast<size_t>(page > 0 ? page : 4096))
      p[at] = 0;
    pieces.push_back(p);
  }
  for (auto it = pieces.rbegin(); it != pieces.rend(); ++it)
    std::free(*it);
}

void larger_thread_caches(char** argv) {
  static constexpr const char* key = "glibc.malloc.tcache_count";
  const char* set = std::getenv("GLIBC_TUNABLES");
  std::string tunables = set ? set : "";
  if (tunables.find(key) != std::string::npos)
    return;  // this process's second start, or the user's own choice
  tunables += (tunables.empty() ? "" : ":") + std::string{key} + "=256";
  setenv("GLIBC_TUNABLES", tunables.c_str(), 1);
  execv("/proc/self/exe", argv);
  // Only if the exec failed: the process goes on with glibc's default.
}

}  // namespace dfs
