#include "actors/client/meta_batcher.hpp"

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "messages/errc.hpp"
#include "runtime/deadline.hpp"

namespace dfs {

namespace {

// At most this many stats in one message (the member refuses more).
constexpr size_t batch_limit = 1024;
// The longest a batch waits for its answer; each stat's own deadline, when
// sooner, is enforced by the member.
constexpr std::chrono::milliseconds batch_timeout{30000};
// The member reports a missed deadline a little after it (at its next
// tick, or when its own request to the leader times out, 1 s): the batch
// waits that much longer, so that its stats get the member's answers.
constexpr std::chrono::milliseconds member_slack{2000};
// A read in one round trip waits this long at most for the leader and the
// other members before the batch goes the usual way. Checked by a sweep
// every sweep_interval while such reads are under way, not by a CAF
// timeout per request (each would cost a round trip through CAF's clock
// thread).
constexpr std::chrono::milliseconds one_round_timeout{1000};
constexpr std::chrono::milliseconds sweep_interval{100};
// How often a batcher in use asks the group for its status again (besides
// after every read in one round that did not stand), so that a member that
// was silent is asked again once it is back.
constexpr std::chrono::seconds relearn_interval{10};
// ... and not more often than this after reads that did not stand.
constexpr std::chrono::milliseconds relearn_pause{100};

using batcher_actor = meta_actor::extend<caf::reacts_to<flush_atom>, caf::reacts_to<tick_atom>>;

struct waiting_stat {
  request_context ctx;
  std::string path;
  caf::typed_response_promise<file_info> rp;
};

using stat_batch = std::shared_ptr<std::vector<waiting_stat>>;

struct batcher_state {
  meta_actor member;
  // With the group: every member by its id, and the leader, as their
  // status last said (empty: not known).
  std::vector<meta_actor> group;
  std::map<std::string, meta_actor> members;
  std::string leader;
  uint64_t leader_term = 0;         // the term `leader` was reported in
  std::vector<std::string> voters;  // as reported with `leader`
  std::string member_id;            // of `member`
  std::set<std::string> silent;     // members that did not answer the last status request
  bool learning = false;
  std::chrono::steady_clock::time_point learned;  // when the last status requests went
  // The read in one round trip under way (at most one: a round goes only
  // when no batch is in flight): when it gives up, and how (null: none).
  std::chrono::steady_clock::time_point round_due;
  std::function<void()> give_up;
  bool sweeping = false;  // a tick_atom to itself is on its way
  int in_flight = 0;      // batches sent and not answered yet
  std::vector<waiting_stat> pending;
  static inline const char* name = "meta_batcher";
};

using batcher_pointer = batcher_actor::stateful_pointer<batcher_state>;

caf::timespan batch_wait(const stat_batch& batch) {
  auto timeout = std::chrono::milliseconds{1};
  for (auto& w : *batch)
    timeout = std::max(timeout, time_left(w.ctx, batch_timeout));
  return timeout;
}

// The batch as the two lists a stat message carries.
std::pair<std::vector<request_context>, std::vector<std::string>> split(const stat_batch& batch) {
  std::pair<std::vector<request_context>, std::vector<std::string>> out;
  for (auto& w : *batch) {
    out.first.push_back(w.ctx);
    out.second.push_back(w.path);
  }
  return out;
}

void answer(const stat_batch& batch, batch_results& out) {
  for (size_t i = 0; i < batch->size(); ++i) {
    auto& rp = (*batch)[i].rp;
    if (i >= out.results.size() || i >= out.errors.size())
      rp.deliver(make_error(errc::internal, "the member answered a short batch"));
    else if (out.errors[i])
      rp.deliver(std::move(out.errors[i]));
    else
      rp.deliver(std::move(out.results[i]));
  }
}

// Asks every member of the group for its status: who it is, who leads.
void learn(batcher_pointer self) {
  auto& st = self->state;
  auto now = std::chrono::steady_clock::now();
  if (st.learning || st.group.empty() || now - st.learned < relearn_pause)
    return;
  st.learning = true;
  st.learned = now;
  auto left = std::make_shared<size_t>(st.group.size());
  auto answered = std::make_shared<std::set<std::string>>();
  auto done = [=] {
    if (--*left > 0)
      return;
    auto& st = self->state;
    st.learning = false;
    st.silent.clear();
    for (auto& [id, m] : st.members)
      if (answered->count(id) == 0)
        st.silent.insert(id);
  };
  for (auto& m : st.group)
    self->request(m, one_round_timeout, status_atom::value)
      .then(
        [=](raft_status& s) {
          auto& st = self->state;
          st.members[s.id] = m;
          answered->insert(s.id);
          if (m == st.member)
            st.member_id = s.id;
          // Never back to an older term (a member cut off from the rest
          // may still name the leader it had).
          if (s.term > st.leader_term || (s.term == st.leader_term && !s.leader.empty())) {
            st.leader_term = s.term;
            st.leader = s.leader;  // empty while an election runs
            st.voters = s.voters;
          }
          done();
        },
        [=](caf::error&) { done(); });
}

// The usual way: the whole batch to the member, which confirms each read
// with the leader (ReadIndex).
void send_to_member(batcher_pointer self, stat_batch batch) {
  auto& st = self->state;
  auto [ctxs, paths] = split(batch);
  ++st.in_flight;
  self
    ->request(st.member, batch_wait(batch) + member_slack, stat_atom::value, std::move(ctxs),
              std::move(paths))
    .then(
      [=](batch_results& out) {
        --self->state.in_flight;
        answer(batch, out);
      },
      [=](caf::error& err) {
        --self->state.in_flight;
        for (auto& w : *batch)
          w.rp.deliver(err);
      });
}

void sweep_soon(batcher_pointer self) {
  auto& st = self->state;
  if (!st.sweeping && st.give_up) {
    st.sweeping = true;
    self->delayed_send(self, sweep_interval, tick_atom::value);
  }
}

// One round trip: the batch to the leader, which serves it at its commit
// index, and a status request at the same moment to as many other members
// as make a quorum with the leader (one of three: the batcher's own member
// unless it leads). The answer stands once their status confirms the
// leader (confirms_leader_read). Otherwise (the leader moved, refused or
// is silent) the batch goes the usual way, and the batcher learns the
// group anew. Asking every member would wake all of them at once for each
// read: on a machine with fewer cores than processes that costs more time
// than the round trip saves.
void send_in_one_round(batcher_pointer self, stat_batch batch, std::vector<meta_actor> others) {
  auto& st = self->state;
  struct round {
    std::string leader;
    std::optional<batch_results> lead;
    bool lead_failed = false;
    std::vector<raft_status> standings;
    size_t statuses_left = 0;
    bool done = false;
  };
  auto r = std::make_shared<round>();
  r->leader = st.leader;
  r->statuses_left = others.size();
  auto settle = [=] {
    if (r->done)
      return;
    auto finish = [&] {
      r->done = true;
      --self->state.in_flight;
      self->state.give_up = nullptr;
    };
    if (r->lead && confirms_leader_read(r->leader, r->lead->term, r->lead->voters, r->standings)) {
      finish();
      answer(batch, *r->lead);
      return;
    }
    if (r->lead_failed || (r->lead && r->statuses_left == 0)) {
      finish();
      learn(self);
      send_to_member(self, batch);
    }
  };
  auto [ctxs, paths] = split(batch);
  // Half the time the most urgent read has left at most, so that the usual
  // way still has time after a round that did not stand.
  caf::timespan wait = one_round_timeout;
  for (auto& w : *batch)
    wait = std::min<caf::timespan>(wait, time_left(w.ctx, batch_timeout) / 2);
  ++st.in_flight;
  st.round_due = std::chrono::steady_clock::now() + wait;
  st.give_up = [=] {
    r->lead_failed = true;  // silent: as good as refused
    settle();
  };
  sweep_soon(self);
  self
    ->request(st.members.at(st.leader), caf::infinite, stat_atom::value, std::move(ctxs),
              std::move(paths), lead_atom::value)
    .then(
      [=](batch_results& out) {
        r->lead = std::move(out);
        settle();
      },
      [=](caf::error&) {
        r->lead_failed = true;
        settle();
      });
  for (auto& m : others)
    self->request(m, caf::infinite, status_atom::value)
      .then(
        [=](raft_status& s) {
          r->standings.push_back(std::move(s));
          --r->statuses_left;
          settle();
        },
        [=](caf::error&) {
          --r->statuses_left;
          settle();
        });
}

// The members to ask for their status so that, with the leader, they are
// a quorum of its voters: the batcher's own member first, none that was
// silent when last asked. Empty when too few are known.
std::vector<meta_actor> confirmers(const batcher_state& st) {
  std::vector<meta_actor> out;
  auto wanted = st.voters.size() / 2;
  auto usable = [&](const std::string& id) {
    return id != st.leader && st.silent.count(id) == 0 && st.members.count(id) > 0 &&
           std::find(st.voters.begin(), st.voters.end(), id) != st.voters.end();
  };
  if (usable(st.member_id))
    out.push_back(st.members.at(st.member_id));
  for (auto& id : st.voters)
    if (out.size() < wanted && id != st.member_id && usable(id))
      out.push_back(st.members.at(id));
  if (out.size() < wanted || wanted == 0)
    out.clear();
  return out;
}

// Sends what is pending as one message; answers each stat from the reply.
// A batch that finds no other one under way goes in one round trip when
// the leader and another member are known.
void send_batch(batcher_pointer self) {
  auto& st = self->state;
  if (st.pending.empty())
    return;
  auto batch = std::make_shared<std::vector<waiting_stat>>(std::move(st.pending));
  st.pending.clear();
  if (std::chrono::steady_clock::now() - st.learned >= relearn_interval)
    learn(self);
  if (st.in_flight == 0 && st.members.count(st.leader) > 0 && st.silent.count(st.leader) == 0)
    if (auto others = confirmers(st); !others.empty()) {
      send_in_one_round(self, std::move(batch), std::move(others));
      return;
    }
  send_to_member(self, std::move(batch));
}

batcher_actor::behavior_type meta_batcher(batcher_pointer self, meta_actor member,
                                          std::vector<meta_actor> group) {
  self->state.member = std::move(member);
  self->state.group = std::move(group);
  learn(self);
  return {
    [=](propose_atom a, const request_context& ctx, const std::string& cmd) {
      return self->delegate(self->state.member, a, ctx, cmd);
    },
    [=](stat_atom, const request_context& ctx, const std::string& path) -> caf::result<file_info> {
      auto& st = self->state;
      // The flush lands behind the stats already in the mailbox: they
      // join this batch; one arriving alone goes at once.
      if (st.pending.empty())
        self->send(self, flush_atom::value);
      auto rp = self->make_response_promise<file_info>();
      st.pending.push_back(waiting_stat{ctx, path, rp});
      if (st.pending.size() >= batch_limit)
        send_batch(self);
      return rp;
    },
    [=](list_atom a, const request_context& ctx, const std::string& path) {
      return self->delegate(self->state.member, a, ctx, path);
    },
    [=](stat_atom a, const std::vector<request_context>& ctxs,
        const std::vector<std::string>& paths) {
      return self->delegate(self->state.member, a, ctxs, paths);
    },
    [=](stat_atom a, const std::vector<request_context>& ctxs,
        const std::vector<std::string>& paths,
        lead_atom l) { return self->delegate(self->state.member, a, ctxs, paths, l); },
    [=](status_atom a) { return self->delegate(self->state.member, a); },
    [=](flush_atom) { send_batch(self); },
    [=](tick_atom) {
      auto& st = self->state;
      st.sweeping = false;
      if (st.give_up && st.round_due <= std::chrono::steady_clock::now()) {
        auto give_up = st.give_up;  // settling clears it
        give_up();
      }
      sweep_soon(self);
    },
  };
}

}  // namespace

meta_actor spawn_meta_batcher(caf::actor_system& sys, meta_actor member,
                              std::vector<meta_actor> group) {
  return sys.spawn(meta_batcher, std::move(member), std::move(group));
}

}  // namespace dfs
