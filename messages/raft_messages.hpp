// Wire types of Raft between meta nodes, and the participant's status.
// They mirror dfs::raft::message and entry (actors/raft/core.hpp), which
// stay free of CAF; actors/raft/wire.hpp converts between the two.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

namespace dfs {

struct raft_entry_msg {
  uint64_t term = 0;
  uint64_t index = 0;
  std::string data;
  uint8_t type = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, raft_entry_msg& x) {
  return f(caf::meta::type_name("raft_entry_msg"), x.term, x.index, x.data, x.type);
}

struct raft_msg {
  uint8_t kind = 0;
  std::string from;
  std::string to;
  uint64_t term = 0;
  uint64_t log_term = 0;
  uint64_t index = 0;
  uint64_t commit = 0;
  std::vector<raft_entry_msg> entries;
  bool reject = false;
  uint64_t hint = 0;
  uint64_t hint_term = 0;
  uint64_t read_seq = 0;
  bool force = false;
  std::string snapshot_data;
  std::vector<std::string> snapshot_voters;
  std::vector<std::string> snapshot_learners;
  // install_snapshot in pieces: `snapshot_data` is the part at this offset
  // of the whole, `snapshot_size` bytes long (0: not in pieces).
  uint64_t snapshot_offset = 0;
  uint64_t snapshot_size = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, raft_msg& x) {
  return f(caf::meta::type_name("raft_msg"), x.kind, x.from, x.to, x.term, x.log_term, x.index,
           x.commit, x.entries, x.reject, x.hint, x.hint_term, x.read_seq, x.force, x.snapshot_data,
           x.snapshot_voters, x.snapshot_learners, x.snapshot_offset, x.snapshot_size);
}

// What `dfsctl raft status` shows of one participant.
struct raft_status {
  std::string id;
  std::string role;
  std::string leader;  // empty: unknown
  uint64_t term = 0;
  uint64_t commit_index = 0;
  uint64_t applied_index = 0;
  uint64_t last_index = 0;
  uint64_t snapshot_index = 0;  // the log before this index is compacted into a snapshot
  std::vector<std::string> voters;
  std::vector<std::string> learners;
  int64_t last_contact_ms = -1;  // since the last message from the leader; 0 on the leader
  // Reads this member served as leader with no round of its own, since it
  // started (one-round reads: stat with lead_atom).
  uint64_t one_round_reads = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, raft_status& x) {
  return f(caf::meta::type_name("raft_status"), x.id, x.role, x.leader, x.term, x.commit_index,
           x.applied_index, x.last_index, x.snapshot_index, x.voters, x.learners, x.last_contact_ms,
           x.one_round_reads);
}

// A read in one round trip: the client sends it to the leader, which
// serves it at its commit index (taken after the read began, once it has
// committed an entry of its own term) and names its term and voters; at
// the same moment the client asks other members for their status. The
// answer is linearizable when the leader and enough of those members to
// make a quorum of the leader's voters were in that term, following that
// leader, at moments after the read began: every write that completed
// before the read began was committed in that term or an earlier one (a
// later term needs a quorum, which would include one of them), so the
// leader's commit index holds it, and the answer is the state at some
// moment within the read. Standard ReadIndex has the leader gather the
// same confirmations with a heartbeat round, which costs a second round
// trip. `others`: the status answers received (any order; the leader's own
// or a non-voter's is ignored).
bool confirms_leader_read(const std::string& leader, uint64_t term,
                          const std::vector<std::string>& voters,
                          const std::vector<raft_status>& others);

}  // namespace dfs
