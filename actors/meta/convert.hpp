// Conversions between the durable protobuf records and CAF message types.
#pragma once

#include <string>

#include "messages/meta.pb.h"
#include "messages/types.hpp"

namespace dfs {

file_info to_file_info(const std::string& path, const proto::Inode& inode, bool with_chunks);

proto::ChunkRef to_proto(const chunk_ref& ref);

chunk_ref from_proto(const proto::ChunkRef& ref);

}  // namespace dfs
