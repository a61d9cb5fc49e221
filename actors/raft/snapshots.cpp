// Log compaction and snapshot installation of the Raft core: the
// application saves its state machine as of an applied index, the log
// before it is dropped, and a follower that needs dropped entries receives
// the snapshot instead.
#include <algorithm>

#include "actors/raft/core.hpp"

namespace dfs::raft {

bool core::compact(uint64_t index, std::string data) {
  if (index <= snap_.index || index > applied_)
    return false;
  snapshot next{index, term_at(index), std::move(data), {}, {}};
  membership_at(index, next.voters, next.learners);
  log_.erase(log_.begin(), log_.begin() + static_cast<long>(index - snap_.index));
  snap_ = std::move(next);
  rebuild_membership();
  return true;
}

void core::heard_from(const peer_id& member) {
  auto it = progress_.find(member);
  if (role_ == role::leader && it != progress_.end())
    it->second.recent_active = true;
}

void core::leader_contact(const peer_id& leader, uint64_t term) {
  if (role_ == role::follower && term == term_ && leader == leader_)
    election_elapsed_ = 0;
}

uint64_t core::replicated_to_all() const {
  auto lowest = last_index();
  if (role_ != role::leader)
    return lowest;
  for (auto& [id, pr] : progress_)
    if (id != cfg_.id)
      lowest = std::min(lowest, pr.match);
  return lowest;
}

void core::handle_snapshot(const message& m) {
  message reply;
  reply.kind = msg_kind::append_reply;
  reply.to = m.from;
  if (m.index <= commit_) {
    reply.index = commit_;  // nothing new in it
  } else if (term_at(m.index) == m.log_term) {
    commit_ = m.index;  // the log already holds it: just move the commit index
    reply.index = m.index;
  } else {
    // Replace the state machine and the whole log with the snapshot.
    snap_ = snapshot{m.index, m.log_term, m.snapshot_data, m.snapshot_voters, m.snapshot_learners};
    log_.clear();
    commit_ = m.index;
    applied_ = m.index;
    unstable_from_ = m.index + 1;
    stable_ = std::min(stable_, snap_.index);
    snapshot_pending_ = true;
    rebuild_membership();
    reply.index = m.index;
  }
  send(std::move(reply));
}

}  // namespace dfs::raft
