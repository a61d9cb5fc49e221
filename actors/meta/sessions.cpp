#include "actors/meta/sessions.hpp"

namespace dfs {

client_sessions::verdict client_sessions::check(const std::string& client, uint64_t sequence,
                                                proto::SessionRecord& prior) const {
  auto it = by_client_.find(client);
  if (it == by_client_.end())
    return verdict::fresh;
  auto& seen = it->second;
  if (auto hit = seen.find(sequence); hit != seen.end()) {
    prior = hit->second;
    return verdict::duplicate;
  }
  if (seen.size() >= remembered_per_client && sequence < seen.begin()->first)
    return verdict::too_old;
  return verdict::fresh;
}

void client_sessions::touch(const std::string& client, int64_t log_time_ms) {
  auto [it, fresh] = latest_.emplace(client, log_time_ms);
  if (!fresh) {
    if (it->second >= log_time_ms)
      return;
    order_.erase({it->second, client});
    it->second = log_time_ms;
  }
  order_.insert({log_time_ms, client});
}

void client_sessions::record(proto::SessionRecord rec, std::vector<session_mutation>& out) {
  touch(rec.client_id(), rec.log_time_ms());
  auto& seen = by_client_[rec.client_id()];
  out.push_back({false, rec});
  seen[rec.sequence()] = std::move(rec);
  while (seen.size() > remembered_per_client) {
    out.push_back({true, std::move(seen.begin()->second)});  // leaving: moved, not copied
    seen.erase(seen.begin());
  }
}

void client_sessions::expire(int64_t log_time_ms, std::vector<session_mutation>& out) {
  while (!order_.empty() && order_.begin()->first + ttl_ms < log_time_ms) {
    auto client = order_.begin()->second;
    order_.erase(order_.begin());
    latest_.erase(client);
    for (auto& [seq, rec] : by_client_[client])
      out.push_back({true, std::move(rec)});  // erased just below
    by_client_.erase(client);
  }
}

void client_sessions::restore(std::vector<proto::SessionRecord> records) {
  by_client_.clear();
  latest_.clear();
  order_.clear();
  for (auto& rec : records) {
    touch(rec.client_id(), rec.log_time_ms());
    by_client_[rec.client_id()][rec.sequence()] = std::move(rec);
  }
}

}  // namespace dfs
