// dfsctl's output: human-readable text by default, JSON with --json, one
// error line on stderr, and a progress bar for long transfers on a terminal.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <caf/error.hpp>
#include <nlohmann/json.hpp>

#include "messages/types.hpp"

namespace dfs::ctl {

nlohmann::json to_json(const file_info& info);
nlohmann::json to_json(const node_status& status);

// "4.0 MiB"
std::string human_bytes(uint64_t bytes);

// "2026-11-25 14:50:01" (UTC)
std::string human_time(int64_t ms);

// Prints "dfsctl: <what>: <error>" on stderr and returns the exit code.
int report(const std::string& what, const caf::error& err);

// A progress bar on stderr, drawn only when stdout is a terminal and the
// transfer has run for more than a second.
class progress_bar {
public:
  explicit progress_bar(std::string label);
  ~progress_bar();
  void update(uint64_t done, uint64_t total);

private:
  std::string label_;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace dfs::ctl
