#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <utility>
#include <vector>

#include "actors/meta/store.hpp"
#include "tests/support.hpp"

namespace dfs {
namespace {

proto::MetaCommand mkdir_cmd(const std::string& path) {
  proto::MetaCommand cmd;
  cmd.mutable_mkdir()->set_path(path);
  cmd.mutable_mkdir()->set_parents(true);
  return cmd;
}

// Applies and persists like the metadata service does.
void apply(state_machine& sm, meta_store& store, const proto::MetaCommand& cmd) {
  auto index = sm.applied_index() + 1;
  auto out = sm.apply(index, cmd);
  store.persist(index, sm, out);
}

TEST(meta_store, a_reopened_store_restores_the_exact_state) {
  testing::temp_dir dir;
  auto db = dir.path() + "/meta.db";
  uint64_t next_inode = 0;
  {
    meta_store store{db};
    state_machine sm;
    ASSERT_EQ(store.load(sm), "");
    apply(sm, store, mkdir_cmd("/a/b/c"));
    apply(sm, store, mkdir_cmd("/x"));
    proto::MetaCommand rm;
    rm.mutable_delete_()->set_path("/x");
    apply(sm, store, rm);
    next_inode = sm.next_inode();
  }
  meta_store store{db};
  state_machine sm;
  ASSERT_EQ(store.load(sm), "");
  EXPECT_EQ(sm.applied_index(), 3u);
  EXPECT_EQ(sm.next_inode(), next_inode) << "a deleted highest inode id is not reused";
  EXPECT_TRUE(sm.lookup("/a/b/c").ok());
  EXPECT_EQ(sm.lookup("/x").code, errc::not_found);
}

// A snapshot read from one database and written over another (which held
// something else) gives the same state, sessions included.
TEST(meta_store, a_snapshot_replaces_another_database_exactly) {
  testing::temp_dir dir;
  meta_store source{dir.path() + "/a.db"};
  state_machine sm;
  apply(sm, source, mkdir_cmd("/a/b"));
  auto in_session = mkdir_cmd("/s");
  in_session.set_client_id("c1");
  in_session.set_sequence(3);
  apply(sm, source, in_session);
  proto::MetaSnapshot snap;
  ASSERT_EQ(source.read_all(snap), "");
  EXPECT_EQ(snap.applied_index(), 2u);

  meta_store target{dir.path() + "/b.db"};
  state_machine other;
  apply(other, target, mkdir_cmd("/old/stuff"));
  target.replace_all(snap);
  state_machine loaded;
  ASSERT_EQ(target.load(loaded), "");
  EXPECT_EQ(loaded.applied_index(), 2u);
  EXPECT_EQ(loaded.next_inode(), sm.next_inode());
  EXPECT_TRUE(loaded.lookup("/a/b").ok());
  EXPECT_EQ(loaded.lookup("/old").code, errc::not_found) << "what was there before is gone";
  auto retried = loaded.apply(3, in_session);
  EXPECT_TRUE(retried.duplicate) << "the session came along";
  state_machine restored;
  ASSERT_EQ(restored.restore(snap), "");
  EXPECT_EQ(restored.inode_count(), loaded.inode_count());
}

// The node table: where each node added to the cluster listens. It
// survives a restart and a snapshot; bad records are refused.
TEST(meta_store, the_node_table_is_kept_and_travels_with_snapshots) {
  testing::temp_dir dir;
  auto set_node = [](const std::string& id, const std::string& address, bool removed) {
    proto::MetaCommand cmd;
    auto* node = cmd.mutable_set_node()->mutable_node();
    node->set_id(id);
    node->set_address(address);
    node->set_removed(removed);
    return cmd;
  };
  {
    meta_store store{dir.path() + "/a.db"};
    state_machine sm;
    apply(sm, store, set_node("n4", "10.0.0.4:7100", false));
    apply(sm, store, set_node("n5", "10.0.0.5:7100", false));
    apply(sm, store, set_node("n5", "", true));
    auto bad_id = sm.apply(sm.applied_index() + 1, set_node("n/6", "10.0.0.6:7100", false));
    EXPECT_EQ(bad_id.code, errc::invalid_argument);
    auto no_address = sm.apply(sm.applied_index() + 1, set_node("n6", "", false));
    EXPECT_EQ(no_address.code, errc::invalid_argument);
    EXPECT_EQ(sm.nodes().size(), 2u);
  }
  meta_store store{dir.path() + "/a.db"};
  state_machine sm;
  ASSERT_EQ(store.load(sm), "");
  auto nodes = sm.nodes();
  ASSERT_EQ(nodes.size(), 2u);
  EXPECT_EQ(nodes[0].id(), "n4");
  EXPECT_EQ(nodes[0].address(), "10.0.0.4:7100");
  EXPECT_TRUE(nodes[1].removed());
  proto::MetaSnapshot snap;
  ASSERT_EQ(store.read_all(snap), "");
  meta_store other{dir.path() + "/b.db"};
  other.replace_all(snap);
  state_machine copy;
  ASSERT_EQ(other.load(copy), "");
  EXPECT_EQ(copy.nodes().size(), 2u);
}

// The writer stores many applied commands in one transaction, keeping
// only the last change of each record. A batch in which records are
// created, changed and removed again (inodes, and session outcomes beyond
// the number remembered per client) leaves the database exactly as
// writing the commands one at a time does.
TEST(meta_store, one_batch_of_many_commands_equals_writing_them_one_by_one) {
  testing::temp_dir dir;
  meta_store one_by_one{dir.path() + "/a.db"};
  meta_store batched{dir.path() + "/b.db"};
  state_machine sm;
  std::vector<apply_outcome> outcomes;
  uint64_t sequence = 0;
  for (int round = 0; round < 30; ++round) {
    auto name = "/d" + std::to_string(round % 4);
    proto::MetaCommand cmds[3];
    cmds[0] = mkdir_cmd(name + "/x");
    cmds[1].mutable_delete_()->set_path(name + "/x");
    cmds[2] = mkdir_cmd(name + "/y" + std::to_string(round));
    for (auto& cmd : cmds) {
      cmd.set_client_id(round % 2 ? "c1" : "c2");
      cmd.set_sequence(++sequence);
      cmd.set_mtime_ms(1000 + round);
      auto index = sm.applied_index() + 1;
      outcomes.push_back(sm.apply(index, cmd));
      one_by_one.persist(index, sm, outcomes.back());
    }
  }
  std::vector<const apply_outcome*> all;
  for (auto& o : outcomes)
    all.push_back(&o);
  batched.persist(all, sm.applied_index(), sm);
  proto::MetaSnapshot a, b;
  ASSERT_EQ(one_by_one.read_all(a), "");
  ASSERT_EQ(batched.read_all(b), "");
  auto in_order = [](proto::MetaSnapshot& snap) {
    auto* sessions = snap.mutable_sessions();
    std::sort(sessions->begin(), sessions->end(), [](auto& x, auto& y) {
      return std::make_pair(x.client_id(), x.sequence()) <
             std::make_pair(y.client_id(), y.sequence());
    });
    return snap.SerializeAsString();
  };
  EXPECT_EQ(a.sessions_size(), 2 * static_cast<int>(client_sessions::remembered_per_client));
  EXPECT_EQ(a.inodes_size(), b.inodes_size());
  EXPECT_EQ(in_order(a), in_order(b));
  // And the batch holds exactly the state machine's state.
  state_machine loaded;
  ASSERT_EQ(batched.load(loaded), "");
  EXPECT_EQ(loaded.applied_index(), sm.applied_index());
  EXPECT_EQ(loaded.next_inode(), sm.next_inode());
  EXPECT_EQ(loaded.inode_count(), sm.inode_count());
  for (int round = 0; round < 30; ++round)
    for (auto path : {"/d" + std::to_string(round % 4) + "/x",
                      "/d" + std::to_string(round % 4) + "/y" + std::to_string(round),
                      "/d" + std::to_string(round % 4)}) {
      auto want = sm.lookup(path);
      auto got = loaded.lookup(path);
      ASSERT_EQ(got.code, want.code) << path;
      if (want.ok()) {
        EXPECT_EQ(got.inode->SerializeAsString(), want.inode->SerializeAsString()) << path;
      }
    }
}

TEST(meta_store, client_sessions_survive_a_restart) {
  testing::temp_dir dir;
  auto db = dir.path() + "/meta.db";
  auto cmd = mkdir_cmd("/s");
  cmd.set_client_id("c1");
  cmd.set_sequence(7);
  cmd.set_mtime_ms(5000);
  {
    meta_store store{db};
    state_machine sm;
    apply(sm, store, cmd);
  }
  meta_store store{db};
  state_machine sm;
  ASSERT_EQ(store.load(sm), "");
  EXPECT_EQ(sm.log_time(), 5000);
  auto again = sm.apply(sm.applied_index() + 1, cmd);
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(again.code, errc::ok);
}

TEST(meta_store, a_record_that_does_not_decode_is_reported) {
  testing::temp_dir dir;
  auto db = dir.path() + "/meta.db";
  {
    meta_store store{db};
    state_machine sm;
    apply(sm, store, mkdir_cmd("/a"));
  }
  {
    sqlite::database raw{db};
    raw.exec("UPDATE inodes SET record = x'ffffffff' WHERE id = 2");
  }
  meta_store store{db};
  state_machine sm;
  auto why = store.load(sm);
  EXPECT_NE(why.find("corrupt"), std::string::npos) << why;
}

TEST(meta_store, a_damaged_database_file_is_reported_not_truncated) {
  testing::temp_dir dir;
  auto db = dir.path() + "/meta.db";
  {
    std::ofstream out{db, std::ios::binary};
    out << std::string(8192, '\x5a');
  }
  std::string why;
  try {
    meta_store store{db};
    state_machine sm;
    why = store.load(sm);
  } catch (const std::exception& ex) {
    why = ex.what();
  }
  EXPECT_FALSE(why.empty());
  std::ifstream in{db, std::ios::binary | std::ios::ate};
  EXPECT_EQ(in.tellg(), 8192) << "the damaged file is left as it was";
}

}  // namespace
}  // namespace dfs
