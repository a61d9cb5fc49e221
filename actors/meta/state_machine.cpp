#include "actors/meta/state_machine.hpp"

#include <algorithm>

#include "actors/meta/path.hpp"
#include "messages/types.hpp"
#include "runtime/config.hpp"

namespace dfs {

namespace {

proto::Inode make_root() {
  proto::Inode root;
  root.set_id(root_inode);
  root.set_parent(0);
  root.set_kind(proto::INODE_KIND_DIRECTORY);
  root.set_mode(0755);
  return root;
}

apply_outcome fail(errc code, std::string message) {
  apply_outcome out;
  out.code = code;
  out.message = std::move(message);
  return out;
}

bool is_dir(const proto::Inode& inode) {
  return inode.kind() == proto::INODE_KIND_DIRECTORY;
}

}  // namespace

state_machine::state_machine() {
  inodes_.emplace(root_inode, make_root());
}

std::string state_machine::restore(std::vector<proto::Inode> inodes, uint64_t applied_index,
                                   uint64_t next_inode, int64_t log_time_ms,
                                   std::vector<proto::SessionRecord> sessions) {
  inodes_.clear();
  nodes_.clear();
  children_.clear();
  chunk_owner_.clear();
  next_inode_ = root_inode + 1;
  for (auto& inode : inodes) {
    auto id = inode.id();
    if (id == 0 || !inodes_.emplace(id, std::move(inode)).second)
      return "duplicate or zero inode id " + std::to_string(id);
    next_inode_ = std::max(next_inode_, id + 1);
  }
  if (inodes_.count(root_inode) == 0)
    inodes_.emplace(root_inode, make_root());
  for (auto& [id, inode] : inodes_) {
    if (id != root_inode && !children_.emplace(child_key{inode.parent(), inode.name()}, id).second)
      return "two entries named '" + inode.name() + "' in directory " +
             std::to_string(inode.parent());
    for (auto& chunk : inode.chunks())
      if (!chunk_owner_.emplace(chunk.id(), id).second)
        return "chunk " + chunk.id() + " belongs to two files";
  }
  if (next_inode != 0) {
    if (next_inode < next_inode_)
      return "next inode id " + std::to_string(next_inode) + " is not above every inode";
    next_inode_ = next_inode;
  }
  applied_index_ = applied_index;
  log_time_ms_ = log_time_ms;
  sessions_.restore(std::move(sessions));
  return check_invariants();
}

std::string state_machine::restore(proto::MetaSnapshot snap) {
  std::vector<proto::Inode> inodes(std::make_move_iterator(snap.mutable_inodes()->begin()),
                                   std::make_move_iterator(snap.mutable_inodes()->end()));
  std::vector<proto::SessionRecord> sessions(
    std::make_move_iterator(snap.mutable_sessions()->begin()),
    std::make_move_iterator(snap.mutable_sessions()->end()));
  auto why = restore(std::move(inodes), snap.applied_index(), snap.next_inode(), snap.log_time_ms(),
                     std::move(sessions));
  for (auto& node : snap.nodes())
    nodes_[node.id()] = node;
  return why;
}

std::vector<proto::NodeRecord> state_machine::nodes() const {
  std::vector<proto::NodeRecord> out;
  for (auto& [id, node] : nodes_)
    out.push_back(node);
  return out;
}

apply_outcome state_machine::do_set_node(const proto::NodeRecord& node) {
  if (!valid_node_id(node.id()))
    return fail(errc::invalid_argument, "'" + node.id() + "' is not a valid node id");
  if (!node.removed() && (node.address().empty() || node.address().size() > 300))
    return fail(errc::invalid_argument, "a node needs its host:port");
  nodes_[node.id()] = node;
  apply_outcome out;
  out.node_mutations.push_back(node);
  return out;
}

apply_outcome state_machine::do_set_node_state(const proto::SetNodeState& op) {
  if (!valid_node_id(op.id()))
    return fail(errc::invalid_argument, "'" + op.id() + "' is not a valid node id");
  if (!proto::NodeState_IsValid(op.state()))
    return fail(errc::invalid_argument, "unknown node state " + std::to_string(op.state()));
  auto& node = nodes_[op.id()];
  node.set_id(op.id());
  node.set_state(op.state());
  apply_outcome out;
  out.node_mutations.push_back(node);
  return out;
}

apply_outcome state_machine::do_update_replicas(const proto::UpdateReplicas& op) {
  auto owner = chunk_owner_.find(op.chunk());
  if (owner == chunk_owner_.end())
    return fail(errc::not_found, "no file references chunk " + op.chunk());
  for (auto& id : op.add())
    if (!valid_node_id(id))
      return fail(errc::invalid_argument, "'" + id + "' is not a valid node id");
  auto file = inodes_.at(owner->second);
  auto chunk = std::find_if(file.mutable_chunks()->begin(), file.mutable_chunks()->end(),
                            [&](auto& c) { return c.id() == op.chunk(); });
  std::vector<std::string> replicas(chunk->replicas().begin(), chunk->replicas().end());
  for (auto& id : op.remove())
    replicas.erase(std::remove(replicas.begin(), replicas.end(), id), replicas.end());
  for (auto& id : op.add())
    if (std::find(replicas.begin(), replicas.end(), id) == replicas.end())
      replicas.push_back(id);
  if (replicas.empty())
    return fail(errc::invalid_argument, "chunk " + op.chunk() + " would be left without a replica");
  if (replicas.size() > max_replication)
    return fail(errc::too_large, "chunk " + op.chunk() + " would have more than " +
                                   std::to_string(max_replication) + " replicas");
  chunk->clear_replicas();
  for (auto& id : replicas)
    chunk->add_replicas(id);
  apply_outcome out;
  put_inode(file, out);
  out.path = path_of(file.id());
  out.entry = file;
  return out;
}

std::string state_machine::path_of(uint64_t id) const {
  std::vector<const std::string*> names;
  for (auto cur = id; cur != root_inode;) {
    auto& inode = inodes_.at(cur);
    names.push_back(&inode.name());
    cur = inode.parent();
  }
  if (names.empty())
    return "/";
  std::string path;
  for (auto it = names.rbegin(); it != names.rend(); ++it)
    path += "/" + **it;
  return path;
}

apply_outcome state_machine::apply(uint64_t index, const proto::MetaCommand& cmd) {
  if (index <= applied_index_) {
    apply_outcome out;
    out.skipped = true;
    return out;
  }
  applied_index_ = index;
  log_time_ms_ = std::max(log_time_ms_, cmd.mtime_ms());
  std::vector<session_mutation> expired;
  sessions_.expire(log_time_ms_, expired);
  bool in_session = !cmd.client_id().empty() && cmd.sequence() > 0;
  apply_outcome out;
  proto::SessionRecord prior;
  auto verdict = in_session ? sessions_.check(cmd.client_id(), cmd.sequence(), prior)
                            : client_sessions::verdict::fresh;
  if (verdict == client_sessions::verdict::duplicate) {
    out.code = static_cast<errc>(prior.code());
    out.message = prior.message();
    out.path = prior.path();
    out.entry = prior.entry();
    out.duplicate = true;
  } else if (verdict == client_sessions::verdict::too_old) {
    out = fail(errc::invalid_argument, "request " + std::to_string(cmd.sequence()) +
                                         " is too old to tell whether it was applied");
  } else {
    out = dispatch(cmd);
    if (in_session) {
      proto::SessionRecord rec;
      rec.set_client_id(cmd.client_id());
      rec.set_sequence(cmd.sequence());
      rec.set_log_time_ms(log_time_ms_);
      rec.set_code(static_cast<uint32_t>(out.code));
      rec.set_message(out.message);
      rec.set_path(out.path);
      *rec.mutable_entry() = out.entry;
      sessions_.record(std::move(rec), out.session_mutations);
    }
  }
  out.session_mutations.insert(out.session_mutations.begin(), expired.begin(), expired.end());
  return out;
}

apply_outcome state_machine::dispatch(const proto::MetaCommand& cmd) {
  switch (cmd.op_case()) {
    case proto::MetaCommand::kMkdir:
      return do_mkdir(cmd.mkdir(), cmd.mtime_ms());
    case proto::MetaCommand::kCreateFile:
      return do_create(cmd.create_file(), cmd.mtime_ms());
    case proto::MetaCommand::kDelete:
      return do_delete(cmd.delete_(), cmd.mtime_ms());
    case proto::MetaCommand::kRename:
      return do_rename(cmd.rename(), cmd.mtime_ms());
    case proto::MetaCommand::kSetNode:
      return do_set_node(cmd.set_node().node());
    case proto::MetaCommand::kSetNodeState:
      return do_set_node_state(cmd.set_node_state());
    case proto::MetaCommand::kUpdateReplicas:
      return do_update_replicas(cmd.update_replicas());
    default:
      return fail(errc::invalid_argument, "command without an operation");
  }
}

errc state_machine::resolve(const std::string& canonical, uint64_t& id,
                            std::string& message) const {
  id = root_inode;
  std::string walked;
  for (auto& name : path_components(canonical)) {
    if (!is_dir(inodes_.at(id))) {
      message = (walked.empty() ? "/" : walked) + " is not a directory";
      return errc::not_a_directory;
    }
    walked += "/" + name;
    auto it = children_.find(child_key{id, name});
    if (it == children_.end()) {
      id = 0;
      message = walked + " does not exist";
      return errc::not_found;
    }
    id = it->second;
  }
  return errc::ok;
}

errc state_machine::resolve_parent(const std::string& canonical, uint64_t& parent,
                                   std::string& message) const {
  auto dir = parent_path(canonical);
  auto code = resolve(dir, parent, message);
  if (code != errc::ok)
    return code;
  if (!is_dir(inodes_.at(parent))) {
    message = dir + " is not a directory";
    return errc::not_a_directory;
  }
  return errc::ok;
}

void state_machine::put_inode(const proto::Inode& inode, apply_outcome& out) {
  auto& slot = inodes_[inode.id()];
  if (slot.id() != 0 && slot.parent() != 0)
    children_.erase(child_key{slot.parent(), slot.name()});
  for (auto& chunk : slot.chunks())
    chunk_owner_.erase(chunk.id());
  for (auto& chunk : inode.chunks())
    chunk_owner_[chunk.id()] = inode.id();
  slot = inode;
  if (inode.id() != root_inode)
    children_[child_key{inode.parent(), inode.name()}] = inode.id();
  out.mutations.push_back({false, inode});
}

void state_machine::erase_inode(uint64_t id, apply_outcome& out) {
  auto it = inodes_.find(id);
  children_.erase(child_key{it->second.parent(), it->second.name()});
  for (auto& chunk : it->second.chunks())
    chunk_owner_.erase(chunk.id());
  inode_mutation m;
  m.erased = true;
  m.inode.set_id(id);
  out.mutations.push_back(std::move(m));
  inodes_.erase(it);
}

void state_machine::touch_dir(uint64_t id, int64_t mtime_ms, apply_outcome& out) {
  auto inode = inodes_.at(id);
  inode.set_mtime_ms(mtime_ms);
  put_inode(inode, out);
}

apply_outcome state_machine::do_mkdir(const proto::Mkdir& op, int64_t mtime_ms) {
  auto p = normalize_path(op.path());
  if (!p.ok())
    return fail(p.code, p.message);
  apply_outcome out;
  uint64_t id = root_inode;
  std::string walked;
  auto names = path_components(p.path);
  if (names.empty())
    return op.parents() ? (out.path = "/", out.entry = inodes_.at(root_inode), out)
                        : fail(errc::already_exists, "/ already exists");
  for (size_t i = 0; i < names.size(); ++i) {
    walked += "/" + names[i];
    bool last = i + 1 == names.size();
    auto it = children_.find(child_key{id, names[i]});
    if (it != children_.end()) {
      auto& existing = inodes_.at(it->second);
      if (!is_dir(existing))
        return last ? fail(errc::already_exists, walked + " already exists as a file")
                    : fail(errc::not_a_directory, walked + " is a file");
      if (last && !op.parents())
        return fail(errc::already_exists, walked + " already exists");
      id = it->second;
      continue;
    }
    if (!last && !op.parents())
      return fail(errc::not_found, walked + " does not exist");
    proto::Inode dir;
    dir.set_id(next_inode_++);
    dir.set_parent(id);
    dir.set_name(names[i]);
    dir.set_kind(proto::INODE_KIND_DIRECTORY);
    dir.set_mode(0755);
    dir.set_mtime_ms(mtime_ms);
    touch_dir(id, mtime_ms, out);
    put_inode(dir, out);
    id = dir.id();
  }
  out.path = p.path;
  out.entry = inodes_.at(id);
  return out;
}

apply_outcome state_machine::do_create(const proto::CreateFile& op, int64_t mtime_ms) {
  auto p = normalize_path(op.path());
  if (!p.ok())
    return fail(p.code, p.message);
  if (p.path == "/")
    return fail(errc::is_a_directory, "/ is a directory");
  uint64_t total = 0;
  std::unordered_map<std::string, int> seen;
  for (auto& chunk : op.chunks()) {
    if (!valid_chunk_id(chunk.id()) || chunk.length() == 0 || chunk.replicas_size() == 0 ||
        chunk.replicas_size() > static_cast<int>(max_replication))
      return fail(errc::invalid_argument,
                  "chunk with an invalid id, no length, or no or too many replicas");
    for (auto& node : chunk.replicas())
      if (!valid_node_id(node))
        return fail(errc::invalid_argument, "'" + node + "' is not a valid node id");
    if (seen[chunk.id()]++ > 0)
      return fail(errc::invalid_argument, "chunk " + chunk.id() + " appears twice");
    if (chunk.length() > UINT64_MAX - total)
      return fail(errc::invalid_argument, "chunk lengths overflow");
    total += chunk.length();
  }
  if (total != op.size())
    return fail(errc::invalid_argument, "chunk lengths add up to " + std::to_string(total) +
                                          " bytes, not the file size " + std::to_string(op.size()));
  if (op.replication() == 0 || op.replication() > max_replication)
    return fail(errc::invalid_argument,
                "replication must be from 1 to " + std::to_string(max_replication));
  uint64_t parent = 0;
  std::string message;
  if (auto code = resolve_parent(p.path, parent, message); code != errc::ok)
    return fail(code, message);
  apply_outcome out;
  proto::Inode file;
  auto it = children_.find(child_key{parent, base_name(p.path)});
  auto replaced = it == children_.end() ? 0 : it->second;
  for (auto& chunk : op.chunks())
    if (auto owner = chunk_owner_.find(chunk.id());
        owner != chunk_owner_.end() && owner->second != replaced)
      return fail(errc::already_exists, "chunk " + chunk.id() + " belongs to another file");
  if (it != children_.end()) {
    file = inodes_.at(it->second);
    if (is_dir(file))
      return fail(errc::is_a_directory, p.path + " is a directory");
    file.set_version(file.version() + 1);
  } else {
    file.set_id(next_inode_++);
    file.set_parent(parent);
    file.set_name(base_name(p.path));
    file.set_kind(proto::INODE_KIND_FILE);
    file.set_version(1);
    touch_dir(parent, mtime_ms, out);
  }
  file.set_mode(op.mode() ? op.mode() : 0644);
  file.set_mtime_ms(mtime_ms);
  file.set_size(op.size());
  file.set_replication(op.replication());
  *file.mutable_chunks() = op.chunks();
  put_inode(file, out);
  out.path = p.path;
  out.entry = std::move(file);
  return out;
}

apply_outcome state_machine::do_delete(const proto::Delete& op, int64_t mtime_ms) {
  auto p = normalize_path(op.path());
  if (!p.ok())
    return fail(p.code, p.message);
  if (p.path == "/")
    return fail(errc::invalid_argument, "the root directory cannot be removed");
  uint64_t id = 0;
  std::string message;
  if (auto code = resolve(p.path, id, message); code != errc::ok)
    return fail(code, message);
  // Collect the subtree, children before parents.
  std::vector<uint64_t> order{id};
  for (size_t i = 0; i < order.size(); ++i)
    for (auto it = children_.lower_bound(child_key{order[i], {}});
         it != children_.end() && it->first.first == order[i]; ++it)
      order.push_back(it->second);
  if (order.size() > 1 && !op.recursive())
    return fail(errc::not_empty, p.path + " is a directory that is not empty");
  apply_outcome out;
  auto parent = inodes_.at(id).parent();
  for (auto it = order.rbegin(); it != order.rend(); ++it)
    erase_inode(*it, out);
  touch_dir(parent, mtime_ms, out);
  out.path = p.path;
  return out;
}

apply_outcome state_machine::do_rename(const proto::Rename& op, int64_t mtime_ms) {
  auto src = normalize_path(op.source());
  if (!src.ok())
    return fail(src.code, src.message);
  auto dst = normalize_path(op.destination());
  if (!dst.ok())
    return fail(dst.code, dst.message);
  if (src.path == "/" || dst.path == "/")
    return fail(errc::invalid_argument, "the root directory cannot be moved or replaced");
  uint64_t id = 0;
  std::string message;
  if (auto code = resolve(src.path, id, message); code != errc::ok)
    return fail(code, message);
  if (src.path == dst.path) {
    apply_outcome out;
    out.path = src.path;
    out.entry = inodes_.at(id);
    return out;
  }
  if (is_dir(inodes_.at(id)) && is_within(dst.path, src.path))
    return fail(errc::invalid_argument, "cannot move " + src.path + " into itself");
  // Every path below the moved entry must stay within the path bounds.
  auto [height, longest] = subtree_extent(id);
  if (path_components(dst.path).size() + height > max_path_depth ||
      dst.path.size() + longest > max_path_bytes)
    return fail(errc::too_large, "moving " + src.path + " to " + dst.path +
                                   " would make paths below it too deep or too long");
  uint64_t new_parent = 0;
  if (auto code = resolve_parent(dst.path, new_parent, message); code != errc::ok)
    return fail(code, message);
  if (children_.count(child_key{new_parent, base_name(dst.path)}))
    return fail(errc::already_exists, dst.path + " already exists");
  apply_outcome out;
  auto inode = inodes_.at(id);
  auto old_parent = inode.parent();
  inode.set_parent(new_parent);
  inode.set_name(base_name(dst.path));
  put_inode(inode, out);
  touch_dir(old_parent, mtime_ms, out);
  if (new_parent != old_parent)
    touch_dir(new_parent, mtime_ms, out);
  out.path = dst.path;
  out.entry = inodes_.at(id);
  return out;
}

std::pair<size_t, size_t> state_machine::subtree_extent(uint64_t id) const {
  // (inode, depth below `id`, bytes of its path relative to `id`)
  struct item {
    uint64_t id;
    size_t depth;
    size_t bytes;
  };
  size_t height = 0, longest = 0;
  std::vector<item> todo{{id, 0, 0}};
  while (!todo.empty()) {
    auto cur = todo.back();
    todo.pop_back();
    height = std::max(height, cur.depth);
    longest = std::max(longest, cur.bytes);
    for (auto it = children_.lower_bound(child_key{cur.id, {}});
         it != children_.end() && it->first.first == cur.id; ++it)
      todo.push_back({it->second, cur.depth + 1, cur.bytes + 1 + it->first.second.size()});
  }
  return {height, longest};
}

lookup_result state_machine::lookup(const std::string& raw_path) const {
  lookup_result out;
  auto p = normalize_path(raw_path);
  if (!p.ok()) {
    out.code = p.code;
    out.message = p.message;
    return out;
  }
  uint64_t id = 0;
  out.code = resolve(p.path, id, out.message);
  if (out.code == errc::ok) {
    out.path = p.path;
    out.inode = &inodes_.at(id);
  }
  return out;
}

errc state_machine::list(const std::string& raw_path,
                         std::vector<std::pair<std::string, proto::Inode>>& out,
                         std::string& message) const {
  auto found = lookup(raw_path);
  if (!found.ok()) {
    message = found.message;
    return found.code;
  }
  out.clear();
  if (!is_dir(*found.inode)) {
    out.emplace_back(found.path, *found.inode);
    return errc::ok;
  }
  auto id = found.inode->id();
  for (auto it = children_.lower_bound(child_key{id, {}});
       it != children_.end() && it->first.first == id; ++it)
    out.emplace_back(join_path(found.path, it->first.second), inodes_.at(it->second));
  return errc::ok;
}

std::string state_machine::check_invariants() const {
  auto root = inodes_.find(root_inode);
  if (root == inodes_.end() || !is_dir(root->second) || root->second.parent() != 0)
    return "root inode missing or not a directory";
  if (children_.size() + 1 != inodes_.size())
    return "child index has " + std::to_string(children_.size()) + " entries for " +
           std::to_string(inodes_.size()) + " inodes";
  for (auto& [key, id] : children_) {
    auto it = inodes_.find(id);
    if (it == inodes_.end())
      return "child index names missing inode " + std::to_string(id);
    auto& inode = it->second;
    if (inode.parent() != key.first || inode.name() != key.second)
      return "child index disagrees with inode " + std::to_string(id);
    auto parent = inodes_.find(inode.parent());
    if (parent == inodes_.end() || !is_dir(parent->second))
      return "inode " + std::to_string(id) + " has no parent directory";
    if (inode.name().empty() || inode.name() == "." || inode.name() == ".." ||
        inode.name().find('/') != std::string::npos)
      return "inode " + std::to_string(id) + " has an invalid name";
    if (id >= next_inode_)
      return "inode " + std::to_string(id) + " is not below the next inode id";
    if (!is_dir(inode)) {
      uint64_t total = 0;
      for (auto& c : inode.chunks())
        total += c.length();
      if (total != inode.size() || inode.version() == 0)
        return "file inode " + std::to_string(id) + " has inconsistent size or version";
    }
  }
  size_t chunks = 0;
  for (auto& [id, inode] : inodes_)
    for (auto& chunk : inode.chunks()) {
      ++chunks;
      auto owner = chunk_owner_.find(chunk.id());
      if (owner == chunk_owner_.end() || owner->second != id)
        return "chunk index does not name inode " + std::to_string(id) + " for chunk " + chunk.id();
    }
  if (chunks != chunk_owner_.size())
    return "chunk index has " + std::to_string(chunk_owner_.size()) + " entries for " +
           std::to_string(chunks) + " chunks";
  // Every inode reaches the root (no cycles): walk up at most depth+1 steps.
  for (auto& [id, inode] : inodes_) {
    auto cur = id;
    size_t steps = 0;
    while (cur != root_inode) {
      cur = inodes_.at(cur).parent();
      if (++steps > inodes_.size())
        return "inode " + std::to_string(id) + " does not reach the root";
    }
  }
  return {};
}

}  // namespace dfs
