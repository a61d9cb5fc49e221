#include "runtime/metrics.hpp"

#include <prometheus/exposer.h>

namespace dfs {

metrics_endpoint::metrics_endpoint() : registry_(std::make_shared<prometheus::Registry>()) {}

metrics_endpoint::~metrics_endpoint() = default;

std::string metrics_endpoint::start(const std::string& host_port) {
  try {
    exposer_ = std::make_unique<prometheus::Exposer>(host_port, 2);
    exposer_->RegisterCollectable(registry_);
    return {};
  } catch (const std::exception& ex) {
    return "cannot serve metrics on " + host_port + ": " + ex.what();
  }
}

}  // namespace dfs
