// Small network helpers for non-actor code.
#pragma once

#include <chrono>
#include <string>

namespace dfs {

// Tries a TCP connection to host:port for at most `timeout`; returns an
// empty string when it succeeds, else why not. Used before handing an
// address to CAF's remote_actor, whose connect has no timeout of its own.
std::string probe_tcp(const std::string& host, uint16_t port, std::chrono::milliseconds timeout);

}  // namespace dfs
