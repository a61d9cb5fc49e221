#include "actors/replica/manager.hpp"

#include <atomic>
#include <thread>
#include <vector>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include "actors/replica/chunk_store.hpp"
#include "runtime/checksum.hpp"
#include "runtime/clock.hpp"
#include "runtime/deadline.hpp"
#include "runtime/logging.hpp"

namespace dfs {

namespace {

caf::error to_error(const disk_status& st) {
  return make_error(st.code, st.message);
}

// The I/O actors' interface: the manager's requests, plus one scrub step
// (cursor, bytes) -> (next cursor, bytes read).
using replica_io_actor = caf::typed_actor<
  caf::replies_to<store_atom, request_context, chunk_id, byte_buffer, uint64_t>::with<ok_atom>,
  caf::replies_to<store_atom, request_context, chunk_batch>::with<ok_atom>,
  caf::replies_to<fetch_atom, request_context, chunk_id>::with<byte_buffer>,
  caf::replies_to<replicate_atom, request_context, chunk_id, caf::actor>::with<ok_atom>,
  caf::replies_to<remove_atom, request_context, chunk_id, int64_t>::with<ok_atom>,
  caf::replies_to<scrub_atom, std::string, uint64_t>::with<std::string, uint64_t>,
  caf::replies_to<compact_atom>::with<uint64_t>>;

// What the manager and its I/O actors share across threads.
struct io_shared {
  // Fault injection: every store and fetch takes this much longer (a slow
  // disk), on the I/O actor's own thread like real disk time.
  std::atomic<uint32_t> delay_ms{0};
  std::atomic<bool> write_failed{false};  // the last chunk write hit an I/O error or a full disk
};

struct io_state {
  std::shared_ptr<io_shared> shared;
  std::shared_ptr<chunk_store> store;
  std::shared_ptr<disk> fs;  // keeps the disk alive as long as the store
  replica_config cfg;
  std::shared_ptr<spdlog::logger> log;
  static inline const char* name = "replica_io";
};

caf::error deadline_passed(const char* what, const chunk_id& id) {
  return make_error(errc::timeout,
                    std::string{"deadline passed before chunk "} + id.value + " " + what);
}

// One detached I/O actor: runs chunk store calls on its own thread.
replica_io_actor::behavior_type replica_io(replica_io_actor::stateful_pointer<io_state> self,
                                           std::shared_ptr<io_shared> shared,
                                           std::shared_ptr<chunk_store> store,
                                           std::shared_ptr<disk> fs, replica_config cfg) {
  self->state.shared = std::move(shared);
  self->state.store = std::move(store);
  self->state.fs = std::move(fs);
  self->state.cfg = std::move(cfg);
  self->state.log = logger_for("replica");
  auto injected_delay = [=] {
    if (auto ms = self->state.shared->delay_ms.load(std::memory_order_relaxed); ms > 0)
      std::this_thread::sleep_for(std::chrono::milliseconds{ms});  // a detached thread
  };
  auto read = [=](const request_context& ctx, const chunk_id& id, byte_buffer& out) {
    auto st = self->state.store->get(id, out);
    if (!st.ok()) {
      auto level = st.code == errc::corrupt ? spdlog::level::err : spdlog::level::info;
      self->state.log->log(level, "trace={} read chunk={} error={} {}", ctx.trace_id, id.value,
                           to_string(st.code), st.message);
    }
    return st;
  };
  // Notes the outcome of a store for the node's `writable` figure and the log.
  auto stored = [=](const request_context& ctx, const disk_status& st, const std::string& what,
                    size_t bytes) -> caf::result<ok_atom> {
    if (st.code == errc::io_error || st.code == errc::no_space)
      self->state.shared->write_failed = true;
    else if (st.ok())
      self->state.shared->write_failed = false;
    if (!st.ok()) {
      self->state.log->warn("trace={} store {} error={} {}", ctx.trace_id, what, to_string(st.code),
                            st.message);
      return to_error(st);
    }
    self->state.log->debug("trace={} stored {} bytes={}", ctx.trace_id, what, bytes);
    return ok_atom::value;
  };
  return {
    [=](store_atom, const request_context& ctx, const chunk_id& id, const byte_buffer& data,
        uint64_t checksum) -> caf::result<ok_atom> {
      injected_delay();
      if (past_deadline(ctx))
        return deadline_passed("was stored", id);
      return stored(ctx, self->state.store->put(id, data, checksum, now_ms()), "chunk=" + id.value,
                    data.size());
    },
    [=](store_atom, const request_context& ctx, const chunk_batch& batch) -> caf::result<ok_atom> {
      injected_delay();
      if (batch.ids.empty())
        return ok_atom::value;
      if (past_deadline(ctx))
        return deadline_passed("was stored (the first of a batch)", batch.ids.front());
      size_t bytes = 0;
      for (auto& d : batch.data)
        bytes += d.size();
      return stored(ctx, self->state.store->put_many(batch, now_ms()),
                    std::to_string(batch.ids.size()) + " chunks from " + batch.ids.front().value,
                    bytes);
    },
    [=](fetch_atom, const request_context& ctx, const chunk_id& id) -> caf::result<byte_buffer> {
      injected_delay();
      if (past_deadline(ctx))
        return deadline_passed("was read", id);
      byte_buffer out;
      if (auto st = read(ctx, id, out); !st.ok())
        return to_error(st);
      self->state.log->debug("trace={} read chunk={} bytes={}", ctx.trace_id, id.value, out.size());
      return out;
    },
    [=](replicate_atom, const request_context& ctx, const chunk_id& id,
        const caf::actor& to) -> caf::result<ok_atom> {
      auto target = caf::actor_cast<replica_actor>(to);
      if (past_deadline(ctx))
        return deadline_passed("was copied", id);
      if (!target)
        return make_error(errc::invalid_argument, "no target to copy chunk " + id.value + " to");
      byte_buffer data;
      if (auto st = read(ctx, id, data); !st.ok())
        return to_error(st);
      auto checksum = chunk_checksum(data.data(), data.size());
      auto rp = self->make_response_promise<ok_atom>();
      self
        ->request(target, time_left(ctx, self->state.cfg.transfer_timeout), store_atom::value, ctx,
                  id, std::move(data), checksum)
        .then([rp](ok_atom) mutable { rp.deliver(ok_atom::value); },
              [rp](caf::error& err) mutable { rp.deliver(std::move(err)); });
      return rp;
    },
    [=](remove_atom, const request_context& ctx, const chunk_id& id,
        int64_t created_ms) -> caf::result<ok_atom> {
      auto st = self->state.store->remove(id, created_ms);
      if (!st.ok() && st.code != errc::not_found)
        return to_error(st);
      self->state.log->info("trace={} removed chunk={}", ctx.trace_id, id.value);
      return ok_atom::value;
    },
    [=](scrub_atom, const std::string& cursor, uint64_t max_bytes) {
      auto r = self->state.store->scrub(cursor, max_bytes);
      if (r.corrupt + r.missing > 0)
        self->state.log->error("scrub: {} corrupt and {} missing chunk copies dropped", r.corrupt,
                               r.missing);
      return caf::make_result(std::move(r.cursor), r.bytes);
    },
    [=](compact_atom) {
      auto reclaimed = self->state.store->compact();
      if (reclaimed > 0)
        self->state.log->info("compacted a pack: {} bytes reclaimed", reclaimed);
      return reclaimed;
    },
  };
}

struct manager_state {
  replica_config cfg;
  std::shared_ptr<io_shared> shared;
  // Read directly for status and inventory (memory only: the index and
  // one statfs), so that a node busy with disk work still answers them.
  std::shared_ptr<chunk_store> store;
  std::vector<replica_io_actor> workers;
  size_t next = 0;
  // The scrubber: where its pass is, and what it has done.
  std::string scrub_cursor;
  bool scrubbing = false;
  bool compacting = false;
  uint64_t scrub_passes = 0;
  uint64_t scrubbed_bytes = 0;
  static inline const char* name = "replica_manager";

  const replica_io_actor& pick() { return workers[next++ % workers.size()]; }
};

using manager_pointer = replica_actor::stateful_pointer<manager_state>;

void scrub_step(manager_pointer self) {
  auto& st = self->state;
  if (st.scrubbing || st.cfg.scrub_rate == 0)
    return;
  st.scrubbing = true;
  auto budget = st.cfg.scrub_rate * st.cfg.scrub_step.count() / 1000;
  auto started_at = st.scrub_cursor;
  self
    ->request(st.pick(), std::chrono::minutes{5}, scrub_atom::value, started_at,
              std::max<uint64_t>(budget, 1))
    .then(
      [=](std::string& cursor, uint64_t bytes) {
        auto& st = self->state;
        st.scrubbing = false;
        st.scrubbed_bytes += bytes;
        if (cursor.empty())
          ++st.scrub_passes;
        st.scrub_cursor = std::move(cursor);
      },
      [=](caf::error&) { self->state.scrubbing = false; });
}

// One pack compaction at a time, on an I/O actor, while there is one to do.
void compact_step(manager_pointer self) {
  auto& st = self->state;
  if (st.compacting)
    return;
  st.compacting = true;
  self->request(st.pick(), std::chrono::minutes{5}, compact_atom::value)
    .then(
      [=](uint64_t reclaimed) {
        self->state.compacting = false;
        if (reclaimed > 0)
          compact_step(self);
      },
      [=](caf::error&) { self->state.compacting = false; });
}

// A write chain's step here: the chunk is stored by a worker and, at the
// same time, sent on to the next node with the rest of the chain. The
// answer lists this node's outcome, then the chain's after it; a next
// node that fails or does not answer in time counts as failed there and
// after it (the gateway replaces them).
// `payload`: a chunk (id, bytes, checksum) or a chunk_batch.
template <class... Payload>
caf::typed_response_promise<chain_outcome> chain_store(manager_pointer self,
                                                       const request_context& ctx,
                                                       const std::vector<caf::actor>& next,
                                                       Payload... payload) {
  struct progress {
    caf::typed_response_promise<chain_outcome> rp;
    chain_outcome out;
    size_t waiting = 1;
    void step() {
      if (--waiting == 0)
        rp.deliver(std::move(out));
    }
  };
  auto p = std::make_shared<progress>();
  p->rp = self->make_response_promise<chain_outcome>();
  // Until the next node answers for itself and those after it, they
  // count as failed.
  p->out.results.assign(1 + next.size(),
                        make_error(errc::unavailable, "no answer from the rest of the chain"));
  p->out.results[0] = caf::error{};
  // Deadlines nest: this node's store and the rest of the chain get less
  // time than this node was given, so that its answer arrives in time.
  auto left = time_left(ctx, self->state.cfg.transfer_timeout);
  auto within = [&](std::chrono::milliseconds d) {
    auto out = ctx;
    d = std::max(d, std::chrono::milliseconds{1});
    out.deadline_ms = now_ms() + d.count();
    return std::make_pair(out, d);
  };
  auto [store_ctx, store_timeout] = within(left * 9 / 10);
  if (!next.empty()) {
    ++p->waiting;
    auto hop = caf::actor_cast<replica_actor>(next.front());
    std::vector<caf::actor> rest(next.begin() + 1, next.end());
    auto [hop_ctx, hop_timeout] = within(left * 3 / 4);
    self->request(hop, hop_timeout, store_atom::value, hop_ctx, payload..., std::move(rest))
      .then(
        [p](chain_outcome& after) {
          for (size_t i = 0; i < after.results.size() && i + 1 < p->out.results.size(); ++i)
            p->out.results[i + 1] = std::move(after.results[i]);
          p->step();
        },
        [p](caf::error& err) {
          for (size_t i = 1; i < p->out.results.size(); ++i)
            p->out.results[i] = err;
          p->step();
        });
  }
  self
    ->request(self->state.pick(), store_timeout, store_atom::value, store_ctx,
              std::move(payload)...)
    .then([p](ok_atom) { p->step(); },
          [p](caf::error& err) {
            p->out.results[0] = std::move(err);
            p->step();
          });
  return p->rp;
}

// The node's figures, with the scrubber's.
replica_stats stats_of(manager_pointer self) {
  auto& st = self->state;
  auto s = st.store->stats();
  s.scrub_passes = st.scrub_passes;
  s.scrubbed_bytes = st.scrubbed_bytes;
  s.domain = st.cfg.domain;
  s.writable = !st.shared->write_failed.load();
  s.injected_delay_ms = st.shared->delay_ms.load();
  return s;
}

replica_actor::behavior_type replica_manager(manager_pointer self, replica_config cfg,
                                             std::shared_ptr<io_shared> shared,
                                             std::shared_ptr<chunk_store> store,
                                             std::vector<replica_io_actor> workers) {
  self->state.cfg = std::move(cfg);
  self->state.shared = std::move(shared);
  self->state.store = std::move(store);
  self->state.workers = std::move(workers);
  for (auto& w : self->state.workers)
    self->link_to(w);  // the pool lives and dies with the manager
  self->delayed_send(self, self->state.cfg.scrub_step, tick_atom::value);
  return {
    [=](store_atom a, const request_context& ctx, const chunk_id& id, byte_buffer& data,
        uint64_t checksum) {
      // Moved on, not copied: the chunk's bytes exist once per node.
      return self->delegate(self->state.pick(), a, ctx, id, std::move(data), checksum);
    },
    [=](store_atom, const request_context& ctx, const chunk_id& id, byte_buffer& data,
        uint64_t checksum, const std::vector<caf::actor>& next) {
      return chain_store(self, ctx, next, id, std::move(data), checksum);
    },
    [=](store_atom, const request_context& ctx, chunk_batch& batch,
        const std::vector<caf::actor>& next) {
      return chain_store(self, ctx, next, std::move(batch));
    },
    [=](fetch_atom a, const request_context& ctx, const chunk_id& id) {
      return self->delegate(self->state.pick(), a, ctx, id);
    },
    [=](status_atom) {
      if (self->state.cfg.mailbox)
        self->state.cfg.mailbox->Set(static_cast<double>(self->mailbox().size()));
      return stats_of(self);
    },
    [=](slow_atom, uint32_t delay_ms) {
      auto& st = self->state;
      st.shared->delay_ms = delay_ms;
      logger_for("replica")->warn("fault injection: every chunk store and fetch now waits {} ms",
                                  delay_ms);
      return ok_atom::value;
    },
    [=](replicate_atom a, const request_context& ctx, const chunk_id& id,
        const caf::actor& target) {
      return self->delegate(self->state.pick(), a, ctx, id, target);
    },
    [=](remove_atom a, const request_context& ctx, const chunk_id& id, int64_t created_ms) {
      return self->delegate(self->state.pick(), a, ctx, id, created_ms);
    },
    [=](inventory_atom) {
      chunk_inventory inv;
      for (auto& c : self->state.store->list()) {
        inv.chunks.push_back(std::move(c.id));
        inv.lengths.push_back(c.length);
        inv.created_ms.push_back(c.created_ms);
      }
      inv.bad = self->state.store->bad();
      inv.stats = stats_of(self);
      return inv;
    },
    [=](tick_atom) {
      if (self->current_sender() != self->ctrl())
        return;
      scrub_step(self);
      compact_step(self);
      self->delayed_send(self, self->state.cfg.scrub_step, tick_atom::value);
    },
  };
}

}  // namespace

caf::expected<replica_actor> spawn_replica_manager(caf::actor_system& sys, std::shared_ptr<disk> fs,
                                                   replica_config cfg) {
  chunk_store_options opts;
  opts.pack_limit = cfg.pack_limit;
  auto store = std::make_shared<chunk_store>(*fs, cfg.dir, opts);
  if (auto st = store->open(); !st.ok())
    return to_error(st);
  auto shared = std::make_shared<io_shared>();
  std::vector<replica_io_actor> workers;
  for (uint32_t i = 0; i < std::max<uint32_t>(cfg.io_threads, 1); ++i)
    workers.push_back(sys.spawn<caf::detached>(replica_io, shared, store, fs, cfg));
  return sys.spawn(replica_manager, cfg, std::move(shared), std::move(store), std::move(workers));
}

}  // namespace dfs
