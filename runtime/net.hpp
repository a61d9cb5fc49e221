// Small network helpers for non-actor code.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace dfs {

// Tries a TCP connection to host:port for at most `timeout`; returns an
// empty string when it succeeds, else why not. Used before handing an
// address to CAF's remote_actor, whose connect has no timeout of its own.
std::string probe_tcp(const std::string& host, uint16_t port, std::chrono::milliseconds timeout);

// The body of http://host:port/path when it answers 200 within `timeout`;
// nothing, with the reason in `why`, otherwise. For small documents
// (metrics pages), read whole into memory.
std::optional<std::string> http_get(const std::string& host, uint16_t port, const std::string& path,
                                    std::chrono::milliseconds timeout, std::string& why);

}  // namespace dfs
