// The node agent: the one actor a node publishes on its port. Peers and
// clients ask it for typed handles of the node's other actors and for the
// node's status.
#pragma once

#include <prometheus/registry.h>
#include <caf/actor_system.hpp>

#include "messages/handles.hpp"

namespace dfs {

// `status` holds the static part (id, roles, endpoints); the agent fills in
// uptime, state and storage figures on each request. `metrics` (may be
// null) holds the actors' mailbox gauges, which the actor list reports.
node_agent_actor spawn_node_agent(caf::actor_system& sys, node_handles handles, node_status status,
                                  prometheus::Registry* metrics = nullptr);

}  // namespace dfs
