#include "actors/repair/manager.hpp"

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <unordered_map>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include "actors/meta/view.hpp"
#include "actors/repair/metrics.hpp"
#include "actors/repair/planner.hpp"
#include "messages/meta.pb.h"
#include "runtime/clock.hpp"
#include "runtime/deadline.hpp"
#include "runtime/logging.hpp"

namespace dfs {

namespace {

using steady = std::chrono::steady_clock;
using fsck_promise = caf::typed_response_promise<fsck_report>;

// What the scan needs of the metadata, copied out under the view's lock.
struct table {
  std::vector<repair::chunk_info> chunks;
  std::unordered_map<std::string, size_t> by_id;  // chunk id -> index in chunks
  uint64_t files = 0;
  uint64_t bytes = 0;
  std::map<std::string, proto::NodeRecord> nodes;

  bool lists(const std::string& chunk, const std::string& node) const {
    auto it = by_id.find(chunk);
    if (it == by_id.end())
      return false;
    auto& r = chunks[it->second].replicas;
    return std::find(r.begin(), r.end(), node) != r.end();
  }
};

// Files read per hold of the view's shared lock.
constexpr size_t table_slice_files = 512;

// The chunk table, read in slices: the Raft participant applies commands
// under the view's exclusive lock and would otherwise wait (a scheduler
// thread with it, and every commit behind it) for a copy of the whole
// table, which grows with the files.
// A file created during the read may be missing and one deleted during
// it is left out: the table is as fuzzy as any scan that takes time.
// Repairs re-check the record when they commit, and a copy is collected
// only after the grace period of scans that all found it unreferenced.
table read_table(const meta_view& view) {
  table t;
  std::vector<uint64_t> files;
  view.read([&](const state_machine& sm) {
    files = sm.file_ids();
    for (auto& n : sm.nodes())
      t.nodes.emplace(n.id(), n);
  });
  t.files = files.size();
  auto add = [&](const proto::Inode& file, const proto::ChunkRef& c) {
    repair::chunk_info info;
    info.id = c.id();
    info.length = c.length();
    info.wanted = file.replication();
    info.replicas.assign(c.replicas().begin(), c.replicas().end());
    t.bytes += c.length();
    t.chunks.push_back(std::move(info));
  };
  for (size_t begin = 0; begin < files.size(); begin += table_slice_files) {
    auto end = std::min(files.size(), begin + table_slice_files);
    view.read([&](const state_machine& sm) {
      for (auto i = begin; i < end; ++i)
        sm.for_each_chunk_of(files[i], add);
    });
  }
  for (size_t i = 0; i < t.chunks.size(); ++i)
    t.by_id.emplace(t.chunks[i].id, i);
  return t;
}

struct peer_entry {
  std::string address;
  replica_actor replica;  // null: unreachable
  caf::actor repair;
};

struct liveness {
  bool fresh = false;  // answered in the current scan
  bool seen = false;   // answered since this node became leader
  steady::time_point last_seen;
  int streak = 0;  // scans in a row it answered
  chunk_inventory inv;
  std::set<std::string> stored;  // inv.chunks as a set
  std::set<std::string> bad;     // inv.bad as a set
};

struct copy_in_flight {
  std::string target;
  uint64_t length = 0;
};

struct repair_state {
  repair_config cfg;
  repair_deps deps;
  std::map<std::string, peer_entry> peers;  // by node id, this node included
  bool leading = false;
  steady::time_point leader_since;
  std::map<std::string, liveness> live;
  // The node's health monitor's verdicts (phi accrual over heartbeats), as
  // of `health_at`: they decide dead and back; the probes above decide
  // only for nodes the monitor does not know.
  std::map<std::string, peer_health> health;
  steady::time_point health_at;
  fsck_report last_report;  // of the last complete scan (empty when not leading)
  std::map<std::string, copy_in_flight> copies;  // by chunk id
  std::set<std::string> state_proposals;         // node ids with a SetNodeState in flight
  repair::gc_tracker gc{3600000};
  repair::rate_limit rate{0};  // on bytes of new copies
  uint64_t repairs_done = 0;
  uint64_t collected = 0;
  bool scanning = false;
  // The scan budget (cfg.scan_share): the time this actor spent on the
  // last scan's own work (reading the table, matching inventories), not
  // the time it waited for answers.
  steady::time_point work_started;
  steady::duration scan_work{0};
  steady::time_point next_scan_due;
  std::vector<std::pair<request_context, fsck_promise>> waiting;  // for the next scan
  std::vector<std::pair<request_context, fsck_promise>> answered_by_scan;
  std::mt19937_64 rng;
  uint64_t next_trace = 1;
  std::shared_ptr<spdlog::logger> log;
  static inline const char* name = "repair_manager";
};

using repair_pointer = repair_actor::stateful_pointer<repair_state>;

request_context make_context(repair_pointer self, std::chrono::milliseconds timeout) {
  auto ctx = context_with_timeout(timeout);
  ctx.trace_id =
    (std::hash<std::string>{}(self->state.cfg.node_id) << 32) + self->state.next_trace++;
  return ctx;
}

const char* state_name(proto::NodeState s) {
  switch (s) {
    case proto::NODE_STATE_DEAD:
      return "dead";
    case proto::NODE_STATE_DRAINING:
      return "draining";
    default:
      return "active";
  }
}

repair::node_state to_plan_state(proto::NodeState s) {
  switch (s) {
    case proto::NODE_STATE_DEAD:
      return repair::node_state::dead;
    case proto::NODE_STATE_DRAINING:
      return repair::node_state::draining;
    default:
      return repair::node_state::active;
  }
}

template <class OnDone>
void propose(repair_pointer self, proto::MetaCommand cmd, OnDone on_done) {
  cmd.set_mtime_ms(now_ms());
  auto ctx = make_context(self, std::chrono::seconds{10});
  self
    ->request(self->state.deps.raft, std::chrono::seconds{10}, propose_atom::value, ctx,
              cmd.SerializeAsString())
    .then([on_done](file_info&) mutable { on_done(caf::error{}); },
          [on_done](caf::error& err) mutable { on_done(err); });
}

void set_node_state(repair_pointer self, const std::string& id, proto::NodeState state) {
  auto& st = self->state;
  if (!st.state_proposals.insert(id).second)
    return;
  st.log->warn("node {} is now {}", id, state_name(state));
  if (st.deps.metrics && state == proto::NODE_STATE_DEAD)
    st.deps.metrics->node_marked_dead();
  proto::MetaCommand cmd;
  cmd.mutable_set_node_state()->set_id(id);
  cmd.mutable_set_node_state()->set_state(state);
  propose(self, std::move(cmd), [=](const caf::error& err) {
    self->state.state_proposals.erase(id);
    if (err)
      self->state.log->warn("marking node {} {} failed: {}", id, state_name(state), describe(err));
  });
}

void start_copy(repair_pointer self, const repair::repair_task& task) {
  auto& st = self->state;
  auto source = st.peers.find(task.source);
  auto target = st.peers.find(task.target);
  if (source == st.peers.end() || !source->second.replica || target == st.peers.end() ||
      !target->second.replica)
    return;
  st.copies[task.chunk] = copy_in_flight{task.target, task.length};
  st.rate.spend(task.length);
  auto ctx = make_context(self, st.cfg.copy_timeout);
  std::string drop;
  for (auto& d : task.drop)
    drop += (drop.empty() ? "" : ",") + d;
  st.log->info("trace={} repair chunk={} copies={} from={} to={} drop=[{}]", ctx.trace_id,
               task.chunk, task.live, task.source, task.target, drop);
  auto done = [=](const caf::error& err) {
    self->state.copies.erase(task.chunk);
    if (err)
      self->state.log->warn("trace={} repair chunk={} failed: {}", ctx.trace_id, task.chunk,
                            describe(err));
    else {
      ++self->state.repairs_done;
      if (self->state.deps.metrics)
        self->state.deps.metrics->repair_done();
    }
  };
  self
    ->request(source->second.replica, st.cfg.copy_timeout, replicate_atom::value, ctx,
              chunk_id{task.chunk}, caf::actor_cast<caf::actor>(target->second.replica))
    .then(
      [=](ok_atom) {
        proto::MetaCommand cmd;
        auto* u = cmd.mutable_update_replicas();
        u->set_chunk(task.chunk);
        u->add_add(task.target);
        for (auto& d : task.drop)
          u->add_remove(d);
        propose(self, std::move(cmd), done);
      },
      done);
}

void collect(repair_pointer self, const std::string& node,
             const std::vector<repair::gc_tracker::stored>& copies) {
  auto& st = self->state;
  auto it = st.peers.find(node);
  if (it == st.peers.end() || !it->second.replica)
    return;
  for (auto& c : copies) {
    // Not a copy that a repair is making or recording right now.
    if (auto copy = st.copies.find(c.chunk); copy != st.copies.end() && copy->second.target == node)
      continue;
    auto ctx = make_context(self, st.cfg.probe_timeout);
    st.log->info("trace={} collect chunk={} node={} (unreferenced past the grace period)",
                 ctx.trace_id, c.chunk, node);
    auto chunk = c.chunk;
    self
      ->request(it->second.replica, st.cfg.probe_timeout, remove_atom::value, ctx,
                chunk_id{c.chunk}, c.created_ms)
      .then(
        [=](ok_atom) {
          ++self->state.collected;
          if (self->state.deps.metrics)
            self->state.deps.metrics->collected();
        },
        [=](caf::error& err) {
          self->state.log->warn("collecting chunk {} at {} failed: {}", chunk, node, describe(err));
        });
  }
}

// A complete chunk's record still lists copies that do not count: drop them.
void clean_up(repair_pointer self, const repair::repair_task& task) {
  auto& st = self->state;
  st.copies[task.chunk] = copy_in_flight{};
  proto::MetaCommand cmd;
  auto* u = cmd.mutable_update_replicas();
  u->set_chunk(task.chunk);
  std::string drop;
  for (auto& d : task.drop) {
    u->add_remove(d);
    drop += (drop.empty() ? "" : ",") + d;
  }
  st.log->info("chunk={} has {} live copies: dropping [{}] from its record", task.chunk, task.live,
               drop);
  propose(self, std::move(cmd), [=](const caf::error& err) {
    self->state.copies.erase(task.chunk);
    if (err)
      self->state.log->warn("dropping copies of chunk {} failed: {}", task.chunk, describe(err));
  });
}

void start_scan(repair_pointer self);

void end_scan(repair_pointer self, const fsck_report* report, const caf::error& err) {
  auto& st = self->state;
  if (report)
    st.last_report = *report;
  else if (!st.leading)
    st.last_report = fsck_report{};
  if (st.deps.metrics) {
    if (report)
      st.deps.metrics->scanned(*report);
    else if (!st.leading)
      st.deps.metrics->not_leading();
  }
  for (auto& [ctx, rp] : st.answered_by_scan)
    if (report)
      rp.deliver(*report);
    else
      rp.deliver(err);
  st.answered_by_scan.clear();
  st.scanning = false;
  // A scan whose work took T keeps the timer's next one off for
  // T * (1 / share - 1).
  auto now = steady::now();
  st.scan_work += now - st.work_started;
  if (report && st.deps.metrics)
    st.deps.metrics->scan_work(std::chrono::duration<double>(st.scan_work).count());
  auto share = std::clamp(st.cfg.scan_share, 0.01, 1.0);
  st.next_scan_due =
    now + std::chrono::duration_cast<steady::duration>(st.scan_work * (1.0 / share - 1.0));
  // fsck requests that came during this scan: the next one, at once.
  if (!st.waiting.empty())
    start_scan(self);
}

// Steps 3-5 of a scan, once the inventories are in (m1: the table read
// before they were asked for; m2: after a confirmed leadership, or null).
void analyze(repair_pointer self, const table& m1, const table* m2) {
  auto& st = self->state;
  auto now = steady::now();
  auto& t = m2 ? *m2 : m1;
  // Which nodes matter: the reachable storage nodes, every node a chunk
  // lists, and every node the table marks dead or draining.
  std::set<std::string> ids;
  for (auto& [id, p] : st.peers)
    if (p.replica)
      ids.insert(id);
  for (auto& c : t.chunks)
    ids.insert(c.replicas.begin(), c.replicas.end());
  for (auto& [id, rec] : t.nodes)
    if (rec.state() != proto::NODE_STATE_ACTIVE && !rec.removed())
      ids.insert(id);
  std::map<std::string, uint64_t> pending;
  for (auto& [chunk, copy] : st.copies)
    pending[copy.target] += copy.length;
  repair::plan_input in;
  for (auto& id : ids) {
    auto& l = st.live[id];
    auto rec = t.nodes.find(id);
    auto state = rec == t.nodes.end() ? proto::NODE_STATE_ACTIVE : rec->second.state();
    bool removed = rec != t.nodes.end() && rec->second.removed();
    repair::node_info n;
    n.id = id;
    n.state = removed ? repair::node_state::dead : to_plan_state(state);
    n.reachable = l.fresh;
    n.bytes_free = l.fresh ? l.inv.stats.bytes_free : 0;
    n.pending_bytes = pending[id];
    n.domain = l.inv.stats.domain;
    in.nodes.push_back(n);
    auto since = l.seen ? std::max(l.last_seen, st.leader_since) : st.leader_since;
    if (removed)
      continue;
    auto verdict = st.health.find(id);
    bool judged = verdict != st.health.end() && now - st.health_at < 4 * st.cfg.interval;
    if (judged) {
      // Down for the grace period (and its replica manager silent too):
      // dead. Active again (after consistent heartbeats) and its replica
      // manager answering: back.
      auto& h = verdict->second;
      if (state == proto::NODE_STATE_ACTIVE && h.state == "down" && !l.fresh &&
          h.state_for_ms >= st.cfg.dead_after.count())
        set_node_state(self, id, proto::NODE_STATE_DEAD);
      else if (state == proto::NODE_STATE_DEAD && h.state == "active" && l.fresh)
        set_node_state(self, id, proto::NODE_STATE_ACTIVE);
    } else if (state == proto::NODE_STATE_ACTIVE && !l.fresh && now - since >= st.cfg.dead_after) {
      set_node_state(self, id, proto::NODE_STATE_DEAD);
    } else if (state == proto::NODE_STATE_DEAD && l.fresh && l.streak >= 2) {
      set_node_state(self, id, proto::NODE_STATE_ACTIVE);
    }
  }
  // Bad copies: listed by the table read before the inventories were
  // taken (so stored before), yet absent or dropped as corrupt.
  fsck_report report;
  for (auto& c : m1.chunks)
    for (auto& r : c.replicas) {
      auto l = st.live.find(r);
      if (l == st.live.end() || !l->second.fresh)
        continue;
      bool corrupt = l->second.bad.count(c.id) > 0;
      if (!corrupt && l->second.stored.count(c.id))
        continue;
      if (!t.lists(c.id, r))
        continue;  // deleted or moved meanwhile
      in.bad.insert({c.id, r});
      ++(corrupt ? report.corrupt : report.missing);
    }
  in.chunks = t.chunks;
  for (auto& [chunk, copy] : st.copies)
    in.busy.insert(chunk);
  in.max_tasks = st.cfg.concurrency > st.copies.size() ? st.cfg.concurrency - st.copies.size() : 0;
  auto mono_ms = [](steady::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  };
  in.max_bytes = st.rate.available(mono_ms(now));
  auto plan = repair::plan_repairs(in, st.rng);
  for (auto& task : plan.tasks)
    start_copy(self, task);
  for (auto& task : plan.cleanups)
    clean_up(self, task);
  // Garbage: only with a table read after a confirmed leadership, so no
  // copy a newer leader committed is taken for garbage.
  if (m2) {
    // The leader's monotonic clock: a step of the wall clock must not age
    // a copy past its grace period.
    auto now_mono = mono_ms(now);
    for (auto& [id, l] : st.live) {
      if (!l.fresh)
        continue;
      std::vector<repair::gc_tracker::stored> stored;
      stored.reserve(l.inv.chunks.size());
      for (size_t i = 0; i < l.inv.chunks.size(); ++i)
        stored.push_back({l.inv.chunks[i].value, l.inv.created_ms[i]});
      auto node = id;
      auto garbage = st.gc.observe(
        id, stored, [&](const std::string& c) { return m2->lists(c, node); }, now_mono);
      collect(self, id, garbage);
    }
  }
  report.by = st.cfg.node_id;
  report.files = t.files;
  report.chunks = t.chunks.size();
  report.bytes = t.bytes;
  report.under_replicated = plan.under_replicated;
  report.lost = plan.lost;
  report.unavailable = plan.unavailable;
  report.orphaned = st.gc.waiting();
  report.repairs_in_flight = st.copies.size();
  report.repairs_done = st.repairs_done;
  report.collected = st.collected;
  std::map<std::string, uint64_t> referenced;
  for (auto& c : t.chunks)
    for (auto& r : c.replicas)
      ++referenced[r];
  for (auto& n : in.nodes) {
    auto& l = st.live[n.id];
    node_report nr;
    nr.id = n.id;
    auto p = st.peers.find(n.id);
    auto rec = t.nodes.find(n.id);
    if (p != st.peers.end() && !p->second.address.empty())
      nr.address = p->second.address;
    else if (rec != t.nodes.end())
      nr.address = rec->second.address();
    nr.state = state_name(rec == t.nodes.end() ? proto::NODE_STATE_ACTIVE : rec->second.state());
    nr.reachable = l.fresh;
    nr.last_seen_ms =
      l.seen ? std::chrono::duration_cast<std::chrono::milliseconds>(now - l.last_seen).count()
             : -1;
    nr.chunks = l.inv.stats.chunks;
    nr.referenced = referenced[n.id];
    nr.bytes_used = l.inv.stats.bytes_used;
    nr.bytes_free = l.inv.stats.bytes_free;
    nr.corrupt_found = l.inv.stats.corrupt_found + l.inv.stats.missing_found;
    nr.scrub_passes = l.inv.stats.scrub_passes;
    report.nodes.push_back(std::move(nr));
  }
  if (plan.lost > 0 || plan.unplaceable > 0)
    st.log->warn("scan: {} chunks under-replicated, {} lost, {} without a target",
                 plan.under_replicated, plan.lost, plan.unplaceable);
  end_scan(self, &report, {});
}

// Step 2 done: confirm the leadership with a linearizable read, then
// read the table again for garbage collection.
void after_inventories(repair_pointer self, std::shared_ptr<table> m1) {
  auto& st = self->state;
  auto ctx = make_context(self, st.cfg.probe_timeout);
  self->request(st.deps.raft, st.cfg.probe_timeout, stat_atom::value, ctx, std::string{"/"})
    .then(
      [=](file_info&) {
        self->state.work_started = steady::now();
        auto m2 = read_table(*self->state.deps.view);
        analyze(self, *m1, &m2);
      },
      [=](caf::error&) {
        self->state.work_started = steady::now();
        analyze(self, *m1, nullptr);
      });
}

void forward_to_leader(repair_pointer self, const std::string& leader) {
  auto& st = self->state;
  auto waiting = std::move(st.answered_by_scan);
  st.answered_by_scan.clear();
  auto p = st.peers.find(leader);
  for (auto& [ctx, rp] : waiting) {
    if (ctx.hops > 0 || leader.empty() || leader == st.cfg.node_id || p == st.peers.end() ||
        !p->second.repair) {
      rp.deliver(make_error(errc::unavailable, leader.empty()
                                                 ? "no Raft leader is known now; retry"
                                                 : "the Raft leader " + leader +
                                                     " is not reachable from " + st.cfg.node_id));
      continue;
    }
    auto fwd = ctx;
    ++fwd.hops;
    auto promise = rp;
    self
      ->request(caf::actor_cast<repair_actor>(p->second.repair),
                time_left(ctx, std::chrono::seconds{60}), fsck_atom::value, fwd)
      .then([promise](fsck_report& r) mutable { promise.deliver(std::move(r)); },
            [promise](caf::error& err) mutable { promise.deliver(std::move(err)); });
  }
}

void start_scan(repair_pointer self) {
  auto& st = self->state;
  if (st.scanning)
    return;
  st.scanning = true;
  st.scan_work = steady::duration{0};
  st.answered_by_scan = std::move(st.waiting);
  st.waiting.clear();
  self->request(st.deps.raft, st.cfg.probe_timeout, status_atom::value)
    .then(
      [=](raft_status& status) {
        auto& st = self->state;
        if (status.role != "leader") {
          if (st.leading)
            st.log->info("no longer the Raft leader: repairs stop here");
          st.leading = false;
          forward_to_leader(self, status.leader);
          st.work_started = steady::now();
          end_scan(self, nullptr, {});
          return;
        }
        if (!st.leading) {
          st.log->info("Raft leader: watching storage nodes and repairing");
          st.leading = true;
          st.leader_since = steady::now();
          st.live.clear();
          st.gc.clear();
        }
        auto t0 = steady::now();
        auto m1 = std::make_shared<table>(read_table(*st.deps.view));
        st.scan_work += steady::now() - t0;
        auto pending = std::make_shared<size_t>(0);
        for (auto& [id, l] : st.live)
          l.fresh = false;
        auto one_done = [=] {
          if (--*pending == 0)
            after_inventories(self, m1);
        };
        for (auto& [id, p] : st.peers) {
          if (!p.replica) {
            st.live[id].streak = 0;
            continue;
          }
          ++*pending;
          auto node = id;
          self->request(p.replica, st.cfg.probe_timeout, inventory_atom::value)
            .then(
              [=](chunk_inventory& inv) {
                auto t0 = steady::now();
                auto& l = self->state.live[node];
                l.fresh = true;
                l.seen = true;
                l.last_seen = steady::now();
                ++l.streak;
                l.stored.clear();
                for (auto& c : inv.chunks)
                  l.stored.insert(c.value);
                l.bad.clear();
                for (auto& c : inv.bad)
                  l.bad.insert(c.value);
                l.inv = std::move(inv);
                self->state.scan_work += steady::now() - t0;
                one_done();
              },
              [=](caf::error&) {
                self->state.live[node].streak = 0;
                one_done();
              });
        }
        if (*pending == 0)
          after_inventories(self, m1);
      },
      [=](caf::error& err) {
        auto& st = self->state;
        for (auto& [ctx, rp] : st.answered_by_scan)
          rp.deliver(err);
        st.answered_by_scan.clear();
        st.scanning = false;
      });
}

repair_actor::behavior_type repair_manager(repair_pointer self, repair_config cfg,
                                           repair_deps deps) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.deps = std::move(deps);
  st.gc = repair::gc_tracker{st.cfg.gc_grace.count()};
  // Scans come every interval (plus their own time): the bucket holds two
  // intervals' worth, so the rate is reached however long the interval.
  st.rate = repair::rate_limit{st.cfg.rate, std::max<int64_t>(1000, 2 * st.cfg.interval.count())};
  st.rng.seed(st.cfg.seed != 0 ? st.cfg.seed : std::random_device{}());
  st.log = logger_for("repair");
  st.peers[st.cfg.node_id] =
    peer_entry{st.deps.local_address, st.deps.local_replica, caf::actor_cast<caf::actor>(self)};
  self->link_to(st.deps.raft);  // lives as long as its participant
  self->delayed_send(self, st.cfg.interval, tick_atom::value);
  return {
    [=](fsck_atom, const request_context& ctx) -> caf::result<fsck_report> {
      auto rp = self->make_response_promise<fsck_report>();
      self->state.waiting.emplace_back(ctx, rp);
      start_scan(self);
      return rp;
    },
    [=](tick_atom) {
      if (self->current_sender() != self->ctrl())
        return;
      // fsck requests start a scan at once (or right after the one
      // running); the timer's scans keep to the budget.
      if (steady::now() >= self->state.next_scan_due)
        start_scan(self);
      self->delayed_send(self, self->state.cfg.interval, tick_atom::value);
    },
    [=](status_atom) { return self->state.last_report; },
    [=](health_atom, std::vector<peer_health>& verdicts) {
      auto& st = self->state;
      st.health.clear();
      for (auto& h : verdicts)
        st.health[h.node.value] = std::move(h);
      st.health_at = steady::now();
      if (st.deps.metrics)  // the verdicts come every heartbeat interval
        st.deps.metrics->mailbox(self->mailbox().size());
    },
    [=](peers_atom, const node_id& id, const std::string& address, const replica_actor& replica,
        const caf::actor& repair) {
      if (id.value == self->state.cfg.node_id)
        return;
      auto& p = self->state.peers[id.value];
      if (!address.empty())
        p.address = address;
      p.replica = replica;
      p.repair = repair;
    },
  };
}

}  // namespace

repair_actor spawn_repair_manager(caf::actor_system& sys, repair_config cfg, repair_deps deps) {
  // On a thread of its own: a scan's work (the chunk table, every node's
  // inventory) takes hundreds of milliseconds at tens of thousands of
  // chunks; on a scheduler thread it would hold up the actors that serve
  // requests for that long. The operating system shares the cores instead.
  return sys.spawn<caf::detached>(repair_manager, std::move(cfg), std::move(deps));
}

}  // namespace dfs
