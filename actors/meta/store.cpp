#include "actors/meta/store.hpp"

#include <map>
#include <utility>

namespace dfs {

meta_store::meta_store(const std::string& db_path, meta_durability durability) : db_(db_path) {
  if (durability == meta_durability::replayed_from_log)
    db_.exec("PRAGMA synchronous=NORMAL");
  db_.exec("CREATE TABLE IF NOT EXISTS inodes (id INTEGER PRIMARY KEY, record BLOB NOT NULL)");
  db_.exec("CREATE TABLE IF NOT EXISTS meta_state (key TEXT PRIMARY KEY, value INTEGER NOT NULL)");
  db_.exec(
    "CREATE TABLE IF NOT EXISTS sessions (client_id TEXT NOT NULL, sequence INTEGER NOT "
    "NULL, record BLOB NOT NULL, PRIMARY KEY (client_id, sequence))");
  db_.exec("CREATE TABLE IF NOT EXISTS nodes (id TEXT PRIMARY KEY, record BLOB NOT NULL)");
}

std::string meta_store::load(state_machine& sm) {
  auto check = db_.quick_check();
  if (check != "ok")
    return "metadata database failed its integrity check: " + check;
  proto::MetaSnapshot all;
  auto why = read_all(all);
  if (!why.empty())
    return why;
  why = sm.restore(std::move(all));
  return why.empty() ? why : "metadata database is inconsistent: " + why;
}

std::string meta_store::read_all(proto::MetaSnapshot& out) {
  out.Clear();
  auto rows = db_.prepare("SELECT id, record FROM inodes");
  while (rows.step()) {
    auto* inode = out.add_inodes();
    if (!inode->ParseFromString(rows.column_blob(1)) ||
        inode->id() != static_cast<uint64_t>(rows.column_int(0)))
      return "metadata record " + std::to_string(rows.column_int(0)) + " is corrupt";
  }
  auto session_rows = db_.prepare("SELECT record FROM sessions");
  while (session_rows.step())
    if (!out.add_sessions()->ParseFromString(session_rows.column_blob(0)))
      return "a client session record is corrupt";
  auto node_rows = db_.prepare("SELECT record FROM nodes");
  while (node_rows.step())
    if (!out.add_nodes()->ParseFromString(node_rows.column_blob(0)))
      return "a node record is corrupt";
  auto st = db_.prepare("SELECT key, value FROM meta_state");
  while (st.step()) {
    auto key = st.column_text(0);
    if (key == "applied_index")
      out.set_applied_index(static_cast<uint64_t>(st.column_int(1)));
    else if (key == "next_inode")
      out.set_next_inode(static_cast<uint64_t>(st.column_int(1)));
    else if (key == "log_time")
      out.set_log_time_ms(st.column_int(1));
  }
  return {};
}

void meta_store::replace_all(const proto::MetaSnapshot& snap) {
  sqlite::transaction tx{db_};
  db_.exec("DELETE FROM inodes");
  db_.exec("DELETE FROM sessions");
  db_.exec("DELETE FROM nodes");
  auto put_node = db_.prepare("INSERT INTO nodes (id, record) VALUES (?1, ?2)");
  for (auto& node : snap.nodes())
    put_node.bind(1, node.id()).bind_blob(2, node.SerializeAsString()).run();
  auto insert = db_.prepare("INSERT INTO inodes (id, record) VALUES (?1, ?2)");
  for (auto& inode : snap.inodes())
    insert.bind(1, static_cast<int64_t>(inode.id())).bind_blob(2, inode.SerializeAsString()).run();
  auto put_session =
    db_.prepare("INSERT INTO sessions (client_id, sequence, record) VALUES (?1, ?2, ?3)");
  for (auto& rec : snap.sessions())
    put_session.bind(1, rec.client_id())
      .bind(2, static_cast<int64_t>(rec.sequence()))
      .bind_blob(3, rec.SerializeAsString())
      .run();
  write_state(snap.applied_index(), snap.next_inode(), snap.log_time_ms());
  tx.commit();
}

void meta_store::write_state(uint64_t applied_index, uint64_t next_inode, int64_t log_time) {
  auto& set_state = db_.cached("INSERT OR REPLACE INTO meta_state (key, value) VALUES (?1, ?2)");
  set_state.bind(1, std::string{"applied_index"})
    .bind(2, static_cast<int64_t>(applied_index))
    .run();
  set_state.bind(1, std::string{"next_inode"}).bind(2, static_cast<int64_t>(next_inode)).run();
  set_state.bind(1, std::string{"log_time"}).bind(2, log_time).run();
}

void meta_store::persist(uint64_t index, const state_machine& sm, const apply_outcome& out) {
  persist({&out}, index, sm);
}

void meta_store::persist(const std::vector<const apply_outcome*>& applied, uint64_t last_index,
                         const state_machine& sm) {
  persist(applied, last_index, sm.next_inode(), sm.log_time());
}

void meta_store::persist(const std::vector<const apply_outcome*>& applied, uint64_t last_index,
                         uint64_t next_inode, int64_t log_time) {
  // Only the last change of each record matters: a batch often touches
  // one record many times (a directory, a client's session).
  std::map<uint64_t, const inode_mutation*> inodes;
  std::map<std::string, const proto::NodeRecord*> nodes;
  std::map<std::pair<std::string, uint64_t>, const session_mutation*> sessions;
  for (auto* out : applied) {
    for (auto& m : out->mutations)
      inodes[m.inode.id()] = &m;
    for (auto& node : out->node_mutations)
      nodes[node.id()] = &node;
    for (auto& m : out->session_mutations)
      sessions[{m.record.client_id(), m.record.sequence()}] = &m;
  }
  sqlite::transaction tx{db_};
  auto& upsert = db_.cached("INSERT OR REPLACE INTO inodes (id, record) VALUES (?1, ?2)");
  auto& erase = db_.cached("DELETE FROM inodes WHERE id = ?1");
  auto& put_session =
    db_.cached("INSERT OR REPLACE INTO sessions (client_id, sequence, record) VALUES (?1, ?2, ?3)");
  auto& drop_session = db_.cached("DELETE FROM sessions WHERE client_id = ?1 AND sequence = ?2");
  auto& put_node = db_.cached("INSERT OR REPLACE INTO nodes (id, record) VALUES (?1, ?2)");
  for (auto& [id, m] : inodes) {
    if (m->erased)
      erase.bind(1, static_cast<int64_t>(id)).run();
    else
      upsert.bind(1, static_cast<int64_t>(id)).bind_blob(2, m->inode.SerializeAsString()).run();
  }
  for (auto& [id, node] : nodes)
    put_node.bind(1, id).bind_blob(2, node->SerializeAsString()).run();
  for (auto& [key, m] : sessions) {
    auto seq = static_cast<int64_t>(key.second);
    if (m->erased)
      drop_session.bind(1, key.first).bind(2, seq).run();
    else
      put_session.bind(1, key.first).bind(2, seq).bind_blob(3, m->record.SerializeAsString()).run();
  }
  write_state(last_index, next_inode, log_time);
  tx.commit();
}

}  // namespace dfs
