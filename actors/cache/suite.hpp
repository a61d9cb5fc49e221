// The trace suite that hybrid is held to, and its goal: on every trace and
// cache size at least max(w-tinylfu, s3-fifo) - 0.5 points and never below
// lru; averaged over the suite, above both.
#pragma once

#include <string>
#include <vector>

#include "actors/cache/simulator.hpp"

namespace dfs::cache {

struct suite_entry {
  std::string label;
  std::string gen;   // a generator spec (trace.hpp), or
  std::string file;  // a trace file (the real ARC traces)
};

// Synthetic traces with fixed parameters (seed 42 by convention) and,
// when `trace_dir` is not empty, the ARC OLTP and P3 traces in it.
// `quick`: 10x smaller synthetic traces and no real ones.
std::vector<suite_entry> standard_suite(bool quick, const std::string& trace_dir);

// The cache sizes of the suite, in percent of the distinct bytes.
const std::vector<double>& suite_sizes();

// One trace at one size: every policy's result.
struct suite_run {
  std::string label;  // "zipf-0.914 10%"
  std::vector<sim_result> results;
};

struct goal_report {
  bool met = false;
  double mean_hybrid = 0, mean_w_tinylfu = 0, mean_s3_fifo = 0;  // percent
  std::vector<std::string> short_of_goal;                        // labels of runs that miss it
};

// Judges request hit rates, or byte hit rates when `bytes`. Runs missing
// one of hybrid, w-tinylfu, s3-fifo and lru count as short.
goal_report check_goal(const std::vector<suite_run>& runs, bool bytes);

}  // namespace dfs::cache
