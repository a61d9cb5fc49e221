// All file-system access of dfs goes through `disk`, so tests can swap in
// memory_disk and make writes fail, fill up or tear. Implementations are
// thread-safe; calls block, so callers run them off the CAF scheduler.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "messages/errc.hpp"
#include "runtime/bytes.hpp"

namespace dfs {

struct disk_status {
  errc code = errc::ok;
  std::string message;
  bool ok() const { return code == errc::ok; }
};

// A read-only view of bytes to write.
struct const_slice {
  const char* data;
  size_t size;
};

class disk {
public:
  virtual ~disk() = default;

  // Replaces `path` with the concatenation of `parts` atomically and
  // durably: after success the file has exactly these bytes even across a
  // crash; after failure the old content (or absence) is intact.
  virtual disk_status write_parts(const std::string& path,
                                  std::initializer_list<const_slice> parts) = 0;

  // Reads up to `max_bytes` starting at `offset` (fewer at the end of the
  // file; none past it). errc::not_found if the file is absent.
  virtual disk_status read_at(const std::string& path, uint64_t offset, size_t max_bytes,
                              byte_buffer& out) = 0;

  // Writes `parts` at `offset` of `path`, creating the file if absent,
  // not durably: only sync() makes them (and a new file's name) durable.
  virtual disk_status write_at(const std::string& path, uint64_t offset,
                               std::initializer_list<const_slice> parts) = 0;

  // Makes what was written to `path` with write_at durable.
  virtual disk_status sync(const std::string& path) = 0;

  // No more write_at or sync of `path` for now: resources kept for them
  // (an open descriptor) may go.
  virtual void release(const std::string&) {}

  virtual disk_status remove_file(const std::string& path) = 0;

  // Creates the directory and its missing ancestors.
  virtual disk_status make_dirs(const std::string& path) = 0;

  // Names of the regular files directly in `path` (empty if absent).
  virtual std::vector<std::string> list_files(const std::string& path) = 0;

  // Free bytes on the file system holding `path`.
  virtual uint64_t free_bytes(const std::string& path) = 0;

  disk_status write_file(const std::string& path, const byte_buffer& data) {
    return write_parts(path, {const_slice{data.data(), data.size()}});
  }

  disk_status read_file(const std::string& path, byte_buffer& out) {
    return read_at(path, 0, SIZE_MAX, out);
  }
};

// Writes go through a temp file named <path><temp_marker><random>; one left
// behind by a crash is garbage its owner may remove.
constexpr const char* temp_marker = ".tmp.";

// The real file system (POSIX): temp file, fsync, rename, fsync of the
// directory. Files written with write_at stay open until removed.
class posix_disk final : public disk {
public:
  ~posix_disk() override;
  disk_status write_parts(const std::string& path,
                          std::initializer_list<const_slice> parts) override;
  disk_status read_at(const std::string& path, uint64_t offset, size_t max_bytes,
                      byte_buffer& out) override;
  disk_status write_at(const std::string& path, uint64_t offset,
                       std::initializer_list<const_slice> parts) override;
  disk_status sync(const std::string& path) override;
  void release(const std::string& path) override;
  disk_status remove_file(const std::string& path) override;
  disk_status make_dirs(const std::string& path) override;
  std::vector<std::string> list_files(const std::string& path) override;
  uint64_t free_bytes(const std::string& path) override;

private:
  struct open_file;
  // The open file of `path` for write_at and sync (opened on first use,
  // and created if `create`); null with `st` set on failure.
  std::shared_ptr<open_file> writable(const std::string& path, disk_status& st, bool create);
  std::mutex mtx_;
  std::map<std::string, std::shared_ptr<open_file>> open_;
};

// An in-memory file system with fault injection, for tests.
class memory_disk final : public disk {
public:
  explicit memory_disk(uint64_t capacity = UINT64_MAX) : capacity_(capacity) {}

  disk_status write_parts(const std::string& path,
                          std::initializer_list<const_slice> parts) override;
  disk_status read_at(const std::string& path, uint64_t offset, size_t max_bytes,
                      byte_buffer& out) override;
  disk_status write_at(const std::string& path, uint64_t offset,
                       std::initializer_list<const_slice> parts) override;
  disk_status sync(const std::string& path) override;
  disk_status remove_file(const std::string& path) override;
  disk_status make_dirs(const std::string& path) override;
  std::vector<std::string> list_files(const std::string& path) override;
  uint64_t free_bytes(const std::string& path) override;

  // Every following write fails with `code` (errc::ok to stop).
  void fail_writes(errc code);
  // Flips one bit of a stored file; false if the file is absent or too short.
  bool flip_bit(const std::string& path, size_t byte_offset);
  size_t file_count();

private:
  std::mutex mtx_;
  std::map<std::string, byte_buffer> files_;
  uint64_t capacity_;
  uint64_t used_ = 0;
  errc write_failure_ = errc::ok;
};

}  // namespace dfs
