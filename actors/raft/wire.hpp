// Conversions between the Raft core's messages and their CAF wire form.
#pragma once

#include "actors/raft/core.hpp"
#include "messages/raft_messages.hpp"

namespace dfs::raft {

raft_msg to_wire(const message& m);

// False for a message that names an unknown kind or entry type.
bool from_wire(const raft_msg& w, message& m);

}  // namespace dfs::raft
