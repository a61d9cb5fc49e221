#include "actors/meta/service.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/meta/convert.hpp"
#include "actors/meta/state_machine.hpp"
#include "actors/meta/store.hpp"
#include "runtime/deadline.hpp"
#include "runtime/logging.hpp"

namespace dfs {

namespace {

struct meta_state {
  std::shared_ptr<state_machine> machine;
  std::shared_ptr<meta_store> store;
  std::shared_ptr<spdlog::logger> log;
  static inline const char* name = "meta_service";
};

using meta_pointer = meta_worker_actor::stateful_pointer<meta_state>;

// After a failed write the state machine in memory ran ahead of the disk:
// go back to what the disk holds (or stop, if that cannot be read).
// Returns the error for the caller.
caf::error after_failed_write(meta_pointer self, const std::exception& ex) {
  auto& st = self->state;
  auto fresh = std::make_shared<state_machine>();
  auto why = st.store->load(*fresh);
  if (!why.empty()) {
    st.log->critical("cannot reload metadata after a failed write: {}", why);
    self->quit(make_error(errc::io_error, why));
  } else {
    st.machine = std::move(fresh);
  }
  return make_error(errc::io_error, std::string{"metadata write failed: "} + ex.what());
}

// Applies `encoded` at the next index (a metadata service without Raft)
// and persists it before answering.
caf::result<file_info> apply_command(meta_pointer self, const request_context& ctx,
                                     const std::string& encoded) {
  auto& st = self->state;
  if (past_deadline(ctx))
    return make_error(errc::timeout, "deadline passed before the command was applied");
  proto::MetaCommand cmd;
  if (!cmd.ParseFromString(encoded))
    return make_error(errc::invalid_argument, "malformed metadata command");
  auto index = st.machine->applied_index() + 1;
  auto out = st.machine->apply(index, cmd);
  try {
    st.store->persist(index, *st.machine, out);
  } catch (const std::exception& ex) {
    st.log->error("trace={} index={} persist failed: {}", ctx.trace_id, index, ex.what());
    return after_failed_write(self, ex);
  }
  st.log->debug("trace={} index={} op={} result={}", ctx.trace_id, index, cmd.op_case(),
                to_string(out.code));
  if (!out.ok())
    return make_error(out.code, out.message);
  return to_file_info(out.path, out.entry, true);
}

// Applies commands at log indexes `indexes` in order and persists them in
// one transaction before answering. Every command gets its own outcome.
// Applies commands at log indexes `indexes` in order and persists them in
// one transaction; every command gets its own outcome, delivered to `rp`.
// Behind the Raft log (meta_durability::replayed_from_log) the answer goes
// out before the transaction is written: the log already holds every one of
// these commands durably on a majority. A failed write then stops the
// worker (and the node), whose restart re-applies them from the log.
void apply_batch(meta_pointer self, const std::vector<uint64_t>& indexes,
                 const std::vector<std::string>& encoded,
                 caf::typed_response_promise<applied_batch> rp) {
  auto& st = self->state;
  applied_batch out;
  auto n = std::min(indexes.size(), encoded.size());
  out.results.resize(n);
  out.errors.resize(n);
  std::vector<apply_outcome> outcomes(n);
  std::vector<const apply_outcome*> to_persist;
  uint64_t last = st.machine->applied_index();
  for (size_t i = 0; i < n; ++i) {
    proto::MetaCommand cmd;
    if (!cmd.ParseFromString(encoded[i])) {
      out.errors[i] = make_error(errc::invalid_argument, "malformed metadata command");
      continue;
    }
    outcomes[i] = st.machine->apply(indexes[i], cmd);
    if (outcomes[i].skipped)
      continue;  // applied before (a replay after restart)
    to_persist.push_back(&outcomes[i]);
    last = indexes[i];
  }
  for (size_t i = 0; i < n; ++i) {
    auto& o = outcomes[i];
    if (out.errors[i] || o.skipped)
      continue;
    if (!o.ok())
      out.errors[i] = make_error(o.code, o.message);
    else
      out.results[i] = to_file_info(o.path, o.entry, true);
  }
  bool answer_first = st.store->durability() == meta_durability::replayed_from_log;
  if (answer_first)
    rp.deliver(out);
  if (!to_persist.empty()) {
    try {
      st.store->persist(to_persist, last, *st.machine);
    } catch (const std::exception& ex) {
      st.log->critical("persisting entries {}..{} failed: {}", indexes.front(), last, ex.what());
      auto err = make_error(errc::io_error, std::string{"metadata write failed: "} + ex.what());
      if (answer_first) {
        self->quit(err);  // the Raft log re-applies them after a restart
        return;
      }
      after_failed_write(self, ex);
      for (auto& e : out.errors)
        e = err;
    }
  }
  if (!answer_first)
    rp.deliver(out);
}

meta_worker_actor::behavior_type meta_service(meta_pointer self,
                                              std::shared_ptr<state_machine> machine,
                                              std::shared_ptr<meta_store> store) {
  self->state.machine = std::move(machine);
  self->state.store = std::move(store);
  self->state.log = logger_for("meta");
  self->state.log->info("metadata service up: applied_index={} inodes={}",
                        self->state.machine->applied_index(), self->state.machine->inode_count());
  return {
    [=](propose_atom, const request_context& ctx, const std::string& encoded) {
      return apply_command(self, ctx, encoded);
    },
    [=](apply_atom, const std::vector<uint64_t>& indexes, const std::vector<std::string>& encoded) {
      auto rp = self->make_response_promise<applied_batch>();
      apply_batch(self, indexes, encoded, rp);
      return rp;
    },
    [=](stat_atom, const request_context& ctx, const std::string& path) -> caf::result<file_info> {
      if (past_deadline(ctx))
        return make_error(errc::timeout, "deadline passed");
      auto found = self->state.machine->lookup(path);
      if (!found.ok())
        return make_error(found.code, found.message);
      return to_file_info(found.path, *found.inode, true);
    },
    [=](list_atom, const request_context& ctx,
        const std::string& path) -> caf::result<std::vector<file_info>> {
      if (past_deadline(ctx))
        return make_error(errc::timeout, "deadline passed");
      std::vector<std::pair<std::string, proto::Inode>> entries;
      std::string message;
      auto code = self->state.machine->list(path, entries, message);
      if (code != errc::ok)
        return make_error(code, message);
      std::vector<file_info> out;
      out.reserve(entries.size());
      for (auto& [child_path, inode] : entries)
        out.push_back(to_file_info(child_path, inode, false));
      return out;
    },
  };
}

// The public face of the service: an event-based actor that hands every
// request to the detached worker, which answers the caller directly. Only
// this facade is ever given out (and so referenced from other nodes); the
// worker's own thread is then never kept waiting at shutdown by a remote
// reference to it.
struct facade_state {
  meta_worker_actor worker;
  static inline const char* name = "meta_facade";
};

meta_actor::behavior_type meta_facade(meta_actor::stateful_pointer<facade_state> self,
                                      meta_worker_actor worker) {
  self->state.worker = std::move(worker);
  self->link_to(self->state.worker);  // the worker lives and dies with the facade
  return {
    [=](propose_atom a, const request_context& ctx, const std::string& cmd) {
      return self->delegate(self->state.worker, a, ctx, cmd);
    },
    [=](stat_atom a, const request_context& ctx, const std::string& path) {
      return self->delegate(self->state.worker, a, ctx, path);
    },
    [=](list_atom a, const request_context& ctx, const std::string& path) {
      return self->delegate(self->state.worker, a, ctx, path);
    },
  };
}

}  // namespace

caf::expected<meta_worker_actor> spawn_meta_worker(caf::actor_system& sys,
                                                   const std::string& db_path,
                                                   meta_durability durability) {
  auto machine = std::make_shared<state_machine>();
  std::shared_ptr<meta_store> store;
  try {
    store = std::make_shared<meta_store>(db_path, durability);
  } catch (const std::exception& ex) {
    return make_error(errc::io_error, ex.what());
  }
  auto why = store->load(*machine);
  if (!why.empty())
    return make_error(errc::corrupt, db_path + ": " + why);
  return sys.spawn<caf::detached>(meta_service, std::move(machine), std::move(store));
}

caf::expected<meta_actor> spawn_meta_service(caf::actor_system& sys, const std::string& db_path) {
  auto worker = spawn_meta_worker(sys, db_path);
  if (!worker)
    return worker.error();
  return sys.spawn(meta_facade, std::move(*worker));
}

}  // namespace dfs
