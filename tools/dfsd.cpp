// dfsd: the dfs node daemon. Reads a TOML config (command-line options
// override it key by key), starts the node's actors, publishes the node
// agent on the listen port, and serves until SIGINT or SIGTERM.
#include <csignal>
#include <cstdio>
#include <iostream>

#include <malloc.h>

#include <pthread.h>

#include <CLI/CLI.hpp>
#include <caf/actor_system.hpp>
#include <caf/io/middleman.hpp>
#include <caf/send.hpp>

#include "actors/gateway/gateway.hpp"
#include "actors/meta/service.hpp"
#include "actors/node/agent.hpp"
#include "actors/replica/manager.hpp"
#include "runtime/config.hpp"
#include "runtime/disk.hpp"
#include "runtime/logging.hpp"
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
      flag, [&overrides, name = std::string{key.name}](const std::string& v) { overrides[name] = v; },
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
  if (cfg.has_role("gateway") && !(cfg.has_role("meta") && cfg.has_role("storage"))) {
    std::cerr << "dfsd: roles: 'gateway' needs 'meta' and 'storage' on the same node until "
                 "multi-node replication lands\n";
    return 2;
  }
  return -1;
}

int run(const node_config& cfg, sigset_t& signals) {
  auto log = logger_for("dfsd");
  posix_disk probe;
  if (auto st = probe.make_dirs(cfg.data_dir); !st.ok()) {
    log->critical("cannot create data dir {}: {}", cfg.data_dir, st.message);
    return 1;
  }
  metrics_endpoint metrics;
  if (auto why = metrics.start(cfg.metrics.to_string()); !why.empty()) {
    log->critical("{}", why);
    return 1;
  }
  system_config sys_cfg{cfg.scheduler_threads};
  caf::actor_system sys{sys_cfg};
  node_handles handles;
  handles.id = node_id{cfg.node_id};
  if (cfg.has_role("meta")) {
    auto meta = spawn_meta_service(sys, cfg.data_dir + "/meta.db");
    if (!meta) {
      log->critical("metadata service cannot start: {}", describe(meta.error()));
      return 1;
    }
    handles.meta = *meta;
  }
  if (cfg.has_role("storage")) {
    auto replica = spawn_replica_manager(sys, std::make_shared<posix_disk>(),
                                         cfg.data_dir + "/chunks", cfg.io_threads);
    if (!replica) {
      log->critical("replica manager cannot start: {}", describe(replica.error()));
      return 1;
    }
    handles.replica = *replica;
  }
  if (cfg.has_role("gateway")) {
    gateway_config gw;
    gw.self = handles.id;
    gw.chunk_size = cfg.chunk_size;
    gw.default_replication = cfg.replication;
    gw.request_timeout = cfg.request_timeout;
    gw.upload_timeout = cfg.upload_timeout;
    gateway_deps deps;
    deps.meta = handles.meta;
    deps.replicas.emplace(handles.id, handles.replica);
    deps.metrics = std::make_shared<gateway_metrics>(metrics.registry(), cfg.node_id);
    handles.gateway = spawn_gateway(sys, gw, std::move(deps));
  }
  for (auto role : {"cache", "monitor"})
    if (cfg.has_role(role))
      log->info("role {} is configured; its actor arrives with a later release", role);
  node_status status;
  status.id = handles.id;
  status.roles = cfg.roles;
  status.listen = cfg.listen.to_string();
  status.metrics = cfg.metrics.to_string();
  auto agent = spawn_node_agent(sys, handles, status);
  auto port = sys.middleman().publish(agent, cfg.listen.port, cfg.listen.host.c_str(), true);
  if (!port) {
    log->critical("cannot listen on {}: {}", cfg.listen.to_string(), sys.render(port.error()));
    caf::anon_send_exit(agent, caf::exit_reason::user_shutdown);
    for (auto& a : {caf::actor_cast<caf::actor>(handles.gateway),
                    caf::actor_cast<caf::actor>(handles.replica),
                    caf::actor_cast<caf::actor>(handles.meta)})
      if (a)
        caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    return 1;
  }
  log->info("node serving: listen={} metrics={} data_dir={} roles={}", cfg.listen.to_string(),
            cfg.metrics.to_string(), cfg.data_dir, fmt::join(cfg.roles, ","));
  std::printf("dfsd %s ready on %s\n", cfg.node_id.c_str(), cfg.listen.to_string().c_str());
  std::fflush(stdout);

  int sig = 0;
  sigwait(&signals, &sig);
  log->info("signal {} received: shutting down", sig);
  // Stop taking new connections, then stop the actors from the edge inwards:
  // the gateway first (in-flight requests fail cleanly), the metadata
  // service last (every applied command is already committed to SQLite;
  // its database is closed when the actor is gone).
  sys.middleman().unpublish(agent, *port);
  caf::anon_send_exit(agent, caf::exit_reason::user_shutdown);
  for (auto& a : {caf::actor_cast<caf::actor>(handles.gateway),
                  caf::actor_cast<caf::actor>(handles.replica),
                  caf::actor_cast<caf::actor>(handles.meta)})
    if (a)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  handles = node_handles{};
  return 0;  // ~actor_system waits for every actor
}

}  // namespace

int main(int argc, char** argv) {
  // Chunk buffers are megabytes each and short-lived. A fixed mmap
  // threshold returns them to the OS when freed, instead of letting glibc
  // raise the threshold and keep them in per-thread arenas, which grows the
  // resident set with every thread that ever touched a chunk.
  mallopt(M_MMAP_THRESHOLD, 512 * 1024);
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
