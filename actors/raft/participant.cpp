#include "actors/raft/participant.hpp"

#include <functional>
#include <map>
#include <memory>
#include <random>

#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/raft/core.hpp"
#include "actors/raft/log_store.hpp"
#include "actors/raft/wire.hpp"
#include "messages/errc.hpp"
#include "runtime/logging.hpp"

namespace dfs {

namespace {

constexpr std::chrono::seconds apply_timeout{30};

struct pending_proposal {
  caf::typed_response_promise<file_info> promise;
  uint64_t term;
};

struct waiting_read {
  uint64_t index = 0;  // serve once applied up to here
  std::function<void()> serve;
  std::function<void(caf::error)> fail;
};

struct participant_state {
  participant_config cfg;
  std::shared_ptr<raft::core> core;
  std::shared_ptr<raft::log_store> store;
  meta_worker_actor worker;
  std::map<std::string, caf::actor> peers;
  std::map<uint64_t, pending_proposal> proposals;  // by log index
  std::map<uint64_t, waiting_read> reads;          // by read request id
  uint64_t next_read = 0;
  uint64_t applied = 0;                      // acknowledged by the worker
  std::map<uint64_t, uint64_t> entry_terms;  // index -> term of entries sent to apply
  std::shared_ptr<spdlog::logger> log;
  static inline const char* name = "raft_participant";
};

using participant_pointer = raft_actor::stateful_pointer<participant_state>;

void serve_reads(participant_pointer self) {
  auto& st = self->state;
  for (auto it = st.reads.begin(); it != st.reads.end();) {
    if (it->second.index > 0 && it->second.index <= st.applied) {
      it->second.serve();
      it = st.reads.erase(it);
    } else {
      ++it;
    }
  }
}

void applied_up_to(participant_pointer self, uint64_t index, const caf::error& err,
                   file_info info) {
  auto& st = self->state;
  st.applied = std::max(st.applied, index);
  auto term = st.entry_terms[index];
  st.entry_terms.erase(index);
  auto it = st.proposals.find(index);
  if (it != st.proposals.end()) {
    if (it->second.term != term)
      it->second.promise.deliver(
        make_error(errc::unavailable, "leadership changed before the command committed"));
    else if (err)
      it->second.promise.deliver(err);
    else
      it->second.promise.deliver(std::move(info));
    st.proposals.erase(it);
  }
  serve_reads(self);
}

// Does what the core asks: persist, then send, then apply.
void flush(participant_pointer self) {
  auto& st = self->state;
  auto rd = st.core->take_ready();
  if (rd.empty())
    return;
  try {
    if (rd.has_snapshot)
      st.store->save_snapshot(rd.snapshot, true);
    st.store->save(rd.hard_state_changed, rd.hard_state, rd.entries);
  } catch (const std::exception& ex) {
    st.log->critical("cannot persist the raft log: {}", ex.what());
    self->quit(make_error(errc::io_error, ex.what()));
    return;
  }
  for (auto& m : rd.messages) {
    auto peer = st.peers.find(m.to);
    if (peer != st.peers.end())
      caf::anon_send(peer->second, raft_atom::value, raft::to_wire(m));
  }
  for (auto& e : rd.committed) {
    st.entry_terms[e.index] = e.term;
    // No-ops and membership entries still take their index in the state
    // machine (as empty commands), so its applied index follows the log.
    auto data = e.type == raft::entry_type::normal ? e.data : std::string{};
    auto index = e.index;
    self->request(st.worker, apply_timeout, apply_atom::value, index, data)
      .then([=](file_info& info) { applied_up_to(self, index, caf::error{}, std::move(info)); },
            [=](caf::error& err) { applied_up_to(self, index, err, file_info{}); });
  }
  for (auto& r : rd.reads) {
    auto it = st.reads.find(r.request);
    if (it != st.reads.end())
      it->second.index = std::max<uint64_t>(r.index, 1);
  }
  serve_reads(self);
}

caf::error not_leader(participant_pointer self) {
  auto& leader = self->state.core->leader();
  return make_error(errc::unavailable, "not the leader; the leader is " +
                                         (leader.empty() ? std::string{"unknown"} : leader));
}

// A linearizable read: confirmed by ReadIndex, then served by the worker.
template <class T, class Atom>
caf::result<T> linearizable_read(participant_pointer self, Atom atom, const request_context& ctx,
                                 const std::string& path) {
  auto& st = self->state;
  auto request = ++st.next_read;
  if (!st.core->read_index(request))
    return not_leader(self);
  auto rp = self->make_response_promise<T>();
  waiting_read w;
  w.serve = [=]() mutable {
    self->request(self->state.worker, apply_timeout, atom, ctx, path)
      .then([=](T& value) mutable { rp.deliver(std::move(value)); },
            [=](caf::error& err) mutable { rp.deliver(err); });
  };
  st.reads.emplace(request, std::move(w));
  flush(self);
  return rp;
}

raft_actor::behavior_type participant(participant_pointer self, participant_config cfg,
                                      std::shared_ptr<raft::core> core,
                                      std::shared_ptr<raft::log_store> store,
                                      meta_worker_actor worker) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.core = std::move(core);
  st.store = std::move(store);
  st.worker = std::move(worker);
  st.log = logger_for("raft");
  self->link_to(st.worker);
  self->delayed_send(self, st.cfg.tick, tick_atom::value);
  return {
    [=](raft_atom, const raft_msg& w) {
      raft::message m;
      if (!raft::from_wire(w, m) || m.to != self->state.cfg.id) {
        self->state.log->warn("dropped a malformed raft message from {}", w.from);
        return;
      }
      self->state.core->step(m);
      flush(self);
    },
    [=](peers_atom, const std::vector<std::string>& ids, const std::vector<caf::actor>& handles) {
      auto& peers = self->state.peers;
      peers.clear();
      for (size_t i = 0; i < ids.size() && i < handles.size(); ++i)
        peers[ids[i]] = handles[i];
    },
    [=](tick_atom) {
      if (self->current_sender() != self->ctrl())
        return;
      self->state.core->tick();
      flush(self);
      self->delayed_send(self, self->state.cfg.tick, tick_atom::value);
    },
    [=](propose_atom, const request_context&, const std::string& cmd) -> caf::result<file_info> {
      auto& st = self->state;
      auto index = st.core->propose(cmd);
      if (index == 0)
        return not_leader(self);
      auto rp = self->make_response_promise<file_info>();
      st.proposals[index] = pending_proposal{rp, st.core->term()};
      flush(self);
      return rp;
    },
    [=](stat_atom a, const request_context& ctx, const std::string& path) {
      return linearizable_read<file_info>(self, a, ctx, path);
    },
    [=](list_atom a, const request_context& ctx, const std::string& path) {
      return linearizable_read<std::vector<file_info>>(self, a, ctx, path);
    },
    [=](status_atom) {
      auto& c = *self->state.core;
      return raft_status{self->state.cfg.id, raft::to_string(c.current_role()),
                         c.leader(),         c.term(),
                         c.commit_index(),   self->state.applied,
                         c.last_index()};
    },
  };
}

}  // namespace

caf::expected<raft_actor> spawn_raft_participant(caf::actor_system& sys, participant_config cfg,
                                                 meta_worker_actor worker) {
  std::shared_ptr<raft::log_store> store;
  raft::hard_state hs;
  raft::snapshot snap;
  std::vector<raft::entry> log;
  try {
    store = std::make_shared<raft::log_store>(cfg.db_path);
    auto why = store->load(hs, snap, log);
    if (!why.empty())
      return make_error(errc::corrupt, cfg.db_path + ": " + why);
  } catch (const std::exception& ex) {
    return make_error(errc::io_error, ex.what());
  }
  raft::config rc;
  rc.id = cfg.id;
  rc.voters = cfg.voters;
  rc.election_ticks = cfg.election_ticks;
  auto seed =
    cfg.seed ? cfg.seed : (uint64_t{std::random_device{}()} << 32 | std::random_device{}());
  // The state machine skips indexes it already applied, so replaying from
  // the snapshot is safe after a restart.
  auto core = std::make_shared<raft::core>(rc, hs, snap, log, snap.index, seed);
  return sys.spawn<caf::detached>(participant, std::move(cfg), std::move(core), std::move(store),
                                  std::move(worker));
}

}  // namespace dfs
