#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

#include "actors/meta/path.hpp"
#include "actors/meta/state_machine.hpp"

namespace dfs {
namespace {

proto::MetaCommand mkdir_cmd(const std::string& path, bool parents = false) {
  proto::MetaCommand cmd;
  cmd.set_mtime_ms(1000);
  cmd.mutable_mkdir()->set_path(path);
  cmd.mutable_mkdir()->set_parents(parents);
  return cmd;
}

// A fresh chunk id per call: every write makes new chunks.
std::string next_chunk_id() {
  static uint64_t counter = 0;
  char buf[33];
  std::snprintf(buf, sizeof buf, "%032llx", static_cast<unsigned long long>(++counter));
  return buf;
}

proto::MetaCommand create_cmd(const std::string& path, uint64_t size) {
  proto::MetaCommand cmd;
  cmd.set_mtime_ms(2000);
  auto c = cmd.mutable_create_file();
  c->set_path(path);
  c->set_size(size);
  c->set_replication(1);
  if (size > 0) {
    auto chunk = c->add_chunks();
    chunk->set_id(next_chunk_id());
    chunk->set_length(size);
    chunk->add_replicas("n1");
  }
  return cmd;
}

proto::MetaCommand delete_cmd(const std::string& path, bool recursive = false) {
  proto::MetaCommand cmd;
  cmd.set_mtime_ms(3000);
  cmd.mutable_delete_()->set_path(path);
  cmd.mutable_delete_()->set_recursive(recursive);
  return cmd;
}

proto::MetaCommand rename_cmd(const std::string& src, const std::string& dst) {
  proto::MetaCommand cmd;
  cmd.set_mtime_ms(4000);
  cmd.mutable_rename()->set_source(src);
  cmd.mutable_rename()->set_destination(dst);
  return cmd;
}

class state_machine_story : public ::testing::Test {
protected:
  errc run(const proto::MetaCommand& cmd) {
    auto out = sm.apply(++index, cmd);
    EXPECT_EQ(sm.check_invariants(), "");
    return out.code;
  }
  state_machine sm;
  uint64_t index = 0;
};

TEST_F(state_machine_story, mkdir_create_and_overwrite_bump_the_version) {
  EXPECT_EQ(run(mkdir_cmd("/docs")), errc::ok);
  EXPECT_EQ(run(create_cmd("/docs/a.txt", 10)), errc::ok);
  EXPECT_EQ(sm.lookup("/docs/a.txt").inode->version(), 1u);
  EXPECT_EQ(run(create_cmd("/docs/a.txt", 20)), errc::ok);
  auto found = sm.lookup("/docs/a.txt");
  EXPECT_EQ(found.inode->version(), 2u);
  EXPECT_EQ(found.inode->size(), 20u);
}

TEST_F(state_machine_story, errors_name_the_problem) {
  EXPECT_EQ(run(create_cmd("/missing/a", 1)), errc::not_found);
  EXPECT_EQ(run(create_cmd("/f", 1)), errc::ok);
  EXPECT_EQ(run(create_cmd("/f/x", 1)), errc::not_a_directory);
  EXPECT_EQ(run(mkdir_cmd("/f")), errc::already_exists);
  EXPECT_EQ(run(mkdir_cmd("/d")), errc::ok);
  EXPECT_EQ(run(mkdir_cmd("/d")), errc::already_exists);
  EXPECT_EQ(run(mkdir_cmd("/d", true)), errc::ok) << "-p accepts an existing directory";
  EXPECT_EQ(run(create_cmd("/d", 1)), errc::is_a_directory);
  EXPECT_EQ(run(create_cmd("/", 1)), errc::is_a_directory);
  EXPECT_EQ(run(mkdir_cmd("/x/y/z")), errc::not_found);
  EXPECT_EQ(run(mkdir_cmd("/x/y/z", true)), errc::ok);
  EXPECT_EQ(run(delete_cmd("/x")), errc::not_empty);
  EXPECT_EQ(run(delete_cmd("/")), errc::invalid_argument);
  EXPECT_EQ(run(delete_cmd("/nope")), errc::not_found);
  EXPECT_EQ(run(mkdir_cmd("/a/../b")), errc::invalid_path);
  EXPECT_EQ(run(rename_cmd("/x", "/x/y/inner")), errc::invalid_argument);
  EXPECT_EQ(run(rename_cmd("/f", "/d")), errc::already_exists);
}

TEST_F(state_machine_story, size_must_match_the_chunks) {
  auto cmd = create_cmd("/f", 10);
  cmd.mutable_create_file()->set_size(11);
  EXPECT_EQ(run(cmd), errc::invalid_argument);
  EXPECT_EQ(sm.lookup("/f").code, errc::not_found);
}

TEST_F(state_machine_story, malformed_file_records_are_refused) {
  auto bad_id = create_cmd("/f", 10);
  bad_id.mutable_create_file()->mutable_chunks(0)->set_id("../../x");
  EXPECT_EQ(run(bad_id), errc::invalid_argument);
  auto no_replica = create_cmd("/f", 10);
  no_replica.mutable_create_file()->mutable_chunks(0)->clear_replicas();
  EXPECT_EQ(run(no_replica), errc::invalid_argument);
  auto too_many = create_cmd("/f", 10);
  too_many.mutable_create_file()->set_replication(max_replication + 1);
  EXPECT_EQ(run(too_many), errc::invalid_argument);
  auto overflow = create_cmd("/f", 10);
  auto second = overflow.mutable_create_file()->add_chunks();
  *second = overflow.create_file().chunks(0);
  second->set_id(next_chunk_id());
  second->set_length(UINT64_MAX - 5);
  EXPECT_EQ(run(overflow), errc::invalid_argument);
  EXPECT_EQ(sm.lookup("/f").code, errc::not_found);
}

proto::MetaCommand update_replicas_cmd(const std::string& chunk, std::vector<std::string> add,
                                       std::vector<std::string> remove) {
  proto::MetaCommand cmd;
  cmd.set_mtime_ms(5000);
  auto u = cmd.mutable_update_replicas();
  u->set_chunk(chunk);
  for (auto& id : add)
    u->add_add(id);
  for (auto& id : remove)
    u->add_remove(id);
  return cmd;
}

std::vector<std::string> replicas_of(const state_machine& sm, const std::string& path) {
  auto found = sm.lookup(path);
  EXPECT_TRUE(found.ok()) << path;
  if (!found.ok())
    return {};
  auto& r = found.inode->chunks(0).replicas();
  return {r.begin(), r.end()};
}

TEST_F(state_machine_story, a_chunk_belongs_to_one_file) {
  auto first = create_cmd("/a", 10);
  ASSERT_EQ(run(first), errc::ok);
  auto thief = create_cmd("/b", 10);
  *thief.mutable_create_file()->mutable_chunks(0) = first.create_file().chunks(0);
  EXPECT_EQ(run(thief), errc::already_exists);
  EXPECT_EQ(sm.lookup("/b").code, errc::not_found);
  auto twice = create_cmd("/c", 20);
  auto copy = twice.mutable_create_file()->add_chunks();
  *copy = twice.create_file().chunks(0);
  twice.mutable_create_file()->mutable_chunks(0)->set_length(10);
  copy->set_length(10);
  EXPECT_EQ(run(twice), errc::invalid_argument);
  EXPECT_EQ(run(first), errc::ok) << "a file's new version may keep its own chunks";
  EXPECT_EQ(sm.chunk_count(), 1u);
  ASSERT_EQ(run(delete_cmd("/a")), errc::ok);
  EXPECT_EQ(sm.chunk_count(), 0u);
  EXPECT_EQ(run(thief), errc::ok) << "a deleted file's chunk ids are free again";
}

TEST_F(state_machine_story, the_chunk_table_reads_in_pieces) {
  ASSERT_EQ(run(mkdir_cmd("/d")), errc::ok);
  std::vector<std::string> whole, pieces;  // the chunks created; the chunks read
  for (int i = 0; i < 20; ++i) {
    auto cmd = create_cmd("/d/f" + std::to_string(i), i % 3 == 0 ? 0 : 10 + i);
    for (auto& c : cmd.create_file().chunks())
      whole.push_back(c.id());
    ASSERT_EQ(run(cmd), errc::ok);
  }
  auto ids = sm.file_ids();
  EXPECT_EQ(ids.size(), sm.file_count()) << "directories are not listed";
  for (auto id : ids)
    EXPECT_TRUE(sm.for_each_chunk_of(id, [&](const proto::Inode& file, const proto::ChunkRef& c) {
      EXPECT_EQ(file.id(), id);
      pieces.push_back(c.id());
    }));
  std::sort(whole.begin(), whole.end());
  std::sort(pieces.begin(), pieces.end());
  EXPECT_EQ(whole.size(), 13u);
  EXPECT_EQ(pieces, whole);
  // A file deleted between the two steps, or a directory, has no chunks.
  auto gone = sm.lookup("/d/f1").inode->id();
  ASSERT_EQ(run(delete_cmd("/d/f1")), errc::ok);
  EXPECT_FALSE(sm.for_each_chunk_of(gone, [](auto&, auto&) { FAIL(); }));
  EXPECT_FALSE(sm.for_each_chunk_of(sm.lookup("/d").inode->id(), [](auto&, auto&) { FAIL(); }));
}

TEST_F(state_machine_story, replicas_are_added_and_removed_by_chunk_id) {
  auto cmd = create_cmd("/d/f", 10);
  ASSERT_EQ(run(mkdir_cmd("/d")), errc::ok);
  ASSERT_EQ(run(cmd), errc::ok);
  auto chunk = cmd.create_file().chunks(0).id();
  ASSERT_EQ(run(rename_cmd("/d", "/e")), errc::ok);
  auto out = sm.apply(++index, update_replicas_cmd(chunk, {"n2", "n3", "n1"}, {}));
  ASSERT_EQ(out.code, errc::ok);
  EXPECT_EQ(out.path, "/e/f") << "the outcome names the file's path now";
  EXPECT_EQ(replicas_of(sm, "/e/f"), (std::vector<std::string>{"n1", "n2", "n3"}));
  EXPECT_EQ(run(update_replicas_cmd(chunk, {"n4"}, {"n1", "n9"})), errc::ok);
  EXPECT_EQ(replicas_of(sm, "/e/f"), (std::vector<std::string>{"n2", "n3", "n4"}));
  EXPECT_EQ(run(update_replicas_cmd(chunk, {}, {"n2", "n3", "n4"})), errc::invalid_argument)
    << "the last replica stays";
  EXPECT_EQ(run(update_replicas_cmd(chunk, {"bad id!"}, {})), errc::invalid_argument);
  EXPECT_EQ(replicas_of(sm, "/e/f"), (std::vector<std::string>{"n2", "n3", "n4"}));
  ASSERT_EQ(run(delete_cmd("/e", true)), errc::ok);
  EXPECT_EQ(run(update_replicas_cmd(chunk, {"n5"}, {})), errc::not_found)
    << "a copy made for a file deleted meanwhile is not recorded";
}

TEST_F(state_machine_story, a_node_state_is_recorded_with_or_without_an_address) {
  proto::MetaCommand cmd;
  cmd.mutable_set_node_state()->set_id("n7");
  cmd.mutable_set_node_state()->set_state(proto::NODE_STATE_DEAD);
  ASSERT_EQ(run(cmd), errc::ok);
  auto nodes = sm.nodes();
  ASSERT_EQ(nodes.size(), 1u);
  EXPECT_EQ(nodes[0].state(), proto::NODE_STATE_DEAD);
  EXPECT_TRUE(nodes[0].address().empty());
  cmd.mutable_set_node_state()->set_state(static_cast<proto::NodeState>(9));
  EXPECT_EQ(run(cmd), errc::invalid_argument);
  cmd.mutable_set_node_state()->set_id("../n");
  cmd.mutable_set_node_state()->set_state(proto::NODE_STATE_DRAINING);
  EXPECT_EQ(run(cmd), errc::invalid_argument);
  EXPECT_EQ(sm.nodes().size(), 1u);
}

TEST_F(state_machine_story, a_rename_may_not_push_paths_past_the_depth_limit) {
  std::string deep = "/a";
  for (size_t i = 1; i < max_path_depth; ++i)
    deep += "/d";
  ASSERT_EQ(run(mkdir_cmd(deep, true)), errc::ok);  // 64 levels below the root
  ASSERT_EQ(run(mkdir_cmd("/x/y", true)), errc::ok);
  EXPECT_EQ(run(rename_cmd("/a", "/x/y/a")), errc::too_large);
  EXPECT_TRUE(sm.lookup(deep).ok());
  EXPECT_EQ(run(rename_cmd("/a", "/b")), errc::ok) << "same depth is fine";
}

TEST_F(state_machine_story, recursive_delete_removes_the_subtree) {
  run(mkdir_cmd("/a/b/c", true));
  run(create_cmd("/a/b/c/f", 5));
  run(create_cmd("/a/g", 5));
  EXPECT_EQ(run(delete_cmd("/a", true)), errc::ok);
  EXPECT_EQ(sm.inode_count(), 1u);
}

TEST_F(state_machine_story, rename_moves_a_subtree) {
  run(mkdir_cmd("/a/b", true));
  run(create_cmd("/a/b/f", 5));
  run(mkdir_cmd("/z"));
  EXPECT_EQ(run(rename_cmd("/a", "/z/a2")), errc::ok);
  EXPECT_TRUE(sm.lookup("/z/a2/b/f").ok());
  EXPECT_EQ(sm.lookup("/a").code, errc::not_found);
}

TEST_F(state_machine_story, applying_an_old_index_again_changes_nothing) {
  auto cmd = mkdir_cmd("/once");
  EXPECT_TRUE(sm.apply(1, cmd).ok());
  auto again = sm.apply(1, cmd);
  EXPECT_TRUE(again.skipped);
  EXPECT_TRUE(again.mutations.empty());
  EXPECT_EQ(sm.applied_index(), 1u);
}

TEST_F(state_machine_story, failed_commands_still_advance_the_index) {
  EXPECT_EQ(run(delete_cmd("/nope")), errc::not_found);
  EXPECT_EQ(sm.applied_index(), 1u);
}

// --- client sessions: exactly-once retries ----------------------------------

proto::MetaCommand in_session(proto::MetaCommand cmd, const std::string& client, uint64_t seq,
                              int64_t time_ms = 1000) {
  cmd.set_client_id(client);
  cmd.set_sequence(seq);
  cmd.set_mtime_ms(time_ms);
  return cmd;
}

TEST_F(state_machine_story, a_retried_request_is_answered_with_its_first_outcome) {
  auto create = in_session(create_cmd("/f", 10), "c1", 1);
  ASSERT_EQ(run(create), errc::ok);
  auto again = sm.apply(++index, create);
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(again.code, errc::ok);
  EXPECT_TRUE(again.mutations.empty());
  EXPECT_EQ(sm.lookup("/f").inode->version(), 1u) << "applied once, not overwritten";
  auto mkdir = in_session(mkdir_cmd("/d"), "c1", 2);
  ASSERT_EQ(run(mkdir), errc::ok);
  EXPECT_EQ(run(mkdir), errc::ok) << "not already_exists: it is the same request";
  auto rm = in_session(delete_cmd("/d"), "c1", 3);
  ASSERT_EQ(run(rm), errc::ok);
  EXPECT_EQ(run(rm), errc::ok) << "not not_found: it is the same request";
  auto failed = in_session(delete_cmd("/nope"), "c1", 4);
  EXPECT_EQ(run(failed), errc::not_found);
  EXPECT_EQ(run(failed), errc::not_found) << "a failure is remembered too";
  // Another client's request with the same sequence is its own.
  EXPECT_EQ(run(in_session(mkdir_cmd("/d"), "c2", 2)), errc::ok);
}

TEST_F(state_machine_story, a_request_older_than_the_remembered_window_is_refused) {
  for (uint64_t seq = 10; seq < 10 + client_sessions::remembered_per_client; ++seq)
    ASSERT_EQ(run(in_session(mkdir_cmd("/d" + std::to_string(seq)), "c1", seq)), errc::ok);
  EXPECT_EQ(run(in_session(mkdir_cmd("/old"), "c1", 3)), errc::invalid_argument);
  EXPECT_EQ(sm.lookup("/old").code, errc::not_found);
  EXPECT_EQ(run(in_session(mkdir_cmd("/new"), "c1", 100)), errc::ok);
}

TEST_F(state_machine_story, silent_clients_expire_by_log_time) {
  ASSERT_EQ(run(in_session(mkdir_cmd("/a"), "c1", 1, 1000)), errc::ok);
  ASSERT_EQ(run(in_session(mkdir_cmd("/b"), "c2", 1, 1000 + client_sessions::ttl_ms / 2)),
            errc::ok);
  EXPECT_EQ(sm.session_clients(), 2u);
  ASSERT_EQ(run(in_session(mkdir_cmd("/c"), "c2", 2, 2000 + client_sessions::ttl_ms)), errc::ok);
  EXPECT_EQ(sm.session_clients(), 1u) << "c1 was silent for longer than the ttl";
  EXPECT_EQ(run(in_session(mkdir_cmd("/a"), "c1", 1, 3000 + client_sessions::ttl_ms)),
            errc::already_exists)
    << "after expiry a retry is a new request";
}

// --- randomized: the state machine against a plain model -------------------

struct model_entry {
  bool dir = false;
  uint64_t version = 0;
  uint64_t size = 0;
};

// The namespace as a map of canonical paths, with the documented semantics.
class model {
public:
  model() { entries_["/"] = {true, 0, 0}; }

  errc resolve(const std::string& path) const {
    std::string walked;
    for (auto& name : path_components(path)) {
      auto cur = walked.empty() ? "/" : walked;
      if (!entries_.at(cur).dir)
        return errc::not_a_directory;
      walked += "/" + name;
      if (!entries_.count(walked))
        return errc::not_found;
    }
    return errc::ok;
  }

  errc resolve_parent(const std::string& path) const {
    auto parent = parent_path(path);
    if (auto code = resolve(parent); code != errc::ok)
      return code;
    return entries_.at(parent).dir ? errc::ok : errc::not_a_directory;
  }

  bool has_children(const std::string& path) const {
    auto it = entries_.upper_bound(path == "/" ? "/" : path + "/");
    return it != entries_.end() && is_within(it->first, path) && it->first != path;
  }

  errc mkdir(const std::string& path, bool parents) {
    if (path == "/")
      return parents ? errc::ok : errc::already_exists;
    std::string walked;
    auto names = path_components(path);
    for (size_t i = 0; i < names.size(); ++i) {
      walked += "/" + names[i];
      bool last = i + 1 == names.size();
      auto it = entries_.find(walked);
      if (it != entries_.end()) {
        if (!it->second.dir)
          return last ? errc::already_exists : errc::not_a_directory;
        if (last && !parents)
          return errc::already_exists;
        continue;
      }
      if (!last && !parents)
        return errc::not_found;
      entries_[walked] = {true, 0, 0};
    }
    return errc::ok;
  }

  errc create(const std::string& path, uint64_t size) {
    if (path == "/")
      return errc::is_a_directory;
    if (auto code = resolve_parent(path); code != errc::ok)
      return code;
    auto it = entries_.find(path);
    if (it != entries_.end()) {
      if (it->second.dir)
        return errc::is_a_directory;
      it->second.version++;
      it->second.size = size;
      return errc::ok;
    }
    entries_[path] = {false, 1, size};
    return errc::ok;
  }

  errc remove(const std::string& path, bool recursive) {
    if (path == "/")
      return errc::invalid_argument;
    if (auto code = resolve(path); code != errc::ok)
      return code;
    if (has_children(path) && !recursive)
      return errc::not_empty;
    for (auto it = entries_.begin(); it != entries_.end();)
      it = is_within(it->first, path) ? entries_.erase(it) : std::next(it);
    return errc::ok;
  }

  errc rename(const std::string& src, const std::string& dst) {
    if (src == "/" || dst == "/")
      return errc::invalid_argument;
    if (auto code = resolve(src); code != errc::ok)
      return code;
    if (src == dst)
      return errc::ok;
    if (entries_.at(src).dir && is_within(dst, src))
      return errc::invalid_argument;
    if (auto code = resolve_parent(dst); code != errc::ok)
      return code;
    if (entries_.count(dst))
      return errc::already_exists;
    std::map<std::string, model_entry> moved;
    for (auto it = entries_.begin(); it != entries_.end();) {
      if (is_within(it->first, src)) {
        moved[dst + it->first.substr(src.size())] = it->second;
        it = entries_.erase(it);
      } else {
        ++it;
      }
    }
    entries_.insert(moved.begin(), moved.end());
    return errc::ok;
  }

  const std::map<std::string, model_entry>& entries() const { return entries_; }

private:
  std::map<std::string, model_entry> entries_;
};

// Every entry of the state machine, by walking it from the root.
std::map<std::string, model_entry> dump(const state_machine& sm) {
  std::map<std::string, model_entry> out;
  std::vector<std::string> todo{"/"};
  while (!todo.empty()) {
    auto path = todo.back();
    todo.pop_back();
    auto found = sm.lookup(path);
    bool dir = found.inode->kind() == proto::INODE_KIND_DIRECTORY;
    out[path] = {dir, found.inode->version(), found.inode->size()};
    if (!dir)
      continue;
    std::vector<std::pair<std::string, proto::Inode>> children;
    std::string msg;
    sm.list(path, children, msg);
    for (auto& [child, inode] : children)
      todo.push_back(child);
  }
  return out;
}

bool same(const std::map<std::string, model_entry>& a,
          const std::map<std::string, model_entry>& b) {
  if (a.size() != b.size())
    return false;
  for (auto& [path, e] : a) {
    auto it = b.find(path);
    if (it == b.end() || it->second.dir != e.dir || it->second.version != e.version ||
        it->second.size != e.size)
      return false;
  }
  return true;
}

std::string random_path(std::mt19937_64& rng) {
  static const char* names[] = {"a", "b", "c"};
  std::string out;
  auto depth = 1 + rng() % 3;
  for (size_t i = 0; i < depth; ++i)
    out += std::string{"/"} + names[rng() % 3];
  return out;
}

TEST(state_machine_random, matches_the_model_and_survives_restore) {
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937_64 rng{seed};
    state_machine sm;
    model m;
    std::map<uint64_t, proto::Inode> persisted;  // what a store would hold
    uint64_t log_index = 0;                      // retries take log indexes too
    for (uint64_t index = 1; index <= 400; ++index) {
      proto::MetaCommand cmd;
      errc expected = errc::ok;
      auto path = random_path(rng);
      switch (rng() % 5) {
        case 0: {
          bool parents = rng() % 2;
          cmd = mkdir_cmd(path, parents);
          expected = m.mkdir(path, parents);
          break;
        }
        case 1:
        case 2: {
          auto size = rng() % 3;
          cmd = create_cmd(path, size);
          expected = m.create(path, size);
          break;
        }
        case 3: {
          bool recursive = rng() % 2;
          cmd = delete_cmd(path, recursive);
          expected = m.remove(path, recursive);
          break;
        }
        default: {
          auto dst = random_path(rng);
          cmd = rename_cmd(path, dst);
          expected = m.rename(path, dst);
        }
      }
      cmd.set_client_id("c" + std::to_string(seed % 3));
      cmd.set_sequence(index);
      auto out = sm.apply(++log_index, cmd);
      ASSERT_EQ(out.code, expected)
        << "index " << index << ": " << cmd.ShortDebugString() << " -> " << out.message;
      ASSERT_EQ(sm.check_invariants(), "") << "index " << index;
      ASSERT_TRUE(same(dump(sm), m.entries())) << "index " << index;
      if (rng() % 10 == 0) {
        // A retry of the same request: the first outcome again, no change.
        auto retry = sm.apply(++log_index, cmd);
        ASSERT_TRUE(retry.duplicate) << "index " << index;
        ASSERT_EQ(retry.code, expected) << "index " << index;
        ASSERT_TRUE(retry.mutations.empty());
        ASSERT_TRUE(same(dump(sm), m.entries())) << "index " << index;
      }
      for (auto& mut : out.mutations) {
        if (mut.erased)
          persisted.erase(mut.inode.id());
        else
          persisted[mut.inode.id()] = mut.inode;
      }
      if (index % 50 == 0) {
        state_machine restored;
        std::vector<proto::Inode> inodes;
        for (auto& [id, inode] : persisted)
          inodes.push_back(inode);
        ASSERT_EQ(restored.restore(inodes, log_index, sm.next_inode()), "");
        ASSERT_TRUE(same(dump(restored), m.entries())) << "restore at index " << index;
        ASSERT_EQ(restored.applied_index(), log_index);
        ASSERT_EQ(restored.next_inode(), sm.next_inode());
      }
    }
  }
}

}  // namespace
}  // namespace dfs
