// Lists of member ids as text, as the Raft log and its database keep them:
// each id followed by `end` (ids hold only letters, digits, '-' and '_').
#pragma once

#include <string>
#include <vector>

#include "actors/raft/core.hpp"

namespace dfs::raft {

inline std::string encode_ids(const std::vector<peer_id>& ids, char end = '\n') {
  std::string out;
  for (auto& id : ids)
    out += id + end;
  return out;
}

inline std::vector<peer_id> decode_ids(const std::string& text, char end = '\n') {
  std::vector<peer_id> out;
  size_t pos = 0;
  while (pos < text.size()) {
    auto next = text.find(end, pos);
    if (next == std::string::npos)
      next = text.size();
    out.push_back(text.substr(pos, next - pos));
    pos = next + 1;
  }
  return out;
}

}  // namespace dfs::raft
