// Durable Raft state in SQLite (WAL, synchronous=FULL): the log entries and
// the hard state (term, vote, commit). save() writes one ready's worth in
// one transaction, so term, vote and entries are durable together before
// any message that depends on them is sent. load() verifies what it reads:
// a checksum per entry, contiguous indexes, a commit index inside the log;
// damage is reported, never truncated away. Blocking: use from an I/O actor.
#pragma once

#include <string>
#include <vector>

#include "actors/raft/core.hpp"
#include "runtime/sqlite.hpp"

namespace dfs::raft {

class log_store {
public:
  // Opens or creates the database; throws sqlite::sqlite_error.
  explicit log_store(const std::string& db_path);

  // Persists a hard state (when `changed`) and entries; an entry whose index
  // is already stored replaces it and everything after it.
  void save(bool hard_state_changed, const hard_state& hs, const std::vector<entry>& entries);

  // Persists a snapshot: after the application compacted (`replace_log`
  // false: entries up to its index are dropped) or after one arrived from
  // the leader (`replace_log` true: the whole stored log goes).
  void save_snapshot(const snapshot& snap, bool replace_log);

  // Reads everything back: the hard state, the snapshot (index 0 if none)
  // and the entries after it. Returns an empty string, or what is damaged.
  std::string load(hard_state& hs, snapshot& snap, std::vector<entry>& log);

private:
  sqlite::database db_;
};

}  // namespace dfs::raft
