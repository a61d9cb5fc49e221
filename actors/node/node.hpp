// Assembles a node from its config: spawns the actors of its roles
// (metadata service, replica manager, gateway) and stops them again in
// order. Shared by dfsd and the in-process tests, so both run the same wiring.
#pragma once

#include <memory>

#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

#include "messages/handles.hpp"
#include "runtime/config.hpp"
#include "runtime/disk.hpp"

namespace prometheus {
class Registry;
}

namespace dfs {

class dashboard_feed;
class node_readiness;

// Spawns the role actors of `cfg` with data under cfg.data_dir on `fs`,
// and the node's health monitor. `metrics` may be null (no metrics);
// `readiness` and `dashboard` (may be null) are kept up to date by the
// monitor. A role that
// cannot start (a damaged database, an unwritable data dir) is an error
// and nothing stays running.
caf::expected<node_handles> spawn_node(caf::actor_system& sys, const node_config& cfg,
                                       std::shared_ptr<disk> fs, prometheus::Registry* metrics,
                                       std::shared_ptr<node_readiness> readiness = nullptr,
                                       std::shared_ptr<dashboard_feed> dashboard = nullptr);

// Stops the node's actors from the edge inwards: the monitor and the gateway first (its
// in-flight requests fail cleanly), the metadata service last (every
// applied command is already committed; its database closes when it ends).
void stop_node(const node_handles& handles);

// The static part of the node's status (id, roles, endpoints).
node_status static_status(const node_config& cfg);

}  // namespace dfs
