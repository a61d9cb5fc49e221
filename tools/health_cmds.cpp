#include "tools/health_cmds.hpp"

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "actors/client/client.hpp"
#include "actors/health/dashboard.hpp"
#include "tools/discovery.hpp"
#include "tools/output.hpp"

namespace dfs::ctl {

namespace {

struct node_view {
  host_port endpoint;
  caf::expected<node_status> status{caf::error{}};
  caf::expected<health_report> health{caf::error{}};
};

// How the other nodes' monitors judge `id`: the worst verdict that a
// majority of them share (so one observer cut off from it alone does not
// call it down), "unknown" when none answered.
std::string consensus(const std::vector<node_view>& views, const std::string& id,
                      std::map<std::string, int>& votes) {
  int observers = 0;
  for (auto& v : views) {
    if (!v.health || v.health->self.node.value == id)
      continue;
    for (auto& p : v.health->peers)
      if (p.node.value == id && (p.heard_ago_ms >= 0 || p.state == "down")) {
        // (a peer not heard from yet, just connected, has no verdict)
        ++observers;
        ++votes[p.state];
      }
  }
  if (observers == 0)
    return "unknown";
  if (votes["down"] * 2 > observers)
    return "down";
  if ((votes["down"] + votes["suspect"]) * 2 > observers)
    return "suspect";
  return "active";
}

// The gateways whose breaker for `id` is not closed, as "open@n1 half-open@n2".
std::string breakers(const std::vector<node_view>& views, const std::string& id) {
  std::string out;
  for (auto& v : views) {
    if (!v.health || !v.health->has_gateway)
      continue;
    for (auto& r : v.health->gateway.routes)
      if (r.node.value == id && r.breaker != "closed")
        out += (out.empty() ? "" : " ") + r.breaker + "@" + v.health->self.node.value;
  }
  return out.empty() ? "closed" : out;
}

}  // namespace

int cluster_status(const std::vector<host_port>& endpoints, bool json) {
  auto probe = client::create(client_options{{}, std::chrono::milliseconds{3000}, 1});
  std::vector<node_view> views;
  for (auto& ep : endpoints) {
    node_view v;
    v.endpoint = ep;
    v.status = probe->status_of(ep);
    if (v.status)
      v.health = probe->health_of(ep);
    views.push_back(std::move(v));
  }
  // The other nodes, found through those that answered (their peers and
  // the node table), so that one endpoint shows the whole cluster. One
  // that does not answer is judged by the others' monitors below.
  std::vector<host_port> answering;
  std::set<std::string> answered;
  for (auto& v : views)
    if (v.status) {
      answering.push_back(v.endpoint);
      answered.insert(v.status->id.value);
    }
  auto found = discover(*probe, answering, endpoints, answered);
  for (auto& [id, address] : found.beyond) {
    node_view v;
    v.endpoint = address;
    v.status = probe->status_of(address);
    if (v.status) {
      v.health = probe->health_of(address);
      views.push_back(std::move(v));
    }
  }
  // Every node any monitor knows, not only the endpoints given.
  std::map<std::string, std::string> ids;  // id -> listen address
  for (auto& v : views) {
    if (v.status)
      ids[v.status->id.value] = v.status->listen;
    if (v.health)
      for (auto& p : v.health->peers)
        ids.emplace(p.node.value, found.known.count(p.node.value)
                                    ? found.known.at(p.node.value).to_string()
                                    : "");
  }
  auto arr = nlohmann::json::array();
  int unhealthy = 0;
  std::map<std::string, std::string> state_of;  // id -> state shown
  if (!json)
    std::printf("%-8s %-21s %-8s %8s %5s %9s %6s %8s %8s %10s  %s\n", "NODE", "LISTEN", "STATE",
                "UPTIME", "CPU", "MEM", "INFL", "P99", "CHUNKS", "FREE", "BREAKERS");
  for (auto& [id, listen] : ids) {
    const node_view* own = nullptr;
    for (auto& v : views)
      if (v.status && v.status->id.value == id)
        own = &v;
    std::map<std::string, int> votes;
    auto state = consensus(views, id, votes);
    if (own && state == "unknown")
      state = "active";  // it answered us; nobody else to ask
    // Not asked (not among the endpoints) and judged by no one who was:
    // "unknown", which is no failure of the cluster as far as we know.
    if (state == "down" || state == "suspect")
      ++unhealthy;
    state_of[id] = state;
    auto br = breakers(views, id);
    if (json) {
      nlohmann::json j{{"node_id", id}, {"listen", listen}, {"state", state}, {"breakers", br}};
      j["verdicts"] = votes;
      if (own) {
        j["status"] = to_json(*own->status);
        if (own->health) {
          j["load"] = to_json(own->health->self);
          auto peers = nlohmann::json::array();
          for (auto& p : own->health->peers)
            peers.push_back({{"node_id", p.node.value},
                             {"state", p.state},
                             {"phi", p.phi},
                             {"state_for_ms", p.state_for_ms},
                             {"heard_ago_ms", p.heard_ago_ms}});
          j["peers"] = peers;
          if (own->health->has_gateway) {
            auto& g = own->health->gateway;
            auto routes = nlohmann::json::array();
            for (auto& r : g.routes)
              routes.push_back({{"node_id", r.node.value},
                                {"in_flight", r.in_flight},
                                {"latency_ms", r.latency_ms},
                                {"routed", r.routed},
                                {"failed", r.failed},
                                {"breaker", r.breaker}});
            j["gateway"] = {{"in_flight", g.in_flight}, {"max_in_flight", g.max_in_flight},
                            {"requests", g.requests},   {"rejected", g.rejected},
                            {"retries", g.retries},     {"latency_ewma_ms", g.latency_ewma_ms},
                            {"routes", routes}};
          }
        }
      }
      arr.push_back(std::move(j));
      continue;
    }
    if (!own || !own->health) {
      std::printf("%-8s %-21s %-8s %8s %5s %9s %6s %8s %8s %10s  %s\n", id.c_str(),
                  listen.empty() ? "?" : listen.c_str(), state.c_str(), "-", "-", "-", "-", "-",
                  "-", "-", br.c_str());
      continue;
    }
    auto& l = own->health->self;
    char cpu[16], p99[16];
    std::snprintf(cpu, sizeof(cpu), "%.0f%%", l.cpu * 100);
    std::snprintf(p99, sizeof(p99), "%.1fms", l.latency_p99_ms);
    std::printf("%-8s %-21s %-8s %7llds %5s %9s %6u %8s %8llu %10s  %s\n", id.c_str(),
                own->status->listen.c_str(), state.c_str(),
                static_cast<long long>(own->status->uptime_ms / 1000), cpu,
                human_bytes(l.memory_bytes).c_str(), l.in_flight, p99,
                static_cast<unsigned long long>(own->status->chunks),
                human_bytes(own->status->bytes_free).c_str(), br.c_str());
  }
  // Endpoints that did not answer at all, unless listed above already (an
  // address the others know: the node's id and their verdict are shown).
  for (auto& v : views) {
    if (v.status)
      continue;
    auto shown = std::find_if(ids.begin(), ids.end(), [&](const auto& id) {
      return !id.second.empty() && id.second == v.endpoint.to_string();
    });
    if (shown != ids.end()) {
      // It did not answer us, whatever the others think of it yet.
      auto& state = state_of[shown->first];
      if (state != "down" && state != "suspect")
        ++unhealthy;
      continue;
    }
    ++unhealthy;
    if (json)
      arr.push_back({{"listen", v.endpoint.to_string()},
                     {"state", "down"},
                     {"error", describe(v.status.error())}});
    else
      std::printf("%-8s %-21s %-8s  (%s)\n", "?", v.endpoint.to_string().c_str(), "down",
                  describe(v.status.error()).c_str());
  }
  if (json)
    std::cout << nlohmann::json{{"nodes", arr}}.dump() << "\n";
  return unhealthy == 0 ? 0 : 5;
}

int node_slow(const std::vector<host_port>& endpoints, const std::string& id,
              std::chrono::milliseconds delay, bool json) {
  auto c = client::create(client_options{{}, std::chrono::milliseconds{5000}, 1});
  // The node's address: among the endpoints, their peers or the node table.
  auto candidates = endpoints;
  auto known = c->known_nodes(endpoints);
  if (auto it = known.find(id); it != known.end())
    candidates.insert(candidates.begin(), it->second);
  for (auto& ep : candidates) {
    auto st = c->status_of(ep);
    if (!st || st->id.value != id)
      continue;
    if (auto err = c->slow_node(ep, delay)) {
      std::cerr << "dfsctl: node slow: " << describe(err) << "\n";
      return exit_code(to_errc(err));
    }
    if (json)
      std::cout << nlohmann::json{{"node_id", id}, {"delay_ms", delay.count()}}.dump() << "\n";
    else
      std::cout << "node " << id << ": every chunk store and fetch now takes " << delay.count()
                << " ms longer\n";
    return 0;
  }
  std::cerr << "dfsctl: node slow: no reachable node '" << id << "' in the cluster\n";
  return exit_code(errc::not_found);
}

}  // namespace dfs::ctl
