#include "actors/gateway/metrics.hpp"

#include "runtime/metrics.hpp"

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
               .Add({{"node", node}})),
    in_flight_(prometheus::BuildGauge()
                 .Name("dfs_gateway_in_flight_requests")
                 .Help("Client requests being served now")
                 .Register(registry)
                 .Add({{"node", node}})),
    rejected_(prometheus::BuildCounter()
                .Name("dfs_gateway_rejected_total")
                .Help("Client requests refused at once by admission control, by reason")
                .Register(registry)),
    routed_(prometheus::BuildCounter()
              .Name("dfs_balancer_routed_total")
              .Help("Chunk reads the gateway sent to each storage node")
              .Register(registry)),
    retries_(prometheus::BuildCounter()
               .Name("dfs_gateway_read_retries_total")
               .Help("Chunk reads sent on to another replica after one failed")
               .Register(registry)
               .Add({{"node", node}})),
    hedged_(prometheus::BuildCounter()
              .Name("dfs_gateway_read_hedges_total")
              .Help("Chunk reads also sent to the next replica (or from a cache lookup to the "
                    "replicas) because the first was slow to answer")
              .Register(registry)
              .Add({{"node", node}})),
    breaker_(prometheus::BuildGauge()
               .Name("dfs_balancer_breaker_state")
               .Help("1 for each storage node's circuit breaker state (closed, open, "
                     "half-open) at this gateway, else 0")
               .Register(registry)),
    route_latency_(prometheus::BuildGauge()
                     .Name("dfs_balancer_latency_estimate_seconds")
                     .Help("The read router's latency estimate of each storage node "
                           "(per request or 256 KiB)")
                     .Register(registry)),
    mailbox_(mailbox_gauge(registry, node, "gateway")) {
  // Every reason exported from the start (at 0), so that a rate over it
  // is defined before the first refusal.
  for (const char* reason : {"in-flight limit", "client rate limit"})
    rejected_.Add({{"node", node_}, {"reason", reason}});
}

void gateway_metrics::rejected(const std::string& reason) {
  rejected_.Add({{"node", node_}, {"reason", reason}}).Increment();
}

void gateway_metrics::routed(const std::string& target) {
  routed_.Add({{"node", node_}, {"target", target}}).Increment();
}

void gateway_metrics::route_state(const std::string& target, const std::string& breaker,
                                  double latency_ms) {
  for (const char* s : {"closed", "open", "half-open"})
    breaker_.Add({{"node", node_}, {"target", target}, {"state", s}}).Set(breaker == s ? 1.0 : 0.0);
  route_latency_.Add({{"node", node_}, {"target", target}}).Set(latency_ms / 1000.0);
}

void gateway_metrics::request_done(const std::string& op, errc result, double seconds) {
  requests_.Add({{"node", node_}, {"op", op}, {"result", to_string(result)}}).Increment();
  latency_.Add({{"node", node_}, {"op", op}}, latency_buckets()).Observe(seconds);
}

}  // namespace dfs
