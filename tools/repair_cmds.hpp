// `dfsctl fsck`, `dfsctl node list` and `dfsctl node drain|activate`:
// the health of the stored data, as the Raft leader's repair manager sees
// it, and moving data off a node.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "runtime/config.hpp"

namespace dfs::ctl {

// Files, chunks and problem counts. Exit 0 only when the data is healthy
// (every chunk has its file's number of good, live copies), 6 when not, 5
// when no scan could be had.
int fsck_cmd(const std::vector<host_port>& endpoints, bool json);

// One row per storage node: state, reachable, chunk copies stored and
// placed on it by the metadata, bytes used and free.
int node_list_cmd(const std::vector<host_port>& endpoints, bool json);

// Marks node `id` draining (no new chunks; its copies are moved to other
// nodes) and waits up to `wait` until the metadata places no chunk on it
// and fsck is healthy; then it can be stopped and removed with no loss.
int node_drain_cmd(const std::vector<host_port>& endpoints, const std::string& id, bool json,
                   std::chrono::milliseconds wait);

// Marks node `id` active again (ends a drain, or revives a node declared dead).
int node_activate_cmd(const std::vector<host_port>& endpoints, const std::string& id, bool json);

}  // namespace dfs::ctl
