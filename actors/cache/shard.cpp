#include "actors/cache/shard.hpp"

#include <map>
#include <memory>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include "actors/cache/metrics.hpp"
#include "actors/cache/store.hpp"
#include "actors/replica/chunk_store.hpp"
#include "messages/errc.hpp"
#include "runtime/checksum.hpp"
#include "runtime/deadline.hpp"
#include "runtime/logging.hpp"

namespace dfs {

namespace {

using clock_type = std::chrono::steady_clock;

struct shard_state {
  cache_shard_config cfg;
  std::unique_ptr<cache::store> store;
  // Chunks being loaded after a miss, and the lookups waiting for them.
  struct load {
    clock_type::time_point deadline;
    std::vector<caf::typed_response_promise<cache_lookup>> waiters;
    uint64_t number = 0;    // tells a load from a later one of the same chunk
    bool fetching = false;  // a fill by reference is reading this node's replica
  };
  std::map<std::string, load> loads;
  uint64_t loads_started = 0;
  uint64_t coalesced = 0;
  uint64_t released = 0;
  uint64_t removed = 0;
  clock_type::time_point started = clock_type::now();
  std::unique_ptr<cache_metrics> metrics;
  std::shared_ptr<spdlog::logger> log = logger_for("cache");
  static inline const char* name = "cache_shard";

  uint64_t now_ms() const {
    return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - started).count());
  }

  cache_shard_stats stats() const {
    auto& s = store->stats();
    cache_shard_stats out;
    out.node = cfg.node;
    out.shard = cfg.index;
    out.policy = store->policy_name();
    out.hits = s.hits;
    out.misses = s.misses;
    out.bytes_hit = s.bytes_hit;
    out.bytes_missed = s.bytes_missed;
    out.coalesced = coalesced;
    out.released = released;
    out.removed = removed;
    out.fills = s.fills;
    out.rejected = s.rejected;
    out.evictions = s.evictions;
    out.bytes = s.bytes;
    out.entries = s.entries;
    out.capacity = s.capacity;
    for (auto& e : store->advice()) {
      out.advice_requests = e.requests;
      out.advice_expected = e.expected;
      out.advice_hits.push_back(e.hits);
    }
    return out;
  }

  // Answers the lookups waiting for `id`: with the bytes, or (null) with
  // a miss that tells them to read the chunk themselves.
  void release(const std::string& id, const byte_buffer* data) {
    auto it = loads.find(id);
    if (it == loads.end())
      return;
    if (!data)
      released += it->second.waiters.size();
    for (auto& w : it->second.waiters)
      w.deliver(data ? cache_lookup{true, false, *data} : cache_lookup{false, false, {}});
    loads.erase(it);
  }
};

using shard_pointer = cache_actor::stateful_pointer<shard_state>;

cache_actor::behavior_type cache_shard(shard_pointer self, cache_shard_config cfg,
                                       std::unique_ptr<cache::store> store) {
  self->state.cfg = std::move(cfg);
  self->state.store = std::move(store);
  if (self->state.cfg.metrics)
    self->state.metrics = std::make_unique<cache_metrics>(
      *self->state.cfg.metrics, self->state.cfg.node.value, self->state.cfg.index);
  self->delayed_send(self, self->state.cfg.tick, tick_atom::value);
  return {
    [=](lookup_atom, const request_context& ctx, const chunk_id& id) -> caf::result<cache_lookup> {
      auto& st = self->state;
      if (!valid_chunk_id(id.value))
        return make_error(errc::invalid_argument, "invalid chunk id '" + id.value + "'");
      if (auto* data = st.store->get(id.value, st.now_ms())) {
        st.log->debug("trace={} chunk={} hit in shard {}", ctx.trace_id, id.value, st.cfg.index);
        return cache_lookup{true, false, *data};
      }
      st.log->debug("trace={} chunk={} missed in shard {}", ctx.trace_id, id.value, st.cfg.index);
      auto now = clock_type::now();
      auto it = st.loads.find(id.value);
      if (it != st.loads.end() && it->second.deadline > now) {
        ++st.coalesced;
        auto rp = self->make_response_promise<cache_lookup>();
        it->second.waiters.push_back(rp);
        return rp;
      }
      st.release(id.value, nullptr);  // an overdue load: its waiters read themselves
      auto& started = st.loads[id.value];
      started.deadline = now + st.cfg.load_timeout;
      started.number = ++st.loads_started;
      return cache_lookup{false, true, {}};
    },
    [=](fill_atom, const chunk_id& id, byte_buffer& data) {
      auto& st = self->state;
      if (!valid_chunk_id(id.value) || data.size() > max_chunk_bytes) {
        st.release(id.value, nullptr);
        return;
      }
      st.release(id.value, &data);
      st.store->put(id.value, std::move(data), st.now_ms());
    },
    [=](fill_atom, const request_context& ctx, const chunk_ref& ref) {
      auto& st = self->state;
      auto it = st.loads.find(ref.id.value);
      // Not asked for, given up on (unlike bytes, a reference that comes
      // late is not worth a disk read), or already being read.
      if (it == st.loads.end() || it->second.fetching)
        return;
      if (!st.cfg.replicas || ref.length > max_chunk_bytes)
        return st.release(ref.id.value, nullptr);
      it->second.fetching = true;
      auto number = it->second.number;
      // Only this load's waiters hear how it went: a later load of the same
      // chunk (this one expired meanwhile) has a loader of its own.
      auto settle = [=](const byte_buffer* data) {
        auto& st = self->state;
        auto it = st.loads.find(ref.id.value);
        if (it != st.loads.end() && it->second.number == number)
          st.release(ref.id.value, data);
      };
      // The read has a deadline of its own: the reader's was for its answer,
      // which has gone.
      auto fetch_ctx = context_with_timeout(st.cfg.load_timeout);
      fetch_ctx.trace_id = ctx.trace_id;
      self->request(st.cfg.replicas, st.cfg.load_timeout, fetch_atom::value, fetch_ctx, ref.id)
        .then(
          [=](byte_buffer& data) {
            auto& st = self->state;
            if (!matches_chunk(data.data(), data.size(), ref.length, ref.checksum)) {
              st.log->warn(
                "chunk={} this node's replica does not match the file record: not cached",
                ref.id.value);
              return settle(nullptr);
            }
            settle(&data);
            st.store->put(ref.id.value, std::move(data), st.now_ms());
          },
          [=](caf::error& err) {
            self->state.log->info("chunk={} not cached: reading this node's replica failed: {}",
                                  ref.id.value, describe(err));
            settle(nullptr);
          });
    },
    [=](abandon_atom, const chunk_id& id) { self->state.release(id.value, nullptr); },
    [=](remove_atom, const chunk_id& id) {
      auto& st = self->state;
      st.store->erase(id.value);
      ++st.removed;
    },
    [=](status_atom) { return self->state.stats(); },
    [=](tick_atom) {
      if (self->current_sender() != self->ctrl())
        return;
      auto& st = self->state;
      auto now = clock_type::now();
      std::vector<std::string> overdue;
      for (auto& [id, load] : st.loads)
        if (load.deadline <= now)
          overdue.push_back(id);
      for (auto& id : overdue)
        st.release(id, nullptr);
      if (st.metrics) {
        st.metrics->update(st.stats());
        st.metrics->mailbox(self->mailbox().size());
      }
      self->delayed_send(self, st.cfg.tick, tick_atom::value);
    },
  };
}

}  // namespace

caf::expected<cache_actor> spawn_cache_shard(caf::actor_system& sys, cache_shard_config cfg) {
  auto store = cache::store::make(cfg.policy, cfg.budget, cfg.typical_entry);
  if (!store)
    return make_error(errc::invalid_argument, "unknown cache policy '" + cfg.policy + "'");
  return sys.spawn(cache_shard, std::move(cfg), std::move(store));
}

}  // namespace dfs
