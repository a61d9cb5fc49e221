#include "actors/health/dashboard.hpp"

#include <algorithm>

namespace dfs {

nlohmann::json to_json(const node_load& l) {
  return {{"cpu", finite_or_zero(l.cpu)},
          {"memory_bytes", l.memory_bytes},
          {"disk_used", l.disk_used},
          {"disk_free", l.disk_free},
          {"in_flight", l.in_flight},
          {"latency_ewma_ms", finite_or_zero(l.latency_ewma_ms)},
          {"latency_p50_ms", finite_or_zero(l.latency_p50_ms)},
          {"latency_p99_ms", finite_or_zero(l.latency_p99_ms)},
          {"cache_hit_ratio", finite_or_zero(l.cache_hit_ratio)},
          {"requests", l.requests},
          {"rejected", l.rejected},
          {"uptime_ms", l.uptime_ms},
          {"roles", l.roles}};
}

std::string dashboard_json(const dashboard_input& in) {
  // The breaker this node's gateway has for each storage node.
  auto breaker_of = [&](const std::string& id) -> std::string {
    if (!in.has_gateway)
      return "";
    for (auto& r : in.gateway.routes)
      if (r.node.value == id)
        return r.breaker;
    return "";
  };
  auto nodes = nlohmann::json::array();
  auto self = to_json(in.self);
  self["id"] = in.node;
  self["state"] = "active";
  self["self"] = true;
  self["phi"] = 0;
  self["breaker"] = breaker_of(in.node);
  nodes.push_back(self);
  uint64_t under = in.self.under_replicated, corrupt = in.self.corrupt, lost = in.self.lost;
  uint64_t repairs = in.self.repairs_done;
  for (auto& p : in.peers) {
    auto n = to_json(p.load);
    n["id"] = p.node.value;
    n["state"] = p.state;
    n["phi"] = finite_or_zero(p.phi);
    n["heard_ago_ms"] = p.heard_ago_ms;
    n["self"] = false;
    n["breaker"] = breaker_of(p.node.value);
    nodes.push_back(std::move(n));
    if (p.state != "down") {  // a down node's last report is stale
      under = std::max(under, p.load.under_replicated);
      corrupt = std::max(corrupt, p.load.corrupt);
      lost = std::max(lost, p.load.lost);
      repairs = std::max(repairs, p.load.repairs_done);
    }
  }
  std::sort(nodes.begin(), nodes.end(),
            [](const nlohmann::json& a, const nlohmann::json& b) { return a["id"] < b["id"]; });
  auto events = nlohmann::json::array();
  if (in.events)
    for (auto it = in.events->rbegin(); it != in.events->rend(); ++it)
      events.push_back({{"time_ms", it->time_ms}, {"kind", it->kind}, {"text", it->text}});
  nlohmann::json out{{"node", in.node},
                     {"time_ms", in.time_ms},
                     {"raft",
                      {{"leader", in.raft.leader},
                       {"term", in.raft.term},
                       {"role", in.raft.role},
                       {"commit_index", in.raft.commit_index}}},
                     {"nodes", nodes},
                     {"chunks",
                      {{"under_replicated", under},
                       {"corrupt", corrupt},
                       {"lost", lost},
                       {"repairs_done", repairs}}},
                     {"events", events}};
  return out.dump();
}

}  // namespace dfs
