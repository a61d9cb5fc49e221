// Every typed message the actors of a node take, found at compile time in
// their typed handles (messages/handles.hpp), so the catalog cannot drift
// from the interfaces: dfs-shell's `messages`, `help MESSAGE`, `send` and
// `ask` build a real CAF message from typed-in words with it and render
// the typed reply.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/expected.hpp>
#include <caf/message.hpp>
#include <caf/scoped_actor.hpp>

#include "messages/types.hpp"

namespace dfs::shell {

struct message_field {
  std::string name;      // from the interface's comments, else the type
  std::string type;      // "string", "uint64", "chunk_id", "bytes", ...
  bool typeable = true;  // false: cannot be typed in (bytes, handles, Raft messages)
  bool context = false;  // a request_context: the shell fills it in
};

struct message_spec {
  std::string kind;                   // the actor kind that takes it ("gateway")
  std::string atom;                   // its first element ("stat")
  std::vector<message_field> fields;  // after the atom
  std::string reply;                  // what it answers; empty: nothing
  bool internal = false;              // sent by nodes to themselves or their peers

  // The message from typed-in `words` (one per typeable field; a context
  // field takes `ctx`), or why the words do not fit.
  std::function<caf::expected<caf::message>(const std::vector<std::string>& words,
                                            const request_context& ctx)>
    build;
  // Sends `msg` to `dest` and waits up to `timeout` for the reply,
  // rendered as text ("sent" for a message that answers nothing).
  std::function<caf::expected<std::string>(caf::scoped_actor& self, const caf::actor& dest,
                                           std::chrono::milliseconds timeout, caf::message msg)>
    ask;

  // "stat(path: string) -> file_info" (the context left out).
  std::string signature() const;
  // The fields a user types (all but a context).
  size_t typed_fields() const;
};

// Every message of every actor kind: agent, gateway, raft, replica,
// repair, cache, health.
const std::vector<message_spec>& catalog();

// The messages an actor of `kind` takes with first element `atom` (one
// per arity), or every message named `atom` when `kind` is empty.
std::vector<const message_spec*> find_messages(const std::string& kind, const std::string& atom);

}  // namespace dfs::shell
