// The node's HTTP endpoint (civetweb): /metrics in the Prometheus text
// format from one registry, and the probes orchestrators ask for, such as
// /healthz and /readyz. Actors add their own families to registry().
// Handlers run on the server's threads: a probe must only read state that
// is safe to read from any thread (node_readiness is).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <prometheus/gauge.h>
#include <prometheus/registry.h>

class CivetServer;

namespace dfs {

struct http_reply {
  int status = 200;
  std::string body;
  std::string content_type = "text/plain; charset=utf-8";
};

// Whether the node can serve: set by its health monitor, read by /readyz.
class node_readiness {
public:
  struct check {
    std::string name;  // "joined", "leader", "storage"
    bool ok = false;
    std::string detail;
  };
  void set(std::vector<check> checks) {
    std::lock_guard<std::mutex> guard{mu_};
    checks_ = std::move(checks);
    known_ = true;
  }
  // 200 when every check passes, else 503; one line per check either way.
  http_reply probe() const;

private:
  mutable std::mutex mu_;
  std::vector<check> checks_;
  bool known_ = false;
};

// The gauge of actor `actor`'s mailbox on `node`
// (dfs_actor_mailbox_messages{node,actor}): messages waiting, set by the
// actor itself on its timer (a busy actor's backlog shows there first).
prometheus::Gauge& mailbox_gauge(prometheus::Registry& registry, const std::string& node,
                                 const std::string& actor);

class metrics_endpoint {
public:
  metrics_endpoint();
  ~metrics_endpoint();

  // Serves `path` with `handler` (GET). Call before start().
  void route(const std::string& path, std::function<http_reply()> handler);

  // Starts serving /metrics, /healthz (the process runs: always 200),
  // /readyz (readiness()) and the routes on host:port. Returns an empty
  // string on success, else why the port could not be opened.
  std::string start(const std::string& host_port);

  prometheus::Registry& registry() { return *registry_; }
  std::shared_ptr<prometheus::Registry> shared_registry() { return registry_; }
  const std::shared_ptr<node_readiness>& readiness() { return readiness_; }

private:
  class handler;
  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<node_readiness> readiness_;
  std::map<std::string, std::function<http_reply()>> routes_;
  std::vector<std::unique_ptr<handler>> handlers_;
  std::unique_ptr<CivetServer> server_;
};

}  // namespace dfs
