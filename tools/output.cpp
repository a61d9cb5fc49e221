#include "tools/output.hpp"

#include <cstdio>
#include <ctime>
#include <iostream>

#include <unistd.h>

#include "messages/errc.hpp"

namespace dfs::ctl {

nlohmann::json to_json(const file_info& info) {
  nlohmann::json out{
    {"path", info.path},
    {"type", info.kind == entry_kind::directory ? "directory" : "file"},
    {"size", info.size},
    {"mode", info.mode},
    {"mtime_ms", info.mtime_ms},
  };
  if (info.kind == entry_kind::file) {
    out["version"] = info.version;
    out["replication"] = info.replication;
    if (!info.chunks.empty()) {
      auto chunks = nlohmann::json::array();
      for (auto& c : info.chunks) {
        auto replicas = nlohmann::json::array();
        for (auto& r : c.replicas)
          replicas.push_back(r.value);
        chunks.push_back({{"id", c.id.value},
                          {"length", c.length},
                          {"checksum", c.checksum},
                          {"replicas", replicas}});
      }
      out["chunks"] = chunks;
    }
  }
  return out;
}

nlohmann::json to_json(const node_status& s) {
  return {{"node_id", s.id.value}, {"roles", s.roles},           {"listen", s.listen},
          {"metrics", s.metrics},  {"state", s.state},           {"uptime_ms", s.uptime_ms},
          {"chunks", s.chunks},    {"bytes_used", s.bytes_used}, {"bytes_free", s.bytes_free}};
}

std::string human_bytes(uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  size_t u = 0;
  while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  if (u == 0)
    std::snprintf(buf, sizeof(buf), "%llu B", static_cast<unsigned long long>(bytes));
  else
    std::snprintf(buf, sizeof(buf), "%.1f %s", v, units[u]);
  return buf;
}

std::string human_time(int64_t ms) {
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

int report(const std::string& what, const caf::error& err) {
  std::cerr << "dfsctl: " << what << ": " << describe(err) << "\n";
  return exit_code(to_errc(err));
}

progress_bar::progress_bar(std::string label)
  : label_(std::move(label)),
    enabled_(isatty(STDOUT_FILENO) && isatty(STDERR_FILENO)),
    start_(std::chrono::steady_clock::now()) {}

progress_bar::~progress_bar() {
  if (drawn_)
    std::cerr << "\n";
}

void progress_bar::update(uint64_t done, uint64_t total) {
  if (!enabled_)
    return;
  auto now = std::chrono::steady_clock::now();
  if (now - start_ < std::chrono::seconds{1})
    return;
  if (drawn_ && now - last_draw_ < std::chrono::milliseconds{100} && done != total)
    return;
  last_draw_ = now;
  drawn_ = true;
  std::chrono::duration<double> secs = now - start_;
  auto rate = static_cast<double>(done) / secs.count();
  constexpr int width = 30;
  int filled =
    total ? static_cast<int>(width * static_cast<double>(done) / static_cast<double>(total)) : 0;
  std::string bar(static_cast<size_t>(filled), '#');
  bar.resize(width, total ? '.' : ' ');
  std::cerr << "\r" << label_ << " [" << bar << "] " << human_bytes(done);
  if (total)
    std::cerr << " / " << human_bytes(total);
  std::cerr << "  " << human_bytes(static_cast<uint64_t>(rate)) << "/s   " << std::flush;
}

}  // namespace dfs::ctl
