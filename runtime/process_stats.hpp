// Figures of this process from /proc (Linux): CPU time used and resident
// memory. Reading them costs a few microseconds (procfs is not a disk).
#pragma once

#include <cstdint>

namespace dfs {

struct process_sample {
  double cpu_seconds = 0;   // user + system time used so far
  uint64_t rss_bytes = 0;   // resident set size now
  uint64_t open_files = 0;  // file descriptors open now
  bool ok = false;          // false when /proc could not be read
};

process_sample sample_process();

// CPUs this process may run on.
unsigned cpu_count();

// The share of the machine's CPUs this process used between two samples
// `wall_seconds` apart (0..1).
double cpu_share(const process_sample& before, const process_sample& after, double wall_seconds);

}  // namespace dfs
