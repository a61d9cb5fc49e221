#include "runtime/metrics.hpp"

#include <sstream>

#include <CivetServer.h>
#include <prometheus/text_serializer.h>

namespace dfs {

prometheus::Gauge& mailbox_gauge(prometheus::Registry& registry, const std::string& node,
                                 const std::string& actor) {
  return prometheus::BuildGauge()
    .Name("dfs_actor_mailbox_messages")
    .Help("Messages waiting in an actor's mailbox, as the actor last saw it")
    .Register(registry)
    .Add({{"node", node}, {"actor", actor}});
}

http_reply node_readiness::probe() const {
  std::lock_guard<std::mutex> guard{mu_};
  http_reply r;
  if (!known_) {
    r.status = 503;
    r.body = "not ready: starting\n";
    return r;
  }
  bool ready = true;
  std::string lines;
  for (auto& c : checks_) {
    ready = ready && c.ok;
    lines += (c.ok ? "[+] " : "[-] ") + c.name + (c.detail.empty() ? "" : ": " + c.detail) + "\n";
  }
  r.status = ready ? 200 : 503;
  r.body = (ready ? "ready\n" : "not ready\n") + lines;
  return r;
}

class metrics_endpoint::handler : public CivetHandler {
public:
  explicit handler(std::function<http_reply()> fn) : fn_(std::move(fn)) {}

  bool handleGet(CivetServer*, mg_connection* conn) override {
    http_reply r;
    try {
      r = fn_();
    } catch (const std::exception& ex) {
      r = http_reply{500, std::string{"internal error: "} + ex.what() + "\n"};
    }
    mg_printf(conn,
              "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
              "Cache-Control: no-store\r\nConnection: close\r\n\r\n",
              r.status, mg_get_response_code_text(conn, r.status), r.content_type.c_str(),
              r.body.size());
    mg_write(conn, r.body.data(), r.body.size());
    return true;
  }

private:
  std::function<http_reply()> fn_;
};

metrics_endpoint::metrics_endpoint()
  : registry_(std::make_shared<prometheus::Registry>()),
    readiness_(std::make_shared<node_readiness>()) {}

metrics_endpoint::~metrics_endpoint() {
  server_.reset();  // stops the server threads before the handlers go
}

void metrics_endpoint::route(const std::string& path, std::function<http_reply()> handler) {
  routes_[path] = std::move(handler);
}

std::string metrics_endpoint::start(const std::string& host_port) {
  auto registry = registry_;
  auto readiness = readiness_;
  routes_.emplace("/metrics", [registry] {
    std::ostringstream out;
    prometheus::TextSerializer{}.Serialize(out, registry->Collect());
    return http_reply{200, out.str(), "text/plain; version=0.0.4; charset=utf-8"};
  });
  routes_.emplace("/healthz", [] { return http_reply{200, "ok\n"}; });
  routes_.emplace("/readyz", [readiness] { return readiness->probe(); });
  try {
    server_ = std::make_unique<CivetServer>(std::vector<std::string>{
      "listening_ports", host_port, "num_threads", "2", "enable_keep_alive", "no"});
  } catch (const std::exception& ex) {
    return "cannot serve metrics on " + host_port + ": " + ex.what();
  }
  for (auto& [path, fn] : routes_) {
    handlers_.push_back(std::make_unique<handler>(fn));
    // "$" anchors the match: /metrics, not /metricsfoo.
    server_->addHandler(path + "$", handlers_.back().get());
  }
  return {};
}

}  // namespace dfs
