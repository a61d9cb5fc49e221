// An in-process dfs node for actor tests: the metadata service (SQLite in a
// temp dir), a replica manager over a memory or real disk, a gateway and a
// node agent, in a real actor system with a small scheduler.
#pragma once

#include <memory>
#include <string>

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>

#include "actors/client/blocking_call.hpp"
#include "actors/gateway/gateway.hpp"
#include "messages/errc.hpp"
#include "messages/handles.hpp"
#include "runtime/deadline.hpp"
#include "runtime/disk.hpp"
#include "runtime/system.hpp"
#include "tests/support.hpp"

namespace dfs::testing {

struct node_options {
  uint64_t chunk_size = 64 * 1024;
  std::chrono::milliseconds upload_timeout{300000};
  std::shared_ptr<disk> fs;  // default: a fresh memory_disk
  std::string data_dir;      // default: a fresh temp dir
  uint64_t write_budget = 256ull << 20;
  uint64_t read_budget = 256ull << 20;
  uint64_t cache_bytes = 0;  // > 0: the node has the cache role, 2 shards
  uint32_t max_in_flight = 1024;  // the gateway's admission control
  double client_rate = 0;
  double client_burst = 0;
};

class test_node {
public:
  explicit test_node(node_options opts = {});
  ~test_node();

  // Sends a request to `dest` and waits (5 s at most) for the answer.
  template <class T, class Handle, class... Ts>
  caf::expected<T> ask(const Handle& dest, Ts&&... xs) {
    return blocking_call<T>(*self, dest, std::chrono::seconds{5}, std::forward<Ts>(xs)...);
  }

  static request_context ctx() { return context_with_timeout(std::chrono::seconds{5}); }

  // Uploads `data` through the gateway's open/write/commit protocol.
  caf::expected<file_info> put(const std::string& path, const byte_buffer& data);
  // Reads a whole file back through stat + read.
  caf::expected<byte_buffer> get(const std::string& path);

  temp_dir dir;
  std::shared_ptr<disk> fs;
  std::unique_ptr<system_config> cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::unique_ptr<caf::scoped_actor> self;
  node_handles handles;
  node_agent_actor agent;
  uint64_t chunk_size;
};

}  // namespace dfs::testing
