#include "tools/cache_cmds.hpp"

#include <cmath>
#include <cstdio>
#include <future>
#include <iomanip>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "actors/cache/advisor.hpp"
#include "actors/cache/simulator.hpp"
#include "actors/cache/suite.hpp"
#include "actors/client/client.hpp"
#include "runtime/text_file.hpp"
#include "tools/output.hpp"

namespace dfs::ctl {
namespace {

using cache::request;

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

std::optional<std::vector<request>> load_trace(const std::string& path, std::string& error) {
  std::string text;
  if (!read_text_file(path, text, error))
    return std::nullopt;
  std::istringstream in(text);
  bool lis = ends_with(path, ".lis") || ends_with(path, ".lis.xz");
  auto trace = lis ? cache::parse_lis(in, error) : cache::parse_keys(in, error);
  if (!trace)
    error = path + ": " + error;
  else if (trace->empty())
    error = path + ": no requests", trace.reset();
  return trace;
}

// "P%" of `whole`, a plain count, or bytes with KiB/MiB/GiB; 0 when bad.
std::uint64_t parse_capacity(const std::string& s, std::uint64_t whole) {
  if (s.empty())
    return 0;
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  std::string unit(end);
  if (!(v > 0) || !std::isfinite(v) || v > 1e15)
    return 0;
  double scale = unit == ""      ? 1
                 : unit == "%"   ? double(whole) / 100
                 : unit == "KiB" ? 1024.0
                 : unit == "MiB" ? 1024.0 * 1024
                 : unit == "GiB" ? 1024.0 * 1024 * 1024
                                 : 0;
  return static_cast<std::uint64_t>(std::llround(v * scale));
}

struct run {
  std::string trace;
  std::string capacity_label;
  std::uint64_t capacity = 0;
  std::vector<cache::sim_result> results;
};

// Runs `names` over `trace` at `capacity`, one thread per policy.
run simulate_all(const std::vector<request>& trace, const std::vector<std::string>& names,
                 std::uint64_t capacity, double rate) {
  auto stats = cache::stats_of(trace);
  cache::policy_options po;
  po.capacity_bytes = capacity;
  double mean = double(stats.distinct_bytes) / double(std::max<std::uint64_t>(stats.distinct, 1));
  po.expected_entries = static_cast<std::uint64_t>(double(capacity) / std::max(mean, 1.0)) + 1;
  po.units_per_second = rate;
  std::vector<std::future<cache::sim_result>> jobs;
  for (auto& n : names)
    jobs.push_back(std::async(std::launch::async,
                              [&trace, n, po] { return cache::simulate_named(trace, n, po); }));
  run r;
  r.capacity = capacity;
  for (auto& j : jobs)
    r.results.push_back(j.get());
  return r;
}

nlohmann::json to_json(const run& r) {
  auto rows = nlohmann::json::array();
  for (auto& x : r.results)
    rows.push_back({{"policy", x.policy},
                    {"requests", x.requests},
                    {"hits", x.hits},
                    {"hit_rate", x.hit_rate()},
                    {"bytes_requested", x.bytes_requested},
                    {"bytes_hit", x.bytes_hit},
                    {"byte_hit_rate", x.byte_hit_rate()}});
  return {{"trace", r.trace},
          {"capacity", r.capacity},
          {"capacity_label", r.capacity_label},
          {"results", rows}};
}

void print(const run& r) {
  std::cout << r.trace << "  capacity " << r.capacity << " (" << r.capacity_label << ")\n";
  std::cout << "  " << std::left << std::setw(12) << "policy" << std::right << std::setw(10)
            << "hit %" << std::setw(12) << "byte hit %"
            << "\n";
  for (auto& x : r.results)
    std::cout << "  " << std::left << std::setw(12) << x.policy << std::right << std::fixed
              << std::setprecision(2) << std::setw(10) << 100 * x.hit_rate() << std::setw(12)
              << 100 * x.byte_hit_rate() << "\n";
}

std::vector<std::string> all_policies() {
  auto names = cache::policy_names();
  names.insert(names.begin(), "opt");
  return names;
}

}  // namespace

int cache_sim_cmd(const cache_sim_options& o) {
  if (o.trace.empty() == o.gen.empty()) {
    std::cerr << "dfsctl: cache sim: give exactly one of --trace FILE and --gen SPEC\n";
    return 2;
  }
  std::string error;
  auto trace = o.gen.empty() ? load_trace(o.trace, error) : cache::generate(o.gen, o.seed, error);
  if (!trace) {
    std::cerr << "dfsctl: cache sim: " << error << "\n";
    return 2;
  }
  if (o.mixed_sizes)
    cache::assign_mixed_sizes(*trace, o.seed);
  auto stats = cache::stats_of(*trace);
  // P% is of the distinct bytes, which with unit sizes is the distinct keys.
  std::uint64_t capacity = parse_capacity(o.capacity, stats.distinct_bytes);
  if (capacity == 0) {
    std::cerr << "dfsctl: cache sim: --capacity must be N, N{KiB,MiB,GiB} or P% (got '"
              << o.capacity << "')\n";
    return 2;
  }
  if (o.advise) {
    auto name = o.policies.empty() ? std::string("hybrid") : o.policies.front();
    if (!cache::make_policy(name, {1, 1, 1})) {
      std::cerr << "dfsctl: cache sim: --advise: unknown policy '" << name
                << "' (opt cannot run online)\n";
      return 2;
    }
    double mean = double(stats.distinct_bytes) / double(std::max<std::uint64_t>(stats.distinct, 1));
    cache::policy_options po{capacity, static_cast<std::uint64_t>(double(capacity) / mean) + 1,
                             o.rate};
    auto rows = cache::check_advice(*trace, name, po);
    if (rows.empty()) {
      std::cerr << "dfsctl: cache sim: --advise needs one policy other than opt\n";
      return 2;
    }
    auto out = nlohmann::json::array();
    if (!o.json)
      std::cout << name << ": predicted (sampled miniature caches) and actual hit %\n";
    for (auto& r : rows) {
      out.push_back({{"scale", r.scale}, {"predicted", r.predicted}, {"actual", r.actual}});
      if (!o.json)
        std::printf("  %5.2fx capacity  predicted %6.2f  actual %6.2f\n", r.scale,
                    100 * r.predicted, 100 * r.actual);
    }
    if (o.json)
      std::cout << nlohmann::json{{"policy", name}, {"advice", out}}.dump() << "\n";
    return 0;
  }
  auto names = o.policies.empty() ? all_policies() : o.policies;
  for (auto& n : names)
    if (n != "opt" && !cache::make_policy(n, {1, 1, 1})) {
      std::cerr << "dfsctl: cache sim: unknown policy '" << n << "'\n";
      return 2;
    }
  run r = simulate_all(*trace, names, capacity, o.rate);
  r.trace = o.gen.empty() ? o.trace : o.gen;
  r.capacity_label = o.capacity;
  if (o.json) {
    auto j = to_json(r);
    j["requests"] = stats.requests;
    j["distinct"] = stats.distinct;
    j["distinct_bytes"] = stats.distinct_bytes;
    std::cout << j.dump() << "\n";
  } else {
    std::cout << stats.requests << " requests, " << stats.distinct << " distinct keys, "
              << stats.distinct_bytes << " distinct bytes\n";
    print(r);
  }
  return 0;
}

int cache_suite_cmd(const std::string& trace_dir, bool mixed_sizes, bool quick, bool json) {
  auto names = all_policies();
  std::vector<run> runs;
  std::vector<cache::suite_run> judged;
  for (auto& entry : cache::standard_suite(quick, trace_dir)) {
    std::string error;
    auto trace =
      entry.file.empty() ? cache::generate(entry.gen, 42, error) : load_trace(entry.file, error);
    if (!trace) {
      std::cerr << "dfsctl: cache suite: " << error << "\n";
      return 2;
    }
    if (mixed_sizes)
      cache::assign_mixed_sizes(*trace, 42);
    auto stats = cache::stats_of(*trace);
    for (double pct : cache::suite_sizes()) {
      auto capacity = static_cast<std::uint64_t>(double(stats.distinct_bytes) * pct / 100);
      run r = simulate_all(*trace, names, capacity, 1000);
      r.trace = entry.label;
      std::ostringstream label;
      label << pct << "%";
      r.capacity_label = label.str();
      if (!json)
        print(r);
      judged.push_back({entry.label + " " + r.capacity_label, r.results});
      runs.push_back(std::move(r));
    }
  }
  auto goal = cache::check_goal(judged, mixed_sizes);
  if (json) {
    auto all = nlohmann::json::array();
    for (auto& r : runs)
      all.push_back(to_json(r));
    std::cout << nlohmann::json{{"runs", all},
                                {"byte_hit_rates", mixed_sizes},
                                {"mean",
                                 {{"hybrid", goal.mean_hybrid},
                                  {"w-tinylfu", goal.mean_w_tinylfu},
                                  {"s3-fifo", goal.mean_s3_fifo}}},
                                {"goal_met", goal.met},
                                {"short_of_goal", goal.short_of_goal}}
                   .dump()
              << "\n";
  } else {
    std::cout << std::fixed << std::setprecision(2) << "mean " << (mixed_sizes ? "byte " : "")
              << "hit %: hybrid " << goal.mean_hybrid << ", w-tinylfu " << goal.mean_w_tinylfu
              << ", s3-fifo " << goal.mean_s3_fifo << "\ngoal " << (goal.met ? "met" : "NOT met");
    for (auto& m : goal.short_of_goal)
      std::cout << "; short on " << m;
    std::cout << "\n";
  }
  return goal.met ? 0 : 7;
}

namespace {

nlohmann::json to_json(const cache_shard_stats& s) {
  auto lookups = s.hits + s.misses;
  auto bytes = s.bytes_hit + s.bytes_missed;
  return {{"node", s.node.value},
          {"shard", s.shard},
          {"policy", s.policy},
          {"hits", s.hits},
          {"misses", s.misses},
          {"hit_ratio", lookups ? double(s.hits) / double(lookups) : 0.0},
          {"bytes_hit", s.bytes_hit},
          {"bytes_missed", s.bytes_missed},
          {"byte_hit_ratio", bytes ? double(s.bytes_hit) / double(bytes) : 0.0},
          {"coalesced", s.coalesced},
          {"fills", s.fills},
          {"admissions_rejected", s.rejected},
          {"evictions", s.evictions},
          {"bytes", s.bytes},
          {"entries", s.entries},
          {"capacity", s.capacity}};
}

std::string percent(uint64_t part, uint64_t whole) {
  if (whole == 0)
    return "-";
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.1f%%", 100.0 * double(part) / double(whole));
  return buf;
}

}  // namespace

namespace {

// Every cache shard of every node (the node table's nodes when a metadata
// node answers, else the endpoints); false when no node answered.
bool collect_shards(const std::vector<host_port>& endpoints, std::vector<cache_shard_stats>& shards,
                    std::vector<std::string>& unreachable, const char* what) {
  auto c = client::create(client_options{{}, std::chrono::milliseconds{10000}, 1});
  std::vector<std::pair<std::string, host_port>> nodes;
  for (auto& [id, address] : c->known_nodes(endpoints))
    nodes.emplace_back(id, address);
  if (nodes.empty())
    for (auto& ep : endpoints)
      nodes.emplace_back(ep.to_string(), ep);
  for (auto& [id, address] : nodes) {
    auto s = c->cache_stats_of(address);
    if (!s) {
      unreachable.push_back(id + " (" + describe(s.error()) + ")");
      continue;
    }
    shards.insert(shards.end(), s->begin(), s->end());
  }
  if (unreachable.size() == nodes.size()) {
    std::cerr << "dfsctl: " << what << ": no node answered";
    for (auto& u : unreachable)
      std::cerr << "; " << u;
    std::cerr << "\n";
    return false;
  }
  return true;
}

}  // namespace

int cache_stats_cmd(const std::vector<host_port>& endpoints, bool json) {
  std::vector<cache_shard_stats> shards;
  std::vector<std::string> unreachable;
  if (!collect_shards(endpoints, shards, unreachable, "cache stats"))
    return 5;
  cache_shard_stats total;
  total.policy = shards.empty() ? "-" : shards.front().policy;
  for (auto& s : shards) {
    total.hits += s.hits, total.misses += s.misses;
    total.bytes_hit += s.bytes_hit, total.bytes_missed += s.bytes_missed;
    total.coalesced += s.coalesced, total.fills += s.fills, total.rejected += s.rejected;
    total.evictions += s.evictions, total.bytes += s.bytes, total.entries += s.entries;
    total.capacity += s.capacity;
  }
  if (json) {
    auto rows = nlohmann::json::array();
    for (auto& s : shards)
      rows.push_back(to_json(s));
    auto t = to_json(total);
    t.erase("node");
    t.erase("shard");
    std::cout << nlohmann::json{{"shards", rows}, {"total", t}, {"unreachable", unreachable}}.dump()
              << "\n";
    return 0;
  }
  std::printf("%-8s %5s %-8s %10s %10s %7s %8s %9s %9s %8s %8s %10s %10s\n", "NODE", "SHARD",
              "POLICY", "HITS", "MISSES", "HIT", "BYTE HIT", "COALESCED", "EVICTED", "REJECTED",
              "ENTRIES", "USED", "CAPACITY");
  auto row = [](const std::string& node, const std::string& shard, const cache_shard_stats& s) {
    std::printf(
      "%-8s %5s %-8s %10llu %10llu %7s %8s %9llu %9llu %8llu %8llu %10s %10s\n", node.c_str(),
      shard.c_str(), s.policy.c_str(), static_cast<unsigned long long>(s.hits),
      static_cast<unsigned long long>(s.misses), percent(s.hits, s.hits + s.misses).c_str(),
      percent(s.bytes_hit, s.bytes_hit + s.bytes_missed).c_str(),
      static_cast<unsigned long long>(s.coalesced), static_cast<unsigned long long>(s.evictions),
      static_cast<unsigned long long>(s.rejected), static_cast<unsigned long long>(s.entries),
      human_bytes(s.bytes).c_str(), human_bytes(s.capacity).c_str());
  };
  for (auto& s : shards)
    row(s.node.value, std::to_string(s.shard), s);
  row("total", "", total);
  for (auto& u : unreachable)
    std::printf("unreachable: %s\n", u.c_str());
  return 0;
}

int cache_advise_cmd(const std::vector<host_port>& endpoints, bool json) {
  std::vector<cache_shard_stats> shards;
  std::vector<std::string> unreachable;
  if (!collect_shards(endpoints, shards, unreachable, "cache advise"))
    return 5;
  // Each scale's estimate summed over the shards, with the same
  // correction as advisor::estimate::hit_rate.
  uint64_t capacity = 0, requests = 0, hits = 0, lookups = 0;
  double expected = 0;
  std::vector<double> advice_hits(cache::advisor::scales.size(), 0);
  for (auto& s : shards) {
    capacity += s.capacity;
    requests += s.advice_requests;
    expected += s.advice_expected;
    hits += s.hits;
    lookups += s.hits + s.misses;
    for (size_t i = 0; i < advice_hits.size() && i < s.advice_hits.size(); ++i)
      advice_hits[i] += double(s.advice_hits[i]) + s.advice_expected - double(s.advice_requests);
  }
  auto predicted = [&](size_t i) {
    return expected > 0 ? std::clamp(advice_hits[i] / expected, 0.0, 1.0) : 0.0;
  };
  auto rows = nlohmann::json::array();
  for (size_t i = 0; i < advice_hits.size(); ++i) {
    double scale = cache::advisor::scales[i];
    rows.push_back({{"scale", scale},
                    {"capacity", static_cast<uint64_t>(double(capacity) * scale)},
                    {"predicted_hit_ratio", predicted(i)}});
  }
  if (json) {
    std::cout << nlohmann::json{{"capacity", capacity},
                                {"hit_ratio", lookups ? double(hits) / double(lookups) : 0.0},
                                {"sampled_requests", requests},
                                {"advice", rows},
                                {"unreachable", unreachable}}
                   .dump()
              << "\n";
    return 0;
  }
  std::printf("cache of %s in %zu shards: %s of %llu lookups hit; %llu lookups sampled\n",
              human_bytes(capacity).c_str(), shards.size(), percent(hits, lookups).c_str(),
              static_cast<unsigned long long>(lookups), static_cast<unsigned long long>(requests));
  std::printf("%-8s %12s %14s\n", "SCALE", "CAPACITY", "PREDICTED HIT");
  for (size_t i = 0; i < advice_hits.size(); ++i) {
    double scale = cache::advisor::scales[i];
    char label[16];
    std::snprintf(label, sizeof label, "%.2fx", scale);
    std::printf("%-8s %12s %14s\n", label,
                human_bytes(static_cast<uint64_t>(double(capacity) * scale)).c_str(),
                expected > 0 ? percent(uint64_t(predicted(i) * 1e6), 1000000).c_str() : "-");
  }
  for (auto& u : unreachable)
    std::printf("unreachable: %s\n", u.c_str());
  return 0;
}

}  // namespace dfs::ctl
