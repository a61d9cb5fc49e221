// The CAF actor-system configuration every dfs process uses: the
// middleman, the dfs message types and error category, and a scheduler
// sized from the node config (never guessed).
#pragma once

#include <caf/actor_system_config.hpp>

namespace dfs {

class system_config : public caf::actor_system_config {
public:
  // `scheduler_threads` of 0 leaves CAF's default.
  explicit system_config(unsigned scheduler_threads = 0);
};

}  // namespace dfs
