#include "actors/gateway/gateway.hpp"

#include <random>
#include <set>

#include "actors/gateway/state.hpp"
#include "actors/meta/convert.hpp"
#include "actors/meta/view.hpp"
#include "actors/replica/chunk_store.hpp"
#include "runtime/checksum.hpp"

namespace dfs {

namespace gateway_impl {
namespace {

// --- namespace operations ---------------------------------------------------

void do_mkdir(gateway_pointer self, const request_context& ctx, const std::string& raw,
              bool parents, reply_ptr<file_info> r) {
  std::string path;
  if (!admitted(ctx, r) || !checked_path(raw, r, path))
    return;
  proto::MetaCommand cmd;
  cmd.mutable_mkdir()->set_path(path);
  cmd.mutable_mkdir()->set_parents(parents);
  propose(self, ctx, std::move(cmd), r,
          [](auto& r, file_info& info) { r->deliver(std::move(info)); });
}

void do_remove(gateway_pointer self, const request_context& ctx, const std::string& raw,
               bool recursive, reply_ptr<ok_atom> r) {
  std::string path;
  if (!admitted(ctx, r) || !checked_path(raw, r, path))
    return;
  proto::MetaCommand cmd;
  cmd.mutable_delete_()->set_path(path);
  cmd.mutable_delete_()->set_recursive(recursive);
  propose(self, ctx, std::move(cmd), r, [](auto& r, file_info&) { r->deliver(ok_atom::value); });
}

// mv SRC DST: when DST is an existing directory, SRC moves into it.
void do_move(gateway_pointer self, const request_context& ctx, const std::string& raw_src,
             const std::string& raw_dst, reply_ptr<file_info> r) {
  std::string src, dst;
  if (!admitted(ctx, r) || !checked_path(raw_src, r, src) || !checked_path(raw_dst, r, dst))
    return;
  auto rename = [self, ctx, src, r](const std::string& target) {
    proto::MetaCommand cmd;
    cmd.mutable_rename()->set_source(src);
    cmd.mutable_rename()->set_destination(target);
    propose(self, ctx, std::move(cmd), r,
            [](auto& r, file_info& info) { r->deliver(std::move(info)); });
  };
  swept_request(self, self->state.deps.meta, budget(self, ctx), stat_atom::value, ctx, dst)
    .then(
      [=](file_info& existing) {
        if (existing.kind == entry_kind::directory && src != dst)
          rename(join_path(dst, base_name(src)));
        else
          rename(dst);
      },
      [=](caf::error& err) {
        if (to_errc(err) == errc::not_found)
          rename(dst);
        else
          r->fail(err);
      });
}

// --- writes -------------------------------------------------------------------

// Storage nodes of the cluster, reachable or not (repair::storage_members).
size_t storage_nodes(gateway_pointer self) {
  auto& st = self->state;
  return repair::storage_members(st.storage_seen, st.states, st.removed);
}

void open_upload(gateway_pointer self, const std::string& path, uint32_t replication,
                 reply_ptr<upload_ticket> r) {
  auto& st = self->state;
  if (st.uploads.size() >= st.cfg.max_uploads)
    return r->fail(errc::overloaded, "too many open uploads; retry later");
  auto id = st.next_upload++;
  auto& up = st.uploads[id];
  up.path = path;
  up.replication = replication;
  up.opened = up.last_active = std::chrono::steady_clock::now();
  if (st.deps.metrics)
    st.deps.metrics->open_uploads(st.uploads.size());
  r->deliver(upload_ticket{id, st.cfg.chunk_size});
}

// A file to write: the request admitted, its path valid and not the root.
template <class T>
bool checked_file_target(const request_context& ctx, const std::string& raw, reply_ptr<T>& r,
                         std::string& path) {
  if (!admitted(ctx, r) || !checked_path(raw, r, path))
    return false;
  if (path == "/") {
    r->fail(errc::is_a_directory, "/ is a directory");
    return false;
  }
  return true;
}

// A new file's replication factor: 0 means the configured default; past
// the limit, fails `r` and returns false.
template <class T>
bool checked_replication(gateway_pointer self, uint32_t& replication, reply_ptr<T>& r) {
  if (replication == 0)
    replication = self->state.cfg.default_replication;
  if (replication > max_replication) {
    r->fail(errc::invalid_argument,
            "replication must be from 1 to " + std::to_string(max_replication));
    return false;
  }
  return true;
}

void do_open(gateway_pointer self, const request_context& ctx, const std::string& raw,
             uint32_t replication, reply_ptr<upload_ticket> r) {
  std::string path;
  if (!checked_file_target(ctx, raw, r, path) || !checked_replication(self, replication, r))
    return;
  auto& st = self->state;
  if (auto members = storage_nodes(self); replication > members)
    return r->fail(errc::unavailable, "replication " + std::to_string(replication) +
                                        " needs as many storage nodes; the cluster has " +
                                        std::to_string(members));
  // Fail early on an impossible target instead of after the data is sent;
  // the commit checks again, since the namespace may change meanwhile.
  auto meta = st.deps.meta;
  swept_request(self, meta, budget(self, ctx), stat_atom::value, ctx, path)
    .then(
      [=](file_info& existing) {
        if (existing.kind == entry_kind::directory)
          return r->fail(errc::is_a_directory, path + " is a directory");
        open_upload(self, path, replication, r);
      },
      [=](caf::error& err) {
        if (to_errc(err) != errc::not_found)
          return r->fail(err);
        swept_request(self, meta, budget(self, ctx), stat_atom::value, ctx, parent_path(path))
          .then(
            [=](file_info& parent) {
              if (parent.kind != entry_kind::directory)
                return r->fail(errc::not_a_directory, parent.path + " is not a directory");
              open_upload(self, path, replication, r);
            },
            [=](caf::error& err) { r->fail(err); });
      });
}

// The storage nodes a new chunk may go to: reachable ones, with their
// state, free space (unknown until first asked: taken as plenty) and the
// bytes this gateway is already sending them.
std::vector<repair::node_info> candidates(gateway_pointer self) {
  auto& st = self->state;
  std::vector<repair::node_info> out;
  for (auto& [node, handle] : st.deps.replicas) {
    repair::node_info n;
    n.id = node.value;
    auto state = st.states.find(node.value);
    n.state = state == st.states.end() ? repair::node_state::active : state->second;
    n.reachable = !st.out_of_service(node) && st.suspect.count(node) == 0;
    auto cpu = st.cpu.find(node);
    n.load = cpu == st.cpu.end() ? 0 : cpu->second;
    auto stats = st.stats.find(node);
    n.bytes_free = stats == st.stats.end() ? UINT64_MAX / 2 : stats->second.bytes_free;
    n.domain = stats == st.stats.end() ? std::string{} : stats->second.domain;
    n.pending_bytes = st.pending[node];
    out.push_back(std::move(n));
  }
  return out;
}

// The fewest copies a chunk write may end with when the cluster cannot
// give it all `replication` (nodes dead, silent or full): a majority. The
// repair manager adds the others once nodes are back.
size_t write_quorum(uint32_t replication) {
  return replication / 2 + 1;
}

// The write is over (stored or failed): its bytes leave the budget.
void release(gateway_pointer self, chunk_write& w) {
  self->state.holding -= w.data.size();
  w.data = byte_buffer{};
}

void give_up(gateway_pointer self, chunk_write& w, const caf::error& err) {
  w.failed = true;
  release(self, w);
  w.fail(err);
}

// One target is done, stored or failed for good: the write ends when
// every target is.
void target_done(gateway_pointer self, std::shared_ptr<chunk_write> w) {
  if (--w->outstanding > 0)
    return;
  if (w->ref.replicas.size() < w->quorum)
    return give_up(self, *w, w->last_error);
  if (w->last_error)
    self->state.log->warn(
      "trace={} chunk={} stored on {} nodes only, short of its replication "
      "(left to repair): {}",
      w->ctx.trace_id, w->ref.id.value, w->ref.replicas.size(), describe(w->last_error));
  release(self, *w);
  w->done(w->ref);
}

void store_copy(gateway_pointer self, std::shared_ptr<chunk_write> w, node_id target);

// `target` failed to store the chunk: another node takes its place, if
// one is left (and retries are); else the write goes on without it.
void copy_failed(gateway_pointer self, std::shared_ptr<chunk_write> w, const node_id& target,
                 const caf::error& err) {
  if (w->failed)
    return;
  self->state.log->warn("trace={} chunk={} node={} store failed: {}", w->ctx.trace_id,
                        w->ref.id.value, target.value, describe(err));
  auto keep = std::vector<std::string>{};
  for (auto& n : w->ref.replicas)
    keep.push_back(n.value);
  auto next = w->retries_left > 0 && !past_deadline(w->ctx)
                ? repair::place(candidates(self), 1, w->ref.length, w->tried, keep, self->state.rng)
                : std::vector<std::string>{};
  if (next.empty()) {
    w->last_error = err;
    return target_done(self, w);
  }
  --w->retries_left;
  store_copy(self, w, node_id{next.front()});
}

// Stores one copy at `target` directly.
void store_copy(gateway_pointer self, std::shared_ptr<chunk_write> w, node_id target) {
  auto& st = self->state;
  auto handle = st.deps.replicas.find(target);
  w->tried.push_back(target.value);
  auto on_error = [=](const caf::error& err) { copy_failed(self, w, target, err); };
  if (handle == st.deps.replicas.end())
    return on_error(make_error(errc::unavailable, target.value + " is not reachable"));
  st.pending[target] += w->ref.length;
  auto length = w->ref.length;
  auto op = st.track(target, [=](const caf::error& err) {
    self->state.pending[target] -= length;
    on_error(err);
  });
  swept_request(self, handle->second, budget(self, w->ctx), store_atom::value, w->ctx, w->ref.id,
                w->data, w->ref.checksum)
    .then(
      [=](ok_atom) {
        if (!self->state.untrack(op))
          return;
        self->state.pending[target] -= length;
        if (w->failed)
          return;
        w->ref.replicas.push_back(target);
        target_done(self, w);
      },
      [=](caf::error& err) {
        if (!self->state.untrack(op))
          return;
        self->state.pending[target] -= length;
        on_error(err);
      });
}

// Placement's targets with this node first, if it is one: its copy
// needs no network hop.
std::vector<node_id> local_first(gateway_pointer self, const std::vector<std::string>& targets) {
  std::vector<node_id> out;
  for (auto& t : targets)
    out.push_back(node_id{t});
  auto local = std::find(out.begin(), out.end(), self->state.deps.local);
  if (local != out.end())
    std::rotate(out.begin(), local, local + 1);
  return out;
}

// A chain's request gets 3/4 of the time `ctx` has left: the rest is for
// replacing the nodes that failed. Sets `ctx`'s deadline to match.
std::chrono::milliseconds chain_time(gateway_pointer self, request_context& ctx) {
  auto timeout = std::max(budget(self, ctx) * 3 / 4, std::chrono::milliseconds{1});
  ctx.deadline_ms = now_ms() + timeout.count();
  return timeout;
}

// A write chain in flight: its nodes, and the requests tracked for them.
struct chain_write {
  std::vector<node_id> nodes;
  std::vector<uint64_t> ops;
  bool active = true;
};

// The chain's answer came, or it was given up: its requests are no longer
// tracked and its bytes no longer pending at its nodes.
void end_chain(gateway_pointer self, const std::shared_ptr<chunk_write>& w, chain_write& c) {
  c.active = false;
  for (auto op : c.ops)
    self->state.untrack(op);
  for (auto& n : c.nodes)
    self->state.pending[n] -= w->ref.length;
}

// Ends the write of `w` along `nodes` from the chain's answer (`results`,
// one per node) or, with `lost` set, because that node was lost first:
// the nodes that stored it have it, the first that failed is replaced,
// and the ones after it (which may never have seen the chunk), or after
// a lost node all the others, are sent it directly.
void settle_write(gateway_pointer self, const std::shared_ptr<chunk_write>& w,
                  const std::vector<node_id>& nodes, const std::vector<caf::error>& results,
                  const node_id* lost, const caf::error& lost_error) {
  bool broken = false;
  for (size_t i = 0; i < nodes.size() && !w->failed; ++i) {
    auto& n = nodes[i];
    if (lost != nullptr) {
      if (n == *lost)
        copy_failed(self, w, n, lost_error);
      else
        store_copy(self, w, n);
    } else if (i < results.size() && !results[i]) {
      w->ref.replicas.push_back(n);
      target_done(self, w);
    } else if (!broken) {
      broken = true;
      copy_failed(
        self, w, n,
        i < results.size() ? results[i] : make_error(errc::internal, "a short chain answer"));
    } else {
      store_copy(self, w, n);
    }
  }
}

// Stores the chunk along a chain: the first node stores it and passes it
// on, and so on, so the gateway sends it once. Where the chain broke, the
// first node that failed is replaced and the ones after it, which may
// never have seen the chunk, are sent it directly; the same when a node
// of the chain is lost or turns silent before the chain answers.
void store_chain(gateway_pointer self, std::shared_ptr<chunk_write> w, std::vector<node_id> nodes) {
  auto& st = self->state;
  if (st.log->should_log(spdlog::level::debug)) {
    std::string chain;
    for (auto& n : nodes)
      chain += (chain.empty() ? "" : ",") + n.value;
    st.log->debug("trace={} chunk={} written along {}", w->ctx.trace_id, w->ref.id.value, chain);
  }
  // Placement picked these among the reachable nodes just now.
  std::vector<caf::actor> next;
  for (size_t i = 1; i < nodes.size(); ++i)
    next.push_back(caf::actor_cast<caf::actor>(st.deps.replicas.at(nodes[i])));
  auto first = st.deps.replicas.find(nodes.front());
  auto c = std::make_shared<chain_write>();
  c->nodes = nodes;
  for (auto& n : nodes) {
    w->tried.push_back(n.value);
    st.pending[n] += w->ref.length;
  }
  // Settles every node of the chain, once: from the chain's outcomes, or
  // (`lost` set) because one of its nodes was lost or went silent first.
  auto settle = [=](const std::vector<caf::error>& results, const node_id* lost,
                    const caf::error& lost_error) {
    if (!c->active)
      return;
    end_chain(self, w, *c);
    settle_write(self, w, c->nodes, results, lost, lost_error);
  };
  for (auto& n : nodes) {
    auto node = n;
    c->ops.push_back(st.track(n, [=](const caf::error& err) { settle({}, &node, err); }));
  }
  auto chain_ctx = w->ctx;
  auto chain_timeout = chain_time(self, chain_ctx);
  swept_request(self, first->second, chain_timeout, store_atom::value, chain_ctx, w->ref.id,
                w->data, w->ref.checksum, std::move(next))
    .then([=](chain_outcome& out) { settle(out.results, nullptr, caf::error{}); },
          [=](caf::error& err) {
            // The first node did not answer: it failed, the others are unknown.
            std::vector<caf::error> results(c->nodes.size(), err);
            settle(results, nullptr, caf::error{});
          });
}

void write_batches(gateway_pointer self);

// Places `w` on `replication` nodes and stores it there, alone.
void place_and_store(gateway_pointer self, std::shared_ptr<chunk_write> w, uint32_t replication) {
  auto& st = self->state;
  auto nodes = candidates(self);
  auto targets = repair::place(nodes, replication, w->ref.length, {}, {}, st.rng);
  if (targets.size() < w->quorum) {
    auto usable = std::count_if(nodes.begin(), nodes.end(), [](auto& n) {
      return n.state == repair::node_state::active && n.reachable;
    });
    if (static_cast<size_t>(usable) >= w->quorum)
      return give_up(self, *w,
                     make_error(errc::no_space, "only " + std::to_string(targets.size()) + " of " +
                                                  std::to_string(replication) +
                                                  " storage nodes have room for a chunk of " +
                                                  std::to_string(w->ref.length) + " bytes"));
    return give_up(
      self, *w,
      make_error(errc::unavailable, "replication " + std::to_string(replication) +
                                      " needs at least " + std::to_string(w->quorum) +
                                      " active, answering storage nodes; this gateway has " +
                                      std::to_string(usable) + " now"));
  }
  w->outstanding = targets.size();
  if (targets.size() == 1)
    return store_copy(self, w, node_id{targets.front()});
  store_chain(self, w, local_first(self, targets));
}

// Stores `data` as a new chunk named `id` on `replication` nodes chosen by
// placement; calls `done` with its reference once every target has it
// durably (or, with no node left to replace a failed one, at least a
// quorum), or `fail`. A small chunk waits for a batch (write_batches).
void write_chunk(gateway_pointer self, const request_context& ctx, uint32_t replication,
                 chunk_id id, byte_buffer data, std::function<void(const chunk_ref&)> done,
                 std::function<void(const caf::error&)> fail) {
  auto& st = self->state;
  if (st.deps.metrics)
    st.deps.metrics->bytes_received(data.size());
  auto w = std::make_shared<chunk_write>();
  w->ctx = ctx;
  w->ref.id = std::move(id);
  w->ref.length = data.size();
  w->ref.checksum = chunk_checksum(data.data(), data.size());
  w->data = std::move(data);
  st.holding += w->data.size();
  w->retries_left = st.cfg.write_retries;
  w->quorum = write_quorum(replication);
  w->done = std::move(done);
  w->fail = std::move(fail);
  if (auto members = storage_nodes(self); replication > members)
    return give_up(
      self, *w,
      make_error(errc::unavailable, "replication " + std::to_string(replication) +
                                      " needs as many storage nodes; the cluster has " +
                                      std::to_string(members)));
  if (st.cfg.write_batches == 0 || w->ref.length > st.cfg.batch_chunk_limit)
    return place_and_store(self, w, replication);
  st.batch_queue[replication].push_back({std::move(w), st.batch_queued++});
  write_batches(self);
}

// A batch of small chunk writes in flight along one chain.
struct batch_write {
  std::vector<std::shared_ptr<chunk_write>> writes;
  uint32_t replication = 0;
  std::vector<node_id> nodes;
  std::vector<uint64_t> ops;
  uint64_t bytes = 0;
  int64_t sent_ms = 0;  // mono_ms() when it went out
  bool active = true;
};

// The batch's answer came, or it was given up (`lost`: one of its nodes
// was lost first). Each chunk of it ends as a single chain's would
// (settle_write; storing the same id and bytes again is harmless).
void settle_batch(gateway_pointer self, const std::shared_ptr<batch_write>& b,
                  const std::vector<caf::error>& results, const node_id* lost = nullptr,
                  const caf::error& lost_error = {}) {
  if (!b->active)
    return;
  b->active = false;
  auto& st = self->state;
  for (auto op : b->ops)
    st.untrack(op);
  for (auto& n : b->nodes)
    st.pending[n] -= b->bytes;
  if (auto it = st.batches_sent_ms.find(b->sent_ms); it != st.batches_sent_ms.end())
    st.batches_sent_ms.erase(it);
  auto failed = std::find_if(results.begin(), results.end(), [](auto& e) { return bool(e); });
  if (lost != nullptr || failed != results.end() || results.size() != b->nodes.size())
    st.log->warn("trace={} a batch of {} chunks failed at some nodes ({})",
                 b->writes.front()->ctx.trace_id, b->writes.size(),
                 lost != nullptr           ? describe(lost_error)
                 : failed != results.end() ? describe(*failed)
                                           : std::string{"a short chain answer"});
  for (auto& w : b->writes) {
    if (past_deadline(w->ctx)) {
      give_up(self, *w, make_error(errc::timeout, "deadline passed while its batch was stored"));
      continue;
    }
    w->outstanding = b->nodes.size();
    for (auto& n : b->nodes)
      w->tried.push_back(n.value);
    settle_write(self, w, b->nodes, results, lost, lost_error);
  }
  write_batches(self);
}

// Places batch `b` once and sends it along its chain; with too few
// nodes for its replication, each write goes the single way (which knows
// what to do then).
void send_batch(gateway_pointer self, std::shared_ptr<batch_write> b) {
  auto& st = self->state;
  auto targets = repair::place(candidates(self), b->replication, b->bytes, {}, {}, st.rng);
  if (targets.size() < b->replication) {
    for (auto& w : b->writes)
      place_and_store(self, w, b->replication);
    return;
  }
  chunk_batch msg;
  // The batch's deadline is its latest write's: one write about to expire
  // must not cut the time of all the others (it fails by its own).
  auto ctx = b->writes.front()->ctx;
  for (auto& w : b->writes) {
    msg.ids.push_back(w->ref.id);
    msg.data.push_back(w->data);  // kept: a node that failed is sent it again
    msg.checksums.push_back(w->ref.checksum);
    if (ctx.deadline_ms != 0)  // 0: none, the latest of all
      ctx.deadline_ms = w->ctx.deadline_ms == 0 ? 0 : std::max(ctx.deadline_ms, w->ctx.deadline_ms);
  }
  std::vector<caf::actor> chain;
  for (auto& n : local_first(self, targets)) {
    b->nodes.push_back(n);
    if (b->nodes.size() > 1)
      chain.push_back(caf::actor_cast<caf::actor>(st.deps.replicas.at(b->nodes.back())));
    st.pending[b->nodes.back()] += b->bytes;
  }
  b->sent_ms = mono_ms();
  st.batches_sent_ms.insert(b->sent_ms);
  for (auto& n : b->nodes) {
    auto node = n;
    b->ops.push_back(
      st.track(n, [=](const caf::error& err) { settle_batch(self, b, {}, &node, err); }));
  }
  st.log->debug("trace={} a batch of {} chunks along {} nodes", ctx.trace_id, b->writes.size(),
                b->nodes.size());
  auto timeout = chain_time(self, ctx);
  swept_request(self, st.deps.replicas.at(b->nodes.front()), timeout, store_atom::value, ctx,
                std::move(msg), std::move(chain))
    .then([=](chain_outcome& out) { settle_batch(self, b, out.results); },
          [=](caf::error& err) {
            settle_batch(self, b, std::vector<caf::error>(b->nodes.size(), err));
          });
}

// Sends the waiting small chunk writes in batches, while fewer than
// write_batches are in flight: under load, writes that arrive while
// batches are out wait for the next one, and a batch costs one message
// along the chain and one sync per node; alone, a write goes at once. A
// batch out for longer than batch_patience no longer counts: one stuck
// on a hung disk holds up only its own writes.
void write_batches(gateway_pointer self) {
  auto& st = self->state;
  auto young = [&] {
    auto since = mono_ms() - st.cfg.batch_patience.count();
    return static_cast<uint32_t>(
      std::distance(st.batches_sent_ms.lower_bound(since), st.batches_sent_ms.end()));
  };
  while (young() < st.cfg.write_batches) {
    // The replication whose first write has waited longest goes next: a
    // steady stream of one kind does not starve the others.
    auto oldest = st.batch_queue.end();
    for (auto it = st.batch_queue.begin(); it != st.batch_queue.end(); ++it)
      if (!it->second.empty() && (oldest == st.batch_queue.end() ||
                                  it->second.front().queued < oldest->second.front().queued))
        oldest = it;
    if (oldest == st.batch_queue.end())
      return;
    auto& queue = oldest->second;
    auto b = std::make_shared<batch_write>();
    b->replication = oldest->first;
    while (
      !queue.empty() && b->writes.size() < std::max<uint32_t>(st.cfg.batch_chunks, 1) &&
      (b->writes.empty() || b->bytes + queue.front().write->ref.length <= st.cfg.batch_bytes)) {
      auto w = std::move(queue.front().write);
      queue.pop_front();
      if (past_deadline(w->ctx)) {
        give_up(self, *w, make_error(errc::timeout, "deadline passed before its chunk was sent"));
        continue;
      }
      b->bytes += w->ref.length;
      b->writes.push_back(std::move(w));
    }
    if (!b->writes.empty())
      send_batch(self, std::move(b));
  }
}

// Refuses a chunk that would take `held` (bytes of chunk writes or reads
// in flight) past its budget; one chunk alone is always let through.
template <class T>
bool within_budget(uint64_t held, uint64_t budget, uint64_t bytes, const char* what,
                   reply_ptr<T>& r) {
  if (held > 0 && held + bytes > budget) {
    r->fail(errc::overloaded, "the gateway holds " + std::to_string(held) + " bytes of chunk " +
                                what + " in flight (budget " + std::to_string(budget) +
                                "); retry later");
    return false;
  }
  return true;
}

void do_write(gateway_pointer self, const request_context& ctx, uint64_t upload_id, uint64_t index,
              byte_buffer data, reply_ptr<chunk_ref> r) {
  if (!admitted(ctx, r))
    return;
  auto& st = self->state;
  auto it = st.uploads.find(upload_id);
  if (it == st.uploads.end())
    return r->fail(errc::not_found,
                   "upload " + std::to_string(upload_id) + " is unknown or expired");
  if (data.empty())
    return r->fail(errc::invalid_argument, "empty chunk");
  if (data.size() > st.cfg.chunk_size)
    return r->fail(errc::too_large, "chunk of " + std::to_string(data.size()) +
                                      " bytes exceeds the chunk size " +
                                      std::to_string(st.cfg.chunk_size));
  if (index >= st.cfg.max_chunks_per_file)
    return r->fail(errc::too_large,
                   "chunk index " + std::to_string(index) + " is beyond the limit");
  if (!within_budget(self->state.holding, self->state.cfg.write_budget, data.size(), "writes", r))
    return;
  it->second.last_active = std::chrono::steady_clock::now();
  write_chunk(
    self, ctx, it->second.replication, self->state.new_chunk_id(), std::move(data),
    [=](const chunk_ref& ref) {
      auto up = self->state.uploads.find(upload_id);
      if (up == self->state.uploads.end())
        return r->fail(errc::not_found, "upload " + std::to_string(upload_id) +
                                          " ended while a chunk was being stored");
      up->second.chunks[index] = ref;
      up->second.last_active = std::chrono::steady_clock::now();
      r->deliver(ref);
    },
    [=](const caf::error& err) { r->fail(err); });
}

// A whole small file in one request: no upload, no early checks (the
// commit checks the path), one chunk stored and committed.
void do_put(gateway_pointer self, const request_context& ctx, const std::string& raw,
            uint32_t replication, byte_buffer data, reply_ptr<file_info> r) {
  std::string path;
  if (!checked_file_target(ctx, raw, r, path))
    return;
  auto& st = self->state;
  if (data.size() > st.cfg.chunk_size)
    return r->fail(errc::too_large, "a one-request put takes at most one chunk (" +
                                      std::to_string(st.cfg.chunk_size) + " bytes)");
  if (!checked_replication(self, replication, r))
    return;
  auto commit = [=](std::vector<chunk_ref> chunks, uint64_t size) {
    proto::MetaCommand cmd;
    auto create = cmd.mutable_create_file();
    create->set_path(path);
    create->set_size(size);
    create->set_replication(replication);
    for (auto& c : chunks)
      *create->add_chunks() = to_proto(c);
    propose(self, ctx, std::move(cmd), r,
            [](auto& r, file_info& info) { r->deliver(std::move(info)); });
  };
  if (data.empty())
    return commit({}, 0);
  if (!within_budget(self->state.holding, self->state.cfg.write_budget, data.size(), "writes", r))
    return;
  auto size = data.size();
  write_chunk(
    self, ctx, replication, self->state.chunk_id_near(path), std::move(data),
    [=](const chunk_ref& ref) { commit({ref}, size); },
    [=](const caf::error& err) { r->fail(err); });
}

// Admits the request, checks the path and reads its record (a
// linearizable read), then calls on_info; failures go to `r`.
template <class T, class OnInfo>
void with_record(gateway_pointer self, const request_context& ctx, const std::string& raw,
                 reply_ptr<T> r, OnInfo on_info) {
  std::string path;
  if (admitted(ctx, r) && checked_path(raw, r, path))
    swept_request(self, self->state.deps.meta, budget(self, ctx), stat_atom::value, ctx, path)
      .then([on_info](file_info& info) mutable { on_info(info); },
            [r](caf::error& err) { r->fail(err); });
}

// A chunk read for `r`, within the read budget, through the cache.
void read_chunk(gateway_pointer self, const request_context& ctx, const chunk_ref& ref,
                reply_ptr<byte_buffer> r) {
  auto& st = self->state;
  if (ref.length > max_chunk_bytes)
    return r->fail(errc::invalid_argument, "a chunk of " + std::to_string(ref.length) +
                                             " bytes is larger than any chunk can be");
  if (!within_budget(st.reading, st.cfg.read_budget, ref.length, "reads", r))
    return;
  st.reading += ref.length;
  auto length = ref.length;
  r->on_done = [self, length] { self->state.reading -= length; };
  if (!valid_chunk_id(ref.id.value))  // do_read says why
    return do_read(self, ctx, ref, 0, caf::error{}, r);
  if (!admitted(ctx, r))
    return;
  st.earn_hedge();
  cached_read(self, ctx, ref, r);
}

// The rest of a get once the record is known: a file of one chunk is
// read here and answered whole; anything else is answered with its
// record alone (a directory, or chunks the reader fetches in a window).
void get_small_file(gateway_pointer self, const request_context& ctx, file_info info,
                    reply_ptr<file_data> r) {
  file_data out;
  if (info.kind != entry_kind::file || info.chunks.size() > 1) {
    out.info = std::move(info);
    return r->deliver(std::move(out));
  }
  if (info.chunks.empty()) {
    out.info = std::move(info);
    out.complete = true;
    return r->deliver(std::move(out));
  }
  auto ref = info.chunks[0];
  auto read = std::make_shared<reply<byte_buffer>>(
    self, "get", ctx, [r, info = std::move(info)](caf::expected<byte_buffer> data) mutable {
      if (!data)
        return r->fail(data.error());
      r->deliver(file_data{std::move(info), std::move(*data), true});
    });
  read_chunk(self, ctx, ref, read);
}

void finish_upload(gateway_pointer self, uint64_t upload_id) {
  auto& st = self->state;
  st.uploads.erase(upload_id);
  if (st.deps.metrics)
    st.deps.metrics->open_uploads(st.uploads.size());
}

void do_commit(gateway_pointer self, const request_context& ctx, uint64_t upload_id,
               uint64_t total_size, reply_ptr<file_info> r) {
  if (!admitted(ctx, r))
    return;
  auto& st = self->state;
  auto it = st.uploads.find(upload_id);
  if (it == st.uploads.end())
    return r->fail(errc::not_found,
                   "upload " + std::to_string(upload_id) + " is unknown or expired");
  auto& up = it->second;
  auto age_left = st.cfg.max_upload_age - std::chrono::duration_cast<std::chrono::milliseconds>(
                                            std::chrono::steady_clock::now() - up.opened);
  if (age_left.count() <= 0) {
    finish_upload(self, upload_id);
    return r->fail(errc::timeout, "the upload was open longer than " +
                                    std::to_string(st.cfg.max_upload_age.count()) +
                                    " ms; its chunks are left to garbage collection");
  }
  // Nor may the commit itself wait past that age (in an election, say):
  // by then its chunks may be collected.
  auto commit_ctx = ctx;
  auto cap = now_ms() + age_left.count();
  commit_ctx.deadline_ms = ctx.deadline_ms == 0 ? cap : std::min(ctx.deadline_ms, cap);
  proto::MetaCommand cmd;
  auto create = cmd.mutable_create_file();
  create->set_path(up.path);
  create->set_size(total_size);
  create->set_replication(up.replication);
  uint64_t expected_index = 0, sum = 0;
  for (auto& [index, ref] : up.chunks) {
    if (index != expected_index++)
      return r->fail(errc::invalid_argument, "chunk " + std::to_string(expected_index - 1) +
                                               " of the upload was never written");
    sum += ref.length;
    *create->add_chunks() = to_proto(ref);
  }
  if (sum != total_size)
    return r->fail(errc::invalid_argument, "the upload holds " + std::to_string(sum) +
                                             " bytes, not " + std::to_string(total_size));
  // Whatever the outcome, this upload is finished: a failed commit leaves
  // its chunks unreferenced, for garbage collection.
  finish_upload(self, upload_id);
  propose(self, commit_ctx, std::move(cmd), r,
          [](auto& r, file_info& info) { r->deliver(std::move(info)); });
}

void expire_uploads(gateway_pointer self) {
  auto& st = self->state;
  auto now = std::chrono::steady_clock::now();
  auto cutoff = now - st.cfg.upload_timeout;
  for (auto it = st.uploads.begin(); it != st.uploads.end();) {
    if (it->second.last_active < cutoff || now - it->second.opened > st.cfg.max_upload_age) {
      st.log->info("upload={} path={} abandoned after {} ms idle", it->first, it->second.path,
                   st.cfg.upload_timeout.count());
      it = st.uploads.erase(it);
    } else {
      ++it;
    }
  }
  if (st.deps.metrics)
    st.deps.metrics->open_uploads(st.uploads.size());
}

std::chrono::milliseconds tick_period(const gateway_config& cfg) {
  return std::clamp(cfg.upload_timeout / 4, std::chrono::milliseconds{100},
                    std::max(cfg.stats_interval, std::chrono::milliseconds{100}));
}

// A storage node that has not answered a status request for this long
// counts as unreachable until it answers again.
std::chrono::milliseconds silent_after(const gateway_config& cfg) {
  return std::max(3 * cfg.stats_interval, std::chrono::milliseconds{3000});
}

// Free space and failure domain of every reachable storage node, and the
// node table's states, for placement; storage nodes that stopped
// answering.
void refresh_nodes(gateway_pointer self) {
  auto& st = self->state;
  if (st.deps.view) {
    st.states.clear();
    st.removed.clear();
    for (auto& n : st.deps.view->nodes()) {
      if (n.removed())
        st.removed.insert(n.id());
      st.states[n.id()] = n.removed() || n.state() == proto::NODE_STATE_DEAD
                            ? repair::node_state::dead
                          : n.state() == proto::NODE_STATE_DRAINING ? repair::node_state::draining
                                                                    : repair::node_state::active;
    }
  }
  auto now = std::chrono::steady_clock::now();
  for (auto& [node, handle] : st.deps.replicas) {
    auto id = node;
    auto heard = st.heard.try_emplace(node, now).first->second;
    if (now - heard > silent_after(st.cfg)) {
      if (st.silent.insert(node).second) {
        st.log->warn(
          "storage node {} has not answered for {} ms: no new chunks go there, its "
          "requests in flight are failed",
          node.value, silent_after(st.cfg).count());
        st.lost(node, node.value + " stopped answering");
      }
    } else if (st.silent.erase(node) > 0) {
      st.log->info("storage node {} answers again", node.value);
    }
    self->request(handle, silent_after(st.cfg), status_atom::value)
      .then(
        [=](replica_stats& s) {
          self->state.stats[id] = std::move(s);
          self->state.heard[id] = std::chrono::steady_clock::now();
        },
        [=](caf::error&) { self->state.stats.erase(id); });
  }
}

gateway_actor::behavior_type gateway(gateway_pointer self, gateway_config cfg, gateway_deps deps) {
  self->state.cfg = std::move(cfg);
  self->state.deps = std::move(deps);
  self->state.rebuild_cache_ring();
  self->state.log = logger_for("gateway");
  self->state.rng.seed(self->state.cfg.seed != 0 ? self->state.cfg.seed : std::random_device{}());
  self->state.router = balancer::router{self->state.cfg.routing};
  self->state.admission = balancer::admission{self->state.cfg.admission};
  for (auto& [node, handle] : self->state.deps.replicas)
    self->state.storage_seen.insert(node.value);
  refresh_nodes(self);
  self->delayed_send(self, tick_period(self->state.cfg), tick_atom::value);
  return {
    [=](mkdir_atom, const request_context& ctx, const std::string& path, bool parents) {
      auto r = make_reply<file_info>(self, "mkdir", ctx);
      do_mkdir(self, ctx, path, parents, r);
      return r->promise();
    },
    [=](stat_atom, const request_context& ctx, const std::string& raw) {
      auto r = make_reply<file_info>(self, "stat", ctx);
      with_record(self, ctx, raw, r, [r](file_info& info) { r->deliver(std::move(info)); });
      return r->promise();
    },
    [=](list_atom, const request_context& ctx, const std::string& raw) {
      auto r = make_reply<std::vector<file_info>>(self, "ls", ctx);
      std::string path;
      if (admitted(ctx, r) && checked_path(raw, r, path))
        self->request(self->state.deps.meta, budget(self, ctx), list_atom::value, ctx, path)
          .then([r](std::vector<file_info>& entries) { r->deliver(std::move(entries)); },
                [r](caf::error& err) { r->fail(err); });
      return r->promise();
    },
    [=](remove_atom, const request_context& ctx, const std::string& path, bool recursive) {
      auto r = make_reply<ok_atom>(self, "rm", ctx);
      do_remove(self, ctx, path, recursive, r);
      return r->promise();
    },
    [=](move_atom, const request_context& ctx, const std::string& src, const std::string& dst) {
      auto r = make_reply<file_info>(self, "mv", ctx);
      do_move(self, ctx, src, dst, r);
      return r->promise();
    },
    [=](open_atom, const request_context& ctx, const std::string& path, uint32_t replication) {
      auto r = make_reply<upload_ticket>(self, "open", ctx);
      do_open(self, ctx, path, replication, r);
      return r->promise();
    },
    [=](write_atom, const request_context& ctx, uint64_t upload_id, uint64_t index,
        byte_buffer& data) {
      auto r = make_reply<chunk_ref>(self, "write", ctx);
      do_write(self, ctx, upload_id, index, std::move(data), r);
      return r->promise();
    },
    [=](commit_atom, const request_context& ctx, uint64_t upload_id, uint64_t size) {
      auto r = make_reply<file_info>(self, "commit", ctx);
      do_commit(self, ctx, upload_id, size, r);
      return r->promise();
    },
    [=](abort_atom, const request_context& ctx, uint64_t upload_id) {
      auto r = make_reply<ok_atom>(self, "abort", ctx);
      if (self->state.uploads.count(upload_id) == 0)
        r->fail(errc::not_found, "upload " + std::to_string(upload_id) + " is unknown or expired");
      else {
        finish_upload(self, upload_id);
        r->deliver(ok_atom::value);
      }
      return r->promise();
    },
    [=](put_atom, const request_context& ctx, const std::string& path, uint32_t replication,
        byte_buffer& data) {
      auto r = make_reply<file_info>(self, "put", ctx);
      do_put(self, ctx, path, replication, std::move(data), r);
      return r->promise();
    },
    [=](read_atom, const request_context& ctx, const chunk_ref& ref) {
      auto r = make_reply<byte_buffer>(self, "read", ctx);
      read_chunk(self, ctx, ref, r);
      return r->promise();
    },
    [=](get_atom, const request_context& ctx, const std::string& raw) {
      auto r = make_reply<file_data>(self, "get", ctx);
      with_record(self, ctx, raw, r,
                  [=](file_info& info) { get_small_file(self, ctx, std::move(info), r); });
      return r->promise();
    },
    [=](tick_atom) {
      // The timer is this actor's own; a tick from anyone else is ignored
      // (it would start a second timer chain).
      if (self->current_sender() != self->ctrl())
        return;
      expire_uploads(self);
      refresh_nodes(self);
      write_batches(self);  // past a batch that outlived its patience
      if (self->state.deps.metrics)
        self->state.deps.metrics->mailbox(self->mailbox().size());
      self->delayed_send(self, tick_period(self->state.cfg), tick_atom::value);
    },
    [=](sweep_atom) {
      auto& st = self->state;
      if (self->current_sender() != self->ctrl())
        return;
      st.swept_deadlines.sweep(std::chrono::steady_clock::now());
      st.sweeping = !st.swept_deadlines.empty();
      if (st.sweeping)
        self->delayed_send(self, sweep_period, sweep_atom::value);
    },
    [=](health_atom, std::vector<peer_health>& verdicts) { apply_health(self, verdicts); },
    [=](status_atom) { return status_of(self); },
    [=](peers_atom, const node_id& node, const replica_actor& replica,
        const std::vector<cache_actor>& caches) {
      if (node == self->state.deps.local)
        return;
      auto& st = self->state;
      auto known_caches = st.deps.caches.find(node);
      bool caches_changed =
        known_caches == st.deps.caches.end() ? !caches.empty() : known_caches->second != caches;
      if (caches_changed) {
        if (caches.empty())
          st.deps.caches.erase(node);
        else
          st.deps.caches[node] = caches;
        st.cache_skipped.erase(node);
        st.rebuild_cache_ring();
      }
      // The connector re-sends every peer whenever one changes: only a
      // new handle (a new connection) starts the node's silence over.
      auto known = st.deps.replicas.find(node);
      if (known != st.deps.replicas.end() && known->second == replica)
        return;
      st.heard.erase(node);
      st.silent.erase(node);
      if (replica) {
        st.deps.replicas[node] = replica;
        st.storage_seen.insert(node.value);
      } else {
        st.deps.replicas.erase(node);
        st.stats.erase(node);
        st.lost(node, "lost the connection to " + node.value);
      }
    },
  };
}

}  // namespace
}  // namespace gateway_impl

gateway_actor spawn_gateway(caf::actor_system& sys, gateway_config cfg, gateway_deps deps) {
  return sys.spawn(gateway_impl::gateway, std::move(cfg), std::move(deps));
}

}  // namespace dfs
