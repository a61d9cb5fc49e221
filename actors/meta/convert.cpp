#include "actors/meta/convert.hpp"

namespace dfs {

file_info to_file_info(const std::string& path, const proto::Inode& inode, bool with_chunks) {
  file_info out;
  out.path = path;
  out.kind = inode.kind() == proto::INODE_KIND_DIRECTORY ? entry_kind::directory : entry_kind::file;
  out.size = inode.size();
  out.mode = inode.mode();
  out.mtime_ms = inode.mtime_ms();
  out.version = inode.version();
  out.replication = inode.replication();
  if (with_chunks)
    for (auto& c : inode.chunks())
      out.chunks.push_back(from_proto(c));
  return out;
}

proto::ChunkRef to_proto(const chunk_ref& ref) {
  proto::ChunkRef out;
  out.set_id(ref.id.value);
  out.set_length(ref.length);
  out.set_checksum(ref.checksum);
  for (auto& node : ref.replicas)
    out.add_replicas(node.value);
  return out;
}

chunk_ref from_proto(const proto::ChunkRef& ref) {
  chunk_ref out;
  out.id.value = ref.id();
  out.length = ref.length();
  out.checksum = ref.checksum();
  for (auto& node : ref.replicas())
    out.replicas.push_back(node_id{node});
  return out;
}

}  // namespace dfs
