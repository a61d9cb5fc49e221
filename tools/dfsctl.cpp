// dfsctl: the dfs command tool. Parses arguments and calls the client
// library; no protocol logic lives here.
//
// Exit codes: 0 ok, 1 internal, 2 invalid argument or path, 3 not found,
// 4 conflicts with existing state, 5 unavailable or timed out, 6 data or disk error.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include "actors/client/client.hpp"
#include "actors/meta/path.hpp"
#include "runtime/memory.hpp"
#include "tools/bench_cmd.hpp"
#include "tools/cache_cmds.hpp"
#include "tools/cluster.hpp"
#include "tools/health_cmds.hpp"
#include "tools/output.hpp"
#include "tools/raft_cmds.hpp"
#include "tools/repair_cmds.hpp"

namespace {

using namespace dfs;
using namespace dfs::ctl;

struct globals {
  std::string cluster;
  bool json = false;
  bool verbose = false;  // -v: the trace id of the command's requests on stderr
  std::string timeout = "30s";
  std::string dir = "./var";  // where `cluster up` keeps its state
};

// Endpoints: --cluster, else DFS_CLUSTER, else the local cluster's file.
std::vector<host_port> resolve_endpoints(const globals& g, std::string& why) {
  std::string list = g.cluster;
  if (list.empty())
    if (auto env = std::getenv("DFS_CLUSTER"))
      list = env;
  std::vector<host_port> out;
  if (list.empty()) {
    for (auto& n : read_cluster(g.dir))
      out.push_back(n.listen);
    if (out.empty())
      why =
        "no cluster given: pass --cluster HOST:PORT, set DFS_CLUSTER, or start one with "
        "'dfsctl cluster up'";
    return out;
  }
  std::stringstream in{list};
  for (std::string item; std::getline(in, item, ',');) {
    auto hp = parse_host_port(item, &why);
    if (!hp)
      return {};
    out.push_back(*hp);
  }
  return out;
}

// Connects, or prints why not and sets `rc`.
std::unique_ptr<client> open_client(const globals& g, int& rc) {
  std::string why;
  auto endpoints = resolve_endpoints(g, why);
  if (endpoints.empty()) {
    std::cerr << "dfsctl: " << why << "\n";
    rc = 2;
    return nullptr;
  }
  auto timeout = parse_duration(g.timeout);
  if (!timeout) {
    std::cerr << "dfsctl: --timeout: expected a duration such as 30s, got '" << g.timeout << "'\n";
    rc = 2;
    return nullptr;
  }
  client_options opts;
  opts.endpoints = endpoints;
  opts.timeout = *timeout;
  auto c = client::connect(std::move(opts));
  if (!c) {
    rc = report("connect", c.error());
    return nullptr;
  }
  return std::move(*c);
}

// With -v, tells on stderr (when the command ends) the trace id its
// requests carried: every node logs it with each step of the request
// (log_level = "debug" logs every hop), so `grep trace=ID` follows it.
struct trace_note {
  const globals& g;
  client& c;
  ~trace_note() {
    if (g.verbose && c.last_trace() != 0)
      std::cerr << "dfsctl: trace=" << c.last_trace() << "\n";
  }
};

void print_entry_long(const file_info& e) {
  bool dir = e.kind == entry_kind::directory;
  std::printf("%c %10s  v%-4llu %s  %s%s\n", dir ? 'd' : '-',
              dir ? "-" : human_bytes(e.size).c_str(), static_cast<unsigned long long>(e.version),
              human_time(e.mtime_ms).c_str(), e.path.c_str(), dir ? "/" : "");
}

int cmd_put(const globals& g, const std::string& local, const std::string& remote,
            uint32_t replicas) {
  int rc = 0;
  std::ifstream file;
  std::istream* in = &std::cin;
  uint64_t size = 0;
  if (local != "-") {
    struct stat st;
    if (::stat(local.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
      std::cerr << "dfsctl: put: " << local << ": not a readable regular file\n";
      return 2;
    }
    size = static_cast<uint64_t>(st.st_size);
    file.open(local, std::ios::binary);
    if (!file) {
      std::cerr << "dfsctl: put: cannot open " << local << "\n";
      return 2;
    }
    in = &file;
  }
  auto c = open_client(g, rc);
  if (!c)
    return rc;
  trace_note note{g, *c};
  auto start = std::chrono::steady_clock::now();
  progress_bar bar{"put " + remote};
  auto info =
    c->put(*in, remote, replicas, size, [&](uint64_t d, uint64_t t) { bar.update(d, t); });
  if (!info)
    return report("put " + remote, info.error());
  std::chrono::duration<double> secs = std::chrono::steady_clock::now() - start;
  if (g.json) {
    std::cout << to_json(*info).dump() << "\n";
  } else {
    std::cout << local << " -> " << info->path << ": " << human_bytes(info->size) << " in "
              << info->chunks.size() << " chunk" << (info->chunks.size() == 1 ? "" : "s")
              << ", version " << info->version;
    // A rate says something only for transfers that took a while.
    if (secs.count() >= 0.1)
      std::cout << " ("
                << human_bytes(
                     static_cast<uint64_t>(static_cast<double>(info->size) / secs.count()))
                << "/s)";
    std::cout << "\n";
  }
  return 0;
}

int cmd_get(const globals& g, const std::string& remote, std::string local) {
  int rc = 0;
  auto c = open_client(g, rc);
  if (!c)
    return rc;
  trace_note note{g, *c};
  if (local.empty()) {
    auto p = normalize_path(remote);
    local = p.ok() && p.path != "/" ? base_name(p.path) : "";
    if (local.empty()) {
      std::cerr << "dfsctl: get: give a local file name for " << remote << "\n";
      return 2;
    }
  }
  progress_bar bar{"get " + remote};
  auto on_progress = [&](uint64_t d, uint64_t t) { bar.update(d, t); };
  caf::expected<file_info> info{caf::error{}};
  if (local == "-") {
    info = c->get(remote, std::cout, on_progress);
  } else {
    // Write beside the target and rename at the end: a failed get leaves
    // no partial file behind.
    auto partial = local + ".dfs-partial";
    {
      std::ofstream out{partial, std::ios::binary | std::ios::trunc};
      if (!out) {
        std::cerr << "dfsctl: get: cannot write " << partial << "\n";
        return 2;
      }
      info = c->get(remote, out, on_progress);
      out.close();
      if (info && !out)
        info = make_error(errc::io_error, "writing " + partial + " failed");
    }
    if (!info || std::rename(partial.c_str(), local.c_str()) != 0) {
      std::remove(partial.c_str());
      if (info)
        info = make_error(errc::io_error, "cannot rename " + partial + " to " + local);
    }
  }
  if (!info)
    return report("get " + remote, info.error());
  if (g.json && local != "-")
    std::cout << to_json(*info).dump() << "\n";
  else if (local != "-")
    std::cout << info->path << " -> " << local << ": " << human_bytes(info->size) << "\n";
  return 0;
}

int cmd_ls(const globals& g, const std::string& path, bool long_format) {
  int rc = 0;
  auto c = open_client(g, rc);
  if (!c)
    return rc;
  trace_note note{g, *c};
  auto entries = c->list(path);
  if (!entries)
    return report("ls " + path, entries.error());
  if (g.json) {
    auto arr = nlohmann::json::array();
    for (auto& e : *entries)
      arr.push_back(to_json(e));
    std::cout << arr.dump() << "\n";
    return 0;
  }
  for (auto& e : *entries) {
    if (long_format)
      print_entry_long(e);
    else
      std::cout << base_name(e.path) << (e.kind == entry_kind::directory ? "/" : "") << "\n";
  }
  return 0;
}

int cmd_stat(const globals& g, const std::string& path) {
  int rc = 0;
  auto c = open_client(g, rc);
  if (!c)
    return rc;
  trace_note note{g, *c};
  auto info = c->stat(path);
  if (!info)
    return report("stat " + path, info.error());
  if (g.json) {
    std::cout << to_json(*info).dump() << "\n";
    return 0;
  }
  bool dir = info->kind == entry_kind::directory;
  std::cout << "path:        " << info->path << "\n"
            << "type:        " << (dir ? "directory" : "file") << "\n";
  if (!dir)
    std::cout << "size:        " << info->size << " bytes (" << human_bytes(info->size) << ")\n"
              << "version:     " << info->version << "\n"
              << "replication: " << info->replication << "\n"
              << "chunks:      " << info->chunks.size() << "\n";
  std::cout << "modified:    " << human_time(info->mtime_ms) << " UTC\n";
  return 0;
}

// Runs a command whose success prints nothing (or a small JSON object).
template <class F>
int simple(const globals& g, const std::string& what, F f) {
  int rc = 0;
  auto c = open_client(g, rc);
  if (!c)
    return rc;
  trace_note note{g, *c};
  if (auto err = f(*c))
    return report(what, err);
  if (g.json)
    std::cout << nlohmann::json{{"ok", true}}.dump() << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // The load generator is as busy with small messages as a node.
  for (int i = 1; i < argc; ++i)
    if (std::string{argv[i]} == "bench") {
      dfs::larger_thread_caches(argv);
      break;
    }
  CLI::App app{"dfsctl: the dfs command tool"};
  app.require_subcommand(1);
  app.fallthrough();  // global options (--json, --cluster, ...) also after the subcommand
  globals g;
  app.add_option("--cluster", g.cluster, "HOST:PORT[,HOST:PORT...] of nodes (or DFS_CLUSTER)");
  app.add_flag("--json", g.json, "machine-readable output");
  app.add_flag("-v,--verbose", g.verbose,
               "print the trace id of the command's requests (to follow them in the nodes' logs)");
  app.add_option("--dir", g.dir, "the local cluster's directory (default ./var)");
  app.add_option("--timeout", g.timeout, "deadline of each request (default 30s)");
  int rc = 0;

  std::string local, remote, path, src, dst;
  uint32_t replicas = 0;
  bool flag = false;

  auto put = app.add_subcommand("put", "store a local file (or - for stdin) at REMOTE");
  put->add_option("LOCAL", local)->required();
  put->add_option("REMOTE", remote)->required();
  put->add_option("--replicas", replicas, "replicas per chunk (default: the cluster's)");
  put->callback([&] { rc = cmd_put(g, local, remote, replicas); });

  auto get = app.add_subcommand("get", "fetch REMOTE into LOCAL (default: its name; - for stdout)");
  get->add_option("REMOTE", remote)->required();
  get->add_option("LOCAL", local);
  get->callback([&] { rc = cmd_get(g, remote, local); });

  auto ls = app.add_subcommand("ls", "list a directory");
  ls->add_option("PATH", path)->default_val("/");
  ls->add_flag("-l", flag, "long format");
  ls->callback([&] { rc = cmd_ls(g, path, flag); });

  auto stat = app.add_subcommand("stat", "show a file's or directory's record");
  stat->add_option("PATH", path)->required();
  stat->callback([&] { rc = cmd_stat(g, path); });

  auto rm = app.add_subcommand("rm", "remove a file or an empty directory");
  rm->add_option("PATH", path)->required();
  rm->add_flag("-r", flag, "remove a directory and everything in it");
  rm->callback(
    [&] { rc = simple(g, "rm " + path, [&](client& c) { return c.remove(path, flag); }); });

  auto mkdir = app.add_subcommand("mkdir", "create a directory");
  mkdir->add_option("PATH", path)->required();
  mkdir->add_flag("-p", flag, "create missing parents; an existing directory is fine");
  mkdir->callback([&] {
    rc = simple(g, "mkdir " + path, [&](client& c) {
      auto r = c.mkdir(path, flag);
      return r ? caf::error{} : r.error();
    });
  });

  auto mv = app.add_subcommand("mv", "rename or move; into DST if DST is a directory");
  mv->add_option("SRC", src)->required();
  mv->add_option("DST", dst)->required();
  mv->callback([&] {
    rc = simple(g, "mv " + src, [&](client& c) {
      auto r = c.move(src, dst);
      return r ? caf::error{} : r.error();
    });
  });

  auto cluster = app.add_subcommand("cluster", "run a local cluster");
  cluster->require_subcommand(1);
  int nodes = 3, base_port = 7100;
  auto up = cluster->add_subcommand("up", "start local dfsd processes in the background");
  up->add_option("--nodes", nodes, "number of nodes, each a Raft voter (default 3)");
  up->add_option("--dir", g.dir, "state and data directory (default ./var)");
  up->add_option("--base-port", base_port, "first node's port (default 7100; metrics at +1000)");
  std::vector<std::string> settings;
  up->add_option("--set", settings,
                 "KEY=VALUE for every new node's config, e.g. --set dead_after=5s (repeatable)");
  up->callback([&] { rc = cluster_up(nodes, g.dir, base_port, g.json, settings); });
  auto down = cluster->add_subcommand(
    "down", "stop the local cluster (configs and data kept: cluster up starts it again)");
  down->add_option("--dir", g.dir, "state and data directory (default ./var)");
  down->callback([&] { rc = cluster_down(g.dir, g.json); });
  auto status = cluster->add_subcommand("status", "show every node's state");
  status->add_option("--dir", g.dir, "state and data directory (default ./var)");
  status->callback([&] {
    std::string why;
    auto endpoints = resolve_endpoints(g, why);
    if (endpoints.empty()) {
      std::cerr << "dfsctl: cluster status: " << why << "\n";
      rc = 2;
      return;
    }
    rc = cluster_status(endpoints, g.json);
  });

  auto raft = app.add_subcommand("raft", "the Raft group of the metadata");
  raft->require_subcommand(1);
  auto with_endpoints = [&](const char* what, auto f) {
    return [&, what, f] {
      std::string why;
      auto endpoints = resolve_endpoints(g, why);
      if (endpoints.empty()) {
        std::cerr << "dfsctl: " << what << ": " << why << "\n";
        rc = 2;
        return;
      }
      rc = f(endpoints);
    };
  };
  auto rstatus = raft->add_subcommand("status", "role, term, leader and indexes of every member");
  rstatus->add_option("--dir", g.dir, "state and data directory (default ./var)");
  rstatus->callback(with_endpoints("raft status", [&](const std::vector<host_port>& eps) {
    return raft_status_cmd(eps, g.json);
  }));
  std::string target;
  auto node = app.add_subcommand("node", "nodes of the cluster");
  node->require_subcommand(1);
  std::string node_name, node_address;
  auto add = node->add_subcommand(
    "add", "add the node at HOST:PORT (started with join = true) to the Raft group");
  add->add_option("ID", node_name)->required();
  add->add_option("ADDRESS", node_address, "HOST:PORT of its node agent")->required();
  add->callback(with_endpoints("node add", [&](const std::vector<host_port>& eps) {
    return node_add_cmd(eps, node_name, node_address, g.json, std::chrono::seconds{60});
  }));
  auto remove = node->add_subcommand("remove", "take node ID out of the Raft group");
  remove->add_option("ID", node_name)->required();
  remove->callback(with_endpoints("node remove", [&](const std::vector<host_port>& eps) {
    return node_remove_cmd(eps, node_name, g.json, std::chrono::seconds{60});
  }));

  auto list = node->add_subcommand("list", "storage nodes: state, chunks, bytes used and free");
  list->callback(with_endpoints(
    "node list", [&](const std::vector<host_port>& eps) { return node_list_cmd(eps, g.json); }));
  std::string drain_wait = "10m";
  auto drain = node->add_subcommand(
    "drain", "move every chunk off node ID (then it can be removed with no loss)");
  drain->add_option("ID", node_name)->required();
  drain->add_option("--wait", drain_wait, "how long to wait for the drain to finish (default 10m)");
  drain->callback(with_endpoints("node drain", [&](const std::vector<host_port>& eps) {
    auto wait = parse_duration(drain_wait);
    if (!wait) {
      std::cerr << "dfsctl: node drain: --wait: expected a duration such as 10m\n";
      return 2;
    }
    return node_drain_cmd(eps, node_name, g.json, *wait);
  }));
  std::string slow_delay;
  auto slow = node->add_subcommand(
    "slow",
    "fault injection: make every chunk store and fetch of node ID take DELAY longer (0 ends it)");
  slow->add_option("ID", node_name)->required();
  slow->add_option("DELAY", slow_delay, "e.g. 20ms, 1s; 0 for normal again")->required();
  slow->callback(with_endpoints("node slow", [&](const std::vector<host_port>& eps) {
    auto delay = slow_delay == "0"
                   ? std::optional<std::chrono::milliseconds>{std::chrono::milliseconds{0}}
                   : parse_duration(slow_delay);
    if (!delay) {
      std::cerr << "dfsctl: node slow: DELAY: expected a duration such as 20ms\n";
      return 2;
    }
    return node_slow(eps, node_name, *delay, g.json);
  }));
  auto activate = node->add_subcommand(
    "activate", "mark node ID active again (ends a drain, or revives a node marked dead)");
  activate->add_option("ID", node_name)->required();
  activate->callback(with_endpoints("node activate", [&](const std::vector<host_port>& eps) {
    return node_activate_cmd(eps, node_name, g.json);
  }));

  ctl::bench_args bench;
  auto bcmd = app.add_subcommand(
    "bench", "drive the cluster with many concurrent users; throughput and latency percentiles");
  bcmd->add_option("--requests", bench.requests, "stop after N requests (e.g. 1e6)");
  bcmd->add_option("--duration", bench.duration, "stop after this long (e.g. 30s, 30m)");
  bcmd->add_option("--concurrency", bench.load.concurrency, "concurrent users (default 16)");
  bcmd->add_option("--files", bench.load.files, "files read and written (default 1000)");
  bcmd->add_option("--size", bench.size,
                   "bytes per file, up to 4MiB: 4KiB, a range 1KiB..1MiB (log-uniform) or a mix "
                   "4KiB:80,64KiB:15,1MiB:5 (default 4KiB)");
  bcmd->add_option("--think", bench.think,
                   "each user's mean pause between requests, exponential (e.g. 50ms; closed loop)");
  bcmd->add_option("--read-ratio", bench.load.read_ratio, "share of gets, 0..1 (default 0.9)");
  bcmd->add_option("--dist", bench.load.dist,
                   "uniform, pareto, zipf:ALPHA, hotcold:H/C or shift:EVERY (default zipf:0.9)");
  bcmd->add_option("--seed", bench.load.seed, "seed of the access sequence (default 42)");
  bcmd->add_option("--prefix", bench.load.prefix, "directory of the files (default /bench)");
  bcmd->add_option("--rate", bench.rate,
                   "fixed rate in requests/s, latency from each request's due time "
                   "(default: closed loop)");
  bcmd->add_option("--report-every", bench.report_every,
                   "print each interval's figures (e.g. 10s)");
  bcmd->add_option("--replicas", bench.load.replication,
                   "replicas of the files written (default: cluster's)");
  bcmd->add_flag("!--no-setup", bench.load.setup, "do not create missing files first");
  bcmd->add_flag("--given-only", bench.given_only,
                 "drive only the nodes given, not every node of their cluster");
  bcmd->add_flag("!--no-path-routing", bench.load.route_by_path,
                 "send each request to the user's own gateway, not the one that caches its path");
  bcmd->add_option("--retries", bench.load.backoff.max_attempts,
                   "retries of a request refused or unanswered, with backoff (default 8; 0: none)");
  bcmd->callback(with_endpoints("bench", [&](const std::vector<host_port>& eps) {
    return ctl::bench_cmd(eps, bench, g.json);
  }));

  auto fsck = app.add_subcommand(
    "fsck", "check the stored data: exit 0 only when every chunk has all its copies");
  fsck->callback(with_endpoints(
    "fsck", [&](const std::vector<host_port>& eps) { return fsck_cmd(eps, g.json); }));

  auto cache = app.add_subcommand("cache", "the chunk cache and its replacement policies");
  cache->require_subcommand(1);
  ctl::cache_sim_options sim;
  std::string policies;
  auto csim = cache->add_subcommand(
    "sim", "replay a trace through the cache policies; hit rates beside Belady's OPT");
  csim->add_option("--trace", sim.trace, "a .lis (ARC) or KEY [BYTES]-per-line file; .xz is read");
  csim->add_option("--gen", sim.gen, "a generator: zipf:A, hotcold:80/20, shift:N, loop:N[:...]");
  csim->add_option("--seed", sim.seed, "seed of the generator and of mixed sizes (default 42)");
  csim->add_option("--capacity", sim.capacity, "N (entries), N{KiB,MiB,GiB} or P% of distinct")
    ->required();
  csim->add_option("--policy", policies, "P[,P...]: opt and the policies (default all)");
  csim->add_flag("--mixed-sizes", sim.mixed_sizes, "sizes 1 KiB..1 MiB per key (byte hit rate)");
  csim->add_flag("--advise", sim.advise,
                 "the capacity advisor's predictions at 0.25x..4x beside full simulations");
  csim->add_option("--rate", sim.rate, "requests/s that seed-hybrid's clock sees (default 1000)");
  csim->callback([&] {
    sim.json = g.json;
    std::stringstream list(policies);
    for (std::string p; std::getline(list, p, ',');)
      if (!p.empty())
        sim.policies.push_back(p);
    rc = ctl::cache_sim_cmd(sim);
  });
  std::string trace_dir;
  bool quick = false;
  auto suite = cache->add_subcommand(
    "suite",
    "the policy suite: every policy on every trace at 1% and 10%; exit 0 if hybrid "
    "meets its goal");
  suite->add_option("--traces", trace_dir, "directory with arc-OLTP.lis.xz and arc-P3.lis.xz");
  suite->add_flag("--mixed-sizes", sim.mixed_sizes, "byte hit rates with sizes 1 KiB..1 MiB");
  suite->add_flag("--quick", quick, "10x smaller synthetic traces, no real ones");
  suite->callback([&] { rc = ctl::cache_suite_cmd(trace_dir, sim.mixed_sizes, quick, g.json); });

  auto cstats = cache->add_subcommand(
    "stats", "every cache shard: hits, misses, hit ratios, evictions, bytes and entries");
  cstats->add_option("--dir", g.dir, "state and data directory (default ./var)");
  cstats->callback(with_endpoints("cache stats", [&](const std::vector<host_port>& eps) {
    return ctl::cache_stats_cmd(eps, g.json);
  }));

  auto cadvise = cache->add_subcommand(
    "advise", "the hit rate the cache would have at 0.25x, 0.5x, 1x, 2x and 4x its capacity");
  cadvise->add_option("--dir", g.dir, "state and data directory (default ./var)");
  cadvise->callback(with_endpoints("cache advise", [&](const std::vector<host_port>& eps) {
    return ctl::cache_advise_cmd(eps, g.json);
  }));

  auto transfer = raft->add_subcommand("transfer-leader", "hand leadership to NODE");
  transfer->add_option("NODE", target)->required();
  transfer->add_option("--dir", g.dir, "state and data directory (default ./var)");
  transfer->callback(with_endpoints("raft transfer-leader", [&](const std::vector<host_port>& eps) {
    return raft_transfer_cmd(eps, target, g.json, std::chrono::seconds{5});
  }));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    auto code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  return rc;
}
