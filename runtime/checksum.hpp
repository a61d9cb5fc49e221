// Chunk checksums: XXH3-64 over the chunk's bytes.
#pragma once

#include <cstddef>
#include <cstdint>

namespace dfs {

uint64_t chunk_checksum(const void* data, size_t size);

}  // namespace dfs
