// A thin RAII layer over SQLite: a database, prepared statements, and
// transactions. Methods throw sqlite_error; callers turn it into errc at
// their boundary. Not thread-safe: one owner thread per database.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>

struct sqlite3;
struct sqlite3_stmt;

namespace dfs::sqlite {

struct sqlite_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class statement;

class database {
public:
  // Opens (creating if needed) with WAL journaling and synchronous=FULL.
  explicit database(const std::string& path);
  ~database();
  database(const database&) = delete;
  database& operator=(const database&) = delete;

  void exec(const std::string& sql);
  statement prepare(const std::string& sql);
  // The statement for `sql`, prepared at its first use and kept (reset,
  // bindings cleared) while the database is open: for the statements
  // every batch of writes runs. Parsing them each time was about 1% of a
  // busy node's CPU. One statement per SQL text, shared by every caller:
  // finish with it (run() or reset()) before asking for the same text again.
  statement& cached(const std::string& sql);

  // "ok", or the problems PRAGMA quick_check found.
  std::string quick_check();

  // Zero-fills the write-ahead log up to `bytes`, appending only (frames
  // already there stay; SQLite ends its log at the first frame whose salt
  // does not match), so that commits overwrite blocks the file already has.
  // On ext4 an fdatasync after an append also commits the file's new size
  // through the journal: about twice the cost of one after an overwrite,
  // and a fresh log is all appends until its first checkpoint (measured in
  // docs/measurements.md). Call after opening, before the first write; it
  // holds the write lock while it runs. Does nothing without a write-ahead
  // log, or on a file system with less than 64 times `bytes` free: there
  // the log grows as it needs instead of taking the space up front.
  void reserve_wal(uint64_t bytes);

  sqlite3* handle() { return db_; }

private:
  sqlite3* db_ = nullptr;
  std::map<std::string, std::unique_ptr<statement>> cache_;
};

class statement {
public:
  statement(database& db, const std::string& sql);
  ~statement();
  statement(statement&& other) noexcept;
  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;

  // Bind by 1-based index.
  statement& bind(int index, int64_t value);
  statement& bind(int index, const std::string& value);
  statement& bind_blob(int index, const std::string& value);

  // Advances; true while a row is available.
  bool step();
  // Runs to completion and resets for reuse.
  void run();
  void reset();

  int64_t column_int(int index);
  std::string column_text(int index);
  std::string column_blob(int index);

private:
  database* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

// BEGIN IMMEDIATE on construction; ROLLBACK unless commit() was called.
class transaction {
public:
  explicit transaction(database& db);
  ~transaction();
  void commit();

private:
  database& db_;
  bool done_ = false;
};

}  // namespace dfs::sqlite
