#include "actors/raft/log_store.hpp"

#include <algorithm>

#include "actors/raft/ids.hpp"
#include "runtime/checksum.hpp"

namespace dfs::raft {

namespace {

// Covers index, term and data, so a row moved, altered or torn is detected.
int64_t entry_checksum(const entry& e) {
  std::string buf;
  buf.append(reinterpret_cast<const char*>(&e.index), sizeof(e.index));
  buf.append(reinterpret_cast<const char*>(&e.term), sizeof(e.term));
  buf += static_cast<char>(e.type);
  buf += e.data;
  return static_cast<int64_t>(chunk_checksum(buf.data(), buf.size()));
}

int64_t snapshot_checksum(const snapshot& s) {
  std::string buf;
  buf.append(reinterpret_cast<const char*>(&s.index), sizeof(s.index));
  buf.append(reinterpret_cast<const char*>(&s.term), sizeof(s.term));
  buf += encode_ids(s.voters) + "|" + encode_ids(s.learners) + "|" + s.data;
  return static_cast<int64_t>(chunk_checksum(buf.data(), buf.size()));
}

}  // namespace

log_store::log_store(const std::string& db_path) : db_(db_path) {
  db_.exec(
    "CREATE TABLE IF NOT EXISTS raft_entries (idx INTEGER PRIMARY KEY, term INTEGER NOT "
    "NULL, type INTEGER NOT NULL, data BLOB NOT NULL, checksum INTEGER NOT NULL)");
  db_.exec("CREATE TABLE IF NOT EXISTS raft_state (key TEXT PRIMARY KEY, value BLOB NOT NULL)");
  db_.exec(
    "CREATE TABLE IF NOT EXISTS raft_snapshot (id INTEGER PRIMARY KEY CHECK (id = 1), idx "
    "INTEGER NOT NULL, term INTEGER NOT NULL, voters TEXT NOT NULL, learners TEXT NOT NULL, "
    "data BLOB NOT NULL, checksum INTEGER NOT NULL)");
  // Every batch ends in an fdatasync of the write-ahead log; one with room
  // for a whole checkpoint interval (1000 pages by default, 4 KiB each plus
  // a frame header) and some batches over it is overwritten, never grown.
  db_.reserve_wal(5u << 20);
}

void log_store::save_snapshot(const snapshot& snap, bool replace_log) {
  sqlite::transaction tx{db_};
  db_
    .prepare(
      "INSERT OR REPLACE INTO raft_snapshot (id, idx, term, voters, learners, data, "
      "checksum) VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6)")
    .bind(1, static_cast<int64_t>(snap.index))
    .bind(2, static_cast<int64_t>(snap.term))
    .bind(3, encode_ids(snap.voters))
    .bind(4, encode_ids(snap.learners))
    .bind_blob(5, snap.data)
    .bind(6, snapshot_checksum(snap))
    .run();
  if (replace_log)
    db_.exec("DELETE FROM raft_entries");
  else
    db_.prepare("DELETE FROM raft_entries WHERE idx <= ?1")
      .bind(1, static_cast<int64_t>(snap.index))
      .run();
  tx.commit();
}

void log_store::save(bool hard_state_changed, const hard_state& hs,
                     const std::vector<entry>& entries) {
  if (!hard_state_changed && entries.empty())
    return;
  sqlite::transaction tx{db_};
  if (hard_state_changed) {
    auto& put = db_.cached("INSERT OR REPLACE INTO raft_state (key, value) VALUES (?1, ?2)");
    put.bind(1, std::string{"term"}).bind(2, static_cast<int64_t>(hs.term)).run();
    put.bind(1, std::string{"vote"}).bind_blob(2, hs.vote).run();
    put.bind(1, std::string{"commit"}).bind(2, static_cast<int64_t>(hs.commit)).run();
  }
  if (!entries.empty()) {
    db_.cached("DELETE FROM raft_entries WHERE idx >= ?1")
      .bind(1, static_cast<int64_t>(entries.front().index))
      .run();
    auto& insert = db_.cached(
      "INSERT INTO raft_entries (idx, term, type, data, checksum) VALUES (?1, ?2, ?3, "
      "?4, ?5)");
    for (auto& e : entries)
      insert.bind(1, static_cast<int64_t>(e.index))
        .bind(2, static_cast<int64_t>(e.term))
        .bind(3, static_cast<int64_t>(e.type))
        .bind_blob(4, e.data)
        .bind(5, entry_checksum(e))
        .run();
  }
  tx.commit();
}

std::string log_store::load(hard_state& hs, snapshot& snap, std::vector<entry>& log) {
  auto check = db_.quick_check();
  if (check != "ok")
    return "raft database failed its integrity check: " + check;
  hs = hard_state{};
  auto state = db_.prepare("SELECT key, value FROM raft_state");
  while (state.step()) {
    auto key = state.column_text(0);
    if (key == "term")
      hs.term = static_cast<uint64_t>(state.column_int(1));
    else if (key == "vote")
      hs.vote = state.column_blob(1);
    else if (key == "commit")
      hs.commit = static_cast<uint64_t>(state.column_int(1));
  }
  snap = snapshot{};
  auto snap_row =
    db_.prepare("SELECT idx, term, voters, learners, data, checksum FROM raft_snapshot");
  if (snap_row.step()) {
    snap.index = static_cast<uint64_t>(snap_row.column_int(0));
    snap.term = static_cast<uint64_t>(snap_row.column_int(1));
    snap.voters = decode_ids(snap_row.column_text(2));
    snap.learners = decode_ids(snap_row.column_text(3));
    snap.data = snap_row.column_blob(4);
    if (snapshot_checksum(snap) != snap_row.column_int(5))
      return "raft snapshot is corrupt";
  }
  log.clear();
  auto rows = db_.prepare("SELECT idx, term, type, data, checksum FROM raft_entries ORDER BY idx");
  while (rows.step()) {
    auto type = rows.column_int(2);
    if (type != 0 && type != 1)
      return "raft log entry " + std::to_string(rows.column_int(0)) + " has an unknown type";
    entry e{static_cast<uint64_t>(rows.column_int(1)), static_cast<uint64_t>(rows.column_int(0)),
            rows.column_blob(3), static_cast<entry_type>(type)};
    if (e.index != snap.index + log.size() + 1)
      return "raft log has a gap before index " + std::to_string(e.index);
    if (entry_checksum(e) != rows.column_int(4))
      return "raft log entry " + std::to_string(e.index) + " is corrupt";
    if (e.term < (log.empty() ? snap.term : log.back().term))
      return "raft log terms decrease at index " + std::to_string(e.index);
    if (e.term > hs.term)
      return "raft log entry " + std::to_string(e.index) + " is from a term after the stored term";
    log.push_back(std::move(e));
  }
  if (hs.commit > snap.index + log.size())
    return "raft commit index " + std::to_string(hs.commit) + " is beyond the log's last index " +
           std::to_string(snap.index + log.size());
  // A snapshot only ever holds committed entries; a crash between saving
  // it and the hard state leaves the stored commit index behind it.
  hs.commit = std::max(hs.commit, snap.index);
  return {};
}

}  // namespace dfs::raft
