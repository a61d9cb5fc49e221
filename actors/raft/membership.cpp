// Membership changes of the Raft core (see conf_change in core.hpp).
#include <algorithm>

#include "actors/raft/core.hpp"
#include "actors/raft/ids.hpp"

namespace dfs::raft {

// One byte of kind, then the id; a bootstrap: voters, a ';', learners,
// each id followed by a ',' (no newlines: log data stays on one line).
std::string conf_change::encode() const {
  std::string out(1, static_cast<char>(kind));
  if (kind == op::bootstrap)
    return out + encode_ids(voters, ',') + ";" + encode_ids(learners, ',');
  return out + id;
}

bool conf_change::decode(const std::string& data, conf_change& out) {
  if (data.size() < 2 || data[0] < 1 || data[0] > 4)
    return false;
  out.kind = static_cast<op>(data[0]);
  if (out.kind != op::bootstrap) {
    out.id = data.substr(1);
    return true;
  }
  auto semi = data.find(';', 1);
  if (semi == std::string::npos)
    return false;
  out.voters = decode_ids(data.substr(1, semi - 1), ',');
  out.learners = decode_ids(data.substr(semi + 1), ',');
  return !out.voters.empty();
}

uint64_t core::match_of(const peer_id& member) const {
  auto it = progress_.find(member);
  return role_ == role::leader && it != progress_.end() ? it->second.match : 0;
}

bool core::is_voter(const peer_id& p) const {
  return std::find(voters_.begin(), voters_.end(), p) != voters_.end();
}

bool core::is_member(const peer_id& p) const {
  return is_voter(p) || std::find(learners_.begin(), learners_.end(), p) != learners_.end();
}

uint64_t core::membership_at(uint64_t upto, std::vector<peer_id>& voters,
                             std::vector<peer_id>& learners) const {
  voters = snap_.index > 0 ? snap_.voters : cfg_.voters;
  learners = snap_.index > 0 ? snap_.learners : cfg_.learners;
  uint64_t last_conf = 0;
  auto has = [](const std::vector<peer_id>& xs, const peer_id& p) {
    return std::find(xs.begin(), xs.end(), p) != xs.end();
  };
  for (auto& e : log_) {
    conf_change cc;
    if (e.index > upto)
      break;
    if (e.type != entry_type::config || !conf_change::decode(e.data, cc))
      continue;
    last_conf = e.index;
    auto drop = [&](std::vector<peer_id>& xs) {
      xs.erase(std::remove(xs.begin(), xs.end(), cc.id), xs.end());
    };
    switch (cc.kind) {
      case conf_change::op::bootstrap:
        voters = cc.voters;
        learners = cc.learners;
        break;
      case conf_change::op::add_learner:
        if (!has(voters, cc.id) && !has(learners, cc.id))
          learners.push_back(cc.id);
        break;
      case conf_change::op::promote:
        drop(learners);
        if (!has(voters, cc.id))
          voters.push_back(cc.id);
        break;
      case conf_change::op::remove:
        drop(learners);
        drop(voters);
        break;
    }
  }
  return last_conf;
}

void core::rebuild_membership() {
  last_conf_index_ = membership_at(last_index(), voters_, learners_);
  if (role_ != role::leader)
    return;
  for (auto it = progress_.begin(); it != progress_.end();)
    it = is_member(it->first) || it->first == cfg_.id ? std::next(it) : progress_.erase(it);
  for (auto* group : {&voters_, &learners_})
    for (auto& peer : *group)
      if (!progress_.count(peer)) {
        auto& pr = progress_[peer];
        pr.next = last_index() + 1;
        pr.recent_active = true;  // give a new member a full period before counting it
      }
}

uint64_t core::propose_conf_change(const conf_change& change) {
  if (role_ != role::leader || !transferee_.empty() || !committed_in_term() ||
      last_conf_index_ > commit_)
    return 0;
  switch (change.kind) {
    case conf_change::op::add_learner:
      if (change.id.empty() || is_member(change.id))
        return 0;
      break;
    case conf_change::op::promote:
      if (is_voter(change.id) || !is_member(change.id))
        return 0;
      break;
    case conf_change::op::remove:
      if (!is_member(change.id) || (is_voter(change.id) && voters_.size() == 1))
        return 0;
      break;
    case conf_change::op::bootstrap:
      return 0;  // only a new group's first leader writes one
  }
  auto index = last_index() + 1;
  append_entries(last_index(), {entry{term_, index, change.encode(), entry_type::config}});
  progress_[cfg_.id].match = index;
  if (!maybe_commit())
    broadcast_append(false);
  return index;
}

}  // namespace dfs::raft
