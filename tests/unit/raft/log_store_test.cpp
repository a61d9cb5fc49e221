#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

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

// Everything a fresh process would read back from `db`.
struct loaded {
  std::string why;  // empty: it loaded
  hard_state hs;
  snapshot snap;
  std::vector<entry> log;
};

loaded load(const std::string& db) {
  log_store store{db};
  loaded out;
  out.why = store.load(out.hs, out.snap, out.log);
  return out;
}

void tamper(const std::string& db, const std::string& sql) {
  sqlite::database raw{db};
  raw.exec(sql);
}

TEST(raft_log_store, saved_state_loads_back_exactly) {
  testing::temp_dir dir;
  auto db = dir.path() + "/raft.db";
  {
    log_store store{db};
    store.save(true, hard_state{2, "n2", 0}, entries(1, 5, 1));
    store.save(true, hard_state{3, "n3", 4}, entries(4, 6, 3));  // replaces 4 and 5
  }
  auto back = load(db);
  ASSERT_EQ(back.why, "");
  EXPECT_EQ(back.hs, (hard_state{3, "n3", 4}));
  ASSERT_EQ(back.log.size(), 6u);
  EXPECT_EQ(back.log[2].term, 1u);
  EXPECT_EQ(back.log[3].term, 3u);
  EXPECT_EQ(back.log[5].data, "cmd6");
}

// The write-ahead log is zero-filled ahead of the writes when opened. A
// crash leaves committed frames in it that were never checkpointed: a
// restart keeps every one of them (the zeros go only after them) and the
// log keeps its reserved size.
TEST(raft_log_store, a_reserved_log_keeps_what_a_crash_left_in_it) {
  testing::temp_dir dir;
  auto db = dir.path() + "/raft.db";
  auto crashed = dir.path() + "/crashed.db";
  auto size_of = [](const std::string& path) {
    struct stat info {};
    return ::stat(path.c_str(), &info) == 0 ? static_cast<uint64_t>(info.st_size) : 0;
  };
  {
    log_store store{db};
    EXPECT_GE(size_of(db + "-wal"), 5u << 20);
    store.save(true, hard_state{4, "n1", 0}, entries(1, 40, 4));
    // What is on disk now, as if the process died here: the database and
    // its log, the committed frames not yet copied back.
    std::filesystem::copy_file(db, crashed);
    std::filesystem::copy_file(db + "-wal", crashed + "-wal");
  }
  // Cut the copied log after its last frame (header 32 bytes, then 24 of
  // frame header and a 4 KiB page each; a frame of page 0 is the zeros),
  // so that the reopen reserves again after the frames a crash left.
  {
    std::ifstream in{crashed + "-wal", std::ios::binary};
    uint64_t used = 32;
    char page_no[4];
    while (in.seekg(static_cast<std::streamoff>(used)) && in.read(page_no, 4) &&
           (page_no[0] | page_no[1] | page_no[2] | page_no[3]) != 0)
      used += 24 + 4096;
    ASSERT_GT(used, 32u) << "no frame in the log";
    std::filesystem::resize_file(crashed + "-wal", used);
  }
  auto back = load(crashed);
  ASSERT_EQ(back.why, "");
  EXPECT_EQ(back.hs, (hard_state{4, "n1", 0}));
  ASSERT_EQ(back.log.size(), 40u);
  EXPECT_EQ(back.log[39].data, "cmd40");
  log_store again{crashed};
  again.save(false, hard_state{}, entries(41, 41, 4));
  EXPECT_GE(size_of(crashed + "-wal"), 5u << 20);
}

TEST(raft_log_store, a_damaged_entry_is_reported_not_dropped) {
  testing::temp_dir dir;
  auto db = dir.path() + "/raft.db";
  log_store{db}.save(true, hard_state{1, "n1", 2}, entries(1, 3, 1));
  tamper(db, "UPDATE raft_entries SET data = x'00' WHERE idx = 2");
  auto why = load(db).why;
  EXPECT_NE(why.find("entry 2 is corrupt"), std::string::npos) << why;
}

TEST(raft_log_store, a_missing_entry_or_an_impossible_commit_is_reported) {
  testing::temp_dir dir;
  auto db = dir.path() + "/raft.db";
  log_store{db}.save(true, hard_state{1, "n1", 3}, entries(1, 3, 1));
  tamper(db, "DELETE FROM raft_entries WHERE idx = 2");
  EXPECT_NE(load(db).why.find("gap"), std::string::npos);
  tamper(db, "DELETE FROM raft_entries WHERE idx = 3");
  EXPECT_NE(load(db).why.find("commit index"), std::string::npos);
}

TEST(raft_log_store, a_snapshot_replaces_the_log_prefix_or_the_whole_log) {
  testing::temp_dir dir;
  auto db = dir.path() + "/raft.db";
  {
    log_store store{db};
    store.save(true, hard_state{2, "n1", 6}, entries(1, 8, 2));
    store.save_snapshot(snapshot{5, 2, "state@5", {"n1", "n2", "n3"}, {"n4"}}, false);
  }
  auto back = load(db);
  ASSERT_EQ(back.why, "");
  EXPECT_EQ(back.snap.index, 5u);
  EXPECT_EQ(back.snap.data, "state@5");
  EXPECT_EQ(back.snap.voters, (std::vector<peer_id>{"n1", "n2", "n3"}));
  EXPECT_EQ(back.snap.learners, (std::vector<peer_id>{"n4"}));
  ASSERT_EQ(back.log.size(), 3u);
  EXPECT_EQ(back.log.front().index, 6u);
  // A snapshot from the leader replaces everything; a crash before the
  // hard state follows leaves commit behind it, which load corrects.
  log_store{db}.save_snapshot(snapshot{20, 3, "state@20", {"n1"}, {}}, true);
  back = load(db);
  ASSERT_EQ(back.why, "");
  EXPECT_EQ(back.snap.index, 20u);
  EXPECT_EQ(back.hs.commit, 20u);
  EXPECT_TRUE(back.log.empty());
  tamper(db, "UPDATE raft_snapshot SET data = x'00'");
  EXPECT_EQ(load(db).why, "raft snapshot is corrupt");
}

}  // namespace
}  // namespace dfs::raft
