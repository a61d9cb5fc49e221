// Chunk checksums: XXH3-64 over the chunk's bytes.
#pragma once

#include <cstddef>
#include <cstdint>

namespace dfs {

uint64_t chunk_checksum(const void* data, size_t size);

// Whether `size` bytes at `data` are the chunk a file record names by its
// length and checksum.
inline bool matches_chunk(const void* data, size_t size, uint64_t length, uint64_t checksum) {
  return size == length && chunk_checksum(data, size) == checksum;
}

}  // namespace dfs
