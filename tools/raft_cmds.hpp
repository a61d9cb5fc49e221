// `dfsctl raft status|transfer-leader` and `dfsctl node add|remove`: the
// Raft group as its members see it, and changes of its membership.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "runtime/config.hpp"

namespace dfs::ctl {

// One row per node: role, term, leader, commit/applied/last index, last
// contact with the leader. Exit 0 when every node answers and they agree
// on one leader; 5 otherwise.
int raft_status_cmd(const std::vector<host_port>& endpoints, bool json);

// Asks the leader to hand leadership to `to`, then waits (up to `wait`)
// until the members report `to` as leader.
int raft_transfer_cmd(const std::vector<host_port>& endpoints, const std::string& to, bool json,
                      std::chrono::milliseconds wait);

// `dfsctl node add ID HOST:PORT`: the node at HOST:PORT (started with
// `join = true`) joins the Raft group, as a learner until it has caught up,
// then as a voter; waits up to `wait` for that.
int node_add_cmd(const std::vector<host_port>& endpoints, const std::string& id,
                 const std::string& address, bool json, std::chrono::milliseconds wait);

// `dfsctl node remove ID`: takes node ID out of the Raft group (the leader
// too, which then steps down) and out of the node table.
int node_remove_cmd(const std::vector<host_port>& endpoints, const std::string& id, bool json,
                    std::chrono::milliseconds wait);

// Waits until the members reachable at `endpoints` agree on a leader that
// reports itself leader. Returns its id, or empty after `wait`.
std::string wait_for_leader(const std::vector<host_port>& endpoints,
                            std::chrono::milliseconds wait);

}  // namespace dfs::ctl
