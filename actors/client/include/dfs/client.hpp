// The public client API of dfs, for programs that want files, not actors.
//
//   auto conn = dfs::connection::open("127.0.0.1:7100,127.0.0.1:7101");
//   if (!conn) { std::cerr << dfs::describe(conn.error()); return 1; }
//   conn->put("/docs/a.txt", std::string{"hello"});
//   auto text = conn->get("/docs/a.txt");  // "hello"
//
// Every call blocks until the cluster has answered or the deadline given
// to open() has passed. A call that fails because its gateway is gone,
// silent or busy is retried (with backoff, at the next endpoint when the
// gateway is gone) within that deadline; a retried write applies once.
// Errors are dfs::errc codes in a caf::error: dfs::to_errc(err) gives the
// code, dfs::describe(err) a line for a human.
//
// A put is atomic: the file appears whole when it returns, or not at all.
// Files of any size are streamed chunk by chunk with a bounded window, so
// memory stays at a few chunks. One connection per thread.
//
// Programs that are CAF actors themselves use system(), gateway() and
// new_context() with the message types in <dfs/actors.hpp>.
#pragma once

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include <caf/expected.hpp>

#include "messages/errc.hpp"
#include "messages/handles.hpp"
#include "messages/types.hpp"

namespace caf {
class actor_system;
}  // namespace caf

namespace dfs {

class client;

// Writes one connection may have in flight at once (new_context).
constexpr int max_writes_in_flight = 32;

class connection {
public:
  // Connects to the first node of `cluster` ("host:port,host:port...")
  // that answers and serves files. `timeout` is the deadline of each call.
  static caf::expected<connection> open(const std::string& cluster,
                                        std::chrono::milliseconds timeout = std::chrono::seconds{
                                          30});

  connection(connection&&) noexcept;
  connection& operator=(connection&&) noexcept;
  ~connection();

  // Writes `bytes` (or all of `in`) as the file `path`, replacing any
  // older version; `replicas` 0 takes the cluster's default.
  caf::expected<file_info> put(const std::string& path, const std::string& bytes,
                               uint32_t replicas = 0);
  caf::expected<file_info> put(const std::string& path, std::istream& in, uint32_t replicas = 0);

  // Reads the file `path` whole (or into `out`), every chunk verified.
  caf::expected<std::string> get(const std::string& path);
  caf::expected<file_info> get(const std::string& path, std::ostream& out);

  caf::expected<std::vector<file_info>> ls(const std::string& path);
  caf::expected<file_info> stat(const std::string& path);
  caf::error rm(const std::string& path, bool recursive = false);
  caf::expected<file_info> mkdir(const std::string& path, bool parents = false);
  caf::expected<file_info> mv(const std::string& from, const std::string& to);

  // --- for applications that are CAF actors ---

  // The actor system this connection runs in (dfs message types and the
  // middleman loaded): spawn actors here to message the cluster.
  caf::actor_system& system();

  // The gateway this connection talks to. Every request to it is
  // (atom, request_context, args...); see gateway_actor in <dfs/actors.hpp>.
  gateway_actor gateway() const;

  // A context for one request: this connection's client id, a fresh
  // sequence number and trace id, and a deadline `timeout` from now. A
  // write retried with the same context is applied once. Safe to call
  // from any actor or thread (the blocking calls are for one thread). The cluster
  // remembers the outcomes of a client's last max_writes_in_flight
  // writes: keep at most that many in flight per connection, or an older
  // one may be refused (invalid_argument, "too old").
  request_context new_context(std::chrono::milliseconds timeout = std::chrono::seconds{10});

private:
  explicit connection(std::unique_ptr<client> impl);
  std::unique_ptr<client> impl_;
};

}  // namespace dfs
