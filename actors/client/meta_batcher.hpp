// A stand-in for one metadata member that coalesces stats: the stats its
// clients send while it is busy go to the member as one message, and each
// client gets its own answer. A stat that arrives alone goes alone, at
// once (no timer, no added wait); under load, one message carries many
// reads, so the member and the client each pay a network message's cost
// once per batch instead of once per read. Proposals and lists pass
// through unchanged. For applications that request a member directly and
// share one connection between many concurrent callers.
//
// Given the whole group (every member's handle), a batch that finds no
// other one under way is read in one round trip instead of two: it goes
// to the leader, which serves it at its commit index, while as many other
// voters as make a quorum with it (one of three) are asked for their
// status; the answer stands once they confirm the leader in its term
// (confirms_leader_read, messages/raft_messages.hpp). When they do not,
// the batch goes to `member` the usual way. Under load batches go to
// `member`, so that all members share the serving.
#pragma once

#include <vector>

#include <caf/actor_system.hpp>

#include "messages/handles.hpp"

namespace dfs {

// Runs until sent an exit message: the middleman keeps an actor that sent
// to another node registered, so dropping the handle does not end it.
meta_actor spawn_meta_batcher(caf::actor_system& sys, meta_actor member,
                              std::vector<meta_actor> group = {});

}  // namespace dfs
