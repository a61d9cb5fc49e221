#include "runtime/process_stats.hpp"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

namespace dfs {

process_sample sample_process() {
  process_sample s;
  std::ifstream stat{"/proc/self/stat"};
  std::string line;
  if (!std::getline(stat, line))
    return s;
  // The command name (field 2) may hold spaces: fields are counted after its ')'.
  auto close = line.rfind(')');
  if (close == std::string::npos)
    return s;
  std::istringstream fields{line.substr(close + 2)};
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14)
      utime = std::stoull(field);
    if (i == 15)
      stime = std::stoull(field);
  }
  auto ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  s.cpu_seconds = static_cast<double>(utime + stime) / (ticks > 0 ? ticks : 100);
  std::ifstream statm{"/proc/self/statm"};
  unsigned long long size = 0, resident = 0;
  if (statm >> size >> resident)
    s.rss_bytes = resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator{"/proc/self/fd", ec};
       !ec && it != std::filesystem::directory_iterator{}; it.increment(ec))
    ++s.open_files;
  s.ok = true;
  return s;
}

unsigned cpu_count() {
  return std::max(1u, std::thread::hardware_concurrency());
}

double cpu_share(const process_sample& before, const process_sample& after, double wall_seconds) {
  if (!before.ok || !after.ok || wall_seconds <= 0)
    return 0;
  auto used = (after.cpu_seconds - before.cpu_seconds) / wall_seconds / cpu_count();
  return std::clamp(used, 0.0, 1.0);
}

}  // namespace dfs
