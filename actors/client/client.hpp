// The C++ client library of dfs: connects to a node's agent over CAF's
// middleman and drives its gateway. Used by dfsctl and dfs-shell, and by
// applications that want files rather than actors. Transfers are streamed
// chunk by chunk with a bounded window in flight, so memory stays at a few
// chunks whatever the file size. Not thread-safe: one client per thread.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/expected.hpp>

#include "actors/balancer/backoff.hpp"
#include "messages/errc.hpp"
#include "messages/handles.hpp"
#include "runtime/config.hpp"

namespace caf {
class actor_system;
class scoped_actor;
}  // namespace caf

namespace dfs {

class system_config;

struct client_options {
  std::vector<host_port> endpoints;          // tried in order
  std::chrono::milliseconds timeout{30000};  // deadline of each request
  // Chunk reads in flight. With 4 MiB chunks on 2 cores, 4 made 64 MiB
  // gets slower than 2 (docs/measurements.md).
  size_t window = 2;
  // Chunk writes in flight: each waits for a chain of RF stores, so more
  // of them overlap (64 MiB puts at RF=3: 4 is 1.1-1.35x faster than 2;
  // a node's peak memory during a 100 MiB put and get stays +15 MiB,
  // which the end-to-end test bounds at 64).
  size_t put_window = 4;
  // Requests that fail because the gateway is gone, silent or overloaded
  // are tried again after a pause (exponential backoff with full jitter)
  // while their deadline allows; a gone or silent gateway is replaced by
  // the next endpoint that answers.
  balancer::backoff_config retry{10, 1000, 8};
};

// Progress of a transfer: bytes done and total (0 when unknown).
using progress_fn = std::function<void(uint64_t done, uint64_t total)>;

class client {
public:
  // Connects to the first endpoint whose node agent answers and hosts a gateway.
  static caf::expected<std::unique_ptr<client>> connect(client_options opts);

  // A client with no gateway yet: only status_of works until connect_gateway().
  static std::unique_ptr<client> create(client_options opts);
  caf::error connect_gateway();
  ~client();

  caf::expected<file_info> stat(const std::string& path);
  caf::expected<std::vector<file_info>> list(const std::string& path);
  caf::expected<file_info> mkdir(const std::string& path, bool parents);
  caf::error remove(const std::string& path, bool recursive);
  caf::expected<file_info> move(const std::string& source, const std::string& destination);

  // Uploads everything `in` yields to `remote` (replication 0: the
  // cluster's default). The file appears atomically when the put succeeds;
  // on failure nothing changes. `size_hint` (0 if unknown) feeds `progress`.
  caf::expected<file_info> put(std::istream& in, const std::string& remote, uint32_t replication,
                               uint64_t size_hint = 0, const progress_fn& progress = {});

  // Downloads `remote` into `out`, verifying every chunk.
  caf::expected<file_info> get(const std::string& remote, std::ostream& out,
                               const progress_fn& progress = {});

  // Status of the node this client is connected to, or of any other node.
  caf::expected<node_status> status();
  caf::expected<node_status> status_of(const host_port& endpoint);

  // Every actor of the node at `endpoint` that takes requests: its name,
  // kind (interface), mailbox size and handle (dfs-shell's `actors`).
  caf::expected<std::vector<actor_entry>> actors_of(const host_port& endpoint);

  // The Raft participant of the node at `endpoint`: its status, and a
  // request (to the leader) to hand leadership to node `to`.
  caf::expected<raft_status> raft_status_of(const host_port& endpoint);
  caf::error transfer_leader(const host_port& leader, const std::string& to);

  // Membership, asked of the leader at `leader`. add_member: first checks
  // that the node at `address` answers as `id`, records its address in the
  // node table (so every member connects to it) and adds it to the Raft
  // group: a learner, then a voter once caught up, within `wait`.
  // remove_member: takes `id` out of the group (the leader itself too:
  // it steps down once that is committed); forget_node then marks it
  // removed in the node table (through any member). All may be retried.
  caf::error add_member(const host_port& leader, const std::string& id, const host_port& address,
                        std::chrono::milliseconds wait);
  caf::error remove_member(const host_port& leader, const std::string& id,
                           std::chrono::milliseconds wait);
  caf::error forget_node(const host_port& member, const std::string& id);

  // The health of the stored data and of every storage node, from a scan
  // by the Raft leader's repair manager (asked through any metadata node
  // at `member`; the leader's answers). Waits for a scan that starts
  // after the call.
  caf::expected<fsck_report> fsck(const host_port& member);

  // Sets a storage node's state in the node table through the metadata
  // node at `member`: "draining" moves every chunk off it, "active" ends
  // that (or declares a dead node alive again).
  caf::error set_node_state(const host_port& member, const std::string& id,
                            const std::string& state);

  // Every node of the cluster not removed, as "id@host:port", from the
  // node table of the metadata node at `member`.
  caf::expected<std::vector<std::string>> members(const host_port& member);

  // Where every node the `endpoints` know of listens, by id: the
  // endpoints themselves, the peers they were started with (less those
  // the node table marks removed), and the node table (nodes added
  // later). Empty when none answers.
  std::map<std::string, host_port> known_nodes(const std::vector<host_port>& endpoints);

  // The figures of every cache shard of the node at `endpoint` (none when
  // it has no cache role).
  caf::expected<std::vector<cache_shard_stats>> cache_stats_of(const host_port& endpoint);

  // The health monitor's report of the node at `endpoint`: its load, its
  // view of every peer, and its gateway's routing figures.
  caf::expected<health_report> health_of(const host_port& endpoint);

  // Fault injection (tests, benchmarks): every chunk store and fetch at
  // the node at `endpoint` takes `delay` longer (0: normal again).
  caf::error slow_node(const host_port& endpoint, std::chrono::milliseconds delay);

  // The gateway of the node at `endpoint`, for applications (and the load
  // driver) that message it directly from their own actors.
  caf::expected<gateway_actor> gateway_at(const host_port& endpoint);
  caf::actor_system& system() { return *sys_; }
  const std::string& client_id() const { return client_id_; }

  const host_port& endpoint() const { return endpoint_; }
  const gateway_actor& gateway() const { return gateway_; }

  // A context for a request an application sends the gateway itself:
  // this client's id, the next sequence number, a fresh trace id and a
  // deadline `timeout` from now. Safe from any thread or actor (the
  // rest of the client is for one thread at a time).
  request_context new_context(std::chrono::milliseconds timeout);

  // A failure worth another try: the gateway is gone, silent or busy
  // (unavailable, timeout, overloaded).
  static bool retryable(const caf::error& err);

  // The trace id of the last operation (put, get, stat, ...): every request
  // it made carried it, and the nodes log it with each step (0: none yet).
  uint64_t last_trace() const { return trace_; }

  // The handles of the node at `endpoint`: its id and the actors of its
  // roles (the load driver routes by them).
  caf::expected<node_handles> handles_at(const host_port& endpoint);

private:
  caf::expected<raft_actor> raft_at(const host_port& endpoint);
  client(client_options opts);
  request_context next_context();
  // A fresh trace id for the operation starting now; its requests share it.
  void begin_operation();
  // `timeout`: the deadline of each step of connecting to it.
  caf::expected<node_agent_actor> agent_at(const host_port& endpoint,
                                           std::chrono::milliseconds timeout);
  // The deadline of each connecting step outside connect_gateway().
  std::chrono::milliseconds connect_timeout() const;
  // agent_at for status and admin requests: an endpoint that did not
  // answer within connect_timeout() fails at once for the next 5 s.
  caf::expected<node_agent_actor> probe_agent(const host_port& endpoint);
  // One pass over the endpoints (`current_last`: the one in use, after a
  // failure, goes last), each connecting step within `timeout`; then
  // connect_in_passes: passes with growing deadlines, none past `limit`.
  caf::error try_endpoints(std::chrono::milliseconds timeout, bool current_last);
  caf::error connect_in_passes(std::chrono::milliseconds limit, bool current_last);
  // Retries (client_options::retry): the pause before try number
  // `tries + 1` (none once the deadline of `ctx` is too near), and what
  // to do after a failure: an error to return, or none when the request
  // should be sent again (to another gateway when its own is gone or
  // silent).
  std::optional<std::chrono::milliseconds> pause_before_retry(const request_context& ctx,
                                                              uint32_t tries);
  caf::error after_failure(const caf::error& err, const request_context& ctx, uint32_t tries);
  // The time one try may take: a share of what `ctx` has left, so that a
  // silent gateway leaves time to ask another.
  std::chrono::milliseconds try_timeout(const request_context& ctx) const;
  // One request (op, ctx, xs...) to the gateway, retried as above with the
  // same context (a write's Raft session applies it once).
  template <class T, class Atom, class... Ts>
  caf::expected<T> call_with_retries(Atom op, const Ts&... xs);

  client_options opts_;
  std::unique_ptr<system_config> cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  std::unique_ptr<caf::scoped_actor> self_;
  host_port endpoint_;
  // A node agent that completed the handshake and did not answer (see
  // connect()); whether connecting stops there (a new client retries).
  bool dead_connection_ = false;
  bool stop_at_dead_connection_ = false;
  // Endpoints that did not answer probe_agent: until when, and the error.
  std::map<std::string, std::pair<std::chrono::steady_clock::time_point, caf::error>> unanswered_;
  node_agent_actor agent_;
  gateway_actor gateway_;
  std::string client_id_;
  std::atomic<uint64_t> sequence_{0};  // new_context may run on any thread
  uint64_t trace_ = 0;
};

}  // namespace dfs
