// dfsd: the dfs node daemon. Reads a TOML config (command-line options
// override it key by key), starts the node's actors, publishes the node
// agent on the listen port, and serves until SIGINT or SIGTERM.
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <thread>

#include <pthread.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/io/middleman.hpp>
#include <caf/send.hpp>

#include "actors/health/dashboard.hpp"
#include "actors/node/agent.hpp"
#include "actors/node/node.hpp"
#include "runtime/config.hpp"
#include "runtime/disk.hpp"
#include "runtime/logging.hpp"
#include "runtime/memory.hpp"
#include "runtime/metrics.hpp"
#include "runtime/system.hpp"

namespace {

using namespace dfs;

// Parses the command line into `cfg`. Returns -1 to go on, else an exit code.
int parse_args(int argc, char** argv, node_config& cfg) {
  CLI::App app{"dfsd: the dfs node daemon"};
  std::string config_file;
  app.add_option("-c,--config", config_file, "TOML config file (see configs/node.toml)");
  std::map<std::string, std::string> overrides;
  for (auto& key : config_keys()) {
    std::string flag = std::string{"--"} + key.name;
    for (auto& ch : flag)
      if (ch == '_')
        ch = '-';
    app.add_option_function<std::string>(
      flag,
      [&overrides, name = std::string{key.name}](const std::string& v) { overrides[name] = v; },
      key.help);
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (!config_file.empty())
    if (auto why = load_config_file(cfg, config_file); !why.empty()) {
      std::cerr << "dfsd: " << why << "\n";
      return 2;
    }
  for (auto& [key, value] : overrides)
    if (auto why = set_config_key(cfg, key, value); !why.empty()) {
      std::cerr << "dfsd: command line: " << why << "\n";
      return 2;
    }
  if (cfg.has_role("gateway") && !cfg.has_role("meta")) {
    std::cerr << "dfsd: key 'roles': 'gateway' needs 'meta' on the same node\n";
    return 2;
  }
  if (auto why = check_config(cfg); !why.empty()) {
    std::cerr << "dfsd: " << why << "\n";
    return 2;
  }
  return -1;
}

int run(const node_config& cfg, sigset_t& signals) {
  auto log = logger_for("dfsd");
  metrics_endpoint metrics;
  // The web dashboard: the page, and the snapshot the monitor keeps fresh.
  auto dashboard = std::make_shared<dashboard_feed>();
  metrics.route("/dashboard", [] {
    return http_reply{200, dashboard_html(), "text/html; charset=utf-8"};
  });
  metrics.route("/api/dashboard", [dashboard] {
    return http_reply{200, dashboard->latest(), "application/json"};
  });
  if (auto why = metrics.start(cfg.metrics.to_string()); !why.empty()) {
    log->critical("{}", why);
    return 1;
  }
  // In the background: the node serves meanwhile (faulting in 256 MiB
  // takes about half a second here).
  // Logged when done: benchmarks wait for it.
  if (cfg.has_role("cache") && cfg.cache_prefault)
    std::thread{[bytes = cfg.cache_bytes, log] {
      auto start = std::chrono::steady_clock::now();
      reserve_heap(bytes);
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::steady_clock::now() - start)
                  .count();
      log->info("cache memory faulted in: {} MiB in {} ms", heap_reservation(bytes) >> 20, ms);
    }}.detach();
  system_config sys_cfg{cfg.scheduler_threads};
  caf::actor_system sys{sys_cfg};
  auto handles = spawn_node(sys, cfg, std::make_shared<posix_disk>(), &metrics.registry(),
                            metrics.readiness(), dashboard);
  if (!handles) {
    log->critical("{}", describe(handles.error()));
    return 1;
  }
  if (cfg.has_role("cache")) {
    log->info("cache: {} shards, {} bytes, policy {}", handles->caches.size(), cfg.cache_bytes,
              cfg.cache_policy);
    if (cfg.cache_bytes > 0 && cfg.cache_bytes / cfg.cache_shards < cfg.chunk_size + 512)
      log->warn(
        "cache: each shard's budget ({} bytes) is smaller than one full chunk ({}): "
        "full chunks will never be cached; raise cache_bytes or lower cache_shards",
        cfg.cache_bytes / cfg.cache_shards, cfg.chunk_size);
  }
  // A role actor that stops on its own (a failed database, a crashed
  // worker) must not leave a node that answers but cannot serve: stop the
  // whole process, with a non-zero exit code, so a supervisor restarts it.
  std::atomic<bool> stopping{false};
  std::atomic<bool> failed{false};
  auto watchdog = sys.spawn([&, h = *handles](caf::event_based_actor* self) -> caf::behavior {
    for (auto& a : {caf::actor_cast<caf::actor>(h.gateway), caf::actor_cast<caf::actor>(h.raft),
                    caf::actor_cast<caf::actor>(h.replica), caf::actor_cast<caf::actor>(h.health)})
      if (a)
        self->monitor(a);
    for (auto& shard : h.caches)
      self->monitor(shard);
    self->set_down_handler([&](caf::down_msg& down) {
      if (stopping)
        return;
      log->critical("a role actor stopped unexpectedly ({}); shutting the node down",
                    describe(down.reason));
      failed = true;
      ::kill(::getpid(), SIGTERM);
    });
    return {[](status_atom) {}};
  });
  auto agent = spawn_node_agent(sys, *handles, static_status(cfg), &metrics.registry());
  auto port = sys.middleman().publish(agent, cfg.listen.port, cfg.listen.host.c_str(), true);
  if (!port) {
    log->critical("cannot listen on {}: {}", cfg.listen.to_string(), sys.render(port.error()));
    caf::anon_send_exit(agent, caf::exit_reason::user_shutdown);
    stop_node(*handles);
    return 1;
  }
  log->info("node serving: listen={} metrics={} data_dir={} roles={}", cfg.listen.to_string(),
            cfg.metrics.to_string(), cfg.data_dir, fmt::join(cfg.roles, ","));
  std::printf("dfsd %s ready on %s\n", cfg.node_id.c_str(), cfg.listen.to_string().c_str());
  std::fflush(stdout);

  int sig = 0;
  sigwait(&signals, &sig);
  log->info("signal {} received: shutting down", sig);
  // Stop taking new connections, then stop the actors.
  stopping = true;
  caf::anon_send_exit(watchdog, caf::exit_reason::user_shutdown);
  sys.middleman().unpublish(agent, *port);
  caf::anon_send_exit(agent, caf::exit_reason::user_shutdown);
  stop_node(*handles);
  return failed ? 1 : 0;  // ~actor_system waits for every actor
}

}  // namespace

int main(int argc, char** argv) {
  dfs::larger_thread_caches(argv);
  dfs::keep_chunk_buffers();
  dfs::node_config cfg;
  if (auto rc = parse_args(argc, argv, cfg); rc >= 0)
    return rc;
  // Block the shutdown signals before any thread starts, so every thread
  // inherits the mask and only sigwait() below sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  dfs::init_logging(cfg.node_id, cfg.log_level);
  auto rc = run(cfg, signals);
  dfs::logger_for("dfsd")->info("stopped");
  return rc;
}
