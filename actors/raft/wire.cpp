#include "actors/raft/wire.hpp"

namespace dfs::raft {

raft_msg to_wire(const message& m) {
  raft_msg w;
  w.kind = static_cast<uint8_t>(m.kind);
  w.from = m.from;
  w.to = m.to;
  w.term = m.term;
  w.log_term = m.log_term;
  w.index = m.index;
  w.commit = m.commit;
  for (auto& e : m.entries)
    w.entries.push_back(raft_entry_msg{e.term, e.index, e.data, static_cast<uint8_t>(e.type)});
  w.reject = m.reject;
  w.hint = m.hint;
  w.hint_term = m.hint_term;
  w.read_seq = m.read_seq;
  w.force = m.force;
  w.snapshot_data = m.snapshot_data;
  w.snapshot_voters = m.snapshot_voters;
  w.snapshot_learners = m.snapshot_learners;
  return w;
}

bool from_wire(const raft_msg& w, message& m) {
  if (w.kind > static_cast<uint8_t>(msg_kind::install_snapshot))
    return false;
  m.kind = static_cast<msg_kind>(w.kind);
  m.from = w.from;
  m.to = w.to;
  m.term = w.term;
  m.log_term = w.log_term;
  m.index = w.index;
  m.commit = w.commit;
  m.entries.clear();
  uint64_t expected = w.index + 1;
  for (auto& e : w.entries) {
    if (e.type > 1 || e.index != expected++)
      return false;  // entries must follow `index` without gaps
    m.entries.push_back(entry{e.term, e.index, e.data, static_cast<entry_type>(e.type)});
  }
  m.reject = w.reject;
  m.hint = w.hint;
  m.hint_term = w.hint_term;
  m.read_seq = w.read_seq;
  m.force = w.force;
  m.snapshot_data = w.snapshot_data;
  m.snapshot_voters = w.snapshot_voters;
  m.snapshot_learners = w.snapshot_learners;
  return true;
}

}  // namespace dfs::raft
