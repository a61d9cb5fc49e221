// The Raft consensus algorithm as a pure state machine: no CAF, no clock,
// no I/O, no threads. Time enters only through tick(), randomness through a
// seed. Inputs are ticks, peer messages and proposals; take_ready() returns
// everything the caller must do, in this order:
//   1. persist `hard_state` (when changed) and `entries` (an entry whose
//      index is already in the stable log replaces it and everything after),
//   2. only then send `messages`,
//   3. apply `committed` to the state machine, in order.
// Implements leader election with pre-vote and check-quorum, log
// replication with batching, pipelining and term-skipping back-off, and
// the Figure-8 rule (a leader commits only entries of its own term by
// counting, and appends a no-op when elected).
#pragma once

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace dfs::raft {

using peer_id = std::string;

enum class role { follower, pre_candidate, candidate, leader };

const char* to_string(role r);

enum class entry_type : uint8_t { normal = 0, config = 1 };

struct entry {
  uint64_t term = 0;
  uint64_t index = 0;
  std::string data;  // normal: a command (empty: a leader's no-op); config: a conf_change
  entry_type type = entry_type::normal;
};

// One membership change at a time (the dissertation's single-server
// changes): a new server joins as a learner (replicated to, not counted),
// is promoted to voter once caught up, and any member can be removed. A
// change takes effect on every node as soon as its entry is in the log.
struct conf_change {
  // bootstrap: the group a new cluster started with, recorded by its first
  // leader as the log's first entry, so that a server joining later learns
  // it from the log (it starts with no members of its own).
  enum class op : uint8_t { add_learner = 1, promote = 2, remove = 3, bootstrap = 4 };
  op kind = op::add_learner;
  peer_id id;
  std::vector<peer_id> voters;    // bootstrap only
  std::vector<peer_id> learners;  // bootstrap only
  std::string encode() const;
  static bool decode(const std::string& data, conf_change& out);
};

enum class msg_kind : uint8_t {
  pre_vote,
  pre_vote_reply,
  vote,
  vote_reply,
  append,
  append_reply,
  timeout_now,       // leadership transfer: campaign at once
  install_snapshot,  // the leader's snapshot, for a follower behind its log
};

const char* to_string(msg_kind k);

struct message {
  msg_kind kind = msg_kind::append;
  peer_id from;
  peer_id to;
  uint64_t term = 0;      // sender's term (pre_vote: the term it would stand in)
  uint64_t log_term = 0;  // (pre_)vote: last log term; append: term at `index`
  uint64_t index = 0;     // (pre_)vote: last log index; append: index before `entries`;
                          // append_reply: highest index now matching, or the rejected index
  uint64_t commit = 0;    // append: the leader's commit index
  std::vector<entry> entries;
  bool reject = false;
  uint64_t hint = 0;       // rejected append: the follower's best guess of a match
  uint64_t hint_term = 0;  // rejected append: the follower's term at `hint`
  uint64_t read_seq = 0;   // append: highest ReadIndex round it confirms; echoed in the reply
  bool force = false;      // vote: a leadership transfer, not to be refused for a lease
  // install_snapshot: `index` and `log_term` name the last covered entry.
  std::string snapshot_data;
  std::vector<peer_id> snapshot_voters;
  std::vector<peer_id> snapshot_learners;
};

// The state machine as of `index`, replacing the log up to there.
struct snapshot {
  uint64_t index = 0;  // 0: no snapshot
  uint64_t term = 0;
  std::string data;             // the state machine, serialized by the application
  std::vector<peer_id> voters;  // membership as of `index`
  std::vector<peer_id> learners;
};

struct hard_state {
  uint64_t term = 0;
  peer_id vote;  // empty: none this term
  uint64_t commit = 0;
  friend bool operator==(const hard_state& a, const hard_state& b) {
    return a.term == b.term && a.vote == b.vote && a.commit == b.commit;
  }
};

struct config {
  peer_id id;
  // The bootstrap members, the same on every server of a new group (empty
  // on a server joining an existing one); config entries change them.
  std::vector<peer_id> voters;
  std::vector<peer_id> learners;  // bootstrap learners (usually none)
  int election_ticks = 10;        // timeout drawn from [election_ticks, 2 * election_ticks)
  int heartbeat_ticks = 1;
  bool pre_vote = true;
  bool check_quorum = true;
  size_t max_entries_per_append = 64;
  size_t max_inflight_appends = 4;  // pipelined appends per follower
  // Leader-lease reads: a read is served at once, without a heartbeat
  // round of its own, while a quorum acknowledged a heartbeat sent less
  // than election_ticks - lease_margin_ticks ago. Correct only if clocks
  // run at nearly the same rate (the margin covers the difference), which
  // ReadIndex does not assume; hence off by default. Needs check_quorum
  // (followers then refuse votes within an election timeout of hearing
  // from the leader).
  bool lease_reads = false;
  int lease_margin_ticks = 2;
  // The application may send a leader's appends before its own write of
  // the entries is durable (in parallel with its fsync) and reports with
  // stable_to() how far its log is on disk; the leader then counts itself
  // towards a quorum only up to there. Off: entries count as durable as
  // soon as take_ready() hands them out.
  bool leader_waits_for_stable = false;
};

// A linearizable read that became safe: serve it once the state machine
// has applied `index`.
struct read_state {
  uint64_t request = 0;  // the caller's id for the read
  uint64_t index = 0;
};

struct ready {
  // A snapshot from the leader: before anything else, restore the state
  // machine from it and persist it in place of the whole stored log.
  bool has_snapshot = false;
  raft::snapshot snapshot;
  bool hard_state_changed = false;
  raft::hard_state hard_state;
  std::vector<entry> entries;     // to persist (see the header comment)
  std::vector<message> messages;  // to send after persisting
  std::vector<entry> committed;   // to apply, in order
  std::vector<read_state> reads;  // reads now safe to serve (after applying `index`)
  bool empty() const {
    return !has_snapshot && !hard_state_changed && entries.empty() && messages.empty() &&
           committed.empty() && reads.empty();
  }
};

// Thrown for a proposal to a node that is not the leader.
struct not_leader {
  peer_id leader;  // empty when unknown
};

class core {
public:
  // Restarts from persisted state: `log` holds entries 1..n in order;
  // entries up to `applied` are already in the state machine (so committed).
  core(config cfg, hard_state hs, std::vector<entry> log, uint64_t applied, uint64_t seed);
  // Restarts from a snapshot and the entries after it.
  core(config cfg, hard_state hs, snapshot snap, std::vector<entry> log, uint64_t applied,
       uint64_t seed);

  // Log compaction: the application has saved the state machine as of
  // `index` (at most the last index handed out in `committed`) as `data`;
  // entries up to there are dropped and the snapshot is kept to send to
  // followers that fall behind it. Returns false for an index it cannot use.
  bool compact(uint64_t index, std::string data);
  const raft::snapshot& latest_snapshot() const { return snap_; }
  // On the leader: the highest index that every other member's log is
  // known to hold (what compaction may drop without making one of them
  // need a snapshot). Elsewhere: the last index.
  uint64_t replicated_to_all() const;

  void tick();
  void step(const message& m);

  // Appends a command to the log. Returns its index, or 0 when this node
  // is not the leader (leader() names the one it knows, if any).
  uint64_t propose(std::string data);

  // ReadIndex: asks to serve read `request` linearizably without a log
  // write. The leader records its commit index and confirms with a quorum
  // heartbeat that it still leads; the read then appears in ready::reads.
  // Returns false when this node is not the leader (reads dropped on a
  // step-down never appear; the caller's deadline covers them).
  //
  // A read a member asked for on behalf of its clients names that member
  // (`asked_by`) and the term it was in when it asked (`asked_in`), after
  // the reads reached it. A voter asking in this term counts as one
  // acknowledgement of the round: like an echo of a heartbeat, it shows
  // that the voter had not moved to a later term (so had helped elect no
  // later leader) at a moment after the reads began. In a group of three
  // that and the leader are a quorum, and no round is needed.
  bool read_index(uint64_t request, const peer_id& asked_by = {}, uint64_t asked_in = 0);

  // Proposes a membership change. Returns its index, or 0 when refused: not
  // the leader, a transfer or another change still pending, nothing
  // committed in this term yet, or a change that makes no sense (adding a
  // member, promoting a non-learner, removing the last voter).
  uint64_t propose_conf_change(const conf_change& change);
  const std::vector<peer_id>& voters() const { return voters_; }
  const std::vector<peer_id>& learners() const { return learners_; }
  // Snapshots sent in pieces outside the core: on the leader, `member`
  // answered a piece (it is alive, for check-quorum); on a follower, a
  // piece came from `leader` in `term` (its election timer starts over).
  void heard_from(const peer_id& member);
  void leader_contact(const peer_id& leader, uint64_t term);
  // On the leader: how far `member`'s log is known to match (0: unknown).
  uint64_t match_of(const peer_id& member) const;
  // The newest membership entry in the log; a change is pending while it
  // is above the commit index.
  uint64_t last_conf_index() const { return last_conf_index_; }

  // Leadership transfer: the leader brings `to` up to date, then tells it to
  // campaign at once. Proposals are refused while the transfer runs; it is
  // abandoned after an election timeout. Returns false if this node is not
  // the leader or `to` is not a voter.
  bool transfer_leadership(const peer_id& to);
  const peer_id& transferee() const { return transferee_; }

  ready take_ready();

  // With config::leader_waits_for_stable: the log is durable up to `index`.
  void stable_to(uint64_t index);

  role current_role() const { return role_; }
  uint64_t term() const { return term_; }
  const peer_id& id() const { return cfg_.id; }
  const peer_id& leader() const { return leader_; }
  uint64_t commit_index() const { return commit_; }
  // Whether an entry of the current term is committed (a new leader's
  // commit index is known to be current only from then on).
  bool committed_in_term() const { return term_at(commit_) == term_; }
  uint64_t last_index() const { return snap_.index + log_.size(); }
  uint64_t first_index() const { return snap_.index + 1; }
  uint64_t term_at(uint64_t index) const;
  const std::vector<entry>& log() const { return log_; }  // entries after the snapshot

  // The structural invariants of one node; empty string when they hold.
  std::string check_invariants() const;

private:
  struct progress {
    uint64_t match = 0;
    uint64_t next = 1;
    bool probing = true;              // one append at a time until a match is known
    bool paused = false;              // probing and waiting for an answer
    std::vector<uint64_t> inflight;   // last index of each pipelined append
    bool recent_active = false;       // heard from since the last quorum check
    uint64_t match_at_heartbeat = 0;  // `match` when the last heartbeat went out
  };

  void become_follower(uint64_t term, const peer_id& leader);
  void become_pre_candidate();
  void become_candidate();
  void become_leader();
  void campaign(bool pre, bool force = false);
  void send_timeout_now(const peer_id& to);
  void reset(uint64_t term);
  void reset_election_timeout();

  void handle_vote_request(const message& m);
  void handle_vote_reply(const message& m);
  void handle_append(const message& m);
  void handle_append_reply(const message& m);
  void handle_snapshot(const message& m);
  const entry& at(uint64_t index) const { return log_[index - snap_.index - 1]; }

  void send(message m);
  void send_append(const peer_id& to, bool heartbeat);
  void broadcast_append(bool heartbeat);
  bool maybe_commit();
  void append_entries(uint64_t after, const std::vector<entry>& entries);
  bool log_up_to_date(uint64_t last_term, uint64_t last_index) const;
  size_t quorum() const { return voters_.size() / 2 + 1; }
  bool is_voter(const peer_id& p) const;
  bool is_member(const peer_id& p) const;
  // Recomputes voters and learners from the bootstrap config and the log's
  // config entries, and the leader's progress table from them.
  void rebuild_membership();
  // Membership after the snapshot and the log entries up to `upto`;
  // returns the index of the last config entry applied (0: none).
  uint64_t membership_at(uint64_t upto, std::vector<peer_id>& voters,
                         std::vector<peer_id>& learners) const;
  bool in_lease() const;
  bool leader_lease_holds() const;  // lease reads: no other leader can exist now
  uint64_t self_match() const;      // how far this node's log counts towards a quorum

  config cfg_;
  std::mt19937_64 rng_;
  role role_ = role::follower;
  uint64_t term_ = 0;
  peer_id vote_;
  peer_id leader_;
  raft::snapshot snap_;            // the latest snapshot (index 0: none)
  std::vector<entry> log_;         // entries snap_.index + 1 ... last_index()
  bool snapshot_pending_ = false;  // installed from the leader, not yet in a ready
  uint64_t commit_ = 0;
  uint64_t applied_ = 0;    // handed out in `committed` so far
  uint64_t stable_ = 0;     // durable up to here (see stable_to)
  uint64_t unstable_from_;  // lowest index changed since the last take_ready
  std::map<peer_id, bool> votes_;
  std::map<peer_id, progress> progress_;
  int election_elapsed_ = 0;
  int heartbeat_elapsed_ = 0;
  int election_timeout_ = 0;  // randomized
  hard_state last_hard_state_;
  std::vector<message> outbox_;
  bool append_pending_ = false;  // proposals not yet sent to the followers

  struct pending_read {
    uint64_t request;
    uint64_t index;
    uint64_t seq;
    std::vector<peer_id> acks;
  };
  void confirm_reads(const peer_id& from, uint64_t seq);
  // Registers read `request`, acknowledged so far by `acks`.
  void register_read(uint64_t request, std::vector<peer_id> acks);
  std::vector<pending_read> pending_reads_;  // waiting for a quorum heartbeat
  std::vector<pending_read> waiting_reads_;  // waiting for this term's first commit
  uint64_t read_seq_ = 0;
  bool read_round_unsent_ = false;  // the newest read round's heartbeats are still in outbox_
  // Leader leases: the tick each heartbeat round went out, the newest round
  // each voter acknowledged, and the newest round a quorum acknowledged
  // (0: none in this term). Rounds at or below lease_floor_ do not count
  // (after a leadership transfer began: none for the rest of the term).
  uint64_t ticks_ = 0;
  std::map<uint64_t, uint64_t> round_sent_;
  std::map<peer_id, uint64_t> acked_round_;
  uint64_t lease_round_ = 0;
  uint64_t lease_floor_ = 0;
  std::vector<peer_id> voters_;  // current membership (from the log)
  std::vector<peer_id> learners_;
  uint64_t last_conf_index_ = 0;  // index of the newest config entry in the log
  peer_id transferee_;            // leadership transfer in progress to this peer
  int transfer_elapsed_ = 0;      // ticks since it began
  std::vector<read_state> ready_reads_;
};

}  // namespace dfs::raft
