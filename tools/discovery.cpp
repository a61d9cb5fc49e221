#include "tools/discovery.hpp"

#include <algorithm>

#include "actors/client/client.hpp"

namespace dfs::ctl {

discovery discover(client& c, const std::vector<host_port>& answering,
                   const std::vector<host_port>& asked, const std::set<std::string>& asked_ids) {
  discovery d;
  if (answering.empty())
    return d;
  d.known = c.known_nodes(answering);
  for (auto& [id, address] : d.known) {
    auto at = address.to_string();
    bool seen = asked_ids.count(id) > 0 ||
                std::any_of(asked.begin(), asked.end(),
                            [&](const host_port& ep) { return ep.to_string() == at; });
    if (!seen)
      d.beyond.emplace(id, address);
  }
  return d;
}

}  // namespace dfs::ctl
