#include "actors/raft/core.hpp"

#include <algorithm>

namespace dfs::raft {

const char* to_string(role r) {
  switch (r) {
    case role::follower:
      return "follower";
    case role::pre_candidate:
      return "pre_candidate";
    case role::candidate:
      return "candidate";
    case role::leader:
      return "leader";
  }
  return "?";
}

const char* to_string(msg_kind k) {
  switch (k) {
    case msg_kind::pre_vote:
      return "pre_vote";
    case msg_kind::pre_vote_reply:
      return "pre_vote_reply";
    case msg_kind::vote:
      return "vote";
    case msg_kind::vote_reply:
      return "vote_reply";
    case msg_kind::append:
      return "append";
    case msg_kind::append_reply:
      return "append_reply";
    case msg_kind::timeout_now:
      return "timeout_now";
    case msg_kind::install_snapshot:
      return "install_snapshot";
  }
  return "?";
}

core::core(config cfg, hard_state hs, std::vector<entry> log, uint64_t applied, uint64_t seed)
  : core(std::move(cfg), std::move(hs), snapshot{}, std::move(log), applied, seed) {}

core::core(config cfg, hard_state hs, snapshot snap, std::vector<entry> log, uint64_t applied,
           uint64_t seed)
  : cfg_(std::move(cfg)),
    rng_(seed),
    term_(hs.term),
    vote_(hs.vote),
    snap_(std::move(snap)),
    log_(std::move(log)),
    last_hard_state_(hs) {
  // What the state machine applied was committed, whatever the stored
  // commit index (written only with a new term or vote) says.
  commit_ = std::clamp(std::max(hs.commit, applied), snap_.index, last_index());
  applied_ = std::clamp(applied, snap_.index, commit_);
  unstable_from_ = last_index() + 1;
  stable_ = last_index();  // restarted from what is on disk
  reset_election_timeout();
  rebuild_membership();
}

uint64_t core::term_at(uint64_t index) const {
  if (index == snap_.index)
    return snap_.term;
  if (index < snap_.index || index > last_index())
    return 0;  // compacted away, or beyond the log
  return at(index).term;
}

void core::reset_election_timeout() {
  election_timeout_ =
    cfg_.election_ticks + static_cast<int>(rng_() % static_cast<uint64_t>(cfg_.election_ticks));
}

void core::reset(uint64_t term) {
  if (term_ != term) {
    term_ = term;
    vote_.clear();
  }
  leader_.clear();
  election_elapsed_ = 0;
  heartbeat_elapsed_ = 0;
  reset_election_timeout();
  votes_.clear();
  progress_.clear();
  pending_reads_.clear();
  waiting_reads_.clear();
  read_round_unsent_ = false;
  transferee_.clear();
  transfer_elapsed_ = 0;
  round_sent_.clear();
  acked_round_.clear();
  lease_round_ = 0;
  lease_floor_ = 0;
}

void core::become_follower(uint64_t term, const peer_id& leader) {
  reset(term);
  role_ = role::follower;
  leader_ = leader;
}

void core::become_pre_candidate() {
  // No term change and no vote: a pre-candidate only asks whether it could win.
  votes_.clear();
  leader_.clear();
  role_ = role::pre_candidate;
}

void core::become_candidate() {
  reset(term_ + 1);
  vote_ = cfg_.id;
  role_ = role::candidate;
}

void core::become_leader() {
  reset(term_);
  role_ = role::leader;
  leader_ = cfg_.id;
  for (auto* group : {&voters_, &learners_})
    for (auto& peer : *group) {
      auto& pr = progress_[peer];
      pr.next = last_index() + 1;
      pr.match = peer == cfg_.id ? last_index() : 0;
      pr.recent_active = peer == cfg_.id;
    }
  progress_[cfg_.id].match = last_index();
  // A no-op of the new term: only entries of its own term commit by
  // counting (Figure 8), and this one carries the earlier ones along. The
  // first leader of a new group records the bootstrap members instead.
  entry first{term_, last_index() + 1, {}};
  if (last_index() == 0) {
    conf_change boot;
    boot.kind = conf_change::op::bootstrap;
    boot.voters = cfg_.voters;
    boot.learners = cfg_.learners;
    first.data = boot.encode();
    first.type = entry_type::config;
  }
  append_entries(last_index(), {std::move(first)});
  progress_[cfg_.id].match = last_index();
  if (!maybe_commit())
    broadcast_append(false);
}

void core::campaign(bool pre, bool force) {
  if (pre)
    become_pre_candidate();
  else
    become_candidate();
  auto kind = pre ? msg_kind::pre_vote : msg_kind::vote;
  auto campaign_term = pre ? term_ + 1 : term_;
  votes_[cfg_.id] = true;
  if (votes_.size() >= quorum()) {  // a single-node group
    if (pre)
      campaign(false);
    else
      become_leader();
    return;
  }
  for (auto& peer : voters_)
    if (peer != cfg_.id) {
      message m;
      m.kind = kind;
      m.to = peer;
      m.term = campaign_term;
      m.log_term = term_at(last_index());
      m.index = last_index();
      m.force = force;
      send(std::move(m));
    }
}

bool core::in_lease() const {
  // Under check-quorum a follower that heard from a live leader within the
  // minimum election timeout ignores vote requests: a node coming back from
  // a partition cannot depose a healthy leader.
  // With lease reads, a node that just started refuses votes for an
  // election timeout too: it may have acknowledged a leader's round before
  // it restarted, and that leader's lease may still run.
  return cfg_.check_quorum &&
         ((!leader_.empty() && election_elapsed_ < cfg_.election_ticks) ||
          (cfg_.lease_reads && ticks_ < static_cast<uint64_t>(cfg_.election_ticks)));
}

void core::tick() {
  ++ticks_;
  if (role_ != role::leader) {
    if (++election_elapsed_ >= election_timeout_) {
      election_elapsed_ = 0;
      if (is_voter(cfg_.id))  // learners and removed nodes never campaign
        campaign(cfg_.pre_vote);
    }
    return;
  }
  if (!transferee_.empty() && ++transfer_elapsed_ >= cfg_.election_ticks) {
    transferee_.clear();  // the transferee did not take over in time: keep leading
    transfer_elapsed_ = 0;
  }
  if (++election_elapsed_ >= cfg_.election_ticks) {
    election_elapsed_ = 0;
    if (cfg_.check_quorum) {
      size_t active = 0;
      for (auto& [peer, pr] : progress_) {
        if (is_voter(peer) && (pr.recent_active || peer == cfg_.id))
          ++active;
        pr.recent_active = false;
      }
      if (active < quorum()) {
        become_follower(term_, {});
        return;
      }
    }
  }
  if (++heartbeat_elapsed_ >= cfg_.heartbeat_ticks) {
    heartbeat_elapsed_ = 0;
    if (cfg_.lease_reads && !read_round_unsent_ && quorum() > 1) {
      // Every heartbeat is a round whose acknowledgements extend the lease.
      round_sent_[++read_seq_] = ticks_;
      read_round_unsent_ = true;
    }
    broadcast_append(true);
  }
}

void core::step(const message& m) {
  if (m.term > term_) {
    bool vote_request = m.kind == msg_kind::pre_vote || m.kind == msg_kind::vote;
    if (vote_request && in_lease() && !m.force)
      return;
    bool keep_term =
      m.kind == msg_kind::pre_vote || (m.kind == msg_kind::pre_vote_reply && !m.reject);
    bool from_leader = m.kind == msg_kind::append || m.kind == msg_kind::install_snapshot;
    if (!keep_term)
      become_follower(m.term, from_leader ? m.from : peer_id{});
  } else if (m.term < term_) {
    if (m.kind == msg_kind::append || m.kind == msg_kind::install_snapshot) {
      // A stale leader: tell it the current term so it steps down.
      message reply;
      reply.kind = msg_kind::append_reply;
      reply.to = m.from;
      reply.reject = true;
      reply.index = m.index;
      reply.hint = last_index();
      reply.hint_term = term_at(last_index());
      send(std::move(reply));
    } else if (m.kind == msg_kind::pre_vote) {
      message reply;
      reply.kind = msg_kind::pre_vote_reply;
      reply.to = m.from;
      reply.reject = true;
      send(std::move(reply));
    }
    return;
  }
  switch (m.kind) {
    case msg_kind::pre_vote:
    case msg_kind::vote:
      handle_vote_request(m);
      break;
    case msg_kind::pre_vote_reply:
    case msg_kind::vote_reply:
      handle_vote_reply(m);
      break;
    case msg_kind::append:
      if (role_ != role::leader) {
        if (role_ != role::follower || leader_ != m.from)
          become_follower(term_, m.from);
        election_elapsed_ = 0;
        handle_append(m);
      }
      break;
    case msg_kind::append_reply:
      if (role_ == role::leader)
        handle_append_reply(m);
      break;
    case msg_kind::install_snapshot:
      if (role_ != role::leader) {
        if (role_ != role::follower || leader_ != m.from)
          become_follower(term_, m.from);
        election_elapsed_ = 0;
        handle_snapshot(m);
      }
      break;
    case msg_kind::timeout_now:
      // Only the current leader may hand over; skip pre-vote (the leader
      // agreed) and override the others' leases.
      if (role_ == role::follower && m.from == leader_)
        campaign(false, true);
      break;
  }
}

bool core::log_up_to_date(uint64_t last_term, uint64_t last_index_) const {
  auto my_term = term_at(last_index());
  return last_term > my_term || (last_term == my_term && last_index_ >= last_index());
}

void core::handle_vote_request(const message& m) {
  bool pre = m.kind == msg_kind::pre_vote;
  bool can_vote = vote_ == m.from || (vote_.empty() && leader_.empty()) || (pre && m.term > term_);
  message reply;
  reply.kind = pre ? msg_kind::pre_vote_reply : msg_kind::vote_reply;
  reply.to = m.from;
  if (can_vote && log_up_to_date(m.log_term, m.index)) {
    // A pre-vote reply carries the term it was asked about, so the
    // pre-candidate does not take it for a newer term.
    reply.term = m.term;
    if (!pre) {
      vote_ = m.from;
      election_elapsed_ = 0;
    }
  } else {
    reply.reject = true;
  }
  send(std::move(reply));
}

void core::handle_vote_reply(const message& m) {
  bool pre = m.kind == msg_kind::pre_vote_reply;
  if ((pre && role_ != role::pre_candidate) || (!pre && role_ != role::candidate))
    return;
  if (!is_voter(m.from))
    return;  // only voters' votes count
  votes_.emplace(m.from, !m.reject);
  size_t granted = 0, rejected = 0;
  for (auto& [peer, yes] : votes_)
    (yes ? granted : rejected)++;
  if (granted >= quorum()) {
    if (pre)
      campaign(false);
    else
      become_leader();
  } else if (rejected >= quorum()) {
    become_follower(term_, {});
  }
}

void core::append_entries(uint64_t after, const std::vector<entry>& entries) {
  if (entries.empty())
    return;
  auto is_config = [](const entry& e) { return e.type == entry_type::config; };
  bool membership_changes =
    last_conf_index_ > after || std::any_of(entries.begin(), entries.end(), is_config);
  if (after < last_index())
    log_.resize(after - snap_.index);
  log_.insert(log_.end(), entries.begin(), entries.end());
  stable_ = std::min(stable_, after);  // what follows is not on disk yet
  unstable_from_ = std::min(unstable_from_, after + 1);
  if (membership_changes)
    rebuild_membership();
}

void core::handle_append(const message& m) {
  message reply;
  reply.kind = msg_kind::append_reply;
  reply.to = m.from;
  reply.read_seq = m.read_seq;
  if (m.index < commit_) {
    reply.index = commit_;  // already committed here: nothing to check
    send(std::move(reply));
    return;
  }
  if (term_at(m.index) != m.log_term || m.index > last_index()) {
    // Reject, with a hint that lets the leader skip a whole term at once.
    reply.reject = true;
    reply.index = m.index;
    auto hint = std::min(m.index, last_index());
    while (hint > commit_ && term_at(hint) > m.log_term)
      --hint;
    reply.hint = hint;
    reply.hint_term = term_at(hint);
    send(std::move(reply));
    return;
  }
  // Append what is new; truncate only at a real conflict (a stale,
  // reordered append must not cut entries a newer one delivered).
  uint64_t last_new = m.index + m.entries.size();
  for (size_t i = 0; i < m.entries.size(); ++i) {
    auto& e = m.entries[i];
    if (term_at(e.index) != e.term) {
      append_entries(e.index - 1,
                     std::vector<entry>(m.entries.begin() + static_cast<long>(i), m.entries.end()));
      break;
    }
  }
  commit_ = std::max(commit_, std::min(m.commit, last_new));
  reply.index = last_new;
  send(std::move(reply));
}

void core::handle_append_reply(const message& m) {
  auto it = progress_.find(m.from);
  if (it == progress_.end())
    return;
  auto& pr = it->second;
  pr.recent_active = true;
  if (m.read_seq > 0)
    confirm_reads(m.from, m.read_seq);
  if (m.reject) {
    if (m.index <= pr.match)
      return;  // stale: that index is known to match
    // Largest index at or below the hint whose term is not above the hint's term.
    auto probe = std::min(m.hint, last_index());
    while (probe > 0 && term_at(probe) > m.hint_term)
      --probe;
    pr.next = std::max(pr.match + 1, std::min(probe + 1, m.index));
    pr.probing = true;
    pr.paused = false;
    pr.inflight.clear();
    send_append(m.from, false);
    return;
  }
  bool advanced = m.index > pr.match;
  if (advanced) {
    pr.match = m.index;
    pr.next = std::max(pr.next, pr.match + 1);
  }
  pr.inflight.erase(std::remove_if(pr.inflight.begin(), pr.inflight.end(),
                                   [&](uint64_t last) { return last <= m.index; }),
                    pr.inflight.end());
  if (pr.probing) {
    pr.probing = false;  // a match is known: pipeline from here
    pr.next = pr.match + 1;
    pr.inflight.clear();
  }
  pr.paused = false;
  if (m.from == transferee_ && pr.match == last_index())
    send_timeout_now(m.from);
  if (advanced && maybe_commit())
    return;  // maybe_commit broadcast already
  while (pr.next <= last_index() && pr.inflight.size() < cfg_.max_inflight_appends) {
    auto before = pr.next;
    send_append(m.from, false);
    if (pr.next == before)
      break;
  }
}

void core::send_append(const peer_id& to, bool heartbeat) {
  auto& pr = progress_[to];
  if (pr.probing && pr.paused && !heartbeat)
    return;
  if (pr.next <= snap_.index) {
    // What it lacks is compacted away: send the snapshot instead.
    message m;
    m.kind = msg_kind::install_snapshot;
    m.to = to;
    m.index = snap_.index;
    m.log_term = snap_.term;
    m.snapshot_data = snap_.data;
    m.snapshot_voters = snap_.voters;
    m.snapshot_learners = snap_.learners;
    pr.probing = true;
    pr.paused = true;
    pr.inflight.clear();
    send(std::move(m));
    return;
  }
  message m;
  m.kind = msg_kind::append;
  m.to = to;
  m.index = pr.next - 1;
  m.log_term = term_at(m.index);
  m.commit = commit_;
  m.read_seq = read_seq_;
  bool send_entries = !pr.probing || !pr.paused;
  if (send_entries && pr.inflight.size() < cfg_.max_inflight_appends) {
    auto end = std::min<uint64_t>(last_index(), m.index + cfg_.max_entries_per_append);
    for (auto i = pr.next; i <= end; ++i)
      m.entries.push_back(at(i));
  }
  // Never tell a follower to commit past what it is known to hold.
  m.commit = std::min(commit_, std::max(pr.match, m.index + m.entries.size()));
  if (!m.entries.empty()) {
    if (pr.probing) {
      pr.paused = true;
    } else {
      pr.next = m.entries.back().index + 1;
      pr.inflight.push_back(m.entries.back().index);
    }
  } else if (pr.probing) {
    pr.paused = true;
  }
  send(std::move(m));
}

void core::broadcast_append(bool heartbeat) {
  for (auto& [peer, unused] : progress_)
    if (peer != cfg_.id) {
      if (heartbeat) {
        // A heartbeat also retransmits pipelined appends, but only when the
        // follower made no progress for a whole heartbeat: they were lost.
        auto& pr = progress_[peer];
        if (!pr.probing && !pr.inflight.empty() && pr.match == pr.match_at_heartbeat) {
          pr.next = pr.match + 1;
          pr.inflight.clear();
        }
        pr.match_at_heartbeat = pr.match;
        pr.paused = false;
      }
      send_append(peer, heartbeat);
    }
}

bool core::maybe_commit() {
  std::vector<uint64_t> matches;
  for (auto& [peer, pr] : progress_)
    if (is_voter(peer))
      matches.push_back(peer == cfg_.id ? self_match() : pr.match);
  if (matches.size() < quorum())
    return false;
  std::sort(matches.begin(), matches.end(), std::greater<>());
  auto candidate = matches[quorum() - 1];
  if (candidate > commit_ && term_at(candidate) == term_) {
    commit_ = candidate;
    auto waiting = std::move(waiting_reads_);
    waiting_reads_.clear();
    for (auto& r : waiting)
      register_read(r.request, std::move(r.acks));
    broadcast_append(false);
    // A leader removed from the group leads until that change commits.
    if (!is_voter(cfg_.id) && commit_ >= last_conf_index_)
      become_follower(term_, {});
    return true;
  }
  return false;
}

uint64_t core::propose(std::string data) {
  if (role_ != role::leader || !transferee_.empty())
    return 0;
  auto index = last_index() + 1;
  append_entries(last_index(), {entry{term_, index, std::move(data)}});
  progress_[cfg_.id].match = index;
  // The appends go out at take_ready(): proposals made in between travel
  // together, one message per follower instead of one per proposal.
  if (!maybe_commit())
    append_pending_ = true;
  return index;
}

void core::send(message m) {
  m.from = cfg_.id;
  if (m.term == 0 && m.kind != msg_kind::pre_vote_reply)
    m.term = term_;
  if (m.kind == msg_kind::pre_vote_reply && m.reject)
    m.term = term_;
  outbox_.push_back(std::move(m));
}

void core::stable_to(uint64_t index) {
  stable_ = std::min(index, last_index());
  if (role_ == role::leader)
    maybe_commit();
}

uint64_t core::self_match() const {
  return cfg_.leader_waits_for_stable ? std::min(stable_, last_index()) : last_index();
}

ready core::take_ready() {
  // New proposals go to every follower with room for them: not one whose
  // window of pipelined appends is full, nor one waiting for a probe's or
  // a snapshot's answer (the answer sends them).
  if (append_pending_ && role_ == role::leader)
    for (auto& [peer, pr] : progress_)
      if (peer != cfg_.id && pr.next <= last_index() && !pr.paused &&
          pr.inflight.size() < cfg_.max_inflight_appends)
        send_append(peer, false);
  append_pending_ = false;
  ready out;
  if (snapshot_pending_) {
    out.has_snapshot = true;
    out.snapshot = snap_;
    snapshot_pending_ = false;
  }
  hard_state hs{term_, vote_, commit_};
  if (!(hs == last_hard_state_)) {
    out.hard_state_changed = true;
    out.hard_state = hs;
    last_hard_state_ = hs;
  }
  if (unstable_from_ <= last_index())
    out.entries.assign(log_.begin() + static_cast<long>(unstable_from_ - first_index()),
                       log_.end());
  unstable_from_ = last_index() + 1;
  out.messages = std::move(outbox_);
  outbox_.clear();
  read_round_unsent_ = false;
  for (auto i = applied_ + 1; i <= commit_; ++i)
    out.committed.push_back(at(i));
  applied_ = commit_;
  out.reads = std::move(ready_reads_);
  ready_reads_.clear();
  return out;
}

std::string core::check_invariants() const {
  for (size_t i = 0; i < log_.size(); ++i) {
    if (log_[i].index != snap_.index + i + 1)
      return "log entry at position " + std::to_string(i) + " has index " +
             std::to_string(log_[i].index);
    auto before = i > 0 ? log_[i - 1].term : snap_.term;
    if (log_[i].term < before)
      return "log terms decrease at index " + std::to_string(log_[i].index);
    if (log_[i].term > term_)
      return "log entry " + std::to_string(log_[i].index) + " is from a future term";
  }
  if (commit_ < snap_.index)
    return "commit index below the snapshot";
  if (commit_ > last_index())
    return "commit index beyond the log";
  if (applied_ > commit_)
    return "applied beyond commit";
  if (role_ == role::leader && leader_ != cfg_.id)
    return "a leader that does not know itself as leader";
  if (role_ == role::candidate && vote_ != cfg_.id)
    return "a candidate that did not vote for itself";
  return {};
}

}  // namespace dfs::raft
