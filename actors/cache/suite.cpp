#include "actors/cache/suite.hpp"

#include <algorithm>

namespace dfs::cache {

std::vector<suite_entry> standard_suite(bool quick, const std::string& trace_dir) {
  // 1M requests over 100K keys; with quick, 100K over 10K.
  std::string scale = quick ? ":10000:100000" : "";
  std::vector<suite_entry> suite{
    {"zipf-0.8", "zipf:0.8" + scale, ""},
    {"zipf-0.914", "zipf:0.914" + scale, ""},
    {"zipf-1.0", "zipf:1.0" + scale, ""},
    {"zipf-1.2", "zipf:1.2" + scale, ""},
    {"hotcold-80/20", "hotcold:80/20" + scale, ""},
    {"shift+scan", (quick ? "shift:20000" : "shift:200000") + scale, ""},
    {"loop", quick ? "loop:2000:100000" : "loop:20000:1000000", ""}};
  if (!quick && !trace_dir.empty()) {
    suite.push_back({"arc-OLTP", "", trace_dir + "/arc-OLTP.lis.xz"});
    suite.push_back({"arc-P3", "", trace_dir + "/arc-P3.lis.xz"});
  }
  return suite;
}

const std::vector<double>& suite_sizes() {
  static const std::vector<double> sizes{1.0, 10.0};
  return sizes;
}

goal_report check_goal(const std::vector<suite_run>& runs, bool bytes) {
  goal_report g;
  g.met = !runs.empty();
  auto rate = [&](const suite_run& r, const char* name) {
    for (auto& x : r.results)
      if (x.policy == name)
        return 100 * (bytes ? x.byte_hit_rate() : x.hit_rate());
    return -1.0;
  };
  for (auto& r : runs) {
    double h = rate(r, "hybrid"), w = rate(r, "w-tinylfu"), s = rate(r, "s3-fifo"),
           l = rate(r, "lru");
    g.mean_hybrid += h;
    g.mean_w_tinylfu += w;
    g.mean_s3_fifo += s;
    if (h < 0 || w < 0 || s < 0 || l < 0 || h < std::max(w, s) - 0.5 || h < l) {
      g.met = false;
      g.short_of_goal.push_back(r.label);
    }
  }
  if (!runs.empty()) {
    double n = double(runs.size());
    g.mean_hybrid /= n;
    g.mean_w_tinylfu /= n;
    g.mean_s3_fifo /= n;
  }
  g.met = g.met && g.mean_hybrid > g.mean_w_tinylfu && g.mean_hybrid > g.mean_s3_fifo;
  return g;
}

}  // namespace dfs::cache
