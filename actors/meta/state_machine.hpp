// The metadata state machine: the namespace of directories and files,
// changed only by MetaCommands applied strictly in index order. Pure: no
// CAF, no clock, no I/O. apply() is deterministic (everything it needs is in
// the command, including the time stamp), so replicas that apply the same
// commands hold the same namespace; Raft replicates exactly these commands.
//
// apply() returns the mutations it made, so the caller can persist them in
// the same transaction as the applied index. A command whose index is not
// above the applied index is skipped (idempotent by index).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "actors/meta/sessions.hpp"
#include "messages/errc.hpp"
#include "messages/meta.pb.h"

namespace dfs {

constexpr uint64_t root_inode = 1;
constexpr uint32_t max_replication = 16;

// One change to persist: the inode was created or updated (`erased` false),
// or removed (`erased` true, only `inode.id()` meaningful).
struct inode_mutation {
  bool erased = false;
  proto::Inode inode;
};

struct apply_outcome {
  errc code = errc::ok;
  std::string message;
  bool skipped = false;    // index already applied; nothing changed
  bool duplicate = false;  // a retried request: the first outcome, applied once
  std::vector<proto::NodeRecord> node_mutations;  // node table records written
  std::string path;    // canonical path of the entry the command produced
  proto::Inode entry;  // that entry (after the command); empty for deletes
  std::vector<inode_mutation> mutations;
  std::vector<session_mutation> session_mutations;
  bool ok() const { return code == errc::ok; }
};

struct lookup_result {
  errc code = errc::ok;
  std::string message;
  std::string path;
  const proto::Inode* inode = nullptr;  // valid until the next apply
  bool ok() const { return code == errc::ok; }
};

class state_machine {
public:
  state_machine();

  // Replaces the whole state with persisted inodes (the root included),
  // the index they reflect and the next inode id to hand out (0: one past
  // the highest id present). Returns an empty string, or what is wrong.
  std::string restore(std::vector<proto::Inode> inodes, uint64_t applied_index,
                      uint64_t next_inode = 0, int64_t log_time_ms = 0,
                      std::vector<proto::SessionRecord> sessions = {});

  // The same from a snapshot of the whole state (a Raft snapshot's data).
  std::string restore(proto::MetaSnapshot snap);

  apply_outcome apply(uint64_t index, const proto::MetaCommand& cmd);

  // Resolves a (raw, not yet canonical) path.
  lookup_result lookup(const std::string& raw_path) const;

  // Children of a directory sorted by name, or the file itself.
  errc list(const std::string& raw_path, std::vector<std::pair<std::string, proto::Inode>>& out,
            std::string& message) const;

  uint64_t applied_index() const { return applied_index_; }
  // The id the next created inode gets; persisted so that a restored
  // replica allocates exactly as one that never restarted.
  uint64_t next_inode() const { return next_inode_; }
  // The largest command time stamp applied: the clock sessions expire by.
  int64_t log_time() const { return log_time_ms_; }
  size_t session_clients() const { return sessions_.clients(); }
  size_t inode_count() const { return inodes_.size(); }
  // The node table: every node added through SetNode, removed ones included.
  std::vector<proto::NodeRecord> nodes() const;

  // Every chunk of every file, in pieces, for readers that must not hold
  // a lock on the machine for all of it: the ids of the file inodes now,
  // then f(file inode, chunk) for each chunk of one of them (false when it
  // is no longer a file).
  std::vector<uint64_t> file_ids() const {
    std::vector<uint64_t> out;
    for (auto& [id, inode] : inodes_)
      if (inode.kind() == proto::INODE_KIND_FILE)
        out.push_back(id);
    return out;
  }
  template <class F>
  bool for_each_chunk_of(uint64_t id, F&& f) const {
    auto it = inodes_.find(id);
    if (it == inodes_.end() || it->second.kind() != proto::INODE_KIND_FILE)
      return false;
    for (auto& chunk : it->second.chunks())
      f(it->second, chunk);
    return true;
  }
  size_t chunk_count() const { return chunk_owner_.size(); }
  size_t file_count() const {
    size_t n = 0;
    for (auto& [id, inode] : inodes_)
      n += inode.kind() == proto::INODE_KIND_FILE ? 1 : 0;
    return n;
  }

  // The canonical path of an inode.
  std::string path_of(uint64_t id) const;

  // Every structural invariant; returns an empty string when all hold.
  std::string check_invariants() const;

private:
  using child_key = std::pair<uint64_t, std::string>;

  apply_outcome dispatch(const proto::MetaCommand& cmd);
  apply_outcome do_mkdir(const proto::Mkdir& op, int64_t mtime_ms);
  apply_outcome do_create(const proto::CreateFile& op, int64_t mtime_ms);
  apply_outcome do_delete(const proto::Delete& op, int64_t mtime_ms);
  apply_outcome do_rename(const proto::Rename& op, int64_t mtime_ms);
  apply_outcome do_set_node(const proto::NodeRecord& node);
  apply_outcome do_set_node_state(const proto::SetNodeState& op);
  apply_outcome do_update_replicas(const proto::UpdateReplicas& op);

  // Resolves a canonical path to an inode id (0 when missing); on the way,
  // a file in a directory position is reported as not_a_directory.
  errc resolve(const std::string& canonical, uint64_t& id, std::string& message) const;
  // Resolves the parent directory of a canonical path.
  errc resolve_parent(const std::string& canonical, uint64_t& parent, std::string& message) const;

  // Levels and bytes the subtree below `id` adds to its root's path.
  std::pair<size_t, size_t> subtree_extent(uint64_t id) const;

  void put_inode(const proto::Inode& inode, apply_outcome& out);
  void erase_inode(uint64_t id, apply_outcome& out);
  void touch_dir(uint64_t id, int64_t mtime_ms, apply_outcome& out);

  std::unordered_map<uint64_t, proto::Inode> inodes_;
  std::map<child_key, uint64_t> children_;  // (parent, name) -> inode id
  // Chunk id -> the file inode that references it. A chunk belongs to at
  // most one file: every write makes chunks with fresh ids.
  std::unordered_map<std::string, uint64_t> chunk_owner_;
  uint64_t next_inode_ = root_inode + 1;
  uint64_t applied_index_ = 0;
  int64_t log_time_ms_ = 0;
  client_sessions sessions_;
  std::map<std::string, proto::NodeRecord> nodes_;  // by id
};

}  // namespace dfs
