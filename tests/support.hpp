// Helpers shared by the tests: a temporary directory, seeded bytes, and a
// memory disk to build faulty or counting disks on.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "runtime/disk.hpp"

namespace dfs::testing {

// A fresh directory under /tmp for one test, removed afterwards.
class temp_dir {
public:
  temp_dir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "dfs-test-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

private:
  std::string path_;
};

// `n` pseudo-random bytes, the same for the same seed.
inline byte_buffer pattern(size_t n, uint64_t seed) {
  std::mt19937_64 rng{seed};
  byte_buffer out(n);
  for (auto& b : out)
    b = static_cast<char>(rng());
  return out;
}

// A memory disk whose every call a subclass may override: to inject
// faults, to count calls, to hang.
class delegating_disk : public disk {
public:
  disk_status write_parts(const std::string& path,
                          std::initializer_list<const_slice> parts) override {
    return inner.write_parts(path, parts);
  }
  disk_status read_at(const std::string& path, uint64_t offset, size_t max_bytes,
                      byte_buffer& out) override {
    return inner.read_at(path, offset, max_bytes, out);
  }
  disk_status write_at(const std::string& path, uint64_t offset,
                       std::initializer_list<const_slice> parts) override {
    return inner.write_at(path, offset, parts);
  }
  disk_status sync(const std::string& path) override { return inner.sync(path); }
  disk_status remove_file(const std::string& path) override { return inner.remove_file(path); }
  disk_status make_dirs(const std::string& path) override { return inner.make_dirs(path); }
  std::vector<std::string> list_files(const std::string& path) override {
    return inner.list_files(path);
  }
  uint64_t free_bytes(const std::string& path) override { return inner.free_bytes(path); }

  memory_disk inner;
};

}  // namespace dfs::testing
