// Registers every dfs message type and the errc category with CAF. Both
// ends of a middleman connection must call this, or messages are dropped.
#pragma once

#include <caf/actor_system_config.hpp>

namespace dfs {

void register_messages(caf::actor_system_config& cfg);

}  // namespace dfs
