#include "messages/raft_messages.hpp"

#include <algorithm>
#include <set>

namespace dfs {

bool confirms_leader_read(const std::string& leader, uint64_t term,
                          const std::vector<std::string>& voters,
                          const std::vector<raft_status>& others) {
  auto voter = [&](const std::string& id) {
    return std::find(voters.begin(), voters.end(), id) != voters.end();
  };
  if (term == 0 || leader.empty() || !voter(leader))
    return false;
  std::set<std::string> confirmed{leader};
  for (auto& s : others)
    if (voter(s.id) && s.term == term && s.leader == leader && s.role == "follower")
      confirmed.insert(s.id);
  return confirmed.size() >= voters.size() / 2 + 1;
}

}  // namespace dfs
