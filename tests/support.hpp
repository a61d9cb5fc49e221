// Helpers shared by the tests: a temporary directory and seeded bytes.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

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
inline std::vector<char> pattern(size_t n, uint64_t seed) {
  std::mt19937_64 rng{seed};
  std::vector<char> out(n);
  for (auto& b : out)
    b = static_cast<char>(rng());
  return out;
}

}  // namespace dfs::testing
