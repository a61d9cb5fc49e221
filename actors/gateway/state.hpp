// The gateway's state and the helpers its handlers share (internal to
// actors/gateway/: gateway.cpp holds the namespace and write paths,
// reads.cpp the read path, routing and admission).
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include "actors/balancer/admission.hpp"
#include "actors/balancer/router.hpp"
#include "actors/cache/ring.hpp"
#include "actors/gateway/gateway.hpp"
#include "actors/meta/path.hpp"
#include "actors/repair/planner.hpp"
#include "messages/meta.pb.h"
#include "runtime/clock.hpp"
#include "runtime/deadline.hpp"
#include "runtime/deadline_table.hpp"
#include "runtime/histogram.hpp"
#include "runtime/logging.hpp"

namespace dfs::gateway_impl {

// A file being written: chunks stored so far, not yet visible.
struct upload {
  std::string path;
  uint32_t replication = 1;
  std::map<uint64_t, chunk_ref> chunks;  // by index
  std::chrono::steady_clock::time_point opened;
  std::chrono::steady_clock::time_point last_active;
};

// One chunk being written: stored at every target before the write is
// acknowledged. A target that fails is replaced by another node; when no
// other node can take it, the write ends with the copies it has if they
// are a quorum. Ends with exactly one call of `done` or `fail`.
struct chunk_write {
  request_context ctx;
  chunk_ref ref;  // replicas: the nodes that have stored it
  byte_buffer data;
  size_t quorum = 1;
  std::vector<std::string> tried;  // every node sent to, failed ones included
  size_t outstanding = 0;
  uint32_t retries_left = 0;
  bool failed = false;
  caf::error last_error;
  std::function<void(const chunk_ref&)> done;
  std::function<void(const caf::error&)> fail;
};

struct gateway_state {
  gateway_config cfg;
  gateway_deps deps;
  deadline_table swept_deadlines;  // of swept requests
  bool sweeping = false;           // a sweep timer is set
  std::map<uint64_t, upload> uploads;
  uint64_t next_upload = 1;
  std::random_device entropy;  // the OS's random source: ids must not repeat across runs
  std::mt19937_64 rng;         // placement
  std::map<node_id, replica_stats> stats;  // of reachable storage nodes, refreshed
  // When each storage node last answered a status request, and the ones
  // silent for longer than silent_after (a paused or wedged process keeps
  // its connection open: CAF would only see it at each request's deadline).
  std::map<node_id, std::chrono::steady_clock::time_point> heard;
  std::set<node_id> silent;
  // Nodes the health monitor judges down (phi past dead_phi): no reads or
  // new chunks go there, their requests in flight are failed.
  std::set<node_id> down;
  // Nodes the monitor has heard from and now suspects: no new chunks.
  std::set<node_id> suspect;
  bool out_of_service(const node_id& n) const { return silent.count(n) > 0 || down.count(n) > 0; }
  balancer::router router;        // read routing, breakers
  balancer::admission admission;  // client requests in flight, per-client rates
  std::map<node_id, double> cpu;  // from the monitor's heartbeats: a placement input
  latency_histogram window;       // client request latency (us) since the last status
  uint64_t requests = 0;
  uint64_t rejected = 0;
  uint64_t retries = 0;
  std::map<node_id, uint64_t> pending;  // chunk bytes this gateway is sending to each
  // Small chunk writes waiting for a batch, by replication factor, and
  // the batches in flight (gateway.cpp, write_batches).
  struct queued_write {
    std::shared_ptr<chunk_write> write;
    uint64_t queued;  // batch_queued when it came: the oldest goes first
  };
  std::map<uint32_t, std::deque<queued_write>> batch_queue;
  uint64_t batch_queued = 0;
  std::multiset<int64_t> batches_sent_ms;  // mono_ms() each batch in flight went out
  uint64_t holding = 0;                    // chunk bytes of writes in flight (against write_budget)
  uint64_t reading = 0;                    // chunk bytes of reads in flight (against read_budget)
  std::map<std::string, repair::node_state> states;  // from the node table, refreshed
  std::set<std::string> removed;                     // nodes the node table says were removed
  // Storage nodes this gateway has had a connection to since it started
  // (its own included): members of the cluster while they are away.
  std::set<std::string> storage_seen;
  // Every cache shard this gateway can reach, by rendezvous seed (see
  // cache/ring.hpp), and cache nodes whose shards stopped answering,
  // skipped until then.
  std::vector<uint64_t> cache_seeds;
  std::vector<std::pair<node_id, cache_actor>> cache_shards;
  std::map<node_id, std::chrono::steady_clock::time_point> cache_skipped;
  // Cache nodes with lookups hedged (not answered in hedge_after) and
  // still unanswered: how many. Passed over while any is.
  std::map<node_id, int> cache_stalled;
  void rebuild_cache_ring() {
    cache_seeds.clear();
    cache_shards.clear();
    for (auto& [node, shards] : deps.caches)
      for (uint32_t i = 0; i < shards.size(); ++i)
        if (shards[i]) {
          cache_seeds.push_back(cache::shard_seed(node.value, i));
          cache_shards.emplace_back(node, shards[i]);
        }
  }
  // Requests to storage nodes awaiting an answer, failed at once when the
  // connection to their node is lost (CAF would let them time out).
  struct outstanding {
    node_id node;
    std::function<void(const caf::error&)> fail;
  };
  std::map<uint64_t, outstanding> waiting;
  uint64_t next_waiting = 1;

  uint64_t track(const node_id& node, std::function<void(const caf::error&)> fail) {
    waiting.emplace(next_waiting, outstanding{node, std::move(fail)});
    return next_waiting++;
  }
  // False when the request was already failed (its node was lost).
  bool untrack(uint64_t id) { return waiting.erase(id) > 0; }
  void lost(const node_id& node, const std::string& why) {
    std::vector<std::function<void(const caf::error&)>> failing;
    for (auto it = waiting.begin(); it != waiting.end();)
      if (it->second.node == node) {
        failing.push_back(std::move(it->second.fail));
        it = waiting.erase(it);
      } else {
        ++it;
      }
    for (auto& f : failing)
      f(make_error(errc::unavailable, why));
  }
  // Hedged reads (gateway_config::hedge_after): one allowed per ten
  // chunk reads (cache hits included), at most ten saved up, so that
  // hedging cannot double the load of a cluster that is slow because it
  // is busy.
  double hedge_tokens = 10;
  void earn_hedge() { hedge_tokens = std::min(hedge_tokens + 0.1, 10.0); }
  // Whether a hedge could be taken now: a read registers its hedge
  // timer only then, so a cluster out of tokens pays nothing per read.
  bool can_hedge() const { return cfg.hedge_after.count() > 0 && hedge_tokens >= 1; }
  bool take_hedge() {
    if (!can_hedge())
      return false;
    hedge_tokens -= 1;
    return true;
  }
  std::shared_ptr<spdlog::logger> log;
  static inline const char* name = "gateway";

  // 128 fresh random bits as 32 hex digits.
  chunk_id new_chunk_id() {
    static const char* hex = "0123456789abcdef";
    std::string id(32, '0');
    for (size_t word = 0; word < 4; ++word) {
      auto bits = static_cast<uint32_t>(entropy());
      for (size_t i = 0; i < 8; ++i)
        id[word * 8 + i] = hex[(bits >> (i * 4)) & 0xf];
    }
    return chunk_id{std::move(id)};
  }
  // A new chunk id whose cache shard is on the node of `path`'s own shard
  // (cache/ring.hpp): a client that sends the path's requests to that
  // node's gateway finds a one-chunk file's cache in the same process.
  chunk_id chunk_id_near(const std::string& path) {
    auto home = cache::path_owner(path, cache_seeds);
    if (home == cache_seeds.size())
      return new_chunk_id();
    const auto& node = cache_shards[home].first;
    return chunk_id{cache::draw_id(
      cache_seeds, 32, [this] { return new_chunk_id().value; },
      [&](std::size_t shard) { return cache_shards[shard].first == node; })};
  }
};

using gateway_pointer = gateway_actor::stateful_pointer<gateway_state>;

// A response promise that also records the request's metrics and logs failures.
template <class T>
class reply {
public:
  reply(gateway_pointer self, std::string op, const request_context& ctx)
    : self_(self),
      rp_(self->make_response_promise<T>()),
      op_(std::move(op)),
      trace_(ctx.trace_id),
      start_(std::chrono::steady_clock::now()) {}

  // A step of another request, answered through `sink` (not a response
  // promise); the request it serves records the metrics.
  using sink_fn = std::function<void(caf::expected<T>)>;
  reply(gateway_pointer self, std::string op, const request_context& ctx, sink_fn sink)
    : self_(self),
      sink_(std::move(sink)),
      op_(std::move(op)),
      trace_(ctx.trace_id),
      start_(std::chrono::steady_clock::now()) {}

  // Once answered, further answers are dropped: a hedged read's copies
  // race, the first to arrive wins.
  bool answered() const { return answered_; }

  void deliver(T value) {
    if (std::exchange(answered_, true))
      return;
    finish(errc::ok);
    if (!after_reply) {
      answer(std::move(value));
    } else {
      T copy = value;
      answer(std::move(value));
      std::exchange(after_reply, nullptr)(&copy);
    }
    if (after_answer)
      std::exchange(after_answer, nullptr)(true);
  }

  void fail(const caf::error& err) {
    if (std::exchange(answered_, true))
      return;
    auto code = to_errc(err);
    finish(code);
    if (after_reply)
      std::exchange(after_reply, nullptr)(nullptr);
    if (after_answer)
      std::exchange(after_answer, nullptr)(false);
    if (code == errc::internal || code == errc::io_error || code == errc::corrupt)
      self_->state.log->warn("trace={} op={} error={}", trace_, op_, describe(err));
    else
      self_->state.log->debug("trace={} op={} error={}", trace_, op_, describe(err));
    if (sink_)
      sink_(err);
    else
      rp_.deliver(err);
  }

  void fail(errc code, std::string message) { fail(make_error(code, std::move(message))); }

  caf::typed_response_promise<T>& promise() { return rp_; }
  bool step() const { return static_cast<bool>(sink_); }
  gateway_pointer self() const { return self_; }

  // Admitted by admission control: counts in flight until answered.
  bool counted = false;

  // Called once the request is answered, either way.
  std::function<void()> on_done;
  // Called after the answer is on its way: with a copy of the value
  // delivered, or with null when the request failed (cache fills).
  std::function<void(T*)> after_reply;
  // The same without the copy: true when answered with a value.
  std::function<void(bool)> after_answer;

private:
  void answer(T&& value) {
    if (sink_)
      sink_(std::move(value));
    else
      rp_.deliver(std::move(value));
  }

  void finish(errc code) {
    if (on_done)
      std::exchange(on_done, nullptr)();
    if (sink_)
      return;
    std::chrono::duration<double> took = std::chrono::steady_clock::now() - start_;
    auto& st = self_->state;
    if (counted) {
      counted = false;
      st.admission.release();
      auto ms = took.count() * 1000.0;
      st.admission.observe_latency(ms);
      st.window.record(static_cast<uint64_t>(ms * 1000.0));
      ++st.requests;
    }
    st.log->debug("trace={} op={} result={} ms={:.3f}", trace_, op_, to_string(code),
                  took.count() * 1000.0);
    if (auto& m = st.deps.metrics) {
      m->request_done(op_, code, took.count());
      m->in_flight(st.admission.in_flight());
    }
  }

  gateway_pointer self_;
  bool answered_ = false;
  caf::typed_response_promise<T> rp_;
  sink_fn sink_;
  std::string op_;
  uint64_t trace_;
  std::chrono::steady_clock::time_point start_;
};

template <class T>
using reply_ptr = std::shared_ptr<reply<T>>;

template <class T>
reply_ptr<T> make_reply(gateway_pointer self, std::string op, const request_context& ctx) {
  return std::make_shared<reply<T>>(self, std::move(op), ctx);
}

inline std::chrono::milliseconds budget(gateway_pointer self, const request_context& ctx) {
  return time_left(ctx, self->state.cfg.request_timeout);
}

// How often pending swept requests are checked: a swept request fails at
// most this much after its timeout.
constexpr std::chrono::milliseconds sweep_period{20};

// A request sent without a CAF timeout, its deadline kept in the
// gateway's deadline_table (see runtime/deadline_table.hpp); then() as
// for a CAF response handle. A timeout fails it with errc::timeout; an
// answer after that is dropped.
// Keeps the sweep timer running while deadlines are pending.
inline void keep_sweeping(gateway_pointer self) {
  if (!self->state.sweeping) {
    self->state.sweeping = true;
    self->delayed_send(self, sweep_period, sweep_atom::value);
  }
}

// Runs `fn` after `delay` (up to sweep_period late), on the sweep timer.
inline void run_after(gateway_pointer self, std::chrono::milliseconds delay,
                      std::function<void()> fn) {
  self->state.swept_deadlines.add(std::chrono::steady_clock::now() + delay, std::move(fn));
  keep_sweeping(self);
}

template <class Handle>
class swept {
public:
  swept(gateway_pointer self, Handle h, std::chrono::milliseconds timeout)
    : self_(self), h_(std::move(h)), due_(std::chrono::steady_clock::now() + timeout) {}

  template <class OnOk, class OnErr>
  void then(OnOk ok, OnErr err) {
    auto on_err = std::make_shared<OnErr>(std::move(err));
    auto& st = self_->state;
    auto id = st.swept_deadlines.add(due_, [on_err] {
      caf::error e = make_error(errc::timeout, "no answer before the deadline");
      (*on_err)(e);
    });
    keep_sweeping(self_);
    auto self = self_;
    h_.then(guarded(std::move(ok), id, typename caf::detail::get_callable_trait<OnOk>::arg_types{}),
            [self, id, on_err](caf::error& e) {
              if (self->state.swept_deadlines.settle(id))
                (*on_err)(e);
            });
  }

private:
  template <class F, class... Args>
  auto guarded(F f, uint64_t id, caf::detail::type_list<Args...>) {
    auto self = self_;
    return [self, id, f = std::move(f)](Args... xs) mutable {
      if (self->state.swept_deadlines.settle(id))
        f(std::forward<Args>(xs)...);
    };
  }

  gateway_pointer self_;
  Handle h_;
  std::chrono::steady_clock::time_point due_;
};

template <class Dest, class... Ts>
auto swept_request(gateway_pointer self, const Dest& dest, std::chrono::milliseconds timeout,
                   Ts&&... xs) {
  auto h = self->request(dest, caf::infinite, std::forward<Ts>(xs)...);
  return swept<decltype(h)>{self, std::move(h), timeout};
}

// Proposes a metadata command and delivers its outcome through `r`.
template <class T, class OnOk>
void propose(gateway_pointer self, const request_context& ctx, proto::MetaCommand cmd,
             reply_ptr<T> r, OnOk on_ok) {
  cmd.set_mtime_ms(now_ms());
  cmd.set_client_id(ctx.client_id);
  cmd.set_sequence(ctx.sequence);
  swept_request(self, self->state.deps.meta, budget(self, ctx), propose_atom::value, ctx,
                cmd.SerializeAsString())
    .then([r, on_ok](file_info& info) mutable { on_ok(r, info); },
          [r](caf::error& err) { r->fail(err); });
}

// Validates a path argument; on failure, fails `r` and returns false.
template <class T>
bool checked_path(const std::string& raw, reply_ptr<T>& r, std::string& out) {
  auto p = normalize_path(raw);
  if (!p.ok()) {
    r->fail(p.code, p.message);
    return false;
  }
  out = std::move(p.path);
  return true;
}

// Refuses a request whose deadline passed, or that admission control
// turns away (too many requests in flight here, or its client over its
// rate): at once, with an "overloaded" error that says when to retry.
template <class T>
bool admitted(const request_context& ctx, reply_ptr<T>& r) {
  if (past_deadline(ctx)) {
    r->fail(errc::timeout, "deadline passed before the gateway started the request");
    return false;
  }
  if (r->counted || r->step())
    return true;  // counted once, by the request a step serves
  auto self = r->self();
  auto& st = self->state;
  auto v = st.admission.admit(ctx.client_id, mono_ms());
  if (!v.admitted) {
    ++st.rejected;
    if (st.deps.metrics)
      st.deps.metrics->rejected(v.reason);
    r->fail(errc::overloaded, "gateway " + st.deps.local.value + ": " + v.reason + " (" +
                                std::to_string(st.admission.in_flight()) + " of " +
                                std::to_string(st.admission.config().max_in_flight) +
                                " requests in flight); retry after " +
                                std::to_string(v.retry_after_ms) + " ms");
    return false;
  }
  r->counted = true;
  if (st.deps.metrics)
    st.deps.metrics->in_flight(st.admission.in_flight());
  return true;
}

// --- the read path (reads.cpp) ----------------------------------------------

// The chains of tries of one read still running: one, and one more for
// every hedge (a copy asked while the one before has not answered).
struct read_chains {
  int running = 1;
};

// Reads a chunk from its replicas, in the router's order: the next one
// after a failure or a mismatch (`attempt` counts the ones tried), or
// also the next one when this one is slow to answer (a hedge).
void do_read(gateway_pointer self, const request_context& ctx, chunk_ref ref, size_t attempt,
             caf::error last_error, reply_ptr<byte_buffer> r,
             std::shared_ptr<read_chains> chains = nullptr);

// A read through the chunk's cache shard, then do_read on a miss.
void cached_read(gateway_pointer self, const request_context& ctx, const chunk_ref& ref,
                 reply_ptr<byte_buffer> r);

// The health monitor's verdicts: routing inputs, and nodes down.
void apply_health(gateway_pointer self, std::vector<peer_health>& verdicts);

// Load and routing figures; starts a new p99 window.
gateway_status status_of(gateway_pointer self);

}  // namespace dfs::gateway_impl
