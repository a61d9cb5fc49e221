#include "actors/replica/manager.hpp"

#include <vector>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/replica/chunk_store.hpp"
#include "runtime/clock.hpp"
#include "runtime/deadline.hpp"
#include "runtime/logging.hpp"

namespace dfs {

namespace {

caf::error to_error(const disk_status& st) {
  return make_error(st.code, st.message);
}

struct io_state {
  std::shared_ptr<chunk_store> store;
  std::shared_ptr<disk> fs;  // keeps the disk alive as long as the store
  std::shared_ptr<spdlog::logger> log;
  static inline const char* name = "replica_io";
};

// One detached I/O actor: runs chunk store calls on its own thread.
replica_actor::behavior_type replica_io(replica_actor::stateful_pointer<io_state> self,
                                        std::shared_ptr<chunk_store> store,
                                        std::shared_ptr<disk> fs) {
  self->state.store = std::move(store);
  self->state.fs = std::move(fs);
  self->state.log = logger_for("replica");
  return {
    [=](store_atom, const request_context& ctx, const chunk_id& id, const byte_buffer& data,
        uint64_t checksum) -> caf::result<ok_atom> {
      if (past_deadline(ctx))
        return make_error(errc::timeout,
                          "deadline passed before chunk " + id.value + " was stored");
      auto st = self->state.store->put(id, data, checksum, now_ms());
      if (!st.ok()) {
        self->state.log->warn("trace={} store chunk={} error={} {}", ctx.trace_id, id.value,
                              to_string(st.code), st.message);
        return to_error(st);
      }
      return ok_atom::value;
    },
    [=](fetch_atom, const request_context& ctx, const chunk_id& id) -> caf::result<byte_buffer> {
      if (past_deadline(ctx))
        return make_error(errc::timeout, "deadline passed before chunk " + id.value + " was read");
      byte_buffer out;
      auto st = self->state.store->get(id, out);
      if (!st.ok()) {
        auto level = st.code == errc::corrupt ? spdlog::level::err : spdlog::level::info;
        self->state.log->log(level, "trace={} fetch chunk={} error={} {}", ctx.trace_id, id.value,
                             to_string(st.code), st.message);
        return to_error(st);
      }
      return out;
    },
    [=](status_atom) { return self->state.store->stats(); },
  };
}

struct manager_state {
  std::vector<replica_actor> workers;
  size_t next = 0;
  static inline const char* name = "replica_manager";

  const replica_actor& pick() { return workers[next++ % workers.size()]; }
};

replica_actor::behavior_type replica_manager(replica_actor::stateful_pointer<manager_state> self,
                                             std::vector<replica_actor> workers) {
  self->state.workers = std::move(workers);
  for (auto& w : self->state.workers)
    self->link_to(w);  // the pool lives and dies with the manager
  return {
    [=](store_atom a, const request_context& ctx, const chunk_id& id, byte_buffer& data,
        uint64_t checksum) {
      // Moved on, not copied: the chunk's bytes exist once per node.
      return self->delegate(self->state.pick(), a, ctx, id, std::move(data), checksum);
    },
    [=](fetch_atom a, const request_context& ctx, const chunk_id& id) {
      return self->delegate(self->state.pick(), a, ctx, id);
    },
    [=](status_atom a) { return self->delegate(self->state.pick(), a); },
  };
}

}  // namespace

caf::expected<replica_actor> spawn_replica_manager(caf::actor_system& sys, std::shared_ptr<disk> fs,
                                                   const std::string& dir, uint32_t io_threads) {
  auto store = std::make_shared<chunk_store>(*fs, dir);
  if (auto st = store->open(); !st.ok())
    return to_error(st);
  std::vector<replica_actor> workers;
  for (uint32_t i = 0; i < std::max<uint32_t>(io_threads, 1); ++i)
    workers.push_back(sys.spawn<caf::detached>(replica_io, store, fs));
  return sys.spawn(replica_manager, std::move(workers));
}

}  // namespace dfs
