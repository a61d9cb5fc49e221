#include "runtime/sqlite.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

namespace dfs::sqlite {

namespace {

[[noreturn]] void fail(sqlite3* db, const std::string& what) {
  throw sqlite_error(what + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}

}  // namespace

database::database(const std::string& path) {
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    std::string why = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw sqlite_error("open " + path + ": " + why);
  }
  try {
    sqlite3_busy_timeout(db_, 5000);
    exec("PRAGMA journal_mode=WAL");
    exec("PRAGMA synchronous=FULL");
    exec("PRAGMA foreign_keys=ON");
  } catch (...) {
    // Not a database, or unusable: close it, the destructor will not run.
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw;
  }
}

database::~database() {
  cache_.clear();  // finalized before the connection closes
  sqlite3_close_v2(db_);
}

void database::exec(const std::string& sql) {
  char* msg = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &msg) != SQLITE_OK) {
    std::string why = msg ? msg : sqlite3_errmsg(db_);
    sqlite3_free(msg);
    throw sqlite_error(sql + ": " + why);
  }
}

statement database::prepare(const std::string& sql) {
  return statement{*this, sql};
}

statement& database::cached(const std::string& sql) {
  auto& slot = cache_[sql];
  if (!slot)
    slot = std::make_unique<statement>(*this, sql);
  else
    slot->reset();  // after a failure, a statement is left unreset
  return *slot;
}

std::string database::quick_check() {
  auto st = prepare("PRAGMA quick_check");
  std::string out;
  while (st.step()) {
    if (!out.empty())
      out += "; ";
    out += st.column_text(0);
  }
  return out;
}

void database::reserve_wal(uint64_t bytes) {
  std::string path = std::string{sqlite3_db_filename(db_, "main")} + "-wal";
  // Holding the write lock: no other connection appends meanwhile.
  exec("BEGIN IMMEDIATE");
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    exec("ROLLBACK");
    if (err == ENOENT)
      return;  // no write-ahead log (not in WAL mode): nothing to reserve
    throw sqlite_error("reserve " + path + ": " + std::strerror(err));
  }
  auto fail_with = [&](const char* what) {
    int err = errno;
    ::close(fd);
    exec("ROLLBACK");
    throw sqlite_error(std::string{what} + " " + path + ": " + std::strerror(err));
  };
  struct stat info {};
  if (::fstat(fd, &info) != 0)
    fail_with("stat");
  struct statvfs fs {};
  if (::fstatvfs(fd, &fs) != 0)
    fail_with("statvfs");
  auto size = static_cast<uint64_t>(info.st_size);
  auto free_bytes = static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize;
  if (size >= bytes || free_bytes / 64 < bytes) {
    ::close(fd);
    exec("ROLLBACK");
    return;
  }
  std::vector<char> zeros(1 << 20, 0);
  while (size < bytes) {
    auto n = static_cast<size_t>(std::min<uint64_t>(zeros.size(), bytes - size));
    auto written = ::pwrite(fd, zeros.data(), n, static_cast<off_t>(size));
    if (written < 0 && errno == EINTR)
      continue;
    if (written <= 0)
      fail_with("zero-fill");
    size += static_cast<uint64_t>(written);
  }
  if (::fsync(fd) != 0)
    fail_with("fsync");
  ::close(fd);
  exec("ROLLBACK");
}

statement::statement(database& db, const std::string& sql) : db_(&db) {
  if (sqlite3_prepare_v2(db.handle(), sql.c_str(), -1, &stmt_, nullptr) != SQLITE_OK)
    fail(db.handle(), "prepare " + sql);
}

statement::~statement() {
  sqlite3_finalize(stmt_);
}

statement::statement(statement&& other) noexcept : db_(other.db_), stmt_(other.stmt_) {
  other.stmt_ = nullptr;
}

statement& statement::bind(int index, int64_t value) {
  if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK)
    fail(db_->handle(), "bind");
  return *this;
}

statement& statement::bind(int index, const std::string& value) {
  if (sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()),
                        SQLITE_TRANSIENT) != SQLITE_OK)
    fail(db_->handle(), "bind");
  return *this;
}

statement& statement::bind_blob(int index, const std::string& value) {
  if (sqlite3_bind_blob(stmt_, index, value.data(), static_cast<int>(value.size()),
                        SQLITE_TRANSIENT) != SQLITE_OK)
    fail(db_->handle(), "bind");
  return *this;
}

bool statement::step() {
  auto rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW)
    return true;
  if (rc == SQLITE_DONE)
    return false;
  fail(db_->handle(), "step");
}

void statement::run() {
  while (step()) {
  }
  reset();
}

void statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

int64_t statement::column_int(int index) {
  return sqlite3_column_int64(stmt_, index);
}

std::string statement::column_text(int index) {
  auto p = sqlite3_column_text(stmt_, index);
  return p ? std::string{reinterpret_cast<const char*>(p),
                         static_cast<size_t>(sqlite3_column_bytes(stmt_, index))}
           : std::string{};
}

std::string statement::column_blob(int index) {
  auto p = sqlite3_column_blob(stmt_, index);
  return p ? std::string{static_cast<const char*>(p),
                         static_cast<size_t>(sqlite3_column_bytes(stmt_, index))}
           : std::string{};
}

transaction::transaction(database& db) : db_(db) {
  db_.cached("BEGIN IMMEDIATE").run();
}

transaction::~transaction() {
  if (!done_) {
    try {
      db_.exec("ROLLBACK");
    } catch (...) {
    }
  }
}

void transaction::commit() {
  db_.cached("COMMIT").run();
  done_ = true;
}

}  // namespace dfs::sqlite
