// The node's Prometheus endpoint: one registry, served over HTTP on the
// configured metrics address. Actors add their own families to registry().
#pragma once

#include <memory>
#include <string>

#include <prometheus/registry.h>

namespace prometheus {
class Exposer;
}

namespace dfs {

class metrics_endpoint {
public:
  metrics_endpoint();
  ~metrics_endpoint();

  // Starts serving /metrics on host:port. Returns an empty string on
  // success, else why the port could not be opened.
  std::string start(const std::string& host_port);

  prometheus::Registry& registry() { return *registry_; }
  std::shared_ptr<prometheus::Registry> shared_registry() { return registry_; }

private:
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<prometheus::Exposer> exposer_;
};

}  // namespace dfs
