// The typed actor interface of dfs, for applications that are CAF actors
// and request the gateway directly, with asynchronous replies:
//
//   auto conn = dfs::connection::open("127.0.0.1:7100");
//   auto gw = conn->gateway();
//   conn->system().spawn([=](caf::event_based_actor* self) {
//     self->request(gw, std::chrono::seconds{10}, dfs::stat_atom::value,
//                   conn_ctx, std::string{"/docs"})
//       .then([](const dfs::file_info& info) { ... },
//             [](const caf::error& err) { ... dfs::describe(err) ... });
//   });
//
// gateway_actor (messages/handles.hpp) lists every request the gateway
// takes and what it answers; the structs are in messages/types.hpp and the
// atoms in messages/atoms.hpp. Files of at most one chunk are written with
// one put_atom request; larger ones with open, write per chunk, commit.
// A file is read with stat_atom (its chunks) then read_atom per chunk.
#pragma once

#include "dfs/client.hpp"
#include "messages/atoms.hpp"
#include "messages/errc.hpp"
#include "messages/handles.hpp"
#include "messages/types.hpp"
