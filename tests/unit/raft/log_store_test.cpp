#include <gtest/gtest.h>

#include "actors/raft/log_store.hpp"
#include "tests/support.hpp"

namespace dfs::raft {
namespace {

std::vector<entry> entries(uint64_t first, uint64_t last, uint64_t term) {
  std::vector<entry> out;
  for (auto i = first; i <= last; ++i)
    out.push_back(entry{term, i, "cmd" + std::to_string(i)});
  return out;
}

TEST(raft_log_store, saved_state_loads_back_exactly) {
  testing::temp_dir dir;
  auto db = dir.path() + "/raft.db";
  {
    log_store store{db};
    store.save(true, hard_state{2, "n2", 0}, entries(1, 5, 1));
    store.save(true, hard_state{3, "n3", 4}, entries(4, 6, 3));  // replaces 4 and 5
  }
  log_store store{db};
  hard_state hs;
  snapshot snap;
  std::vector<entry> log;
  ASSERT_EQ(store.load(hs, snap, log), "");
  EXPECT_EQ(hs, (hard_state{3, "n3", 4}));
  ASSERT_EQ(log.size(), 6u);
  EXPECT_EQ(log[2].term, 1u);
  EXPECT_EQ(log[3].term, 3u);
  EXPECT_EQ(log[5].data, "cmd6");
}

TEST(raft_log_store, a_damaged_entry_is_reported_not_dropped) {
  testing::temp_dir dir;
  auto db = dir.path() + "/raft.db";
  {
    log_store store{db};
    store.save(true, hard_state{1, "n1", 2}, entries(1, 3, 1));
  }
  {
    sqlite::database raw{db};
    raw.exec("UPDATE raft_entries SET data = x'00' WHERE idx = 2");
  }
  log_store store{db};
  hard_state hs;
  snapshot snap;
  std::vector<entry> log;
  auto why = store.load(hs, snap, log);
  EXPECT_NE(why.find("entry 2 is corrupt"), std::string::npos) << why;
}

TEST(raft_log_store, a_missing_entry_or_an_impossible_commit_is_reported) {
  testing::temp_dir dir;
  auto db = dir.path() + "/raft.db";
  {
    log_store store{db};
    store.save(true, hard_state{1, "n1", 3}, entries(1, 3, 1));
  }
  {
    sqlite::database raw{db};
    raw.exec("DELETE FROM raft_entries WHERE idx = 2");
  }
  {
    log_store store{db};
    hard_state hs;
    snapshot snap;
    std::vector<entry> log;
    EXPECT_NE(store.load(hs, snap, log).find("gap"), std::string::npos);
  }
  {
    sqlite::database raw{db};
    raw.exec("DELETE FROM raft_entries WHERE idx = 3");
  }
  log_store store{db};
  hard_state hs;
  snapshot snap;
  std::vector<entry> log;
  EXPECT_NE(store.load(hs, snap, log).find("commit index"), std::string::npos);
}

TEST(raft_log_store, a_snapshot_replaces_the_log_prefix_or_the_whole_log) {
  testing::temp_dir dir;
  auto db = dir.path() + "/raft.db";
  {
    log_store store{db};
    store.save(true, hard_state{2, "n1", 6}, entries(1, 8, 2));
    store.save_snapshot(snapshot{5, 2, "state@5", {"n1", "n2", "n3"}, {"n4"}}, false);
  }
  {
    log_store store{db};
    hard_state hs;
    snapshot snap;
    std::vector<entry> log;
    ASSERT_EQ(store.load(hs, snap, log), "");
    EXPECT_EQ(snap.index, 5u);
    EXPECT_EQ(snap.data, "state@5");
    EXPECT_EQ(snap.voters, (std::vector<peer_id>{"n1", "n2", "n3"}));
    EXPECT_EQ(snap.learners, (std::vector<peer_id>{"n4"}));
    ASSERT_EQ(log.size(), 3u);
    EXPECT_EQ(log.front().index, 6u);
    store.save_snapshot(snapshot{20, 3, "state@20", {"n1"}, {}}, true);
    store.save(true, hard_state{3, "n1", 20}, {});
  }
  log_store store{db};
  hard_state hs;
  snapshot snap;
  std::vector<entry> log;
  ASSERT_EQ(store.load(hs, snap, log), "");
  EXPECT_EQ(snap.index, 20u);
  EXPECT_TRUE(log.empty());
  {
    sqlite::database raw{db};
    raw.exec("UPDATE raft_snapshot SET data = x'00'");
  }
  EXPECT_EQ(store.load(hs, snap, log), "raft snapshot is corrupt");
}

}  // namespace
}  // namespace dfs::raft
