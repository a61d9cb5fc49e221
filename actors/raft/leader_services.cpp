// What a Raft leader offers beyond replication: linearizable reads by
// ReadIndex and leadership transfer.
#include <algorithm>
#include <limits>

#include "actors/raft/core.hpp"

namespace dfs::raft {

bool core::transfer_leadership(const peer_id& to) {
  if (role_ != role::leader || !is_voter(to))
    return false;
  if (to == cfg_.id)
    return true;  // already leading
  transferee_ = to;
  transfer_elapsed_ = 0;
  // No lease reads for the rest of this term: the transferee may still
  // campaign with forced votes (which override leases) after the transfer
  // is given up. ReadIndex rounds stay safe.
  lease_floor_ = std::numeric_limits<uint64_t>::max();
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

bool core::read_index(uint64_t request, const peer_id& asked_by, uint64_t asked_in) {
  // A leader that removed itself from the group (the entry is in its log)
  // no longer counts towards a quorum: it confirms nothing.
  if (role_ != role::leader || !is_voter(cfg_.id))
    return false;
  std::vector<peer_id> acks{cfg_.id};
  if (asked_in == term_ && asked_by != cfg_.id && is_voter(asked_by))
    acks.push_back(asked_by);
  register_read(request, std::move(acks));
  return true;
}

void core::register_read(uint64_t request, std::vector<peer_id> acks) {
  if (!is_voter(cfg_.id))
    return;  // dropped, as read_index() refuses it now
  if (!committed_in_term()) {
    // The commit index is not known to be current before the leader has
    // committed an entry of its own term (its no-op): wait for that.
    waiting_reads_.push_back({request, 0, 0, std::move(acks)});
    return;
  }
  auto voters = std::count_if(acks.begin(), acks.end(), [&](auto& p) { return is_voter(p); });
  if (static_cast<size_t>(voters) >= quorum() || leader_lease_holds()) {
    ready_reads_.push_back({request, commit_});
    return;
  }
  if (read_round_unsent_) {
    // The heartbeat round of an earlier read has not been handed out yet:
    // it goes after this read too, so its acknowledgements confirm both.
    pending_reads_.push_back({request, commit_, read_seq_, std::move(acks)});
    return;
  }
  pending_reads_.push_back({request, commit_, ++read_seq_, std::move(acks)});
  if (cfg_.lease_reads)
    round_sent_[read_seq_] = ticks_;
  broadcast_append(true);
  read_round_unsent_ = true;
}

bool core::leader_lease_holds() const {
  if (!cfg_.lease_reads || !cfg_.check_quorum || role_ != role::leader || !transferee_.empty() ||
      lease_round_ <= lease_floor_ || !is_voter(cfg_.id))
    return false;
  auto sent = round_sent_.find(lease_round_);
  auto length = std::max(1, cfg_.election_ticks - cfg_.lease_margin_ticks);
  return sent != round_sent_.end() && ticks_ < sent->second + static_cast<uint64_t>(length);
}

void core::confirm_reads(const peer_id& from, uint64_t seq) {
  if (cfg_.lease_reads && is_voter(from) && from != cfg_.id) {
    auto& acked = acked_round_[from];
    acked = std::max(acked, seq);
    // The newest round a quorum (this leader included) acknowledged.
    std::vector<uint64_t> rounds{read_seq_};
    for (auto& v : voters_)
      if (v != cfg_.id) {
        auto it = acked_round_.find(v);
        rounds.push_back(it == acked_round_.end() ? 0 : it->second);
      }
    std::sort(rounds.begin(), rounds.end(), std::greater<>());
    if (rounds.size() >= quorum())
      lease_round_ = std::max(lease_round_, rounds[quorum() - 1]);
    // Rounds older than the lease's are of no more use.
    round_sent_.erase(round_sent_.begin(), round_sent_.lower_bound(lease_round_));
  }
  // An echo of round `seq` confirms every read registered up to it.
  auto it = pending_reads_.begin();
  for (; it != pending_reads_.end() && it->seq <= seq; ++it)
    if (is_voter(from) && std::find(it->acks.begin(), it->acks.end(), from) == it->acks.end())
      it->acks.push_back(from);
  // Reads become safe in order.
  auto done = pending_reads_.begin();
  auto voter_acks = [&](const pending_read& r) {
    return static_cast<size_t>(
      std::count_if(r.acks.begin(), r.acks.end(), [&](const peer_id& p) { return is_voter(p); }));
  };
  while (done != pending_reads_.end() && voter_acks(*done) >= quorum()) {
    ready_reads_.push_back({done->request, done->index});
    ++done;
  }
  pending_reads_.erase(pending_reads_.begin(), done);
}

}  // namespace dfs::raft
