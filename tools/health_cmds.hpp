// dfsctl's health commands: cluster status (every node's state as its
// peers' monitors judge it, its load, and the gateways' circuit breakers
// for it) and node slow (fault injection for tests and benchmarks).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "runtime/config.hpp"

namespace dfs::ctl {

int cluster_status(const std::vector<host_port>& endpoints, bool json);

// Makes every chunk store and fetch of node `id` take `delay` longer.
int node_slow(const std::vector<host_port>& endpoints, const std::string& id,
              std::chrono::milliseconds delay, bool json);

}  // namespace dfs::ctl
