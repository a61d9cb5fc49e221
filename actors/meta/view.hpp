// A thread-safe window on a node's metadata state machine. Its one writer
// (the Raft participant) applies commands under an exclusive lock, held
// only while the state changes in memory, never across a disk write;
// reads (stat, list) take a shared lock and are served from memory.
#pragma once

#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include <caf/expected.hpp>

#include "actors/meta/state_machine.hpp"
#include "messages/types.hpp"

namespace dfs {

class meta_view {
public:
  explicit meta_view(std::shared_ptr<state_machine> machine) : machine_(std::move(machine)) {}

  caf::expected<file_info> stat(const std::string& path) const;
  caf::expected<std::vector<file_info>> list(const std::string& path) const;
  uint64_t applied_index() const;
  std::vector<proto::NodeRecord> nodes() const;

  // Runs `f` on the state machine (const) under the shared lock and
  // returns what it returns; `f` must not keep references into it.
  template <class F>
  auto read(F&& f) const {
    std::shared_lock<std::shared_mutex> lock{mu_};
    return f(static_cast<const state_machine&>(*machine_));
  }

  // For the one writer: runs `f` on the state machine under the exclusive
  // lock and returns what it returns.
  template <class F>
  auto update(F&& f) {
    std::unique_lock<std::shared_mutex> lock{mu_};
    return f(*machine_);
  }

private:
  mutable std::shared_mutex mu_;
  std::shared_ptr<state_machine> machine_;
};

}  // namespace dfs
