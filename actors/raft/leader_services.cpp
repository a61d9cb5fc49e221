// What a Raft leader offers beyond replication: linearizable reads by
// ReadIndex and leadership transfer.
#include <algorithm>

#include "actors/raft/core.hpp"

namespace dfs::raft {

bool core::transfer_leadership(const peer_id& to) {
  if (role_ != role::leader || !is_voter(to))
    return false;
  if (to == cfg_.id)
    return true;  // already leading
  transferee_ = to;
  transfer_elapsed_ = 0;
  if (progress_[to].match == last_index())
    send_timeout_now(to);
  else
    send_append(to, true);
  return true;
}

void core::send_timeout_now(const peer_id& to) {
  message m;
  m.kind = msg_kind::timeout_now;
  m.to = to;
  send(std::move(m));
}

bool core::read_index(uint64_t request) {
  if (role_ != role::leader)
    return false;
  if (!committed_in_term()) {
    // The commit index is not known to be current before the leader has
    // committed an entry of its own term (its no-op): wait for that.
    waiting_reads_.push_back({request, 0, 0, {}});
    return true;
  }
  if (quorum() == 1) {
    ready_reads_.push_back({request, commit_});
    return true;
  }
  if (read_round_unsent_) {
    // The heartbeat round of an earlier read has not been handed out yet:
    // it goes after this read too, so its acknowledgements confirm both.
    pending_reads_.push_back({request, commit_, read_seq_, {cfg_.id}});
    return true;
  }
  pending_reads_.push_back({request, commit_, ++read_seq_, {cfg_.id}});
  broadcast_append(true);
  read_round_unsent_ = true;
  return true;
}

void core::confirm_reads(const peer_id& from, uint64_t seq) {
  // An echo of round `seq` confirms every read registered up to it.
  auto it = pending_reads_.begin();
  for (; it != pending_reads_.end() && it->seq <= seq; ++it)
    if (is_voter(from) && std::find(it->acks.begin(), it->acks.end(), from) == it->acks.end())
      it->acks.push_back(from);
  // Reads become safe in order.
  auto done = pending_reads_.begin();
  while (done != pending_reads_.end() && done->acks.size() >= quorum()) {
    ready_reads_.push_back({done->request, done->index});
    ++done;
  }
  pending_reads_.erase(pending_reads_.begin(), done);
}

}  // namespace dfs::raft
