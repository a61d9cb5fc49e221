#include "tools/bench_cmd.hpp"

#include <cstdio>
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "actors/client/client.hpp"
#include "runtime/process_stats.hpp"
#include "tools/discovery.hpp"
#include "tools/output.hpp"

namespace dfs::ctl {

namespace {

std::string machine() {
  std::ifstream in{"/proc/cpuinfo"};
  std::string line, model = "unknown CPU";
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0) {
      model = line.substr(line.find(':') + 2);
      break;
    }
  return model + ", " + std::to_string(cpu_count()) + " CPUs";
}

double ms(uint64_t us) {
  return static_cast<double>(us) / 1000.0;
}

nlohmann::json quantiles_json(const latency_histogram& h) {
  return {{"p50", ms(h.quantile(0.5))},  {"p95", ms(h.quantile(0.95))},
          {"p99", ms(h.quantile(0.99))}, {"p999", ms(h.quantile(0.999))},
          {"max", ms(h.max())},          {"mean", h.mean() / 1000.0}};
}

nlohmann::json figures_json(const load_figures& f) {
  return {{"requests", f.requests},
          {"ok", f.ok},
          {"reads", f.reads},
          {"writes", f.writes},
          {"errors", f.errors},
          {"failed_latency_ms",
           {{"p50", ms(f.failed_us.quantile(0.5))},
            {"p99", ms(f.failed_us.quantile(0.99))},
            {"max", ms(f.failed_us.max())}}},
          {"seconds", f.seconds},
          {"throughput", f.throughput()},
          {"latency_ms", quantiles_json(f.latency_us)},
          {"read_latency_ms", quantiles_json(f.read_us)},
          {"write_latency_ms", quantiles_json(f.write_us)}};
}

void print_figures(const load_figures& f) {
  std::printf("requests %llu in %.1f s: %.0f req/s; ok %llu", (unsigned long long)f.requests,
              f.seconds, f.throughput(), (unsigned long long)f.ok);
  if (f.errors.empty())
    std::printf("; errors none\n");
  else {
    std::printf("; errors");
    for (auto& [kind, n] : f.errors)
      std::printf(" %s=%llu", kind.c_str(), (unsigned long long)n);
    std::printf(" (answered in p50 %.2f ms, max %.2f ms)\n", ms(f.failed_us.quantile(0.5)),
                ms(f.failed_us.max()));
  }
  auto line = [](const char* what, const latency_histogram& h) {
    std::printf("%s ms: p50 %.2f  p95 %.2f  p99 %.2f  p99.9 %.2f  max %.2f  mean %.2f\n", what,
                ms(h.quantile(0.5)), ms(h.quantile(0.95)), ms(h.quantile(0.99)),
                ms(h.quantile(0.999)), ms(h.max()), h.mean() / 1000.0);
  };
  line("latency", f.latency_us);
  if (f.reads > 0 && f.writes > 0) {
    line("  gets", f.read_us);
    line("  puts", f.write_us);
  }
}

}  // namespace

int bench_cmd(const std::vector<host_port>& given, bench_args args, bool json) {
  auto& o = args.load;
  auto bad = [](const std::string& why) {
    std::cerr << "dfsctl: bench: " << why << "\n";
    return 2;
  };
  if (!args.requests.empty()) {
    char* end = nullptr;
    double n = std::strtod(args.requests.c_str(), &end);
    if (*end != '\0' || !(n >= 1 && n <= 1e10))
      return bad("--requests: expected a count such as 100000 or 1e6");
    o.requests = static_cast<uint64_t>(n);
  }
  if (!args.duration.empty()) {
    auto d = parse_duration(args.duration);
    if (!d)
      return bad("--duration: expected a duration such as 30s or 5m");
    o.duration = *d;
  }
  std::string why;
  if (auto s = size_distribution::parse(args.size, why))
    o.size = *s;
  else
    return bad("--size: " + why + " (forms: 4KiB, 1KiB..1MiB, 4KiB:80,1MiB:20)");
  if (!args.think.empty()) {
    auto d = parse_duration(args.think);
    if (!d)
      return bad("--think: expected a duration such as 100ms");
    o.think = *d;
  }
  if (!args.rate.empty()) {
    char* end = nullptr;
    o.rate = std::strtod(args.rate.c_str(), &end);
    if (*end != '\0' || !(o.rate > 0))
      return bad("--rate: expected requests per second, e.g. 5000");
  }
  if (!args.report_every.empty()) {
    auto d = parse_duration(args.report_every);
    if (!d)
      return bad("--report-every: expected a duration such as 10s");
    o.report_every = *d;
  }
  auto c = client::create(client_options{{}, o.timeout, 1});
  // Users spread over every node of the cluster, found through the nodes
  // given (their peers and the node table), unless told otherwise.
  auto endpoints = given;
  if (!args.given_only)
    for (auto& [id, address] : discover(*c, given, given, {}).beyond)
      endpoints.push_back(address);
  if (!json)
    std::printf(
      "dfs bench: %zu endpoint(s), %u users, %llu files of %s, %s, %.0f%% reads, seed %llu%s\n"
      "machine: %s\n",
      endpoints.size(), o.concurrency, (unsigned long long)o.files, o.size.to_string().c_str(),
      o.dist.c_str(), o.read_ratio * 100, (unsigned long long)o.seed,
      o.rate > 0 ? (", fixed rate " + std::to_string(static_cast<long long>(o.rate)) + "/s").c_str()
                 : ", closed loop",
      machine().c_str());
  std::fflush(stdout);
  auto interval = [&](const load_figures& f) {
    if (json) {
      std::cout << nlohmann::json{{"interval", figures_json(f)}}.dump() << "\n";
    } else {
      std::printf("[interval] ");
      print_figures(f);
    }
    std::fflush(stdout);
  };
  auto report = run_load(*c, endpoints, o, interval);
  if (!report) {
    std::cerr << "dfsctl: bench: " << describe(report.error()) << "\n";
    return exit_code(to_errc(report.error()));
  }
  uint64_t reads = 0;
  for (auto& [node, n] : report->reads_by_node)
    reads += n;
  if (json) {
    nlohmann::json shares = nlohmann::json::object();
    for (auto& [node, n] : report->reads_by_node)
      shares[node] = reads ? static_cast<double>(n) / static_cast<double>(reads) : 0.0;
    std::cout << nlohmann::json{{"machine", machine()},
                                {"endpoints", report->gateways},
                                {"options",
                                 {{"requests", o.requests},
                                  {"duration_ms", o.duration.count()},
                                  {"concurrency", o.concurrency},
                                  {"files", o.files},
                                  {"size", o.size.to_string()},
                                  {"think_ms", o.think.count()},
                                  {"read_ratio", o.read_ratio},
                                  {"dist", o.dist},
                                  {"seed", o.seed},
                                  {"rate", o.rate},
                                  {"route_by_path", o.route_by_path}}},
                                {"setup_files", report->setup_files},
                                {"total", figures_json(report->total)},
                                {"reads_by_node", report->reads_by_node},
                                {"read_share", shares},
                                {"cache_hit_ratio", report->cache_hit_ratio},
                                {"cache_served_ratio", report->cache_served_ratio},
                                {"simulated_hit_ratio", report->simulated_hit_ratio}}
                   .dump()
              << "\n";
  } else {
    if (report->setup_files > 0)
      std::printf("set-up: wrote %llu files\n", (unsigned long long)report->setup_files);
    print_figures(report->total);
    if (reads > 0) {
      std::printf("chunk reads by storage node:");
      for (auto& [node, n] : report->reads_by_node)
        std::printf("  %s %.1f%%", node.c_str(),
                    100.0 * static_cast<double>(n) / static_cast<double>(reads));
      std::printf("\n");
    }
    if (report->cache_hit_ratio >= 0) {
      std::printf(
        "cache hit ratio: %.2f%%; with the misses served by another reader's load "
        "%.2f%%\n",
        report->cache_hit_ratio * 100, report->cache_served_ratio * 100);
      if (report->simulated_hit_ratio >= 0)
        std::printf("the simulator, same trace and shards: %.2f%% (%+.2f points)\n",
                    report->simulated_hit_ratio * 100,
                    (report->cache_served_ratio - report->simulated_hit_ratio) * 100);
    }
  }
  return report->total.errors.empty() ? 0 : 1;
}

}  // namespace dfs::ctl
