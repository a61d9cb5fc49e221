// The peer connector: keeps this node connected to the other nodes of the
// cluster. For each configured peer it connects to the node agent through
// the middleman (asynchronously; no scheduler thread waits on a socket),
// fetches the peer's handles and hands them to the local actors that need
// them: the Raft participant (the other participants), the gateway (the
// other replica managers and cache shards), the repair manager and the
// health monitor (the other monitors). A peer whose connection drops is reconnected
// every `retry` until it is back; its handles are withdrawn meanwhile.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "messages/handles.hpp"
#include "runtime/config.hpp"

namespace dfs {

struct peer_connector_config {
  std::vector<peer_address> peers;
  std::chrono::milliseconds retry{500};
  std::chrono::milliseconds connect_timeout{2000};
};

// `local` are this node's own handles (the raft and gateway handles are
// the ones that receive updates; either may be null). The connector is
// linked to them: it stops when they do.
caf::actor spawn_peer_connector(caf::actor_system& sys, peer_connector_config cfg,
                                node_handles local);

}  // namespace dfs
