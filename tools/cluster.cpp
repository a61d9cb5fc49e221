#include "tools/cluster.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "actors/client/client.hpp"
#include "tools/output.hpp"
#include "tools/raft_cmds.hpp"

namespace dfs::ctl {

namespace {

using namespace std::chrono_literals;

// True while the process runs and is a dfsd. A zombie (exited, not yet
// reaped by its parent, which for a daemon may be an init that never reaps)
// counts as gone, and so does a pid since reused by another program.
bool alive(int pid) {
  if (pid <= 0 || (::kill(pid, 0) != 0 && errno != EPERM))
    return false;
  std::ifstream stat{"/proc/" + std::to_string(pid) + "/stat"};
  std::string line;
  if (std::getline(stat, line)) {
    auto close = line.rfind(')');
    if (close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z')
      return false;
  }
  std::ifstream cmdline{"/proc/" + std::to_string(pid) + "/cmdline"};
  std::string argv0;
  std::getline(cmdline, argv0, '\0');
  return argv0.size() >= 4 && argv0.compare(argv0.size() - 4, 4, "dfsd") == 0;
}

std::string absolute(const std::string& path) {
  std::error_code ec;
  auto abs = std::filesystem::absolute(path, ec);
  return ec ? path : abs.lexically_normal().string();
}

std::string dfsd_binary() {
  if (auto env = std::getenv("DFSD"))
    return env;
  char buf[PATH_MAX];
  auto n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0)
    return "dfsd";
  std::string self{buf, static_cast<size_t>(n)};
  return self.substr(0, self.rfind('/') + 1) + "dfsd";
}

std::string tail_of(const std::string& path, size_t lines) {
  std::ifstream in{path};
  std::vector<std::string> all;
  for (std::string line; std::getline(in, line);)
    all.push_back(line);
  std::string out;
  for (size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i)
    out += "    " + all[i] + "\n";
  return out;
}

// Starts one dfsd in its own session, output to `log`; returns its pid.
int spawn_daemon(const std::string& binary, const std::string& config, const std::string& log) {
  auto pid = ::fork();
  if (pid != 0)
    return static_cast<int>(pid);
  ::setsid();
  int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  int null = ::open("/dev/null", O_RDONLY);
  if (fd >= 0) {
    ::dup2(fd, STDOUT_FILENO);
    ::dup2(fd, STDERR_FILENO);
  }
  if (null >= 0)
    ::dup2(null, STDIN_FILENO);
  ::execl(binary.c_str(), binary.c_str(), "--config", config.c_str(), static_cast<char*>(nullptr));
  std::perror(("exec " + binary).c_str());
  ::_exit(127);
}

bool write_cluster(const std::string& dir, const std::vector<cluster_node>& nodes) {
  auto tmp = cluster_file(dir) + ".tmp";
  {
    std::ofstream out{tmp};
    out << "# node_id listen metrics pid  (written by dfsctl cluster up)\n";
    for (auto& n : nodes)
      out << n.id << " " << n.listen.to_string() << " " << n.metrics.to_string() << " " << n.pid
          << "\n";
    if (!out)
      return false;
  }
  return std::rename(tmp.c_str(), cluster_file(dir).c_str()) == 0;
}

void print_endpoints(const std::vector<cluster_node>& nodes, const std::string& dir, bool json) {
  if (json) {
    auto arr = nlohmann::json::array();
    for (auto& n : nodes)
      arr.push_back({{"node_id", n.id},
                     {"listen", n.listen.to_string()},
                     {"metrics", n.metrics.to_string()},
                     {"pid", n.pid}});
    std::cout << nlohmann::json{{"dir", dir}, {"nodes", arr}}.dump() << "\n";
    return;
  }
  for (auto& n : nodes)
    std::cout << "  " << n.id << "  listen " << n.listen.to_string() << "  metrics http://"
              << n.metrics.to_string() << "/metrics  pid " << n.pid << "\n";
}

}  // namespace

std::string cluster_file(const std::string& dir) {
  return dir + "/cluster.txt";
}

std::vector<cluster_node> read_cluster(const std::string& dir) {
  std::vector<cluster_node> out;
  std::ifstream in{cluster_file(dir)};
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#')
      continue;
    std::istringstream fields{line};
    std::string id, listen, metrics;
    int pid = 0;
    if (!(fields >> id >> listen >> metrics >> pid))
      continue;
    auto l = parse_host_port(listen);
    auto m = parse_host_port(metrics);
    if (l && m)
      out.push_back({id, *l, *m, pid});
  }
  return out;
}

int cluster_up(int nodes, const std::string& raw_dir, int base_port, bool json,
               const std::vector<std::string>& settings) {
  if (nodes < 1) {
    std::cerr << "dfsctl: cluster up: --nodes must be at least 1\n";
    return 2;
  }
  if (nodes > 7) {
    std::cerr << "dfsctl: cluster up: --nodes is at most 7 (every node is a Raft voter)\n";
    return 2;
  }
  if (base_port < 1 || base_port + 1000 + nodes > 65535) {
    std::cerr << "dfsctl: cluster up: --base-port out of range\n";
    return 2;
  }
  auto dir = absolute(raw_dir);
  auto binary = dfsd_binary();
  if (::access(binary.c_str(), X_OK) != 0) {
    std::cerr << "dfsctl: cluster up: cannot run " << binary << " (set DFSD to its path)\n";
    return 1;
  }
  auto config_of = [&](const std::string& id) { return dir + "/" + id + "/dfsd.toml"; };
  auto log_of = [&](const std::string& id) { return dir + "/" + id + "/dfsd.log"; };
  std::vector<cluster_node> started;
  auto existing = read_cluster(dir);
  if (!existing.empty()) {
    // An existing cluster: start again whichever of its nodes are down,
    // each with its own config and data.
    size_t restarted = 0;
    for (auto& n : existing) {
      if (!alive(n.pid)) {
        if (::access(config_of(n.id).c_str(), R_OK) != 0) {
          std::cerr << "dfsctl: cluster up: node " << n.id << " is down and its config "
                    << config_of(n.id) << " is gone; run 'dfsctl cluster down --dir " << raw_dir
                    << "' and start afresh\n";
          return 4;
        }
        n.pid = spawn_daemon(binary, config_of(n.id), log_of(n.id));
        ++restarted;
      }
      started.push_back(n);
    }
    if (restarted == 0) {
      if (!json)
        std::cout << "cluster already running in " << dir << ":\n";
      print_endpoints(existing, dir, json);
      return 0;
    }
    if (!json)
      std::cout << "restarting " << restarted << " of " << existing.size() << " nodes\n";
  } else {
    std::error_code ignored;
    std::filesystem::create_directories(dir, ignored);  // parents too
    auto listen_of = [&](int i) {
      return host_port{"127.0.0.1", static_cast<uint16_t>(base_port + i)};
    };
    for (int i = 0; i < nodes; ++i) {
      node_config cfg;
      cfg.node_id = "n" + std::to_string(i + 1);
      if (::access(config_of(cfg.node_id).c_str(), R_OK) == 0) {
        // Stopped by `cluster down`: its config (perhaps edited) and data
        // are kept, and it starts again as it was.
        auto why = load_config_file(cfg, config_of(cfg.node_id));
        if (!why.empty()) {
          std::cerr << "dfsctl: cluster up: " << config_of(cfg.node_id) << ": " << why << "\n";
          return 2;
        }
        auto pid = spawn_daemon(binary, config_of(cfg.node_id), log_of(cfg.node_id));
        started.push_back({cfg.node_id, cfg.listen, cfg.metrics, pid});
        continue;
      }
      for (int j = 0; j < nodes; ++j)
        if (j != i)
          cfg.peers.push_back(peer_address{"n" + std::to_string(j + 1), listen_of(j)});
      auto node_dir = dir + "/" + cfg.node_id;
      ::mkdir(node_dir.c_str(), 0755);
      cfg.data_dir = node_dir + "/data";
      cfg.listen = listen_of(i);
      cfg.metrics = host_port{"127.0.0.1", static_cast<uint16_t>(base_port + 1000 + i)};
      // The nodes share this machine's cores: one scheduler thread per
      // core between them, at least one each.
      cfg.scheduler_threads =
        std::max(1u, std::thread::hardware_concurrency() / static_cast<unsigned>(nodes));
      cfg.replication = static_cast<uint32_t>(std::min(3, nodes));
      for (auto& kv : settings) {
        auto eq = kv.find('=');
        auto why = eq == std::string::npos
                     ? "expected KEY=VALUE, got '" + kv + "'"
                     : set_config_key(cfg, kv.substr(0, eq), kv.substr(eq + 1));
        if (!why.empty()) {
          std::cerr << "dfsctl: cluster up: --set: " << why << "\n";
          return 2;
        }
      }
      std::ofstream{config_of(cfg.node_id)} << "# written by dfsctl cluster up\n" << to_toml(cfg);
      auto pid = spawn_daemon(binary, config_of(cfg.node_id), log_of(cfg.node_id));
      started.push_back({cfg.node_id, cfg.listen, cfg.metrics, pid});
    }
  }
  if (!write_cluster(dir, started)) {
    std::cerr << "dfsctl: cluster up: cannot write " << cluster_file(dir) << "\n";
    return 1;
  }
  // Wait until every node answers, or one of them dies.
  auto probe = client::create(client_options{{}, std::chrono::milliseconds{2000}, 1});
  auto deadline = std::chrono::steady_clock::now() + 30s;
  for (auto& n : started) {
    while (true) {
      int status = 0;
      if (::waitpid(n.pid, &status, WNOHANG) == n.pid) {
        std::cerr << "dfsctl: cluster up: node " << n.id << " exited during start-up; its log ("
                  << dir << "/" << n.id << "/dfsd.log) ends with:\n"
                  << tail_of(dir + "/" + n.id + "/dfsd.log", 5);
        cluster_down(dir, true);
        return 5;
      }
      auto answer = probe->status_of(n.listen);
      if (answer)
        break;
      // Connected, then no answer: a dead connection (see client::connect)
      // is handed out again by this client's middleman; a new client
      // connects anew.
      if (answer.error() == caf::sec::request_timeout)
        probe = client::create(client_options{{}, std::chrono::milliseconds{2000}, 1});
      if (std::chrono::steady_clock::now() > deadline) {
        std::cerr << "dfsctl: cluster up: node " << n.id << " did not answer within 30 s\n";
        cluster_down(dir, true);
        return 5;
      }
      std::this_thread::sleep_for(100ms);
    }
  }
  std::vector<host_port> endpoints;
  for (auto& n : started)
    endpoints.push_back(n.listen);
  auto leader = wait_for_leader(endpoints, 20s);
  if (leader.empty()) {
    std::cerr << "dfsctl: cluster up: the nodes answer but elected no Raft leader within 20 s; "
                 "see the logs in "
              << dir << "/*/dfsd.log\n";
    return 5;
  }
  if (!json) {
    std::cout << "dfs cluster up in " << dir << " (" << started.size() << " node"
              << (started.size() > 1 ? "s" : "") << "):\n";
    print_endpoints(started, dir, false);
    std::cout << "Raft leader: " << leader << "\n";
    std::cout << "\nTry:\n"
              << "  dfsctl put ./some-file /some-file\n"
              << "  dfsctl ls -l /\n"
              << "  dfsctl get /some-file ./copy\n"
              << "  dfsctl cluster status\n"
              << "  dfsctl raft status\n"
              << "  dfs-shell                            (interactive: files, cluster, actors)\n"
              << "  dfsctl cluster down\n"
              << "(dfsctl finds this cluster through " << cluster_file(raw_dir)
              << "; elsewhere pass --cluster " << started.front().listen.to_string()
              << " or set DFS_CLUSTER.)\n";
  } else {
    print_endpoints(started, dir, true);
  }
  return 0;
}

int cluster_down(const std::string& raw_dir, bool json) {
  auto dir = absolute(raw_dir);
  auto nodes = read_cluster(dir);
  if (nodes.empty()) {
    if (!json)
      std::cout << "no cluster running in " << dir << "\n";
    return 0;
  }
  for (auto& n : nodes)
    if (alive(n.pid))
      ::kill(n.pid, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + 20s;
  for (auto& n : nodes) {
    while (alive(n.pid) && std::chrono::steady_clock::now() < deadline) {
      ::waitpid(n.pid, nullptr, WNOHANG);  // reap if it is our child
      if (!alive(n.pid))
        break;
      std::this_thread::sleep_for(50ms);
    }
    if (alive(n.pid)) {
      std::cerr << "dfsctl: cluster down: node " << n.id << " ignored SIGTERM; killing it\n";
      ::kill(n.pid, SIGKILL);
    }
  }
  std::remove(cluster_file(dir).c_str());
  if (!json)
    std::cout << "stopped " << nodes.size() << " node" << (nodes.size() > 1 ? "s" : "") << " in "
              << dir << " (data kept)\n";
  else
    std::cout << nlohmann::json{{"stopped", nodes.size()}, {"dir", dir}}.dump() << "\n";
  return 0;
}

}  // namespace dfs::ctl
