// Deterministic simulation of Raft groups: seeded message loss, duplication,
// reordering and delay, partitions (the leader's side included), crashes and
// restarts (losing whatever was not yet persisted). After every step the
// safety properties are checked: at most one leader per term, log matching,
// leader completeness and state-machine safety (no committed entry lost or
// changed). A failing run prints its seed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <set>

#include "actors/raft/core.hpp"
#include "messages/raft_messages.hpp"

namespace dfs::raft {
namespace {

struct fault_profile {
  double loss = 0.0;       // probability a message is dropped
  double duplicate = 0.0;  // probability a message is delivered twice
  int max_delay = 1;       // ticks; delays are uniform in [1, max_delay] (reordering)
  double crash = 0.0;      // per step: probability one node crashes
  double partition = 0.0;  // per step: probability the partition changes
};

conf_change change(conf_change::op kind, const peer_id& id) {
  conf_change c;
  c.kind = kind;
  c.id = id;
  return c;
}

// The config of node `id` in the group n1, n2, n3.
config member_of_three(const std::string& id) {
  config cfg;
  cfg.id = id;
  cfg.voters = {"n1", "n2", "n3"};
  return cfg;
}

class simulation {
public:
  // `voters` of the `nodes` form the bootstrap group (0: all); the others
  // start as outsiders that membership changes can add.
  simulation(size_t nodes, uint64_t seed, fault_profile faults, size_t voters = 0)
    : rng_(seed), faults_(faults) {
    for (size_t i = 0; i < nodes; ++i)
      ids_.push_back("n" + std::to_string(i + 1));
    bootstrap_.assign(ids_.begin(), ids_.begin() + static_cast<long>(voters ? voters : nodes));
    for (auto& id : ids_) {
      auto& n = nodes_[id];
      n.restart_seed = rng_();
      start(id);
    }
  }

  // Leaders serve reads by their lease. Call before the first step.
  void lease_reads() {
    lease_reads_ = true;
    for (auto& id : ids_)
      start(id);
  }

  // Leaders send their entries before writing them (written at the next
  // drain; lost if the node crashes first). Call before the first step.
  void async_leader_writes() {
    async_leader_ = true;
    for (auto& id : ids_)
      start(id);
  }

  // One tick for everyone, deliveries, faults, and all checks. Returns an
  // empty string or the first violated property.
  std::string step() {
    ++now_;
    for (auto& id : ids_)
      if (nodes_[id].c) {
        nodes_[id].c->tick();
        if (auto why = drain(id); !why.empty())
          return why;
      }
    std::vector<std::pair<uint64_t, message>> due;
    for (auto it = net_.begin(); it != net_.end();) {
      if (it->first <= now_) {
        due.push_back(*it);
        it = net_.erase(it);
      } else {
        ++it;
      }
    }
    std::shuffle(due.begin(), due.end(), rng_);
    for (auto& [at, m] : due) {
      auto& target = nodes_[m.to];
      if (!target.c || cut(m.from, m.to))
        continue;
      target.c->step(m);
      if (auto why = drain(m.to); !why.empty())
        return why;
    }
    for (auto it = asked_.begin(); it != asked_.end();) {
      if (it->at > now_) {
        ++it;
        continue;
      }
      auto& target = nodes_[it->to];
      if (target.c && !cut(it->from, it->to)) {
        target.c->read_index(it->request, it->from, it->term);
        if (auto why = drain(it->to); !why.empty())
          return why;
      }
      it = asked_.erase(it);
    }
    if (auto why = serve_one_rounds(); !why.empty())
      return why;
    inject_faults();
    if (compact_every_ && now_ % compact_every_ == 0)
      for (auto& id : ids_) {
        auto& n = nodes_[id];
        auto applied = n.applied.size();
        if (n.c && applied > n.snap.index + 20 && n.c->compact(applied, encode(n.applied))) {
          n.snap = n.c->latest_snapshot();
          n.log.erase(n.log.begin(),
                      n.log.begin() + static_cast<long>(applied - n.log.front().index + 1));
        }
      }
    return check();
  }

  // Every `ticks`, each node snapshots its state machine and compacts its log.
  void compact_every(uint64_t ticks) { compact_every_ = ticks; }
  size_t snapshots_installed() const { return snapshots_installed_; }

  // Proposes on whichever node believes it leads; returns the index or 0.
  uint64_t propose(const std::string& value) {
    for (auto& id : ids_) {
      auto& n = nodes_[id];
      if (n.c && n.c->current_role() == role::leader) {
        auto index = n.c->propose(value);
        drain(id);
        return index;
      }
    }
    return 0;
  }

  // Asks node `id` for a ReadIndex read; false if it is not the leader.
  bool read(const std::string& id, uint64_t request) {
    auto ok = nodes_[id].c->read_index(request);
    drain(id);
    return ok;
  }

  const std::vector<read_state>& reads(const std::string& id) { return nodes_[id].reads; }

  // A linearizable read reaching node `id` now, as a client's read reaches
  // a participant: the leader registers it at once; a follower asks the
  // leader it knows, through the faulty network, naming itself and its
  // term then (as a participant does). Every read a leader confirms is
  // checked: its index covers every entry applied anywhere before the read
  // began. Returns the first violated property, or an empty string.
  std::string read_anywhere(const std::string& id, uint64_t request) {
    auto& n = nodes_[id];
    if (!n.c)
      return {};
    read_floor_[request] = committed_.empty() ? 0 : committed_.rbegin()->first;
    if (n.c->current_role() == role::leader) {
      n.c->read_index(request);
      return drain(id);
    }
    std::uniform_real_distribution<double> p{0, 1};
    if (!n.c->leader().empty() && p(rng_) >= faults_.loss)
      asked_.push_back({now_ + 1 + rng_() % static_cast<uint64_t>(faults_.max_delay), id,
                        n.c->leader(), n.c->term(), request});
    return {};
  }
  size_t reads_confirmed() const { return reads_confirmed_; }

  // A read in one round trip (the client library's meta_batcher with the
  // group): a client outside the group sends it to a node that believes it
  // leads and, at the same moment, asks another node for its status. Both
  // travel with random delay and loss; the client reaches every node that
  // is up, whatever links between the nodes are cut (a stale leader cut off
  // from the others still hears clients). The leader answers as a
  // participant does (leader, an entry of its term committed, a voter): its
  // term, commit index and voters; the other answers its role, term and
  // leader. When confirms_leader_read accepts the pair, the commit index
  // must cover every entry applied anywhere before the read began.
  void one_round_read() {
    std::vector<std::string> leaders;
    for (auto& id : ids_)
      if (nodes_[id].c && nodes_[id].c->current_role() == role::leader)
        leaders.push_back(id);
    if (leaders.empty())
      return;
    auto& to = leaders[rng_() % leaders.size()];
    std::vector<std::string> others;
    for (auto& id : ids_)
      if (id != to)
        others.push_back(id);
    if (others.empty())
      return;
    one_round r;
    // At least what was applied anywhere, and what any read that already
    // returned saw.
    r.floor = std::max(committed_.empty() ? 0 : committed_.rbegin()->first, returned_floor_);
    r.leader = to;
    std::shuffle(others.begin(), others.end(), rng_);
    std::uniform_real_distribution<double> p{0, 1};
    auto delay = [&] { return now_ + 1 + rng_() % static_cast<uint64_t>(faults_.max_delay); };
    r.lead_at = p(rng_) >= faults_.loss ? delay() : 0;
    // Enough others to make a quorum with the leader, as the batcher asks.
    for (size_t k = 0; k < ids_.size() / 2 && k < others.size(); ++k)
      if (p(rng_) >= faults_.loss)
        r.asked.push_back({others[k], delay()});
    if (r.lead_at)
      one_rounds_.push_back(r);
  }
  size_t one_round_confirmed() const { return one_round_confirmed_; }

  // Cuts every link to and from `id`.
  void isolate(const std::string& id) {
    for (auto& other : ids_)
      if (other != id) {
        cut_.insert({id, other});
        cut_.insert({other, id});
      }
  }

  void reconnect() { cut_.clear(); }

  void heal() {
    cut_.clear();
    for (auto& id : ids_)
      if (!nodes_[id].c)
        start(id);
    faults_ = fault_profile{};
  }

  // Values applied by node `id`, in index order.
  std::vector<std::string> applied(const std::string& id) { return nodes_[id].applied; }
  const std::vector<std::string>& ids() const { return ids_; }
  size_t committed_count() const { return committed_.size(); }
  size_t elections() const { return leaders_.size(); }
  core* node(const std::string& id) { return nodes_[id].c.get(); }

private:
  struct node_state {
    std::unique_ptr<core> c;
    hard_state hs;                     // durable
    std::vector<entry> log;            // durable
    std::vector<std::string> applied;  // the node's state machine
    std::vector<read_state> reads;     // ReadIndex results handed out
    uint64_t restart_seed = 0;
    uint64_t down_until = 0;
    snapshot snap;                // durable
    std::vector<entry> unstable;  // a leader's entries sent but not yet written
  };

  static std::string encode(const std::vector<std::string>& values) {
    std::string out;
    for (auto& v : values)
      out += v + "\n";
    return out;
  }

  static std::vector<std::string> decode(const std::string& data) {
    std::vector<std::string> out;
    size_t pos = 0;
    while (pos < data.size()) {
      auto end = data.find('\n', pos);
      out.push_back(data.substr(pos, end - pos));
      pos = end + 1;
    }
    return out;
  }

  void start(const std::string& id) {
    auto& n = nodes_[id];
    config cfg;
    cfg.id = id;
    // A server outside the bootstrap group starts with no members of its
    // own, as one joining a running group does: it learns them from the log.
    if (std::find(bootstrap_.begin(), bootstrap_.end(), id) != bootstrap_.end())
      cfg.voters = bootstrap_;
    cfg.leader_waits_for_stable = async_leader_;
    cfg.lease_reads = lease_reads_;
    // The state machine restarts from the snapshot; the log replays the rest.
    n.applied = decode(n.snap.data);
    n.c = std::make_unique<core>(cfg, n.hs, n.snap, n.log, n.snap.index, n.restart_seed++);
  }

  bool cut(const std::string& a, const std::string& b) const { return cut_.count({a, b}) > 0; }

  // Persists, sends and applies what a node's core asks for, checking
  // state-machine safety on every applied entry.
  std::string drain(const std::string& id) {
    auto& n = nodes_[id];
    // A leader's entries held back reach the disk now, or later: a slow
    // disk, while acknowledgements may already be arriving.
    auto write_unstable = [&] {
      if (n.unstable.empty())
        return;
      n.log.resize(n.unstable.front().index - 1 - n.snap.index);
      n.log.insert(n.log.end(), n.unstable.begin(), n.unstable.end());
      n.c->stable_to(n.unstable.back().index);
      n.unstable.clear();
    };
    if (std::uniform_real_distribution<double>{0, 1}(rng_) < 0.3)
      write_unstable();
    auto rd = n.c->take_ready();
    bool leader_write = async_leader_ && !rd.has_snapshot && n.c->current_role() == role::leader;
    if (!leader_write)
      write_unstable();  // writes stay in order
    if (rd.has_snapshot) {
      n.snap = rd.snapshot;
      n.log.clear();
      n.applied = decode(n.snap.data);
      for (size_t i = 0; i < n.applied.size(); ++i) {
        auto it = committed_.find(i + 1);
        if (it != committed_.end() && it->second.second != n.applied[i])
          return "state machine safety: " + id + " installed a snapshot that differs at index " +
                 std::to_string(i + 1);
      }
      ++snapshots_installed_;
    }
    if (rd.hard_state_changed)
      n.hs = rd.hard_state;
    if (!rd.entries.empty() && leader_write) {
      // The leader sends first and writes later: a crash before then
      // loses these entries.
      if (!n.unstable.empty() && rd.entries.front().index <= n.unstable.back().index)
        n.unstable.resize(rd.entries.front().index - n.unstable.front().index);
      n.unstable.insert(n.unstable.end(), rd.entries.begin(), rd.entries.end());
    } else if (!rd.entries.empty()) {
      n.log.resize(rd.entries.front().index - 1 - n.snap.index);
      n.log.insert(n.log.end(), rd.entries.begin(), rd.entries.end());
      n.c->stable_to(rd.entries.back().index);
    }
    for (auto& m : rd.messages) {
      std::uniform_real_distribution<double> p{0, 1};
      if (p(rng_) < faults_.loss)
        continue;
      int copies = p(rng_) < faults_.duplicate ? 2 : 1;
      for (int i = 0; i < copies; ++i)
        net_.emplace_back(now_ + 1 + rng_() % static_cast<uint64_t>(faults_.max_delay), m);
    }
    for (auto& r : rd.reads) {
      if (auto floor = read_floor_.find(r.request); floor != read_floor_.end()) {
        if (r.index < floor->second)
          return "read safety: " + id + " confirmed read " + std::to_string(r.request) +
                 " at index " + std::to_string(r.index) + ", but index " +
                 std::to_string(floor->second) + " was applied before the read began";
        ++reads_confirmed_;
      }
      n.reads.push_back(r);
    }
    for (auto& e : rd.committed) {
      auto it = committed_.find(e.index);
      if (it == committed_.end())
        committed_.emplace(e.index, std::make_pair(e.term, e.data));
      else if (it->second != std::make_pair(e.term, e.data))
        return "state machine safety: " + id + " applied a different entry at index " +
               std::to_string(e.index);
      if (n.applied.size() + 1 != e.index)
        return "node " + id + " applied index " + std::to_string(e.index) + " out of order";
      n.applied.push_back(e.data);
    }
    return {};
  }

  void inject_faults() {
    std::uniform_real_distribution<double> p{0, 1};
    if (p(rng_) < faults_.crash) {
      auto& id = ids_[rng_() % ids_.size()];
      auto& n = nodes_[id];
      if (n.c) {
        n.c.reset();         // whatever was not taken by drain() is lost
        n.unstable.clear();  // and so are a leader's entries not yet written
        n.down_until = now_ + 5 + rng_() % 60;
      }
    }
    for (auto& id : ids_) {
      auto& n = nodes_[id];
      if (!n.c && now_ >= n.down_until)
        start(id);
    }
    if (p(rng_) < faults_.partition) {
      cut_.clear();
      if (rng_() % 3 != 0) {
        // Split into two sides; one-way cuts sometimes (asymmetric links).
        std::set<std::string> side;
        for (auto& id : ids_)
          if (rng_() % 2)
            side.insert(id);
        bool one_way = rng_() % 4 == 0;
        for (auto& a : ids_)
          for (auto& b : ids_)
            if (side.count(a) != side.count(b) && (!one_way || side.count(a)))
              cut_.insert({a, b});
      }
    }
  }

  std::string check() {
    for (auto& id : ids_) {
      auto& n = nodes_[id];
      if (!n.c)
        continue;
      if (auto why = n.c->check_invariants(); !why.empty())
        return id + ": " + why;
      if (n.c->current_role() == role::leader) {
        auto [it, fresh] = leaders_.emplace(n.c->term(), id);
        if (it->second != id)
          return "election safety: " + it->second + " and " + id + " both lead term " +
                 std::to_string(n.c->term());
        if (fresh)
          for (auto& [index, te] : committed_)
            if (index > n.c->latest_snapshot().index && n.c->term_at(index) != te.first)
              return "leader completeness: new leader " + id + " of term " +
                     std::to_string(n.c->term()) + " lacks committed index " +
                     std::to_string(index);
      }
    }
    // Log matching: same index and term means the same prefix (over the
    // entries both still hold after their snapshots).
    for (size_t a = 0; a < ids_.size(); ++a)
      for (size_t b = a + 1; b < ids_.size(); ++b) {
        auto& na = nodes_[ids_[a]];
        auto& nb = nodes_[ids_[b]];
        auto first = std::max(na.snap.index, nb.snap.index) + 1;
        auto last = std::min(na.snap.index + na.log.size(), nb.snap.index + nb.log.size());
        auto ea = [&](uint64_t i) -> const entry& { return na.log[i - na.snap.index - 1]; };
        auto eb = [&](uint64_t i) -> const entry& { return nb.log[i - nb.snap.index - 1]; };
        for (auto i = last; i >= first && i > 0; --i)
          if (ea(i).term == eb(i).term) {
            for (auto j = first; j <= i; ++j)
              if (ea(j).term != eb(j).term || ea(j).data != eb(j).data)
                return "log matching: " + ids_[a] + " and " + ids_[b] + " agree at index " +
                       std::to_string(i) + " but differ at " + std::to_string(j);
            break;
          }
      }
    return {};
  }

  std::mt19937_64 rng_;
  fault_profile faults_;
  bool async_leader_ = false;
  bool lease_reads_ = false;
  std::vector<std::string> ids_;
  std::vector<std::string> bootstrap_;
  std::map<std::string, node_state> nodes_;
  std::vector<std::pair<uint64_t, message>> net_;
  // A follower asking the leader `to` for a read index, delivered at `at`.
  struct read_request {
    uint64_t at;
    std::string from, to;
    uint64_t term, request;
  };
  std::vector<read_request> asked_;
  struct one_round {
    uint64_t floor = 0;
    std::string leader;
    uint64_t lead_at = 0;                                 // delivery time (0: delivered)
    std::vector<std::pair<std::string, uint64_t>> asked;  // for their status, delivery time
    bool answered = false;                                // the leader served it
    uint64_t term = 0, commit = 0;
    std::vector<std::string> voters;
    std::vector<raft_status> standings;
  };
  std::vector<one_round> one_rounds_;
  size_t one_round_confirmed_ = 0;
  uint64_t returned_floor_ = 0;  // the highest commit index a one-round read returned

  std::string serve_one_rounds() {
    for (auto it = one_rounds_.begin(); it != one_rounds_.end();) {
      auto& r = *it;
      if (r.lead_at && r.lead_at <= now_) {
        r.lead_at = 0;
        auto* c = nodes_[r.leader].c.get();
        if (c && c->current_role() == role::leader && c->committed_in_term() &&
            std::count(c->voters().begin(), c->voters().end(), r.leader) > 0) {
          r.answered = true;
          r.term = c->term();
          r.commit = c->commit_index();
          r.voters = c->voters();
        }
      }
      bool waiting = r.lead_at > 0;
      for (auto& [id, at] : r.asked) {
        if (at && at <= now_) {
          at = 0;
          if (auto* c = nodes_[id].c.get()) {
            raft_status st;
            st.id = id;
            st.role = to_string(c->current_role());
            st.term = c->term();
            st.leader = c->leader();
            r.standings.push_back(st);
          }
        }
        waiting = waiting || at > 0;
      }
      if (waiting) {
        ++it;
        continue;
      }
      if (r.answered && confirms_leader_read(r.leader, r.term, r.voters, r.standings)) {
        if (r.commit < r.floor)
          return "one-round read: " + r.leader + " served at commit " + std::to_string(r.commit) +
                 " in term " + std::to_string(r.term) + ", confirmed by " +
                 std::to_string(r.standings.size()) + " others, but entry " +
                 std::to_string(r.floor) + " was applied before the read began";
        ++one_round_confirmed_;
        returned_floor_ = std::max(returned_floor_, r.commit);
      }
      it = one_rounds_.erase(it);
    }
    return {};
  }
  std::map<uint64_t, uint64_t> read_floor_;  // read -> highest index applied before it began
  size_t reads_confirmed_ = 0;
  std::set<std::pair<std::string, std::string>> cut_;
  uint64_t now_ = 0;
  uint64_t compact_every_ = 0;
  size_t snapshots_installed_ = 0;
  std::map<uint64_t, std::pair<uint64_t, std::string>> committed_;  // index -> (term, data)
  std::map<uint64_t, std::string> leaders_;                         // term -> leader
};

// Runs until `done` or `max_steps`; fails the test on a safety violation.
template <class Done>
bool run(simulation& sim, uint64_t seed, int max_steps, Done done) {
  for (int i = 0; i < max_steps; ++i) {
    auto why = sim.step();
    if (!why.empty()) {
      ADD_FAILURE() << "seed " << seed << ", step " << i << ": " << why;
      return false;
    }
    if (done())
      return true;
  }
  return false;
}

// Every current voter (as the leader sees the group) applied `value`.
bool everyone_applied(simulation& sim, const std::string& value) {
  std::vector<std::string> members = sim.ids();
  for (auto& id : sim.ids())
    if (sim.node(id) && sim.node(id)->current_role() == role::leader)
      members = sim.node(id)->voters();
  for (auto& id : members) {
    auto got = sim.applied(id);
    if (std::find(got.begin(), got.end(), value) == got.end())
      return false;
  }
  return true;
}

TEST(raft_core, a_single_node_elects_itself_and_commits) {
  simulation sim{1, 1, {}};
  ASSERT_TRUE(run(sim, 1, 100, [&] { return sim.node("n1")->current_role() == role::leader; }));
  EXPECT_GT(sim.propose("x"), 0u);
  ASSERT_TRUE(run(sim, 1, 10, [&] { return everyone_applied(sim, "x"); }));
}

TEST(raft_core, three_nodes_elect_one_leader_and_replicate) {
  simulation sim{3, 7, {}};
  ASSERT_TRUE(run(sim, 7, 200, [&] { return sim.propose("a") > 0; }));
  ASSERT_TRUE(run(sim, 7, 100, [&] { return everyone_applied(sim, "a"); }));
}

TEST(raft_core, a_follower_refuses_to_append_past_a_gap) {
  auto cfg = member_of_three("n2");
  core c{cfg, {}, {}, 0, 1};
  message m;
  m.kind = msg_kind::append;
  m.from = "n1";
  m.to = "n2";
  m.term = 1;
  m.index = 5;  // n2 has nothing
  m.log_term = 1;
  m.entries = {entry{1, 6, "x"}};
  c.step(m);
  auto rd = c.take_ready();
  ASSERT_EQ(rd.messages.size(), 1u);
  EXPECT_TRUE(rd.messages[0].reject);
  EXPECT_EQ(rd.messages[0].hint, 0u);
  EXPECT_EQ(c.last_index(), 0u);
}

// Steps a reply from n2 into n1's core `c`: reply(kind, term, index).
auto replies_from_n2(core& c) {
  return [&c](msg_kind kind, uint64_t term, uint64_t index, uint64_t read_seq = 0) {
    message m;
    m.kind = kind;
    m.from = "n2";
    m.to = "n1";
    m.term = term;
    m.index = index;
    m.read_seq = read_seq;
    c.step(m);
  };
}

// Makes n1's core `c` (term 0) leader of term 1 with n2's pre-vote and vote.
bool elected_with_n2(core& c) {
  auto reply = replies_from_n2(c);
  for (int i = 0; i < 100 && c.current_role() == role::follower; ++i)
    c.tick();
  reply(msg_kind::pre_vote_reply, 1, 0);
  reply(msg_kind::vote_reply, 1, 0);
  return c.current_role() == role::leader;
}

// Makes n1's core `c` leader of term 1 (elected_with_n2) with its first
// entry committed through n2's acknowledgement.
bool leads_with_first_commit(core& c) {
  if (!elected_with_n2(c))
    return false;
  replies_from_n2(c)(msg_kind::append_reply, 1, 1);
  return c.commit_index() == 1;
}

// Figure 8 of the Raft paper: a new leader must not commit an entry of an
// earlier term just because a majority holds it; it commits it only with an
// entry of its own term (its no-op).
TEST(raft_core, a_leader_commits_earlier_terms_only_through_its_own) {
  auto cfg = member_of_three("n1");
  core c{cfg, hard_state{1, {}, 0}, {entry{1, 1, "old"}}, 0, 3};
  auto reply = replies_from_n2(c);
  for (int i = 0; i < 100 && c.current_role() == role::follower; ++i)
    c.tick();
  ASSERT_EQ(c.current_role(), role::pre_candidate);
  reply(msg_kind::pre_vote_reply, 2, 0);
  ASSERT_EQ(c.current_role(), role::candidate);
  reply(msg_kind::vote_reply, 2, 0);
  ASSERT_EQ(c.current_role(), role::leader);
  ASSERT_EQ(c.last_index(), 2u) << "the new leader appends a no-op";
  reply(msg_kind::append_reply, 2, 1);  // n2 holds the old entry: a majority has it
  EXPECT_EQ(c.commit_index(), 0u) << "an entry of term 1 does not commit by counting in term 2";
  reply(msg_kind::append_reply, 2, 2);
  EXPECT_EQ(c.commit_index(), 2u);
}

// A leader that sends its entries before writing them (in parallel with its
// fsync) counts itself towards a quorum only for what stable_to() reported:
// one follower's acknowledgement of an entry the leader holds only in
// memory is not a majority of copies on disk.
TEST(raft_core, a_leader_counts_only_its_durable_entries_towards_a_quorum) {
  auto cfg = member_of_three("n1");
  cfg.leader_waits_for_stable = true;
  core c{cfg, {}, {}, 0, 3};
  auto reply = replies_from_n2(c);
  ASSERT_TRUE(elected_with_n2(c));
  c.stable_to(1);  // the leader's first entry is on disk
  reply(msg_kind::append_reply, 1, 1);
  ASSERT_EQ(c.commit_index(), 1u);
  auto index = c.propose("x");
  ASSERT_EQ(index, 2u);
  auto rd = c.take_ready();
  bool sent = std::any_of(rd.messages.begin(), rd.messages.end(),
                          [](const message& m) { return !m.entries.empty(); });
  EXPECT_TRUE(sent) << "the entry goes out before it is written";
  reply(msg_kind::append_reply, 1, 2);
  EXPECT_EQ(c.commit_index(), 1u) << "one follower's copy and the leader's memory are not a quorum";
  c.stable_to(2);
  EXPECT_EQ(c.commit_index(), 2u) << "committed once the leader's own copy is durable";
}

// Leader leases (config::lease_reads): while a quorum acknowledged a
// heartbeat sent less than an election timeout (minus a margin) ago, a
// read is safe at once; after that, or while a leadership transfer runs,
// it waits for a round like any ReadIndex read. Off, every read waits.
TEST(raft_read_index, lease_reads_skip_the_round_only_while_the_lease_holds) {
  for (bool lease : {true, false}) {
    SCOPED_TRACE(lease ? "lease reads on" : "lease reads off");
    auto cfg = member_of_three("n1");
    cfg.lease_reads = lease;
    core c{cfg, {}, {}, 0, 7};
    auto reply = replies_from_n2(c);
    ASSERT_TRUE(leads_with_first_commit(c));
    c.take_ready();
    // A heartbeat round acknowledged by n2 (a quorum with the leader).
    auto heartbeat_acked = [&](bool acked) {
      c.tick();
      uint64_t seq = 0;
      for (auto& m : c.take_ready().messages)
        if (m.to == "n2")
          seq = std::max(seq, m.read_seq);
      if (!acked)
        return;
      reply(msg_kind::append_reply, 1, 1, seq);
      c.take_ready();
    };
    auto served_at_once = [&](uint64_t request) {
      EXPECT_TRUE(c.read_index(request));
      auto rd = c.take_ready();
      return std::any_of(rd.reads.begin(), rd.reads.end(),
                         [&](const read_state& r) { return r.request == request; });
    };
    heartbeat_acked(true);
    EXPECT_EQ(served_at_once(1), lease) << "within the lease";
    for (int i = 0; i < cfg.election_ticks - cfg.lease_margin_ticks; ++i)
      heartbeat_acked(false);
    ASSERT_EQ(c.current_role(), role::leader);
    EXPECT_FALSE(served_at_once(2)) << "the lease ran out";
    heartbeat_acked(true);
    EXPECT_EQ(served_at_once(3), lease) << "a new acknowledgement renews it";
    ASSERT_TRUE(c.transfer_leadership("n3"));
    c.take_ready();
    EXPECT_FALSE(served_at_once(4)) << "not while leadership is being handed over";
  }
}

// A leader whose own removal is in its log is no longer part of any
// quorum: it must not confirm reads with its own vote (the new group may
// elect another leader without it).
TEST(raft_read_index, a_leader_that_removed_itself_confirms_no_read) {
  auto cfg = member_of_three("n1");
  core c{cfg, {}, {}, 0, 9};
  ASSERT_TRUE(leads_with_first_commit(c));
  EXPECT_TRUE(c.read_index(1));
  ASSERT_GT(c.propose_conf_change(change(conf_change::op::remove, "n1")), 0u);
  EXPECT_FALSE(c.read_index(2)) << "it is not a voter any more";
}

// A voter that asks for a read index in the leader's term counts as one
// acknowledgement (core::read_index): with the leader that is a quorum of
// three, so the read is safe at once. An asker from another term, one
// outside the group, or the leader itself counts for nothing.
TEST(raft_read_index, a_voter_asking_in_the_leaders_term_counts_as_an_acknowledgement) {
  auto cfg = member_of_three("n1");
  core c{cfg, {}, {}, 0, 11};
  ASSERT_TRUE(leads_with_first_commit(c));
  c.take_ready();
  auto served_at_once = [&](uint64_t request, const peer_id& by, uint64_t term) {
    EXPECT_TRUE(c.read_index(request, by, term));
    auto rd = c.take_ready();
    return std::any_of(rd.reads.begin(), rd.reads.end(),
                       [&](const read_state& r) { return r.request == request; });
  };
  EXPECT_TRUE(served_at_once(1, "n3", 1));
  EXPECT_FALSE(served_at_once(2, "n3", 2)) << "asked in a later term: it may have voted since";
  EXPECT_FALSE(served_at_once(3, "n1", 1)) << "the leader itself";
  EXPECT_FALSE(served_at_once(4, "n9", 1)) << "not a member";
  EXPECT_FALSE(served_at_once(5, "", 0)) << "a read of the leader's own clients";
}

// In a group of five the asker and the leader are two: the read still
// waits for one more acknowledgement, from the round it starts.
TEST(raft_read_index, an_asking_voter_is_not_a_quorum_of_five_on_its_own) {
  config cfg;
  cfg.id = "n1";
  cfg.voters = {"n1", "n2", "n3", "n4", "n5"};
  core c{cfg, {}, {}, 0, 13};
  auto from = [&](const peer_id& id, msg_kind kind, uint64_t index, uint64_t seq = 0) {
    message m;
    m.kind = kind;
    m.from = id;
    m.to = "n1";
    m.term = 1;
    m.index = index;
    m.read_seq = seq;
    c.step(m);
  };
  for (int i = 0; i < 100 && c.current_role() == role::follower; ++i)
    c.tick();
  from("n2", msg_kind::pre_vote_reply, 0);
  from("n3", msg_kind::pre_vote_reply, 0);
  from("n2", msg_kind::vote_reply, 0);
  from("n3", msg_kind::vote_reply, 0);
  ASSERT_EQ(c.current_role(), role::leader);
  from("n2", msg_kind::append_reply, 1);
  from("n3", msg_kind::append_reply, 1);
  ASSERT_EQ(c.commit_index(), 1u);
  c.take_ready();
  ASSERT_TRUE(c.read_index(7, "n4", 1));
  auto rd = c.take_ready();
  EXPECT_TRUE(rd.reads.empty()) << "two of five";
  uint64_t seq = 0;
  for (auto& m : rd.messages)
    if (m.to == "n5")
      seq = std::max(seq, m.read_seq);
  ASSERT_GT(seq, 0u) << "a heartbeat round went out";
  from("n5", msg_kind::append_reply, 1, seq);
  rd = c.take_ready();
  ASSERT_EQ(rd.reads.size(), 1u) << "n5's echo makes three";
  EXPECT_EQ(rd.reads[0].request, 7u);
}

// ReadIndex batching: reads registered before the leader's heartbeats went
// out share that round; a read registered after they went out must wait for
// a round of its own, or an acknowledgement older than the read would
// confirm it.
TEST(raft_read_index, reads_share_a_round_only_while_its_heartbeats_are_unsent) {
  auto cfg = member_of_three("n1");
  core c{cfg, {}, {}, 0, 5};
  auto reply = replies_from_n2(c);
  ASSERT_TRUE(leads_with_first_commit(c));
  c.take_ready();
  auto round_to_n2 = [](const ready& rd) {
    uint64_t seq = 0;
    size_t rounds = 0;
    for (auto& m : rd.messages)
      if (m.to == "n2" && m.kind == msg_kind::append && m.read_seq > seq) {
        seq = m.read_seq;
        ++rounds;
      }
    return std::make_pair(seq, rounds);
  };
  auto ack = [&](uint64_t seq) {
    reply(msg_kind::append_reply, 1, 1, seq);
    std::vector<uint64_t> confirmed;
    for (auto& r : c.take_ready().reads)
      confirmed.push_back(r.request);
    return confirmed;
  };
  // Two reads before the heartbeats are handed out: one round for both.
  ASSERT_TRUE(c.read_index(10));
  ASSERT_TRUE(c.read_index(11));
  auto [first, rounds] = round_to_n2(c.take_ready());
  EXPECT_EQ(rounds, 1u);
  // A read after that round went out gets its own.
  ASSERT_TRUE(c.read_index(12));
  auto [second, more] = round_to_n2(c.take_ready());
  EXPECT_GT(second, first);
  EXPECT_EQ(ack(first), (std::vector<uint64_t>{10, 11}));
  EXPECT_EQ(ack(first), std::vector<uint64_t>{}) << "read 12 came after round " << first;
  EXPECT_EQ(ack(second), std::vector<uint64_t>{12});
}

TEST(raft_core, a_rejoining_node_does_not_disrupt_a_healthy_leader) {
  // Pre-vote and check-quorum: a node that was cut off campaigns in vain
  // and must not raise the term of the connected majority.
  simulation sim{3, 11, {}};
  ASSERT_TRUE(run(sim, 11, 300, [&] { return sim.propose("first") > 0; }));
  ASSERT_TRUE(run(sim, 11, 100, [&] { return everyone_applied(sim, "first"); }));
  std::string leader, loner;
  for (auto& id : sim.ids())
    if (sim.node(id)->current_role() == role::leader)
      leader = id;
    else
      loner = id;
  auto term = sim.node(leader)->term();
  sim.isolate(loner);
  for (int i = 0; i < 300; ++i)
    ASSERT_EQ(sim.step(), "");
  EXPECT_EQ(sim.node(loner)->term(), term) << "pre-vote: a lone node does not raise its term";
  sim.reconnect();
  for (int i = 0; i < 300; ++i)
    ASSERT_EQ(sim.step(), "");
  EXPECT_EQ(sim.node(leader)->term(), term);
  EXPECT_EQ(sim.node(leader)->current_role(), role::leader);
  EXPECT_GT(sim.propose("after"), 0u);
  ASSERT_TRUE(run(sim, 11, 100, [&] { return everyone_applied(sim, "after"); }));
}

std::string leader_of(simulation& sim) {
  for (auto& id : sim.ids())
    if (sim.node(id) && sim.node(id)->current_role() == role::leader)
      return id;
  return {};
}

TEST(raft_read_index, a_read_is_served_at_or_after_every_acknowledged_write) {
  simulation sim{3, 21, {}};
  ASSERT_TRUE(run(sim, 21, 300, [&] { return sim.propose("w") > 0; }));
  auto leader = leader_of(sim);
  ASSERT_TRUE(run(sim, 21, 100, [&] { return everyone_applied(sim, "w"); }));
  auto written_at = sim.node(leader)->commit_index();
  ASSERT_TRUE(sim.read(leader, 42));
  ASSERT_TRUE(run(sim, 21, 50, [&] { return !sim.reads(leader).empty(); }));
  EXPECT_EQ(sim.reads(leader)[0].request, 42u);
  EXPECT_GE(sim.reads(leader)[0].index, written_at);
  EXPECT_FALSE(sim.read(leader == "n1" ? "n2" : "n1", 43)) << "followers do not serve reads";
}

TEST(raft_read_index, a_deposed_leader_in_the_minority_never_confirms_a_read) {
  simulation sim{3, 23, {}};
  ASSERT_TRUE(run(sim, 23, 300, [&] { return sim.propose("w") > 0; }));
  ASSERT_TRUE(run(sim, 23, 100, [&] { return everyone_applied(sim, "w"); }));
  auto old_leader = leader_of(sim);
  sim.isolate(old_leader);
  ASSERT_TRUE(sim.read(old_leader, 7));  // it still believes it leads
  // The majority elects a new leader and writes on.
  ASSERT_TRUE(run(sim, 23, 400, [&] {
    auto l = leader_of(sim);
    return !l.empty() && l != old_leader && sim.propose("after") > 0;
  }));
  for (int i = 0; i < 300; ++i)
    ASSERT_EQ(sim.step(), "");
  EXPECT_TRUE(sim.reads(old_leader).empty()) << "a stale read would miss 'after'";
}

// With leader leases, a leader cut off from the others serves reads from
// its lease only until the lease runs out, which is before the others can
// elect a new leader: no read at the old leader misses a newer write.
TEST(raft_read_index, a_leader_cut_off_serves_no_lease_read_once_another_can_lead) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    simulation sim{3, seed, {}};
    sim.lease_reads();
    ASSERT_TRUE(run(sim, seed, 300, [&] { return sim.propose("w") > 0; }));
    ASSERT_TRUE(run(sim, seed, 100, [&] { return everyone_applied(sim, "w"); }));
    auto old_leader = leader_of(sim);
    ASSERT_TRUE(sim.read(old_leader, 1));
    ASSERT_TRUE(run(sim, seed, 5, [&] { return !sim.reads(old_leader).empty(); }))
      << "a read within the lease is served at once";
    sim.isolate(old_leader);
    // The majority elects another leader; from then on, the old one must
    // not serve a read, however long it goes on believing it leads.
    std::string other;
    ASSERT_TRUE(run(sim, seed, 400, [&] {
      auto l = leader_of(sim);
      if (!l.empty() && l != old_leader)
        other = l;
      return !other.empty();
    }));
    auto served_before = sim.reads(old_leader).size();
    for (uint64_t request = 100; request < 130; ++request) {
      sim.read(old_leader, request);
      ASSERT_EQ(sim.step(), "");
    }
    EXPECT_EQ(sim.reads(old_leader).size(), served_before)
      << "seed " << seed << ": a deposed leader served a read after " << other << " was elected";
  }
}

TEST(raft_transfer, leadership_moves_to_the_chosen_node_without_losing_writes) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    simulation sim{3, seed, fault_profile{0, 0, 2, 0, 0}};
    ASSERT_TRUE(run(sim, seed, 300, [&] { return sim.propose("before") > 0; }));
    auto old_leader = leader_of(sim);
    auto target = old_leader == "n3" ? std::string{"n1"} : std::string{"n3"};
    auto old_term = sim.node(old_leader)->term();
    ASSERT_TRUE(sim.node(old_leader)->transfer_leadership(target));
    EXPECT_EQ(sim.propose("during"), 0u) << "proposals wait while leadership moves";
    ASSERT_TRUE(run(sim, seed, 100, [&] { return leader_of(sim) == target; }))
      << "seed " << seed << ": " << target << " did not take over";
    EXPECT_EQ(sim.node(target)->term(), old_term + 1);
    ASSERT_TRUE(run(sim, seed, 100, [&] { return sim.propose("after") > 0; }));
    ASSERT_TRUE(run(sim, seed, 100, [&] {
      return everyone_applied(sim, "before") && everyone_applied(sim, "after");
    }));
  }
}

TEST(raft_membership, a_server_joins_as_learner_is_promoted_and_the_leader_is_removed) {
  simulation sim{4, 31, fault_profile{0, 0, 2, 0, 0}, 3};  // n4 starts outside
  ASSERT_TRUE(run(sim, 31, 300, [&] { return sim.propose("one") > 0; }));
  ASSERT_TRUE(run(sim, 31, 100, [&] { return everyone_applied(sim, "one"); }));
  auto leader = leader_of(sim);
  auto* l = sim.node(leader);
  EXPECT_EQ(l->propose_conf_change(change(conf_change::op::promote, "n4")), 0u)
    << "not a learner yet";
  ASSERT_GT(l->propose_conf_change(change(conf_change::op::add_learner, "n4")), 0u);
  EXPECT_EQ(l->propose_conf_change(change(conf_change::op::add_learner, "n5")), 0u)
    << "one change at a time";
  ASSERT_TRUE(run(sim, 31, 200,
                  [&] {
                    auto got = sim.applied("n4");
                    return std::find(got.begin(), got.end(), "one") != got.end();
                  }))
    << "the learner catches up";
  EXPECT_EQ(sim.node("n4")->voters().size(), 3u);
  ASSERT_TRUE(run(sim, 31, 100, [&] {
    return sim.node(leader)->propose_conf_change(change(conf_change::op::promote, "n4")) > 0;
  }));
  ASSERT_TRUE(run(sim, 31, 100, [&] { return sim.propose("two") > 0; }));
  ASSERT_TRUE(run(sim, 31, 200, [&] { return everyone_applied(sim, "two"); }));
  EXPECT_EQ(sim.node("n4")->voters().size(), 4u);
  // Remove the leader itself: it leads until the change commits, then a
  // new leader among the other three takes over.
  ASSERT_TRUE(run(sim, 31, 100, [&] {
    return sim.node(leader)->propose_conf_change(change(conf_change::op::remove, leader)) > 0;
  }));
  ASSERT_TRUE(run(sim, 31, 400,
                  [&] {
                    auto now = leader_of(sim);
                    return !now.empty() && now != leader && sim.propose("three") > 0;
                  }))
    << "a new leader after the old one removed itself";
  ASSERT_TRUE(run(sim, 31, 200, [&] { return everyone_applied(sim, "three"); }));
  EXPECT_EQ(sim.node(leader_of(sim))->voters().size(), 3u);
}

struct profile_case {
  const char* name;
  size_t nodes;
  fault_profile faults;
  size_t voters = 0;           // bootstrap voters (0: all); the rest join and leave by churn
  uint64_t compact_every = 0;  // ticks between log compactions (0: never)
  bool async_leader = false;   // leaders send entries before writing them
};

class raft_simulation : public ::testing::TestWithParam<profile_case> {};

TEST_P(raft_simulation, safety_holds_and_progress_resumes_after_healing) {
  auto param = GetParam();
  // 200 seeds a profile (2000 in all) by default; DFS_SIM_SEEDS=N for more.
  int seeds = 200;
  if (auto* env = std::getenv("DFS_SIM_SEEDS"))
    seeds = std::max(1, std::atoi(env));
  size_t committed_total = 0, changes = 0, snapshots = 0, reads = 0, one_rounds = 0;
  for (uint64_t seed = 1; seed <= static_cast<uint64_t>(seeds); ++seed) {
    simulation sim{param.nodes, seed * 7919, param.faults, param.voters};
    sim.compact_every(param.compact_every);
    if (param.async_leader)
      sim.async_leader_writes();
    int proposed = 0;
    for (int i = 0; i < 1500; ++i) {
      auto why = sim.step();
      ASSERT_EQ(why, "") << param.name << " seed " << seed << " step " << i;
      if (i % 7 == 0)
        sim.propose("v" + std::to_string(seed) + "." + std::to_string(proposed++));
      if (i % 5 == 0)
        sim.one_round_read();
      if (i % 3 == 0) {
        auto& at = sim.ids()[(seed * 13 + static_cast<uint64_t>(i) / 3) % sim.ids().size()];
        ASSERT_EQ(sim.read_anywhere(at, 1000000 + static_cast<uint64_t>(i)), "")
          << param.name << " seed " << seed << " step " << i;
      }
      if (i % 97 == 0)
        if (auto leader = leader_of(sim); !leader.empty())
          sim.node(leader)->transfer_leadership(sim.ids()[(seed + i) % sim.ids().size()]);
      if (param.voters && i % 61 == 0)
        if (auto leader = leader_of(sim); !leader.empty()) {
          // Membership churn: add, promote or remove a random server,
          // keeping at least three voters so the group can heal.
          auto* l = sim.node(leader);
          auto& who = sim.ids()[(seed * 31 + i) % sim.ids().size()];
          auto learners = l->learners();
          bool learner = std::find(learners.begin(), learners.end(), who) != learners.end();
          auto voters = l->voters();
          bool voter = std::find(voters.begin(), voters.end(), who) != voters.end();
          uint64_t index = 0;
          if (learner)
            index = l->propose_conf_change(change(conf_change::op::promote, who));
          else if (!voter)
            index = l->propose_conf_change(change(conf_change::op::add_learner, who));
          else if (voters.size() > 3)
            index = l->propose_conf_change(change(conf_change::op::remove, who));
          changes += index > 0 ? 1 : 0;
        }
    }
    // Heal everything: the group must elect a leader and commit again. A
    // proposal held only by a leader that loses its office just after
    // healing is rightly lost, so it is made again every 100 steps until
    // every voter applied it.
    sim.heal();
    auto last = "final" + std::to_string(seed);
    int since = 100;
    bool proposed_last = false;
    bool settled = run(sim, seed, 1200, [&] {
      if (++since >= 100 && sim.propose(last) > 0) {
        since = 0;
        proposed_last = true;
      }
      return everyone_applied(sim, last);
    });
    ASSERT_TRUE(proposed_last) << param.name << " seed " << seed << ": no leader after healing";
    ASSERT_TRUE(settled) << param.name << " seed " << seed << ": no progress after healing";
    committed_total += sim.committed_count();
    snapshots += sim.snapshots_installed();
    reads += sim.reads_confirmed();
    one_rounds += sim.one_round_confirmed();
  }
  if (param.compact_every) {
    EXPECT_GT(snapshots, 0u) << param.name << ": no follower ever needed a snapshot";
  }
  // The run must have exercised something: plenty of commits across seeds.
  EXPECT_GT(committed_total, static_cast<size_t>(seeds) * 10) << param.name;
  EXPECT_GT(reads, static_cast<size_t>(seeds) * 10) << param.name << ": reads confirmed";
  EXPECT_GT(one_rounds, static_cast<size_t>(seeds) * 10)
    << param.name << ": one-round reads confirmed";
  if (param.voters) {
    EXPECT_GT(changes, static_cast<size_t>(seeds) * 3) << param.name << ": membership changes";
  }
}

INSTANTIATE_TEST_SUITE_P(
  faults, raft_simulation,
  ::testing::Values(profile_case{"reliable3", 3, {0, 0, 1, 0, 0}},
                    profile_case{"lossy_reordering3", 3, {0.1, 0.05, 5, 0, 0}},
                    profile_case{"partitions3", 3, {0.02, 0.02, 3, 0, 0.01}},
                    profile_case{"crashes3", 3, {0.02, 0.02, 3, 0.01, 0}},
                    profile_case{"everything5", 5, {0.05, 0.05, 6, 0.01, 0.01}},
                    profile_case{"membership_churn5", 5, {0.05, 0.05, 4, 0.01, 0.01}, 3},
                    profile_case{"compaction_crashes3", 3, {0.02, 0.02, 3, 0.02, 0.01}, 0, 25},
                    profile_case{"compaction_churn5", 5, {0.05, 0.05, 4, 0.01, 0.01}, 3, 25},
                    profile_case{"async_leader_crashes3", 3, {0.02, 0.02, 3, 0.02, 0}, 0, 0, true},
                    profile_case{
                      "async_leader_everything5", 5, {0.05, 0.05, 6, 0.02, 0.01}, 3, 25, true}),
  [](const ::testing::TestParamInfo<profile_case>& info) { return info.param.name; });

void PrintTo(const profile_case& c, std::ostream* os) {
  *os << c.name;
}

}  // namespace
}  // namespace dfs::raft
