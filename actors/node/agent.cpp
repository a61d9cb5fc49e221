#include "actors/node/agent.hpp"

#include <chrono>
#include <map>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "runtime/clock.hpp"

namespace dfs {

namespace {

struct agent_state {
  node_handles handles;
  node_status status;
  int64_t started_ms = 0;
  prometheus::Registry* metrics = nullptr;
  static inline const char* name = "node_agent";
};

constexpr std::chrono::seconds status_timeout{5};

// Mailbox sizes by actor label, from the gauges the actors set themselves
// (runtime/metrics.hpp: mailbox_gauge).
std::map<std::string, int64_t> mailbox_sizes(prometheus::Registry* metrics) {
  std::map<std::string, int64_t> out;
  if (!metrics)
    return out;
  for (auto& family : metrics->Collect()) {
    if (family.name != "dfs_actor_mailbox_messages")
      continue;
    for (auto& m : family.metric)
      for (auto& label : m.label)
        if (label.name == "actor")
          out[label.value] = static_cast<int64_t>(m.gauge.value);
  }
  return out;
}

// Every actor the node runs that takes requests, with its mailbox size
// when the actor reports one.
std::vector<actor_entry> actor_list(node_agent_actor::stateful_pointer<agent_state> self) {
  auto& h = self->state.handles;
  auto sizes = mailbox_sizes(self->state.metrics);
  std::vector<actor_entry> out;
  auto add = [&](std::string name, std::string kind, caf::actor handle, const std::string& label) {
    if (!handle)
      return;
    auto it = sizes.find(label);
    out.push_back(actor_entry{std::move(name), std::move(kind), it == sizes.end() ? -1 : it->second,
                              std::move(handle)});
  };
  add("agent", "agent", caf::actor_cast<caf::actor>(self), "agent");
  add("gateway", "gateway", caf::actor_cast<caf::actor>(h.gateway), "gateway");
  add("raft", "raft", caf::actor_cast<caf::actor>(h.raft), "raft");
  add("replica", "replica", caf::actor_cast<caf::actor>(h.replica), "replica");
  add("repair", "repair", caf::actor_cast<caf::actor>(h.repair), "repair");
  for (size_t i = 0; i < h.caches.size(); ++i)
    add("cache-" + std::to_string(i), "cache", caf::actor_cast<caf::actor>(h.caches[i]),
        "cache-shard-" + std::to_string(i));
  add("health", "health", caf::actor_cast<caf::actor>(h.health), "health");
  return out;
}

node_agent_actor::behavior_type node_agent(node_agent_actor::stateful_pointer<agent_state> self,
                                           node_handles handles, node_status status,
                                           prometheus::Registry* metrics) {
  self->state.metrics = metrics;
  self->state.handles = std::move(handles);
  self->state.status = std::move(status);
  self->state.started_ms = now_ms();
  return {
    [=](handles_atom) { return self->state.handles; },
    [=](actors_atom) { return actor_list(self); },
    [=](status_atom) -> caf::result<node_status> {
      auto out = self->state.status;
      out.state = "active";
      out.uptime_ms = now_ms() - self->state.started_ms;
      if (!self->state.handles.replica)
        return out;
      auto rp = self->make_response_promise<node_status>();
      self->request(self->state.handles.replica, status_timeout, status_atom::value)
        .then(
          [=](const replica_stats& stats) mutable {
            auto full = out;
            full.chunks = stats.chunks;
            full.bytes_used = stats.bytes_used;
            full.bytes_free = stats.bytes_free;
            rp.deliver(full);
          },
          [=](caf::error&) mutable {
            auto degraded = out;
            degraded.state = "storage-unavailable";
            rp.deliver(degraded);
          });
      return rp;
    },
  };
}

}  // namespace

node_agent_actor spawn_node_agent(caf::actor_system& sys, node_handles handles, node_status status,
                                  prometheus::Registry* metrics) {
  return sys.spawn(node_agent, std::move(handles), std::move(status), metrics);
}

}  // namespace dfs
