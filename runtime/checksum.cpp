#include "runtime/checksum.hpp"

#include <xxhash.h>

namespace dfs {

uint64_t chunk_checksum(const void* data, size_t size) {
  return XXH3_64bits(data, size);
}

}  // namespace dfs
