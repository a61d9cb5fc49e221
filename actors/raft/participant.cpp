#include "actors/raft/participant.hpp"

#include <algorithm>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <type_traits>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/meta/convert.hpp"
#include "actors/meta/service.hpp"
#include "actors/meta/view.hpp"
#include "actors/raft/core.hpp"
#include "actors/raft/log_store.hpp"
#include "actors/raft/metrics.hpp"
#include "actors/raft/wire.hpp"
#include "messages/errc.hpp"
#include "runtime/config.hpp"
#include "runtime/deadline.hpp"
#include "runtime/logging.hpp"

namespace dfs::raft_io {

// One batch of the core's output to make durable, in one transaction.
struct persist_job {
  bool has_snapshot = false;
  raft::snapshot snapshot;
  bool replace_log = false;  // the snapshot came from the leader (else: compaction)
  bool hard_state_changed = false;
  raft::hard_state hard_state;
  std::vector<raft::entry> entries;
};

// Passed between the participant and its log writer inside one process.
using persist_job_ptr = std::shared_ptr<const persist_job>;

}  // namespace dfs::raft_io

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dfs::raft_io::persist_job_ptr)

namespace dfs {

namespace {

using raft_io::persist_job;
using raft_io::persist_job_ptr;
using steady = std::chrono::steady_clock;

// A batch the disk has not made durable in this long stops the node: it
// cannot vote or acknowledge anything meanwhile, and a supervisor restart
// is the honest answer.
constexpr std::chrono::seconds persist_timeout{60};
// meta.db is written at most this often (or once this many commands are
// waiting): the Raft log is the durable record, so the database may lag,
// and one transaction for many commands costs a fraction of one each.
constexpr std::chrono::milliseconds meta_save_interval{100};
constexpr size_t meta_save_batch = 20000;

// A follower's read_index requests on their way to the leader at once.
constexpr int max_read_index_inflight = 4;

// The most requests one batch message may carry.
constexpr size_t max_batch = 4096;

template <class T>
using promise_t = caf::typed_response_promise<T>;

// Where the answer to one request goes: the promise of the message it came
// in (converts implicitly), or a callback (one request of a batch).
template <class T>
class reply_to {
public:
  reply_to(promise_t<T> rp)
    : fn_(std::make_shared<callback>([rp](caf::expected<T> r) mutable {
        if (r)
          rp.deliver(std::move(*r));
        else
          rp.deliver(r.error());
      })) {}
  explicit reply_to(std::function<void(caf::expected<T>)> fn)
    : fn_(std::make_shared<callback>(std::move(fn))) {}
  void deliver(T x) const { (*fn_)(std::move(x)); }
  void deliver(caf::error err) const { (*fn_)(std::move(err)); }

private:
  using callback = std::function<void(caf::expected<T>)>;
  std::shared_ptr<callback> fn_;
};

// Collects the outcomes of a batch of requests and answers the batch once
// every one of them has its outcome.
class batch_collector {
public:
  batch_collector(promise_t<batch_results> rp, size_t n) : rp_(std::move(rp)), left_(n) {
    out_.results.resize(n);
    out_.errors.resize(n);
    if (n == 0)
      rp_.deliver(batch_results{});
  }
  void done(size_t i, caf::expected<file_info> r) {
    if (r)
      out_.results[i] = std::move(*r);
    else
      out_.errors[i] = r.error();
    if (--left_ == 0)
      rp_.deliver(std::move(out_));
  }
  // The leader's standing, for a batch served with no round (lead_atom).
  void standing(uint64_t term, std::vector<std::string> voters) {
    out_.term = term;
    out_.voters = std::move(voters);
  }
  // Where the answer to request `i` goes.
  static reply_to<file_info> slot(std::shared_ptr<batch_collector> acc, size_t i) {
    return reply_to<file_info>{
      [acc, i](caf::expected<file_info> r) { acc->done(i, std::move(r)); }};
  }

private:
  promise_t<batch_results> rp_;
  batch_results out_;
  size_t left_;
};

struct pending_proposal {
  request_context ctx;
  std::string cmd;
  uint64_t term = 0;
  steady::time_point start;
  std::function<void(caf::expected<file_info>)> reply;
  std::function<void()> again;  // dispatch again (null: answer `unavailable`)
};

// A proposal waiting to be forwarded to the leader with the next batch.
struct outbound_proposal {
  request_context ctx;
  std::string cmd;
  reply_to<file_info> promise;
};

struct waiting_read {
  request_context ctx;
  uint64_t index = 0;  // 0 until ReadIndex confirmed it; then serve once applied up to here
  std::function<void()> serve;
  std::function<void()> retry;  // dispatch again (the leader stepped down before confirming)
  std::function<void(caf::error)> fail;
  std::function<void(uint64_t)> confirmed;  // set: answer the index itself (a follower asked)
};

// A membership change under way at the leader (see advance_member_changes).
struct member_change {
  bool add = true;
  std::string id;
  promise_t<ok_atom> promise;
  steady::time_point deadline;
};

// A request that found no leader to serve or forward it to.
struct parked_request {
  request_context ctx;
  std::function<void()> retry;
  std::function<void(caf::error)> fail;
};

// Requests forwarded to the leader and not yet answered: when another
// leader is elected, `abandon` sends them again (to it) at once rather
// than after forward_timeout (the old leader may be paused or cut off).
// Past `due` the tick calls `expire`. The requests themselves carry no
// CAF timeout: each would cost two round trips through CAF's clock
// thread (set, then cancel), a few per cent of a busy node's CPU.
struct forward_in_flight {
  std::string leader;
  std::function<void()> abandon;
  steady::time_point due;
  std::function<void()> expire;
};

struct participant_state {
  participant_config cfg;
  std::shared_ptr<raft::core> core;
  caf::actor writer;                      // the log writer (detached)
  std::shared_ptr<meta_view> view;        // the metadata state machine
  caf::actor meta_writer;                 // writes it to its database (detached)
  std::shared_ptr<meta_changes> unsaved;  // applied, not yet handed to meta_writer
  bool saving = false;                    // a batch of changes is at meta_writer
  steady::time_point persist_started;     // when the batch at the log writer went
  uint64_t log_bytes = 0;                 // of the entries written since the last compaction
  steady::time_point last_save;           // when the latest batch went to meta_writer
  // Log compaction: a snapshot read from meta.db; taken into the core
  // once the other members hold its entries; then written to the log.
  bool snapshotting = false;
  std::shared_ptr<raft::snapshot> prepared;
  std::shared_ptr<raft::snapshot> compacted;
  // Snapshots being sent in pieces, by member: (index, term) of each.
  std::map<std::string, std::pair<uint64_t, uint64_t>> sending;
  raft_msg receiving;  // a snapshot arriving in pieces (empty `from`: none)
  std::vector<member_change> member_changes;
  std::vector<outbound_proposal> outbound;  // to forward to the leader
  std::map<std::string, raft_actor> peers;
  std::map<uint64_t, pending_proposal> proposals;  // by log index
  std::map<uint64_t, waiting_read> reads;          // by read request id
  std::vector<parked_request> parked;
  std::vector<waiting_read> follower_reads;  // waiting for the next read index from the leader
  int read_index_inflight = 0;               // read_index requests at the leader
  std::map<uint64_t, forward_in_flight> forwards;
  uint64_t next_forward = 0;
  bool flush_scheduled = false;  // a flush_atom to itself is on its way
  // The latest acknowledgement to the leader: when, and the newest read
  // round (term, sequence) it echoed.
  steady::time_point last_reply;
  std::pair<uint64_t, uint64_t> echoed_read{0, 0};
  uint64_t next_read = 0;
  uint64_t one_round_reads = 0;                                 // served by serve_as_leader
  uint64_t applied = 0;                                         // the state machine's applied index
  bool persisting = false;                                      // a batch is at the log writer
  uint64_t durable = 0;                                         // the log is on disk up to here
  uint64_t durable_cap = std::numeric_limits<uint64_t>::max();  // see flush()
  uint64_t inflight_last = 0;       // the last entry of the batch at the writer (0: none)
  bool inflight_committed = false;  // the batch at the writer holds committed entries
  raft::hard_state hs;              // the newest hard state
  raft::hard_state saved;           // the hard state on disk
  raft::ready next;                 // collected meanwhile, for the next batch
  std::string last_leader;
  steady::time_point last_contact;
  steady::time_point leaderless_since;  // when it last lost sight of a leader; {}: one is known
  steady::time_point next_tick;         // when the core's next tick is due
  std::unique_ptr<raft_metrics> metrics;
  std::shared_ptr<spdlog::logger> log;
  static inline const char* name = "raft_participant";
};

using participant_pointer = raft_actor::stateful_pointer<participant_state>;

caf::error not_leader(participant_pointer self) {
  auto& leader = self->state.core->leader();
  return make_error(errc::unavailable, "not the leader; the leader is " +
                                         (leader.empty() ? std::string{"unknown"} : leader));
}

// How long a member waits for a leader before it stops holding requests
// for one: past several elections' worth, a majority of the group is
// likely down or cut off from it, and a client does better to hear so
// (and try another member) than to wait out its deadline.
steady::duration leaderless_patience(const participant_config& cfg) {
  return std::max<steady::duration>(std::chrono::seconds{1}, 4 * cfg.election_ticks * cfg.tick);
}

bool leader_known(participant_pointer self) {
  auto& st = self->state;
  return st.core->current_role() == raft::role::leader || st.peers.count(st.core->leader()) > 0;
}

// No leader known for longer than leaderless_patience: the error for a
// request that would otherwise wait for one.
caf::error long_without_leader(participant_pointer self) {
  auto& st = self->state;
  if (st.leaderless_since == steady::time_point{})
    return {};
  auto gone = steady::now() - st.leaderless_since;
  if (gone < leaderless_patience(st.cfg))
    return {};
  return make_error(
    errc::unavailable,
    "no Raft leader known at " + st.cfg.id + " for " +
      std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(gone).count()) +
      " ms: a majority of the metadata group may be down or cut off from it");
}

caf::error deadline_error(const char* what) {
  return make_error(errc::timeout, std::string{"deadline passed "} + what);
}

// An error after which the request may succeed at another (or a new) leader.
// `unavailable` comes from a member that did not take the request (not
// the leader) or from a leader whose entry for it was overwritten: either
// way it was not applied. A timeout is ambiguous: the command may have been
// applied. A read may always go again; a write only with a client session,
// which the state machine uses to apply it once.
bool retryable(const caf::error& err, const request_context& ctx, bool write) {
  if (to_errc(err) == errc::unavailable)
    return true;
  bool session = !ctx.client_id.empty() && ctx.sequence > 0;
  return err == caf::sec::request_timeout && (!write || session);
}

void park(participant_pointer self, const request_context& ctx, std::function<void()> retry,
          std::function<void(caf::error)> fail) {
  self->state.parked.push_back(parked_request{ctx, std::move(retry), std::move(fail)});
}

void flush(participant_pointer self);

bool contains(const std::vector<std::string>& xs, const std::string& x) {
  return std::find(xs.begin(), xs.end(), x) != xs.end();
}

// A command that decodes and names an operation.
bool well_formed(const std::string& cmd) {
  proto::MetaCommand parsed;
  return parsed.ParseFromString(cmd) && parsed.op_case() != proto::MetaCommand::OP_NOT_SET;
}

// Flushes after the messages already in the mailbox: reads arriving
// together then share one heartbeat round.
void flush_soon(participant_pointer self) {
  if (!self->state.flush_scheduled) {
    self->state.flush_scheduled = true;
    self->send(self, flush_atom::value);
  }
}

// --- dispatch: serve here, forward to the leader, or wait for one --------

template <class T, class Atom>
void dispatch(participant_pointer self, Atom atom, const request_context& ctx,
              const std::string& arg, reply_to<T> rp);

// A proposal the core took at `index`, waiting for its entry to be applied.
pending_proposal& track_proposal(participant_pointer self, uint64_t index,
                                 const request_context& ctx, const std::string& cmd) {
  auto& p = self->state.proposals[index] = pending_proposal{};
  p.ctx = ctx;
  p.cmd = cmd;
  p.term = self->state.core->term();
  p.start = steady::now();
  return p;
}

bool serve_here(participant_pointer self, propose_atom, const request_context& ctx,
                const std::string& cmd, reply_to<file_info> rp) {
  auto& st = self->state;
  auto index = st.core->propose(cmd);
  if (index == 0)
    return false;
  st.log->debug("trace={} proposed index={} term={} hops={}", ctx.trace_id, index, st.core->term(),
                ctx.hops);
  auto& p = track_proposal(self, index, ctx, cmd);
  p.reply = [rp](caf::expected<file_info> r) mutable {
    if (r)
      rp.deliver(std::move(*r));
    else
      rp.deliver(r.error());
  };
  if (ctx.hops == 0)
    p.again = [=] { dispatch<file_info>(self, propose_atom::value, ctx, cmd, rp); };
  flush(self);
  return true;
}

caf::expected<file_info> read_local(const meta_view& view, stat_atom, const std::string& path) {
  return view.stat(path);
}

caf::expected<std::vector<file_info>> read_local(const meta_view& view, list_atom,
                                                 const std::string& path) {
  return view.list(path);
}

// A linearizable read: confirmed by ReadIndex, then served from this
// node's state machine (in memory, through its view). A read waiting for
// its index is served, dispatched again, or failed.
template <class T, class Atom>
waiting_read make_read(participant_pointer self, Atom atom, const request_context& ctx,
                       const std::string& path, reply_to<T> rp) {
  waiting_read w;
  w.ctx = ctx;
  w.serve = [=]() mutable {
    if (past_deadline(ctx)) {
      rp.deliver(deadline_error("before the read was served"));
      return;
    }
    auto found = read_local(*self->state.view, atom, path);
    self->state.log->debug("trace={} linearizable read of {} served", ctx.trace_id, path);
    if (found)
      rp.deliver(std::move(*found));
    else
      rp.deliver(found.error());
  };
  w.retry = [=] { dispatch<T>(self, atom, ctx, path, rp); };
  w.fail = [=](caf::error err) mutable { rp.deliver(std::move(err)); };
  return w;
}

template <class T, class Atom>
bool serve_here(participant_pointer self, Atom atom, const request_context& ctx,
                const std::string& path, reply_to<T> rp) {
  auto& st = self->state;
  auto request = ++st.next_read;
  if (!st.core->read_index(request))
    return false;
  st.reads.emplace(request, make_read<T>(self, atom, ctx, path, rp));
  flush_soon(self);
  return true;
}

void serve_reads(participant_pointer self);

// Asks the leader for a read index on behalf of every follower read
// waiting now (one round trip for the whole batch). Up to
// max_read_index_inflight requests are on their way at once, so a read
// arriving just after one left need not wait for its answer first; past
// that, reads wait for the next answer and go together.
void request_read_index(participant_pointer self) {
  auto& st = self->state;
  if (st.read_index_inflight >= max_read_index_inflight || st.follower_reads.empty())
    return;
  auto batch = std::make_shared<std::vector<waiting_read>>(std::move(st.follower_reads));
  st.follower_reads.clear();
  auto retry_all = [=](const caf::error& err) {
    for (auto& w : *batch) {
      if (past_deadline(w.ctx))
        w.fail(err);
      else
        park(self, w.ctx, w.retry, w.fail);
    }
  };
  auto leader = st.peers.find(st.core->leader());
  if (leader == st.peers.end()) {
    retry_all(not_leader(self));
    return;
  }
  ++st.read_index_inflight;
  auto id = ++st.next_forward;
  auto failed = [=](const caf::error& err) {
    --self->state.read_index_inflight;
    retry_all(err);
    request_read_index(self);
  };
  st.forwards.emplace(
    id, forward_in_flight{
          leader->first,
          [failed] { failed(make_error(errc::unavailable, "another leader was elected")); },
          steady::now() + st.cfg.forward_timeout,
          [failed] { failed(caf::make_error(caf::sec::request_timeout)); }});
  self
    ->request(leader->second, caf::infinite, read_index_atom::value, st.core->id(), st.core->term())
    .then(
      [=](uint64_t index) {
        auto& st = self->state;
        if (st.forwards.erase(id) == 0)
          return;  // abandoned: the reads went to the new leader
        --st.read_index_inflight;
        for (auto& w : *batch) {
          w.index = std::max<uint64_t>(index, 1);
          st.reads.emplace(++st.next_read, std::move(w));
        }
        serve_reads(self);
        request_read_index(self);
      },
      [=](caf::error& err) {
        if (self->state.forwards.erase(id) > 0)
          failed(err);
      });
}

// A linearizable read on a follower: the leader confirms its commit index
// (ReadIndex), the follower serves the read from its own state machine
// once it has applied up to there.
template <class T, class Atom>
void serve_at_follower(participant_pointer self, Atom atom, const request_context& ctx,
                       const std::string& path, reply_to<T> rp) {
  // Asked at the flush, after the messages already in the mailbox: the
  // reads they carry share one request.
  self->state.follower_reads.push_back(make_read<T>(self, atom, ctx, path, rp));
  flush_soon(self);
}

// A proposal on a follower goes to the leader, in a batch: every proposal
// that arrives while a flush is on its way travels in the same message.
void serve_at_follower(participant_pointer self, propose_atom, const request_context& ctx,
                       const std::string& cmd, reply_to<file_info> rp) {
  self->state.outbound.push_back(outbound_proposal{ctx, cmd, rp});
  flush_soon(self);
}

void forward_proposals(participant_pointer self) {
  auto& st = self->state;
  if (st.outbound.empty())
    return;
  auto batch = std::make_shared<std::vector<outbound_proposal>>(std::move(st.outbound));
  st.outbound.clear();
  auto leader = st.peers.find(st.core->leader());
  if (leader == st.peers.end() || st.core->current_role() == raft::role::leader) {
    for (auto& p : *batch)  // the leader changed meanwhile
      dispatch<file_info>(self, propose_atom::value, p.ctx, p.cmd, p.promise);
    return;
  }
  auto settle = [=](outbound_proposal& p, const caf::error& err) {
    if (retryable(err, p.ctx, true) && !past_deadline(p.ctx)) {
      auto promise = p.promise;
      auto ctx = p.ctx;
      auto cmd = p.cmd;
      park(
        self, ctx, [=] { dispatch<file_info>(self, propose_atom::value, ctx, cmd, promise); },
        [=](caf::error e) mutable { promise.deliver(std::move(e)); });
    } else {
      p.promise.deliver(err);
    }
  };
  std::vector<request_context> ctxs;
  std::vector<std::string> cmds;
  for (auto& p : *batch) {
    st.log->debug("trace={} proposal forwarded to leader {}", p.ctx.trace_id, leader->first);
    ctxs.push_back(p.ctx);
    ++ctxs.back().hops;
    cmds.push_back(p.cmd);
  }
  // Abandoned for a new leader, they may have been applied by the old
  // one: only a proposal with a client session goes again.
  auto id = ++st.next_forward;
  auto timed_out = [=] {
    for (auto& p : *batch)
      settle(p, caf::make_error(caf::sec::request_timeout));
  };
  st.forwards.emplace(id, forward_in_flight{leader->first, timed_out,
                                            steady::now() + st.cfg.forward_timeout, timed_out});
  self
    ->request(leader->second, caf::infinite, propose_atom::value, std::move(ctxs), std::move(cmds))
    .then(
      [=](batch_results& out) {
        if (self->state.forwards.erase(id) == 0)
          return;
        for (size_t i = 0; i < batch->size(); ++i) {
          auto& p = (*batch)[i];
          if (i >= out.results.size() || i >= out.errors.size())
            settle(p, make_error(errc::internal, "the leader answered a short batch"));
          else if (out.errors[i])
            settle(p, out.errors[i]);
          else
            p.promise.deliver(std::move(out.results[i]));
        }
      },
      [=](caf::error& err) {
        if (self->state.forwards.erase(id) == 0)
          return;
        for (auto& p : *batch)
          settle(p, err);
      });
}

// Proposals forwarded by a follower: each is proposed here, and the batch
// is answered once every one of them has its outcome.
caf::result<batch_results> propose_forwarded(participant_pointer self,
                                             const std::vector<request_context>& ctxs,
                                             const std::vector<std::string>& cmds) {
  auto& st = self->state;
  if (st.core->current_role() != raft::role::leader)
    return not_leader(self);
  auto n = std::min(ctxs.size(), cmds.size());
  auto rp = self->make_response_promise<batch_results>();
  auto acc = std::make_shared<batch_collector>(rp, n);
  auto done = [acc](size_t i, caf::expected<file_info> r) { acc->done(i, std::move(r)); };
  bool proposed = false;
  for (size_t i = 0; i < n; ++i) {
    if (!well_formed(cmds[i])) {
      done(i, make_error(errc::invalid_argument, "malformed metadata command"));
      continue;
    }
    if (past_deadline(ctxs[i])) {
      done(i, deadline_error("before the leader took the request"));
      continue;
    }
    auto index = st.core->propose(cmds[i]);
    if (index == 0) {
      done(i, not_leader(self));
      continue;
    }
    st.log->debug("trace={} proposed index={} term={} hops={}", ctxs[i].trace_id, index,
                  st.core->term(), ctxs[i].hops);
    track_proposal(self, index, ctxs[i], cmds[i]).reply = [done, i](caf::expected<file_info> r) {
      done(i, std::move(r));
    };
    proposed = true;
  }
  if (proposed)
    flush(self);
  return rp;
}

// Why a batch of stats is malformed; none when it is not.
caf::error check_stat_batch(const std::vector<request_context>& ctxs,
                            const std::vector<std::string>& paths) {
  if (ctxs.size() != paths.size())
    return make_error(errc::invalid_argument, "a batch of stats needs one context per path");
  if (ctxs.size() > max_batch)
    return make_error(errc::invalid_argument, "a batch of " + std::to_string(ctxs.size()) +
                                                " stats is over the limit of " +
                                                std::to_string(max_batch));
  return {};
}

// Stats a client sent in one message: each goes its own way (served here,
// or with the next read index request to the leader), and the batch is
// answered once every one of them has its outcome.
caf::result<batch_results> stat_batch(participant_pointer self,
                                      const std::vector<request_context>& ctxs,
                                      const std::vector<std::string>& paths) {
  if (auto err = check_stat_batch(ctxs, paths))
    return err;
  auto rp = self->make_response_promise<batch_results>();
  auto acc = std::make_shared<batch_collector>(rp, ctxs.size());
  for (size_t i = 0; i < ctxs.size(); ++i)
    dispatch<file_info>(self, stat_atom::value, ctxs[i], paths[i], batch_collector::slot(acc, i));
  return rp;
}

// Stats the leader serves alone, at its commit index, for a client that
// confirms the leader's standing with the other members itself, asking
// them at the same moment (confirms_leader_read): one round trip instead
// of two. Any member but a leader that has committed an entry of its term
// refuses them; the client then goes the usual way.
caf::result<batch_results> serve_as_leader(participant_pointer self,
                                           const std::vector<request_context>& ctxs,
                                           const std::vector<std::string>& paths) {
  if (auto err = check_stat_batch(ctxs, paths))
    return err;
  auto& st = self->state;
  auto& c = *st.core;
  if (c.current_role() != raft::role::leader || !c.committed_in_term() ||
      !contains(c.voters(), c.id()))
    return not_leader(self);
  st.one_round_reads += ctxs.size();
  if (st.metrics)
    st.metrics->one_round_reads(ctxs.size());
  auto rp = self->make_response_promise<batch_results>();
  auto acc = std::make_shared<batch_collector>(rp, ctxs.size());
  acc->standing(c.term(), c.voters());
  auto index = std::max<uint64_t>(c.commit_index(), 1);
  for (size_t i = 0; i < ctxs.size(); ++i) {
    auto w = make_read<file_info>(self, stat_atom::value, ctxs[i], paths[i],
                                  batch_collector::slot(acc, i));
    w.index = index;  // served once applied up to here, whatever happens to the role
    st.reads.emplace(++st.next_read, std::move(w));
  }
  serve_reads(self);
  return rp;
}

template <class T, class Atom>
void dispatch(participant_pointer self, Atom atom, const request_context& ctx,
              const std::string& arg, reply_to<T> rp) {
  auto& st = self->state;
  if (past_deadline(ctx)) {
    rp.deliver(deadline_error("before a Raft leader took the request"));
    return;
  }
  auto& c = *st.core;
  if (!contains(c.voters(), c.id()) && !contains(c.learners(), c.id())) {
    // Removed, or waiting to be added: no leader will tell it anything.
    rp.deliver(make_error(errc::unavailable, "node " + c.id() + " is not in the Raft group"));
    return;
  }
  if (st.core->current_role() == raft::role::leader) {
    if (serve_here(self, atom, ctx, arg, rp))
      return;
  } else if (ctx.hops == 0) {
    if (st.peers.count(st.core->leader()) > 0) {
      serve_at_follower(self, atom, ctx, arg, rp);
      return;
    }
  }
  if (ctx.hops > 0) {  // forwarded here: the node it came from retries
    rp.deliver(not_leader(self));
    return;
  }
  if (auto err = long_without_leader(self)) {
    rp.deliver(std::move(err));
    return;
  }
  park(
    self, ctx, [=] { dispatch<T>(self, atom, ctx, arg, rp); },
    [=](caf::error e) mutable { rp.deliver(std::move(e)); });
}

// --- applying committed entries -----------------------------------------

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

// Answers the proposal waiting for entry `e`, which the state machine has
// applied with result `info` or error `err`.
void answer_proposal(participant_pointer self, const raft::entry& e, const caf::error& err,
                     file_info info) {
  auto& st = self->state;
  auto it = st.proposals.find(e.index);
  if (it == st.proposals.end())
    return;
  auto p = std::move(it->second);
  st.proposals.erase(it);
  if (p.term != e.term) {
    // Another leader's entry took this index: ours was never committed.
    if (p.again)
      p.again();
    else
      p.reply(make_error(errc::unavailable, "leadership changed before the command committed"));
    return;
  }
  if (st.metrics)
    st.metrics->commit_done(std::chrono::duration<double>(steady::now() - p.start).count());
  st.log->debug("trace={} committed and applied index={} term={} result={}", p.ctx.trace_id,
                e.index, e.term, err ? describe(err) : std::string{"ok"});
  if (err)
    p.reply(err);
  else
    p.reply(std::move(info));
}

// Hands what the state machine applied to its database writer: one batch
// at a time, at most one per meta_save_interval unless many commands are
// waiting or `now` (ticks call this too); what is applied meanwhile goes
// with the next one.
void save_changes(participant_pointer self, bool now = false) {
  auto& st = self->state;
  if (st.saving || !st.unsaved)
    return;
  auto start = steady::now();
  if (!now && start - st.last_save < meta_save_interval && !st.unsaved->restore &&
      st.unsaved->outcomes.size() < meta_save_batch)
    return;
  auto batch = meta_changes_ptr{std::move(st.unsaved)};
  st.unsaved.reset();
  st.saving = true;
  st.last_save = start;
  self->request(st.meta_writer, caf::infinite, persist_atom::value, batch)
    .then(
      [=](ok_atom) {
        auto& st = self->state;
        st.saving = false;
        if (st.metrics)
          st.metrics->state_written(std::chrono::duration<double>(steady::now() - start).count());
        save_changes(self);
      },
      [=](caf::error& err) {
        // The state in memory is ahead of its database: only a restart,
        // which re-applies the Raft log, is safe now.
        self->state.log->critical("cannot write the metadata state machine: {}", describe(err));
        self->quit(err);
      });
}

// Hands `changes` to the database writer, after those before it.
void queue_changes(participant_pointer self, std::shared_ptr<meta_changes> changes) {
  auto& st = self->state;
  if (st.unsaved)
    st.unsaved->append(std::move(*changes));
  else
    st.unsaved = std::move(changes);
  save_changes(self);
}

// Applies committed entries to the state machine in order, answers the
// proposals waiting for them and serves the reads they make safe. Every
// entry takes its index in the state machine (no-ops and membership
// changes as empty commands), so its applied index follows the log.
void apply_committed(participant_pointer self, const std::vector<raft::entry>& committed) {
  auto& st = self->state;
  auto n = committed.size();
  std::vector<proto::MetaCommand> cmds(n);
  std::vector<bool> malformed(n, false);
  for (size_t i = 0; i < n; ++i)
    if (committed[i].type == raft::entry_type::normal)
      malformed[i] = !cmds[i].ParseFromString(committed[i].data);
  auto changes = std::make_shared<meta_changes>();
  std::vector<apply_outcome> outcomes(n);
  st.view->update([&](state_machine& m) {
    for (size_t i = 0; i < n; ++i)
      outcomes[i] = m.apply(committed[i].index, malformed[i] ? proto::MetaCommand{} : cmds[i]);
    changes->last_index = m.applied_index();
    changes->next_inode = m.next_inode();
    changes->log_time = m.log_time();
  });
  st.applied = std::max(st.applied, changes->last_index);
  if (st.metrics)
    st.metrics->applied_index(st.applied);
  for (size_t i = 0; i < n; ++i) {
    auto& o = outcomes[i];
    if (o.skipped)
      continue;  // applied before (a replay after a restart)
    if (malformed[i])
      answer_proposal(self, committed[i],
                      make_error(errc::invalid_argument, "malformed metadata command"), {});
    else if (!o.ok())
      answer_proposal(self, committed[i], make_error(o.code, o.message), {});
    else
      answer_proposal(self, committed[i], {}, to_file_info(o.path, o.entry, true));
    changes->outcomes.push_back(std::move(o));
  }
  queue_changes(self, std::move(changes));
  serve_reads(self);
}

// --- membership --------------------------------------------------------------

// Drives each membership change one step per call (on every tick): an
// added node joins as a learner and becomes a voter once its log is within
// one append of the commit index; a removed one leaves the group. The core
// takes one change at a time; a step it refuses now is tried again on the
// next tick, until the request's deadline.
void advance_member_changes(participant_pointer self) {
  auto& st = self->state;
  auto& c = *st.core;
  auto now = steady::now();
  for (auto it = st.member_changes.begin(); it != st.member_changes.end();) {
    auto& job = *it;
    bool voter = contains(c.voters(), job.id);
    bool member = voter || contains(c.learners(), job.id);
    bool settled = c.last_conf_index() <= c.commit_index();
    caf::error failed;
    bool done = settled && (job.add ? voter : !member);
    if (!done && now >= job.deadline)
      failed = make_error(
        errc::timeout, std::string{"membership change of '"} + job.id + "' not finished in time" +
                         (job.add && member ? " (it is a learner, catching up)" : ""));
    else if (!done && c.current_role() != raft::role::leader)
      failed = not_leader(self);
    if (done || failed) {
      if (done) {
        st.log->info("membership: {} {}", job.add ? "added" : "removed", job.id);
        job.promise.deliver(ok_atom::value);
      } else {
        job.promise.deliver(failed);
      }
      it = st.member_changes.erase(it);
      continue;
    }
    raft::conf_change change;
    change.id = job.id;
    if (!job.add)
      change.kind = raft::conf_change::op::remove;
    else if (!member)
      change.kind = raft::conf_change::op::add_learner;
    else if (c.match_of(job.id) + raft::config{}.max_entries_per_append >= c.commit_index())
      change.kind = raft::conf_change::op::promote;
    else
      change.id.clear();  // a learner still catching up
    if (!change.id.empty() && (job.add || member) && c.propose_conf_change(change) > 0)
      flush(self);
    ++it;
  }
}

// --- snapshots -------------------------------------------------------------

// Replaces the state machine with a snapshot's: one the leader sent, or
// the one the log starts with when meta.db does not reach it (a crash
// between writing the two). Returns false when the participant stops.
bool install_snapshot(participant_pointer self, const raft::snapshot& snap) {
  auto& st = self->state;
  auto state = std::make_shared<proto::MetaSnapshot>();
  std::string why;
  if (!state->ParseFromString(snap.data))
    why = "it does not decode";
  else if (state->applied_index() != snap.index)
    why = "it holds the state at index " + std::to_string(state->applied_index());
  else
    why = st.view->update([&](state_machine& m) { return m.restore(*state); });
  if (!why.empty()) {
    st.log->critical("cannot install the snapshot at index {}: {}", snap.index, why);
    self->quit(make_error(errc::corrupt,
                          "the snapshot at index " + std::to_string(snap.index) + ": " + why));
    return false;
  }
  st.applied = snap.index;
  if (st.metrics)
    st.metrics->applied_index(st.applied);
  auto changes = std::make_shared<meta_changes>();
  changes->restore = state;
  changes->last_index = snap.index;
  changes->next_inode = state->next_inode();
  changes->log_time = state->log_time_ms();
  queue_changes(self, std::move(changes));
  st.log->info("installed the snapshot at index {} ({} bytes, {} inodes)", snap.index,
               snap.data.size(), state->inodes_size());
  return true;
}

// Log compaction, checked on every tick. Once the log holds more than
// `compact_after` entries, and more bytes than the latest snapshot (so
// that a large namespace is not serialized again every few thousand
// commands: the work of snapshots stays proportional to the bytes
// written to the log), the database writer reads meta.db into a
// snapshot (off this thread). The core takes it once every other member
// holds its entries, so that none of them needs the snapshot, or else
// when the log has grown to twice the limit (a member down for long must
// not make the log grow without bound). The next batch writes it to the
// log's database, which drops the entries it covers.
void maybe_compact(participant_pointer self) {
  auto& st = self->state;
  auto& c = *st.core;
  if (st.cfg.compact_after == 0)
    return;
  auto entries = c.last_index() - c.latest_snapshot().index;
  if (st.prepared) {
    auto index = st.prepared->index;
    if (c.replicated_to_all() < index && entries < 2 * st.cfg.compact_after &&
        index > c.latest_snapshot().index)
      return;
    auto prepared = std::move(st.prepared);
    st.prepared.reset();
    if (c.compact(index, std::move(prepared->data))) {
      st.compacted = std::make_shared<raft::snapshot>(c.latest_snapshot());
      st.log_bytes = 0;
      st.log->info("compacted the log up to index {} ({} bytes of state)", index,
                   st.compacted->data.size());
      flush(self);
    }
    return;
  }
  // (log_bytes counts from this process's start: past 8 x compact_after
  // entries a snapshot is taken regardless.)
  bool small_log =
    st.log_bytes < c.latest_snapshot().data.size() && entries <= 8 * st.cfg.compact_after;
  if (st.snapshotting || entries <= st.cfg.compact_after || small_log)
    return;
  st.snapshotting = true;
  save_changes(self, true);  // the writer takes it before the snapshot
  self->request(st.meta_writer, persist_timeout, snapshot_atom::value)
    .then(
      [=](uint64_t index, std::string& data) {
        auto& st = self->state;
        st.snapshotting = false;
        if (index <= st.core->latest_snapshot().index)
          return;
        st.prepared = std::make_shared<raft::snapshot>();
        st.prepared->index = index;
        st.prepared->data = std::move(data);
      },
      [=](caf::error& err) {
        self->state.snapshotting = false;
        self->state.log->warn("cannot take a snapshot for compaction: {}", describe(err));
      });
}

void send_snapshot_piece(participant_pointer self, raft_actor to,
                         std::shared_ptr<const raft_msg> header,
                         std::shared_ptr<const std::string> data, uint64_t offset) {
  auto& st = self->state;
  auto piece = *header;
  auto len =
    std::min<uint64_t>(std::max<uint64_t>(st.cfg.snapshot_chunk_bytes, 1), data->size() - offset);
  piece.snapshot_offset = offset;
  piece.snapshot_data = data->substr(offset, len);
  auto key = std::make_pair(header->index, header->term);
  // False when a newer snapshot (or none) is being sent to the member now.
  auto current = [=] {
    auto it = self->state.sending.find(header->to);
    return it != self->state.sending.end() && it->second == key;
  };
  self->request(to, st.cfg.forward_timeout, snapshot_atom::value, std::move(piece))
    .then(
      [=](uint64_t received) {
        self->state.core->heard_from(header->to);
        if (!current())
          return;
        if (received >= data->size() || received <= offset)
          self->state.sending.erase(header->to);
        else
          send_snapshot_piece(self, to, header, data, received);
      },
      [=](caf::error& err) {
        if (!current())
          return;
        self->state.sending.erase(header->to);
        self->state.log->warn("sending the snapshot at index {} to {} failed: {}", header->index,
                              header->to, describe(err));
      });
}

// Sends a snapshot in pieces of `snapshot_chunk_bytes`, each acknowledged
// before the next goes, so a slow receiver slows the sender and no
// message is larger than a piece. The core asks to send the snapshot again
// on every heartbeat until the member answers: a transfer of the same
// snapshot already under way is not started again.
void send_snapshot(participant_pointer self, const raft_actor& to, raft::message m) {
  auto& st = self->state;
  auto key = std::make_pair(m.index, m.term);
  auto it = st.sending.find(m.to);
  if (it != st.sending.end() && it->second == key)
    return;
  st.sending[m.to] = key;
  auto data = std::make_shared<const std::string>(std::move(m.snapshot_data));
  m.snapshot_data.clear();
  auto header = std::make_shared<raft_msg>(raft::to_wire(m));
  header->snapshot_size = data->size();
  st.log->info("sending the snapshot at index {} ({} bytes) to {}", m.index, data->size(), m.to);
  send_snapshot_piece(self, to, std::move(header), std::move(data), 0);
}

void step(participant_pointer self, const raft_msg& w) {
  auto& st = self->state;
  raft::message m;
  if (!raft::from_wire(w, m) || m.to != st.cfg.id) {
    st.log->warn("dropped a malformed raft message from {}", w.from);
    return;
  }
  st.core->step(m);
  if (!m.from.empty() && m.from == st.core->leader())
    st.last_contact = steady::now();
  flush(self);
}

// A piece of a snapshot from the leader; the whole goes to the core.
caf::result<uint64_t> receive_snapshot_piece(participant_pointer self, raft_msg& piece) {
  auto& st = self->state;
  auto& in = st.receiving;
  if (piece.to != st.cfg.id ||
      piece.kind != static_cast<uint8_t>(raft::msg_kind::install_snapshot) ||
      piece.snapshot_offset > piece.snapshot_size ||
      piece.snapshot_data.size() > piece.snapshot_size - piece.snapshot_offset)
    return make_error(errc::invalid_argument, "not a snapshot piece for this member");
  st.core->leader_contact(piece.from, piece.term);
  if (piece.from == st.core->leader())
    st.last_contact = steady::now();
  if (piece.snapshot_offset == 0) {
    in = std::move(piece);
  } else if (in.from != piece.from || in.term != piece.term || in.index != piece.index ||
             in.snapshot_size != piece.snapshot_size ||
             in.snapshot_data.size() != piece.snapshot_offset) {
    return make_error(errc::invalid_argument, "snapshot piece out of order");
  } else {
    in.snapshot_data += piece.snapshot_data;
  }
  auto received = in.snapshot_data.size();
  if (received == in.snapshot_size) {
    auto whole = std::move(in);
    in = raft_msg{};
    whole.snapshot_offset = whole.snapshot_size = 0;
    step(self, whole);
  }
  return received;
}

// Acknowledgements to one leader in one batch say no more together than
// one with the highest index and the newest read round echoed (the leader
// counts a match up to an index, and a round up to a sequence number): only
// that one goes out.
void coalesce_acks(std::vector<raft::message>& msgs) {
  std::map<std::pair<std::string, uint64_t>, size_t> kept;  // (to, term) -> position in out
  std::vector<raft::message> out;
  out.reserve(msgs.size());
  for (auto& m : msgs) {
    if (m.kind == raft::msg_kind::append_reply && !m.reject) {
      auto [it, fresh] = kept.emplace(std::make_pair(m.to, m.term), out.size());
      if (!fresh) {
        auto& ack = out[it->second];
        ack.index = std::max(ack.index, m.index);
        ack.read_seq = std::max(ack.read_seq, m.read_seq);
        continue;
      }
    }
    out.push_back(std::move(m));
  }
  msgs = std::move(out);
}

// Sends, applies and serves what a durable batch holds.
void act(participant_pointer self, raft::ready& rd) {
  auto& st = self->state;
  if (rd.has_snapshot && !install_snapshot(self, rd.snapshot))
    return;
  coalesce_acks(rd.messages);
  for (auto& m : rd.messages) {
    auto peer = st.peers.find(m.to);
    if (peer == st.peers.end())
      continue;
    if (m.kind == raft::msg_kind::append_reply && m.to == st.core->leader()) {
      st.last_reply = steady::now();
      st.echoed_read = std::max(st.echoed_read, std::make_pair(m.term, m.read_seq));
    }
    if (m.kind == raft::msg_kind::install_snapshot)
      send_snapshot(self, peer->second, std::move(m));
    else
      self->send(peer->second, raft_atom::value, raft::to_wire(m));
  }
  if (!rd.committed.empty())
    apply_committed(self, rd.committed);
  for (auto& r : rd.reads) {
    auto it = st.reads.find(r.request);
    if (it == st.reads.end())
      continue;
    auto index = std::max<uint64_t>(r.index, 1);
    if (it->second.confirmed) {
      auto confirmed = std::move(it->second.confirmed);
      st.reads.erase(it);
      confirmed(index);
    } else {
      it->second.index = index;
    }
  }
  serve_reads(self);
}

void observe(participant_pointer self) {
  auto& st = self->state;
  auto& c = *st.core;
  if (c.leader() != st.last_leader) {
    st.last_leader = c.leader();
    if (!c.leader().empty()) {
      st.log->info("leader is {} in term {}", c.leader(), c.term());
      if (st.metrics)
        st.metrics->leader_changed();
      std::vector<std::function<void()>> abandoned;
      for (auto it = st.forwards.begin(); it != st.forwards.end();)
        if (it->second.leader != c.leader()) {
          abandoned.push_back(std::move(it->second.abandon));
          it = st.forwards.erase(it);
        } else {
          ++it;
        }
      for (auto& f : abandoned)
        f();
    }
  }
  if (st.metrics) {
    st.metrics->term(c.term());
    st.metrics->role(raft::to_string(c.current_role()));
    st.metrics->commit_index(c.commit_index());
    st.metrics->log_entries(c.last_index() - c.first_index() + 1);
  }
}

// Messages that claim nothing beyond what is durable here (`durable`: the
// log is on disk up to that index, and matches the core's log up to it),
// so they need not wait for the batch at the writer: pre-votes and their
// replies, a leader's appends (the core counts the leader towards a quorum
// only for entries reported stable, so they may go out in parallel with
// its own write), rejections, and acknowledgements up to the durable index.
// Besides, the term a message carries must be on disk: a node must never
// answer in a term it could forget in a crash.
bool needs_no_disk(const raft::message& m, uint64_t durable, uint64_t durable_term) {
  switch (m.kind) {
    case raft::msg_kind::pre_vote:
    case raft::msg_kind::pre_vote_reply:
      return true;  // they change nothing, here or there
    case raft::msg_kind::append:
      return m.term <= durable_term;
    case raft::msg_kind::append_reply:
      return m.term <= durable_term && (m.reject || m.index <= durable);
    default:
      return false;
  }
}

// Moves from `msgs` to `now` what claims nothing beyond the durable log.
// An acknowledgement beyond the durable index waits for the write; the
// leader hears one up to the durable index meanwhile when it needs one:
// to confirm a read round this member has not echoed yet, or when it has
// heard no acknowledgement from here for a tick, so that a slow disk here
// does not look like a dead follower. Otherwise the acknowledgement after
// the write is enough (under load that halves what the leader receives).
void take_what_needs_no_disk(participant_pointer self, std::vector<raft::message>& msgs,
                             std::vector<raft::message>& now) {
  auto& st = self->state;
  auto durable = st.durable;
  auto durable_term = st.saved.term;
  auto waits = std::stable_partition(msgs.begin(), msgs.end(), [=](const raft::message& m) {
    return needs_no_disk(m, durable, durable_term);
  });
  now.insert(now.end(), std::make_move_iterator(msgs.begin()), std::make_move_iterator(waits));
  msgs.erase(msgs.begin(), waits);
  auto quiet = steady::now() - st.last_reply >= st.cfg.tick;
  for (auto& m : msgs)
    if (m.kind == raft::msg_kind::append_reply && durable > 0 && m.term <= durable_term &&
        (quiet || std::make_pair(m.term, m.read_seq) > st.echoed_read)) {
      auto early = m;
      early.index = durable;
      now.push_back(std::move(early));
    }
}

// Appends `more` to the batch `into` (which `more` came after).
void merge(raft::ready& into, raft::ready&& more) {
  if (more.has_snapshot) {
    into.has_snapshot = true;
    into.snapshot = std::move(more.snapshot);
    into.entries.clear();
  }
  if (more.hard_state_changed) {
    into.hard_state_changed = true;
    into.hard_state = more.hard_state;
  }
  if (!more.entries.empty()) {
    auto first = more.entries.front().index;
    while (!into.entries.empty() && into.entries.back().index >= first)
      into.entries.pop_back();
    for (auto& e : more.entries)
      into.entries.push_back(std::move(e));
  }
  for (auto& m : more.messages)
    into.messages.push_back(std::move(m));
  for (auto& e : more.committed)
    into.committed.push_back(std::move(e));
  for (auto& r : more.reads)
    into.reads.push_back(r);
}

// Takes what the core produced and does it: persist first (at the log
// writer), then act. One batch at a time at the writer; what the core
// produces meanwhile waits in `next`, except messages that need no disk.
void flush(participant_pointer self) {
  auto& st = self->state;
  auto more = st.core->take_ready();
  observe(self);
  // Entries from here on are replaced: the disk no longer matches past it.
  // A snapshot from the leader replaces the whole log.
  // The batch at the writer, when it completes, must not raise it past
  // what was replaced meanwhile (durable_cap).
  if (!more.entries.empty()) {
    auto keep = more.entries.front().index - 1;
    st.durable = std::min(st.durable, keep);
    if (keep < st.inflight_last)
      st.durable_cap = std::min(st.durable_cap, keep);
  }
  if (more.has_snapshot) {
    st.durable = 0;
    st.durable_cap = 0;
  }
  if (st.persisting) {
    // Act now on what does not wait for the batch at the writer: messages
    // that need no disk, committed entries already durable here (in order:
    // none may pass an earlier one still waiting), and confirmed reads.
    raft::ready now;
    take_what_needs_no_disk(self, more.messages, now.messages);
    if (!st.inflight_committed && st.next.committed.empty()) {
      auto& c = more.committed;
      auto later = std::find_if(c.begin(), c.end(),
                                [&](const raft::entry& e) { return e.index > st.durable; });
      now.committed.assign(std::make_move_iterator(c.begin()), std::make_move_iterator(later));
      c.erase(c.begin(), later);
    }
    now.reads = std::move(more.reads);
    more.reads.clear();
    merge(st.next, std::move(more));
    act(self, now);
    return;
  }
  auto rd = std::make_shared<raft::ready>(std::move(st.next));
  st.next = raft::ready{};
  merge(*rd, std::move(more));
  if (rd->empty())
    return;
  if (rd->hard_state_changed)
    st.hs = rd->hard_state;
  // Term and vote must be durable before anything that depends on them is
  // sent. The commit index need not be (Raft recovers it from the leader,
  // and meta.db records what was applied): it is written only along with
  // a new term or vote, so a batch of entries costs no extra row.
  bool vote_changed = st.hs.term != st.saved.term || st.hs.vote != st.saved.vote;
  if (!rd->has_snapshot && !vote_changed && rd->entries.empty() && !st.compacted) {
    act(self, *rd);
    return;
  }
  // What is already durable need not wait for this batch: acknowledgements
  // and appends within the durable log, committed entries up to it (none
  // is waiting before them here), and confirmed reads.
  {
    raft::ready now;
    auto durable = st.durable;
    take_what_needs_no_disk(self, rd->messages, now.messages);
    auto& c = rd->committed;
    auto later =
      std::find_if(c.begin(), c.end(), [&](const raft::entry& e) { return e.index > durable; });
    now.committed.assign(std::make_move_iterator(c.begin()), std::make_move_iterator(later));
    c.erase(c.begin(), later);
    now.reads = std::move(rd->reads);
    rd->reads.clear();
    act(self, now);
  }
  auto job = std::make_shared<persist_job>();
  job->has_snapshot = rd->has_snapshot || st.compacted;
  job->replace_log = rd->has_snapshot;
  if (rd->has_snapshot)
    job->snapshot = rd->snapshot;
  else if (st.compacted)
    job->snapshot = *st.compacted;
  st.compacted.reset();
  job->hard_state_changed = vote_changed;
  job->hard_state = st.hs;
  job->entries = std::move(rd->entries);
  for (auto& e : job->entries)
    st.log_bytes += e.data.size() + sizeof(raft::entry);
  st.persisting = true;
  st.durable_cap = std::numeric_limits<uint64_t>::max();
  st.inflight_last = job->entries.empty() ? 0 : job->entries.back().index;
  st.inflight_committed = !rd->committed.empty();
  auto start = steady::now();
  st.persist_started = start;
  self->request(st.writer, caf::infinite, persist_atom::value, persist_job_ptr{job})
    .then(
      [=](ok_atom) {
        auto& st = self->state;
        st.persisting = false;
        st.inflight_last = 0;
        st.inflight_committed = false;
        if (job->hard_state_changed)
          st.saved = job->hard_state;
        if (job->replace_log)
          st.durable = job->snapshot.index;
        if (!job->entries.empty())
          st.durable = job->entries.back().index;
        // Entries replaced (or a snapshot received) while this batch was
        // being written: what it wrote past there is not the log any more.
        st.durable = std::min(st.durable, st.durable_cap);
        if (job->replace_log || !job->entries.empty())
          st.core->stable_to(st.durable);
        if (st.metrics)
          st.metrics->append_done(std::chrono::duration<double>(steady::now() - start).count());
        act(self, *rd);
        flush(self);
      },
      [=](caf::error& err) {
        self->state.log->critical("cannot persist the raft log: {}", describe(err));
        self->quit(err);
      });
}

// Once per tick: requests waiting for a leader go again when one is known;
// requests past their deadline fail; reads the old leader never confirmed
// go again after a step-down.
void retry_and_expire(participant_pointer self) {
  auto& st = self->state;
  bool known = leader_known(self);
  if (known)
    st.leaderless_since = {};
  else if (st.leaderless_since == steady::time_point{})
    st.leaderless_since = steady::now();
  if (known && !st.parked.empty()) {
    auto parked = std::move(st.parked);
    st.parked.clear();
    for (auto& p : parked)
      p.retry();
  } else {
    auto no_leader = long_without_leader(self);
    for (auto it = st.parked.begin(); it != st.parked.end();) {
      if (no_leader || past_deadline(it->ctx)) {
        it->fail(no_leader ? no_leader : deadline_error("while no Raft leader was known"));
        it = st.parked.erase(it);
      } else {
        ++it;
      }
    }
  }
  bool leading = st.core->current_role() == raft::role::leader;
  for (auto it = st.reads.begin(); it != st.reads.end();) {
    auto& r = it->second;
    if (past_deadline(r.ctx)) {
      r.fail(deadline_error("before the read was confirmed"));
      it = st.reads.erase(it);
    } else if (!leading && r.index == 0) {
      auto retry = std::move(r.retry);
      auto fail = std::move(r.fail);
      bool local = r.ctx.hops == 0;
      it = st.reads.erase(it);
      if (local)
        retry();
      else
        fail(not_leader(self));
    } else {
      ++it;
    }
  }
  // Reads waiting for a read index request slot: normally one is back
  // within forward_timeout, but none waits past its deadline regardless.
  auto& fr = st.follower_reads;
  auto expired = std::stable_partition(fr.begin(), fr.end(),
                                       [](const waiting_read& w) { return !past_deadline(w.ctx); });
  for (auto it = expired; it != fr.end(); ++it)
    it->fail(deadline_error("before the leader confirmed a read index"));
  fr.erase(expired, fr.end());
  for (auto it = st.proposals.begin(); it != st.proposals.end();) {
    if (past_deadline(it->second.ctx)) {
      it->second.reply(deadline_error("before the command committed; it may still take effect"));
      it = st.proposals.erase(it);
    } else {
      ++it;
    }
  }
  auto now = steady::now();
  std::vector<std::function<void()>> expired_forwards;
  for (auto it = st.forwards.begin(); it != st.forwards.end();) {
    if (it->second.due <= now) {
      expired_forwards.push_back(std::move(it->second.expire));
      it = st.forwards.erase(it);
    } else {
      ++it;
    }
  }
  for (auto& f : expired_forwards)  // after the loop: they may forward again
    f();
  // The database writers' requests carry no CAF timeout either (see
  // forward_in_flight): one that does not answer in persist_timeout has
  // a disk that hangs, and the node stops rather than run ahead of it.
  auto hung = [&](bool busy, steady::time_point since) {
    return busy && now - since > persist_timeout;
  };
  if (hung(st.persisting, st.persist_started) || hung(st.saving, st.last_save)) {
    st.log->critical("the {} has not answered in {} s: stopping",
                     st.persisting ? "raft log writer" : "metadata writer",
                     persist_timeout.count());
    self->quit(make_error(errc::timeout, "a database writer did not answer"));
  }
}

raft_actor::behavior_type participant(participant_pointer self, participant_config cfg,
                                      std::shared_ptr<raft::core> core, raft::hard_state hs,
                                      caf::actor writer, meta_machine machine) {
  auto& st = self->state;
  st.hs = hs;
  st.saved = hs;
  st.cfg = std::move(cfg);
  st.core = std::move(core);
  st.writer = std::move(writer);
  st.view = std::move(machine.view);
  st.meta_writer = std::move(machine.writer);
  st.applied = st.view->applied_index();
  st.log = logger_for("raft");
  if (st.cfg.metrics)
    st.metrics = std::make_unique<raft_metrics>(*st.cfg.metrics, st.cfg.id);
  st.durable = st.core->last_index();  // as loaded from disk
  self->link_to(st.meta_writer);
  self->link_to(st.writer);
  st.next_tick = steady::now() + st.cfg.tick;
  self->delayed_send(self, st.cfg.tick, tick_atom::value);
  observe(self);
  if (st.core->latest_snapshot().index > st.applied)
    install_snapshot(self, st.core->latest_snapshot());
  return {
    [=](raft_atom, const raft_msg& w) { step(self, w); },
    [=](snapshot_atom, raft_msg& piece) { return receive_snapshot_piece(self, piece); },
    [=](members_atom) {
      std::vector<std::string> out;
      for (auto& node : self->state.view->nodes())
        if (!node.removed() && !node.address().empty() && node.id() != self->state.cfg.id)
          out.push_back(node.id() + "@" + node.address());
      return out;
    },
    [=](members_atom, const std::string& which) -> caf::result<std::vector<std::string>> {
      if (which != "removed")
        return make_error(errc::invalid_argument, "members: expected \"removed\"");
      std::vector<std::string> out;
      for (auto& node : self->state.view->nodes())
        if (node.removed())
          out.push_back(node.id());
      return out;
    },
    [=](members_atom, const std::string& op, const std::string& id) -> caf::result<ok_atom> {
      auto& st = self->state;
      if ((op != "add" && op != "remove") || !valid_node_id(id))
        return make_error(errc::invalid_argument, "expected add or remove and a node id");
      if (st.core->current_role() != raft::role::leader)
        return not_leader(self);
      auto rp = self->make_response_promise<ok_atom>();
      st.member_changes.push_back(
        member_change{op == "add", id, rp, steady::now() + st.cfg.member_change_timeout});
      advance_member_changes(self);
      return rp;
    },
    [=](peers_atom, const std::vector<std::string>& ids, const std::vector<caf::actor>& handles) {
      auto& peers = self->state.peers;
      peers.clear();
      for (size_t i = 0; i < ids.size() && i < handles.size(); ++i)
        if (handles[i])
          peers[ids[i]] = caf::actor_cast<raft_actor>(handles[i]);
    },
    [=](tick_atom) {
      if (self->current_sender() != self->ctrl())
        return;
      auto& st = self->state;
      // The core's clock follows real time: ticks a busy mailbox delivered
      // late are made up for, so election timeouts and leader leases are
      // measured in time, not in messages handled. Far behind, two
      // election timeouts' worth is enough for every timeout to expire.
      auto now = steady::now();
      for (int due = 0; st.next_tick <= now && due < 2 * st.cfg.election_ticks; ++due) {
        st.core->tick();
        st.next_tick += st.cfg.tick;
      }
      if (st.next_tick <= now)
        st.next_tick = now + st.cfg.tick;
      flush(self);
      retry_and_expire(self);
      save_changes(self);
      maybe_compact(self);
      advance_member_changes(self);
      if (st.metrics)
        st.metrics->mailbox(self->mailbox().size());
      self->delayed_send(self, st.next_tick - now, tick_atom::value);
    },
    [=](propose_atom a, const request_context& ctx,
        const std::string& cmd) -> caf::result<file_info> {
      if (!well_formed(cmd))
        return make_error(errc::invalid_argument, "malformed metadata command");
      auto rp = self->make_response_promise<file_info>();
      dispatch<file_info>(self, a, ctx, cmd, rp);
      return rp;
    },
    [=](stat_atom a, const request_context& ctx, const std::string& path) {
      auto rp = self->make_response_promise<file_info>();
      dispatch<file_info>(self, a, ctx, path, rp);
      return rp;
    },
    [=](stat_atom, const std::vector<request_context>& ctxs,
        const std::vector<std::string>& paths) { return stat_batch(self, ctxs, paths); },
    [=](stat_atom, const std::vector<request_context>& ctxs, const std::vector<std::string>& paths,
        lead_atom) { return serve_as_leader(self, ctxs, paths); },
    [=](list_atom a, const request_context& ctx, const std::string& path) {
      auto rp = self->make_response_promise<std::vector<file_info>>();
      dispatch<std::vector<file_info>>(self, a, ctx, path, rp);
      return rp;
    },
    [=](status_atom) {
      auto& st = self->state;
      auto& c = *st.core;
      raft_status s;
      s.id = st.cfg.id;
      s.role = raft::to_string(c.current_role());
      s.leader = c.leader();
      s.term = c.term();
      s.commit_index = c.commit_index();
      s.applied_index = st.applied;
      s.last_index = c.last_index();
      s.snapshot_index = c.latest_snapshot().index;
      s.voters = c.voters();
      s.learners = c.learners();
      s.one_round_reads = st.one_round_reads;
      if (c.current_role() == raft::role::leader)
        s.last_contact_ms = 0;
      else if (st.last_contact != steady::time_point{})
        s.last_contact_ms =
          std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - st.last_contact)
            .count();
      return s;
    },
    [=](flush_atom) {
      self->state.flush_scheduled = false;
      flush(self);
      forward_proposals(self);
      request_read_index(self);
    },
    [=](propose_atom, const std::vector<request_context>& ctxs,
        const std::vector<std::string>& cmds) { return propose_forwarded(self, ctxs, cmds); },
    [=](read_index_atom, const std::string& member, uint64_t term) -> caf::result<uint64_t> {
      auto& st = self->state;
      auto request = ++st.next_read;
      if (st.core->current_role() != raft::role::leader ||
          !st.core->read_index(request, member, term))
        return not_leader(self);
      auto rp = self->make_response_promise<uint64_t>();
      waiting_read w;
      w.ctx = context_with_timeout(st.cfg.forward_timeout);
      w.ctx.hops = 1;  // on a step-down: refused, the follower asks again
      w.confirmed = [=](uint64_t index) mutable { rp.deliver(index); };
      w.fail = [=](caf::error err) mutable { rp.deliver(std::move(err)); };
      w.retry = [] {};
      st.reads.emplace(request, std::move(w));
      flush_soon(self);
      return rp;
    },
    [=](transfer_atom, const std::string& to) -> caf::result<ok_atom> {
      auto& c = *self->state.core;
      if (c.current_role() != raft::role::leader)
        return not_leader(self);
      if (to == c.id())
        return ok_atom::value;
      if (!c.transfer_leadership(to))
        return make_error(errc::invalid_argument, "'" + to + "' is not a voter of the group");
      flush(self);
      return ok_atom::value;
    },
  };
}

// Makes each batch durable: SQLite in WAL mode with synchronous=FULL, one
// transaction per batch. Runs on its own thread.
caf::behavior log_writer(caf::event_based_actor*, std::shared_ptr<raft::log_store> store) {
  return {
    [=](persist_atom, const persist_job_ptr& job) -> caf::result<ok_atom> {
      try {
        if (job->has_snapshot && job->replace_log)
          store->save_snapshot(job->snapshot, true);
        store->save(job->hard_state_changed, job->hard_state, job->entries);
        if (job->has_snapshot && !job->replace_log)
          store->save_snapshot(job->snapshot, false);
        return ok_atom::value;
      } catch (const std::exception& ex) {
        return make_error(errc::io_error, ex.what());
      }
    },
  };
}

}  // namespace

caf::expected<raft_actor> spawn_raft_participant(caf::actor_system& sys, participant_config cfg,
                                                 meta_machine machine) {
  std::shared_ptr<raft::log_store> store;
  raft::hard_state hs;
  raft::snapshot snap;
  std::vector<raft::entry> log;
  auto fail = [&](caf::error err) {
    caf::anon_send_exit(machine.writer, caf::exit_reason::user_shutdown);
    return err;
  };
  try {
    store = std::make_shared<raft::log_store>(cfg.db_path);
    auto why = store->load(hs, snap, log);
    if (!why.empty())
      return fail(make_error(errc::corrupt, cfg.db_path + ": " + why));
  } catch (const std::exception& ex) {
    return fail(make_error(errc::io_error, ex.what()));
  }
  raft::config rc;
  rc.id = cfg.id;
  rc.voters = cfg.voters;
  rc.election_ticks = cfg.election_ticks;
  rc.lease_reads = cfg.lease_reads;
  rc.leader_waits_for_stable = true;  // appends go out while the leader's write runs
  auto seed =
    cfg.seed ? cfg.seed : (uint64_t{std::random_device{}()} << 32 | std::random_device{}());
  // What meta.db holds is not handed out again (the core still replays
  // entries past its last known commit index; the state machine skips
  // indexes it already applied).
  auto applied = std::max(snap.index, machine.view->applied_index());
  auto core = std::make_shared<raft::core>(rc, hs, snap, log, applied, seed);
  auto writer = sys.spawn<caf::detached>(log_writer, std::move(store));
  return sys.spawn(participant, std::move(cfg), std::move(core), hs, std::move(writer),
                   std::move(machine));
}

}  // namespace dfs
