#include "actors/node/peers.hpp"

#include <map>
#include <set>

#include <caf/event_based_actor.hpp>
#include <caf/io/middleman.hpp>
#include <caf/io/middleman_actor.hpp>
#include <caf/stateful_actor.hpp>

#include "messages/errc.hpp"
#include "runtime/logging.hpp"

namespace dfs {

namespace {

struct peer {
  peer_address address;
  bool connecting = false;
  caf::actor agent;      // null while disconnected
  node_handles handles;  // valid while connected
};

struct connector_state {
  peer_connector_config cfg;
  node_handles local;
  std::map<std::string, peer> peers;  // by node id
  std::shared_ptr<spdlog::logger> log;
  static inline const char* name = "peer_connector";
};

using connector_pointer = caf::stateful_actor<connector_state>*;

// Tells the local actors which peers are reachable now.
void publish(connector_pointer self) {
  auto& st = self->state;
  if (st.local.raft) {
    std::vector<std::string> ids;
    std::vector<caf::actor> handles;
    for (auto& [id, p] : st.peers)
      if (p.agent && p.handles.raft) {
        ids.push_back(id);
        handles.push_back(caf::actor_cast<caf::actor>(p.handles.raft));
      }
    self->send(st.local.raft, peers_atom::value, std::move(ids), std::move(handles));
  }
  if (st.local.gateway)
    for (auto& [id, p] : st.peers)
      self->send(st.local.gateway, peers_atom::value, node_id{id},
                 p.agent ? p.handles.replica : replica_actor{});
}

void connect(connector_pointer self, const std::string& id) {
  auto& st = self->state;
  auto& p = st.peers.at(id);
  if (p.connecting || p.agent)
    return;
  p.connecting = true;
  auto mm = self->system().middleman().actor_handle();
  auto addr = p.address.addr;
  auto timeout = st.cfg.connect_timeout;
  auto failed = [=](const caf::error& err) {
    auto& p = self->state.peers.at(id);
    p.connecting = false;
    self->state.log->debug("peer {} at {} not reachable: {}", id, addr.to_string(), describe(err));
  };
  self->request(mm, timeout, caf::connect_atom_v, addr.host, addr.port)
    .then(
      [=](const caf::node_id&, caf::strong_actor_ptr& ptr, const std::set<std::string>&) {
        if (!ptr)
          return failed(make_error(errc::unavailable, "no actor published there"));
        auto agent = caf::actor_cast<node_agent_actor>(ptr);
        self->request(agent, timeout, handles_atom::value)
          .then(
            [=](const node_handles& handles) {
              auto& p = self->state.peers.at(id);
              p.connecting = false;
              if (handles.id.value != id) {
                self->state.log->warn("peer at {} says it is '{}', configured as '{}'; ignored",
                                      addr.to_string(), handles.id.value, id);
                return;
              }
              p.agent = caf::actor_cast<caf::actor>(agent);
              p.handles = handles;
              self->monitor(p.agent);
              self->state.log->info("connected to peer {} at {}", id, addr.to_string());
              publish(self);
            },
            failed);
      },
      failed);
}

caf::behavior peer_connector(connector_pointer self, peer_connector_config cfg,
                             node_handles local) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.local = std::move(local);
  st.log = logger_for("peers");
  // It lives as long as the actors it serves.
  if (st.local.raft)
    self->link_to(st.local.raft);
  if (st.local.gateway)
    self->link_to(st.local.gateway);
  for (auto& a : st.cfg.peers)
    st.peers[a.id].address = a;
  self->set_down_handler([=](caf::down_msg& down) {
    for (auto& [id, p] : self->state.peers)
      if (p.agent && p.agent.address() == down.source) {
        self->state.log->warn("lost the connection to peer {}: {}", id, describe(down.reason));
        p.agent = nullptr;
        p.handles = node_handles{};
        publish(self);
        connect(self, id);
      }
  });
  self->send(self, tick_atom::value);
  return {
    [=](tick_atom) {
      if (self->current_sender() != self->ctrl())
        return;
      for (auto& [id, p] : self->state.peers)
        connect(self, id);
      self->delayed_send(self, self->state.cfg.retry, tick_atom::value);
    },
  };
}

}  // namespace

caf::actor spawn_peer_connector(caf::actor_system& sys, peer_connector_config cfg,
                                node_handles local) {
  return sys.spawn(peer_connector, std::move(cfg), std::move(local));
}

}  // namespace dfs
