// Durable home of the metadata state machine: inodes and the applied index
// in SQLite (WAL). Each applied command's mutations and its index are
// written in one transaction, so a crash leaves either all of a command or
// none of it. Blocking: use from a detached actor only.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "actors/meta/state_machine.hpp"
#include "runtime/sqlite.hpp"

namespace dfs {

// How each applied command reaches the disk.
enum class meta_durability {
  // fsync per command (synchronous=FULL): the database alone is the record.
  fsync_each,
  // No fsync per command (synchronous=NORMAL): a power loss may take the
  // last few commands, never leave a torn one. For a state machine behind
  // the Raft log, which is durable and re-applies what is missing at start.
  replayed_from_log,
};

class meta_store {
public:
  // Opens or creates the database; throws sqlite::sqlite_error.
  explicit meta_store(const std::string& db_path,
                      meta_durability durability = meta_durability::fsync_each);

  // Verifies the database (PRAGMA quick_check, every record decodes) and
  // restores `sm` from it. Returns an empty string or what is wrong; a
  // damaged database is reported, never repaired silently.
  std::string load(state_machine& sm);

  // Persists one applied command: its inode and session mutations, its
  // index, and the state machine's next inode id and log time, in one
  // transaction. Throws sqlite::sqlite_error.
  void persist(uint64_t index, const state_machine& sm, const apply_outcome& out);

  // The same for several commands applied in a row (`applied`: each one's
  // outcome, in order), in one transaction: all of them or none.
  void persist(const std::vector<const apply_outcome*>& applied, uint64_t last_index,
               const state_machine& sm);
  // The same with the state machine's next inode id and log time as of
  // `last_index` given (the state in memory may have moved on meanwhile).
  void persist(const std::vector<const apply_outcome*>& applied, uint64_t last_index,
               uint64_t next_inode, int64_t log_time);

  // Everything in the database, as a snapshot of the state machine at
  // the applied index it holds (no integrity check: see load()). Returns
  // an empty string, or what is damaged.
  std::string read_all(proto::MetaSnapshot& out);

  // Replaces everything with `snap`, in one transaction.
  void replace_all(const proto::MetaSnapshot& snap);

private:
  void write_state(uint64_t applied_index, uint64_t next_inode, int64_t log_time);

  sqlite::database db_;
};

}  // namespace dfs
