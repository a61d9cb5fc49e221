// How a dfsctl command given some nodes' addresses finds the rest of the
// cluster: through the nodes that answer (their peers and the node table,
// client::known_nodes), so that one address is enough.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "runtime/config.hpp"

namespace dfs {
class client;
}

namespace dfs::ctl {

struct discovery {
  std::map<std::string, host_port> known;   // every node known, by id
  std::map<std::string, host_port> beyond;  // those not asked yet, by id
};

// The nodes `answering` know of; `beyond` leaves out the ids in `asked_ids`
// and the addresses in `asked` (what the command has asked already).
discovery discover(client& c, const std::vector<host_port>& answering,
                   const std::vector<host_port>& asked, const std::set<std::string>& asked_ids);

}  // namespace dfs::ctl
