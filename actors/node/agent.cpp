#include "actors/node/agent.hpp"

#include <chrono>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "runtime/clock.hpp"

namespace dfs {

namespace {

struct agent_state {
  node_handles handles;
  node_status status;
  int64_t started_ms = 0;
  static inline const char* name = "node_agent";
};

constexpr std::chrono::seconds status_timeout{5};

node_agent_actor::behavior_type node_agent(node_agent_actor::stateful_pointer<agent_state> self,
                                           node_handles handles, node_status status) {
  self->state.handles = std::move(handles);
  self->state.status = std::move(status);
  self->state.started_ms = now_ms();
  return {
    [=](handles_atom) { return self->state.handles; },
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

node_agent_actor spawn_node_agent(caf::actor_system& sys, node_handles handles,
                                  node_status status) {
  return sys.spawn(node_agent, std::move(handles), std::move(status));
}

}  // namespace dfs
