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
  bool configured = false;  // from the config file (else: from the node table)
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
                 p.agent ? p.handles.replica : replica_actor{},
                 p.agent ? p.handles.caches : std::vector<cache_actor>{});
  if (st.local.repair)
    for (auto& [id, p] : st.peers)
      self->send(st.local.repair, peers_atom::value, node_id{id}, p.address.addr.to_string(),
                 p.agent ? p.handles.replica : replica_actor{},
                 p.agent ? caf::actor_cast<caf::actor>(p.handles.repair) : caf::actor{});
  if (st.local.health)
    for (auto& [id, p] : st.peers)
      self->send(st.local.health, peers_atom::value, node_id{id},
                 p.agent ? caf::actor_cast<caf::actor>(p.handles.health) : caf::actor{});
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
    auto it = self->state.peers.find(id);
    if (it == self->state.peers.end())
      return;  // removed meanwhile
    it->second.connecting = false;
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
              auto it = self->state.peers.find(id);
              if (it == self->state.peers.end())
                return;  // removed meanwhile
              auto& p = it->second;
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

// Nodes added to the cluster after this one started are in the metadata's
// node table: connect to those too, and let go of the ones removed since.
void learn_members(connector_pointer self) {
  auto& st = self->state;
  if (!st.local.raft)
    return;
  self->request(st.local.raft, st.cfg.connect_timeout, members_atom::value)
    .then(
      [=](const std::vector<std::string>& members) {
        auto& st = self->state;
        std::set<std::string> listed;
        bool changed = false;
        for (auto& text : members) {
          auto p = parse_peer(text);
          if (!p || p->id == st.local.id.value)
            continue;
          listed.insert(p->id);
          auto& known = st.peers[p->id];
          if (known.configured || known.address.addr.to_string() == p->addr.to_string())
            continue;
          st.log->info("node table: peer {} is at {}", p->id, p->addr.to_string());
          known.address = *p;
          if (known.agent) {
            self->demonitor(known.agent);
            known.agent = nullptr;
            known.handles = node_handles{};
            changed = true;
          }
          connect(self, p->id);
        }
        for (auto it = st.peers.begin(); it != st.peers.end();) {
          if (it->second.configured || listed.count(it->first)) {
            ++it;
            continue;
          }
          st.log->info("node table: peer {} was removed", it->first);
          if (it->second.agent)
            self->demonitor(it->second.agent);
          if (st.local.gateway)
            self->send(st.local.gateway, peers_atom::value, node_id{it->first}, replica_actor{},
                       std::vector<cache_actor>{});
          if (st.local.repair)
            self->send(st.local.repair, peers_atom::value, node_id{it->first},
                       it->second.address.addr.to_string(), replica_actor{}, caf::actor{});
          if (st.local.health)
            self->send(st.local.health, remove_atom::value, node_id{it->first});
          it = st.peers.erase(it);
          changed = true;
        }
        if (changed)
          publish(self);
      },
      [=](caf::error&) {});  // the participant is busy or starting: next tick
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
  if (st.local.health)
    self->link_to(st.local.health);
  for (auto& a : st.cfg.peers) {
    st.peers[a.id].address = a;
    st.peers[a.id].configured = true;
  }
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
      learn_members(self);
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
