#include "actors/health/monitor.hpp"

#include <algorithm>
#include <deque>
#include <map>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/health/dashboard.hpp"
#include "actors/health/metrics.hpp"
#include "messages/errc.hpp"
#include "runtime/clock.hpp"
#include "runtime/logging.hpp"
#include "runtime/metrics.hpp"
#include "runtime/process_stats.hpp"

namespace dfs {

namespace {

struct peer_entry {
  caf::actor monitor;  // null while the peer connector cannot reach it
  health::liveness live;
  node_load load;
};

struct monitor_state {
  monitor_config cfg;
  monitor_deps deps;
  int64_t started_ms = 0;
  std::map<std::string, peer_entry> peers;
  node_load load;  // this node's, as of the last answers
  process_sample last_process;
  int64_t last_process_ms = 0;
  // Cache shards' lookups at the previous sample, for the interval's hit ratio.
  std::map<uint32_t, std::pair<uint64_t, uint64_t>> cache_counts;  // shard -> (hits, misses)
  gateway_status gateway;
  bool has_gateway_status = false;
  // Readiness inputs.
  bool joined = false;
  std::string leader;
  std::string raft_detail = "no answer from the Raft participant yet";
  bool storage_ok = false;
  std::string storage_detail = "no answer from the replica manager yet";
  raft_status raft;                    // the participant's last answer
  std::deque<dashboard_event> events;  // most recent last
  uint64_t repairs_seen = 0;           // repairs_done already reported as an event
  std::shared_ptr<spdlog::logger> log;
  static inline const char* name = "health_monitor";
};

using monitor_pointer = health_actor::stateful_pointer<monitor_state>;

void note_event(monitor_state& st, std::string kind, std::string text) {
  st.events.push_back(dashboard_event{now_ms(), std::move(kind), std::move(text)});
  while (st.events.size() > 50)
    st.events.pop_front();
}

// Peer `id` entered `state` (with suspicion `phi`): logged, counted, and
// an event for the dashboard.
void peer_changed(monitor_state& st, const std::string& id, health::node_health state, double phi) {
  auto level = state == health::node_health::active ? spdlog::level::info : spdlog::level::warn;
  st.log->log(level, "peer {} is now {} (phi {:.1f})", id, health::to_string(state), phi);
  note_event(st, "node", "node " + id + " is now " + health::to_string(state));
  if (st.deps.metrics)
    st.deps.metrics->state_changed();
}

// A follower that has not heard from its leader for this long is not
// ready (the election timeout is 150-300 ms; this leaves room for load).
constexpr int64_t leader_contact_ms = 2000;

peer_entry& peer_of(monitor_pointer self, const std::string& id) {
  auto& st = self->state;
  auto it = st.peers.find(id);
  if (it == st.peers.end())
    it = st.peers
           .emplace(id, peer_entry{caf::actor{}, health::liveness{st.cfg.liveness, mono_ms()},
                                   node_load{}})
           .first;
  return it->second;
}

// Asks the node's own actors for their figures; the answers update
// st.load (and readiness inputs) when they come.
void sample(monitor_pointer self) {
  auto& st = self->state;
  auto now = mono_ms();
  auto proc = sample_process();
  if (st.last_process_ms > 0)
    st.load.cpu =
      cpu_share(st.last_process, proc, static_cast<double>(now - st.last_process_ms) / 1000.0);
  st.last_process = proc;
  st.last_process_ms = now;
  st.load.memory_bytes = proc.rss_bytes;
  st.load.uptime_ms = now - st.started_ms;
  auto timeout = st.cfg.interval;
  if (st.deps.replica)
    self->request(st.deps.replica, timeout, status_atom::value)
      .then(
        [=](replica_stats& s) {
          auto& st = self->state;
          st.load.disk_used = s.bytes_used;
          st.load.disk_free = s.bytes_free;
          if (st.deps.metrics)
            st.deps.metrics->storage(s);
          bool room = s.bytes_free >= st.cfg.min_free_bytes;
          st.storage_ok = s.writable && room;
          st.storage_detail = !s.writable ? "the last chunk write failed (disk error or full)"
                              : !room     ? "less than one chunk of free space left"
                                          : "";
        },
        [=](caf::error& err) {
          self->state.storage_ok = false;
          self->state.storage_detail = "replica manager: " + describe(err);
        });
  if (st.deps.gateway)
    self->request(st.deps.gateway, timeout, status_atom::value)
      .then(
        [=](gateway_status& g) {
          auto& st = self->state;
          st.load.in_flight = g.in_flight;
          st.load.latency_p50_ms = g.latency_p50_ms;
          st.load.latency_ewma_ms = g.latency_ewma_ms;
          st.load.latency_p99_ms = g.latency_p99_ms;
          st.load.requests = g.requests;
          st.load.rejected = g.rejected;
          st.gateway = std::move(g);
          st.has_gateway_status = true;
        },
        [](caf::error&) {});
  if (st.deps.repair)
    self->request(st.deps.repair, timeout, status_atom::value)
      .then(
        [=](fsck_report& f) {
          auto& st = self->state;
          st.load.under_replicated = f.under_replicated;
          st.load.corrupt = f.corrupt;
          st.load.lost = f.lost;
          st.load.repairs_done = f.repairs_done;
          if (f.repairs_done > st.repairs_seen)
            note_event(st, "repair",
                       std::to_string(f.repairs_done - st.repairs_seen) + " chunk cop" +
                         (f.repairs_done - st.repairs_seen == 1 ? "y" : "ies") + " repaired");
          st.repairs_seen = f.repairs_done;
        },
        [](caf::error&) {});
  for (auto& shard : st.deps.caches)
    self->request(shard, timeout, status_atom::value)
      .then(
        [=](cache_shard_stats& c) {
          auto& st = self->state;
          st.cache_counts[c.shard] = {c.hits, c.misses};
        },
        [](caf::error&) {});
  if (st.deps.raft)
    self->request(st.deps.raft, timeout, status_atom::value)
      .then(
        [=](raft_status& r) {
          auto& st = self->state;
          auto member = [&](const std::vector<std::string>& ids) {
            return std::find(ids.begin(), ids.end(), st.cfg.node_id) != ids.end();
          };
          if (!r.leader.empty() && r.leader != st.raft.leader)
            note_event(st, "leader",
                       "Raft leader is now " + r.leader + " (term " + std::to_string(r.term) + ")");
          st.raft = r;
          st.joined = member(r.voters) || member(r.learners);
          // A leader counts while this node hears from it (the leader's own
          // contact is 0): a follower cut off remembers the name only.
          bool in_contact = r.last_contact_ms >= 0 && r.last_contact_ms < leader_contact_ms;
          st.leader = in_contact ? r.leader : std::string{};
          st.raft_detail = !st.joined         ? "not a member of the Raft group"
                           : r.leader.empty() ? "no Raft leader known"
                           : !in_contact      ? "no word from leader " + r.leader + " for " +
                                             std::to_string(r.last_contact_ms) + " ms"
                                         : "";
        },
        [=](caf::error& err) {
          self->state.joined = false;
          self->state.leader.clear();
          self->state.raft_detail = "Raft participant: " + describe(err);
        });
}

// The cache hit ratio over the last interval, from the shards' counters.
void update_cache_ratio(monitor_state& st,
                        std::map<uint32_t, std::pair<uint64_t, uint64_t>>& prev) {
  uint64_t hits = 0, lookups = 0;
  for (auto& [shard, now] : st.cache_counts) {
    auto before = prev.count(shard) ? prev[shard] : std::pair<uint64_t, uint64_t>{0, 0};
    hits += now.first - std::min(now.first, before.first);
    lookups +=
      now.first + now.second - std::min(now.first + now.second, before.first + before.second);
  }
  st.load.cache_hit_ratio =
    lookups == 0 ? -1 : static_cast<double>(hits) / static_cast<double>(lookups);
  prev = st.cache_counts;
}

std::vector<peer_health> verdicts(monitor_pointer self, int64_t now) {
  auto& st = self->state;
  std::vector<peer_health> out;
  for (auto& [id, p] : st.peers) {
    auto before = p.live.state();
    auto state = p.live.evaluate(now);
    if (state != before)
      peer_changed(st, id, state, p.live.phi(now));
    peer_health h;
    h.node = node_id{id};
    h.state = health::to_string(state);
    h.phi = finite_or_zero(p.live.phi(now));
    h.state_for_ms = now - p.live.since_ms();
    h.heard_ago_ms =
      p.live.detector().seen() ? now - p.live.detector().last_heartbeat_ms() : int64_t{-1};
    h.load = p.load;
    out.push_back(std::move(h));
  }
  return out;
}

void update_readiness(monitor_pointer self) {
  auto& st = self->state;
  if (!st.deps.readiness)
    return;
  std::vector<node_readiness::check> checks;
  if (st.cfg.needs_raft) {
    checks.push_back({"joined", st.joined, st.joined ? "" : st.raft_detail});
    bool led = st.joined && !st.leader.empty();
    checks.push_back({"leader", led, led ? "leader is " + st.leader : st.raft_detail});
  }
  if (st.cfg.needs_storage)
    checks.push_back({"storage", st.storage_ok, st.storage_detail});
  if (checks.empty())
    checks.push_back({"process", true, ""});
  st.deps.readiness->set(std::move(checks));
}

void round(monitor_pointer self, std::map<uint32_t, std::pair<uint64_t, uint64_t>>& prev_cache) {
  auto& st = self->state;
  auto now = mono_ms();
  update_cache_ratio(st, prev_cache);
  ++st.load.sequence;
  for (auto* x :
       {&st.load.cpu, &st.load.latency_ewma_ms, &st.load.latency_p99_ms, &st.load.cache_hit_ratio})
    *x = finite_or_zero(*x);
  for (auto& [id, p] : st.peers)
    if (p.monitor)
      self->send(caf::actor_cast<health_actor>(p.monitor), heartbeat_atom::value, st.load);
  auto v = verdicts(self, now);
  if (st.deps.metrics) {
    st.deps.metrics->own_load(st.load, st.last_process.open_files);
    st.deps.metrics->mailbox(self->mailbox().size());
    for (auto& p : v)
      st.deps.metrics->peer(p);
  }
  if (st.deps.gateway)
    self->send(st.deps.gateway, health_atom::value, v);
  if (st.deps.repair)
    self->send(st.deps.repair, health_atom::value, v);
  update_readiness(self);
  if (st.deps.dashboard) {
    dashboard_input in;
    in.node = st.cfg.node_id;
    in.time_ms = now_ms();
    in.raft = st.raft;
    in.self = st.load;
    in.peers = v;
    in.has_gateway = st.has_gateway_status;
    in.gateway = st.gateway;
    in.roles = st.deps.roles;
    in.events = &st.events;
    st.deps.dashboard->publish(dashboard_json(in));
  }
  sample(self);  // for the next round
}

health_actor::behavior_type health_monitor(monitor_pointer self, monitor_config cfg,
                                           monitor_deps deps) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.deps = std::move(deps);
  st.started_ms = mono_ms();
  st.load.node = node_id{st.cfg.node_id};
  st.load.roles = st.deps.roles;
  st.log = logger_for("health");
  auto prev_cache = std::make_shared<std::map<uint32_t, std::pair<uint64_t, uint64_t>>>();
  sample(self);
  self->send(self, tick_atom::value);
  return {
    [=](heartbeat_atom, node_load& load) {
      auto& st = self->state;
      if (load.node.value.empty() || load.node.value == st.cfg.node_id)
        return;
      auto& p = peer_of(self, load.node.value);
      // Heartbeats go both ways: a peer that found this node (through
      // its node table) before this node found it is answered in kind.
      if (!p.monitor)
        p.monitor = caf::actor_cast<caf::actor>(self->current_sender());
      auto before = p.live.state();
      auto now = mono_ms();
      p.live.heartbeat(now);
      if (p.live.state() != before)
        peer_changed(st, load.node.value, p.live.state(), p.live.phi(now));
      p.load = std::move(load);
      if (st.deps.metrics)
        st.deps.metrics->heartbeat_received();
    },
    [=](peers_atom, const node_id& node, const caf::actor& monitor) {
      if (node.value == self->state.cfg.node_id)
        return;
      peer_of(self, node.value).monitor = monitor;
    },
    [=](remove_atom, const node_id& node) {
      // Removed from the cluster: no longer watched, nor reported down.
      if (self->state.peers.erase(node.value) > 0)
        self->state.log->info("peer {} removed from the cluster: no longer watched", node.value);
    },
    [=](status_atom) {
      auto& st = self->state;
      health_report r;
      r.self = st.load;
      r.peers = verdicts(self, mono_ms());
      r.has_gateway = st.has_gateway_status;
      r.gateway = st.gateway;
      return r;
    },
    [=](tick_atom) {
      if (self->current_sender() != self->ctrl())
        return;
      round(self, *prev_cache);
      self->delayed_send(self, self->state.cfg.interval, tick_atom::value);
    },
  };
}

}  // namespace

health_actor spawn_health_monitor(caf::actor_system& sys, monitor_config cfg, monitor_deps deps) {
  return sys.spawn(health_monitor, std::move(cfg), std::move(deps));
}

}  // namespace dfs
