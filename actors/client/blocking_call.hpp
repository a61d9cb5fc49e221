// One request from non-actor code (a scoped_actor), waiting for its answer.
#pragma once

#include <chrono>
#include <utility>

#include <caf/expected.hpp>
#include <caf/scoped_actor.hpp>

namespace dfs {

// Sends `xs...` to `dest` and waits up to `timeout` for a T or an error.
template <class T, class Handle, class... Ts>
caf::expected<T> blocking_call(caf::scoped_actor& self, const Handle& dest,
                               std::chrono::milliseconds timeout, Ts&&... xs) {
  caf::expected<T> out{caf::error{}};
  self->request(dest, timeout, std::forward<Ts>(xs)...)
    .receive([&](T& value) { out = std::move(value); },
             [&](caf::error& err) { out = std::move(err); });
  return out;
}

}  // namespace dfs
