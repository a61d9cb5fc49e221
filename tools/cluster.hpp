// `dfsctl cluster up|down|status`: a local cluster of dfsd processes on
// loopback, with its state (endpoints and pids) in DIR/cluster.txt.
#pragma once

#include <string>
#include <vector>

#include "runtime/config.hpp"

namespace dfs::ctl {

struct cluster_node {
  std::string id;
  host_port listen;
  host_port metrics;
  int pid = 0;
};

// The file `cluster up` writes under its directory.
std::string cluster_file(const std::string& dir);

// Reads DIR/cluster.txt; empty if absent or unreadable.
std::vector<cluster_node> read_cluster(const std::string& dir);

// `settings` ("key=value", as in dfsd.toml) apply to every new node's
// config, after the cluster's own defaults.
int cluster_up(int nodes, const std::string& dir, int base_port, bool json,
               const std::vector<std::string>& settings = {});
int cluster_down(const std::string& dir, bool json);

}  // namespace dfs::ctl
