#include "actors/meta/service.hpp"

#include <caf/event_based_actor.hpp>

#include "actors/meta/store.hpp"
#include "actors/meta/view.hpp"
#include "messages/atoms.hpp"
#include "messages/errc.hpp"
#include "runtime/logging.hpp"

namespace dfs {

void meta_changes::append(meta_changes&& later) {
  if (later.restore) {
    *this = std::move(later);
    return;
  }
  for (auto& o : later.outcomes)
    outcomes.push_back(std::move(o));
  last_index = later.last_index;
  next_inode = later.next_inode;
  log_time = later.log_time;
}

namespace {

caf::behavior meta_writer(caf::event_based_actor* self, std::shared_ptr<meta_store> store) {
  auto log = logger_for("meta");
  return {
    [=](persist_atom, const meta_changes_ptr& changes) -> caf::result<ok_atom> {
      std::vector<const apply_outcome*> applied;
      applied.reserve(changes->outcomes.size());
      for (auto& o : changes->outcomes)
        applied.push_back(&o);
      try {
        if (changes->restore)
          store->replace_all(*changes->restore);
        store->persist(applied, changes->last_index, changes->next_inode, changes->log_time);
      } catch (const std::exception& ex) {
        log->critical("writing the metadata up to index {} failed: {}", changes->last_index,
                      ex.what());
        auto err = make_error(errc::io_error, std::string{"metadata write failed: "} + ex.what());
        self->quit(err);
        return err;
      }
      return ok_atom::value;
    },
    [=](snapshot_atom) -> caf::result<uint64_t, std::string> {
      proto::MetaSnapshot all;
      std::string why;
      try {
        why = store->read_all(all);
      } catch (const std::exception& ex) {
        why = ex.what();
      }
      if (!why.empty())
        return make_error(errc::io_error, "cannot read the metadata for a snapshot: " + why);
      return {all.applied_index(), all.SerializeAsString()};
    },
  };
}

}  // namespace

caf::expected<meta_machine> open_meta_machine(caf::actor_system& sys, const std::string& db_path) {
  auto machine = std::make_shared<state_machine>();
  std::shared_ptr<meta_store> store;
  try {
    store = std::make_shared<meta_store>(db_path, meta_durability::replayed_from_log);
  } catch (const std::exception& ex) {
    return make_error(errc::io_error, ex.what());
  }
  auto why = store->load(*machine);
  if (!why.empty())
    return make_error(errc::corrupt, db_path + ": " + why);
  logger_for("meta")->info("metadata loaded from {}: applied_index={} inodes={}", db_path,
                           machine->applied_index(), machine->inode_count());
  meta_machine out;
  out.view = std::make_shared<meta_view>(std::move(machine));
  out.writer = sys.spawn<caf::detached>(meta_writer, std::move(store));
  return out;
}

}  // namespace dfs
