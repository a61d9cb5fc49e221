// The built-in web dashboard's data: a JSON snapshot of the cluster as
// this node's health monitor sees it, rebuilt every heartbeat round and
// served from memory by the HTTP endpoint (`/api/dashboard`, read by the
// page at `/dashboard`). The page itself is dashboard_html().
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "messages/handles.hpp"

namespace dfs {

// Something that happened, for the page's event list.
struct dashboard_event {
  int64_t time_ms = 0;  // wall clock, milliseconds since the epoch
  std::string kind;     // "node", "leader", "repair"
  std::string text;
};

// What the monitor knows at the end of a round.
struct dashboard_input {
  std::string node;  // this node
  int64_t time_ms = 0;
  raft_status raft;  // id empty: no Raft participant here
  node_load self;
  std::vector<peer_health> peers;
  bool has_gateway = false;
  gateway_status gateway;
  std::vector<std::string> roles;
  const std::deque<dashboard_event>* events = nullptr;
};

std::string dashboard_json(const dashboard_input& in);

// A node's load as JSON (dashboard_json and `dfsctl cluster status --json`).
nlohmann::json to_json(const node_load& load);

// The page: HTML, CSS and JavaScript in one document, no outside resources.
const char* dashboard_html();

// The latest snapshot, shared between the monitor (writer) and the HTTP
// server's threads (readers).
class dashboard_feed {
public:
  void publish(std::string json) {
    std::lock_guard<std::mutex> guard{mu_};
    json_ = std::move(json);
  }
  std::string latest() const {
    std::lock_guard<std::mutex> guard{mu_};
    return json_.empty() ? std::string{"{}"} : json_;
  }

private:
  mutable std::mutex mu_;
  std::string json_;
};

}  // namespace dfs
