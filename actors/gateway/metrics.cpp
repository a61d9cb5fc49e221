#include "actors/gateway/metrics.hpp"

namespace dfs {

namespace {

const prometheus::Histogram::BucketBoundaries& latency_buckets() {
  static const prometheus::Histogram::BucketBoundaries buckets{
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
  return buckets;
}

}  // namespace

gateway_metrics::gateway_metrics(prometheus::Registry& registry, const std::string& node)
  : node_(node),
    requests_(prometheus::BuildCounter()
                .Name("dfs_gateway_requests_total")
                .Help("Gateway requests by operation and result")
                .Register(registry)),
    latency_(prometheus::BuildHistogram()
               .Name("dfs_gateway_request_duration_seconds")
               .Help("Gateway request latency by operation")
               .Register(registry)),
    bytes_in_(prometheus::BuildCounter()
                .Name("dfs_gateway_received_bytes_total")
                .Help("File bytes received from clients")
                .Register(registry)
                .Add({{"node", node}})),
    bytes_out_(prometheus::BuildCounter()
                 .Name("dfs_gateway_sent_bytes_total")
                 .Help("File bytes sent to clients")
                 .Register(registry)
                 .Add({{"node", node}})),
    uploads_(prometheus::BuildGauge()
               .Name("dfs_gateway_open_uploads")
               .Help("Uploads opened and not yet committed or aborted")
               .Register(registry)
               .Add({{"node", node}})) {}

void gateway_metrics::request_done(const std::string& op, errc result, double seconds) {
  requests_.Add({{"node", node_}, {"op", op}, {"result", to_string(result)}}).Increment();
  latency_.Add({{"node", node_}, {"op", op}}, latency_buckets()).Observe(seconds);
}

}  // namespace dfs
