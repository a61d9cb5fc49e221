#include "actors/meta/store.hpp"

namespace dfs {

meta_store::meta_store(const std::string& db_path) : db_(db_path) {
  db_.exec("CREATE TABLE IF NOT EXISTS inodes (id INTEGER PRIMARY KEY, record BLOB NOT NULL)");
  db_.exec("CREATE TABLE IF NOT EXISTS meta_state (key TEXT PRIMARY KEY, value INTEGER NOT NULL)");
}

std::string meta_store::load(state_machine& sm) {
  auto check = db_.quick_check();
  if (check != "ok")
    return "metadata database failed its integrity check: " + check;
  std::vector<proto::Inode> inodes;
  auto rows = db_.prepare("SELECT id, record FROM inodes");
  while (rows.step()) {
    proto::Inode inode;
    if (!inode.ParseFromString(rows.column_blob(1)) ||
        inode.id() != static_cast<uint64_t>(rows.column_int(0)))
      return "metadata record " + std::to_string(rows.column_int(0)) + " is corrupt";
    inodes.push_back(std::move(inode));
  }
  uint64_t applied = 0, next_inode = 0;
  auto st = db_.prepare("SELECT key, value FROM meta_state");
  while (st.step()) {
    auto key = st.column_text(0);
    if (key == "applied_index")
      applied = static_cast<uint64_t>(st.column_int(1));
    else if (key == "next_inode")
      next_inode = static_cast<uint64_t>(st.column_int(1));
  }
  auto why = sm.restore(std::move(inodes), applied, next_inode);
  return why.empty() ? why : "metadata database is inconsistent: " + why;
}

void meta_store::persist(uint64_t index, uint64_t next_inode,
                         const std::vector<inode_mutation>& mutations) {
  sqlite::transaction tx{db_};
  auto upsert = db_.prepare("INSERT OR REPLACE INTO inodes (id, record) VALUES (?1, ?2)");
  auto erase = db_.prepare("DELETE FROM inodes WHERE id = ?1");
  for (auto& m : mutations) {
    auto id = static_cast<int64_t>(m.inode.id());
    if (m.erased) {
      erase.bind(1, id).run();
    } else {
      upsert.bind(1, id).bind_blob(2, m.inode.SerializeAsString()).run();
    }
  }
  auto set_state = db_.prepare("INSERT OR REPLACE INTO meta_state (key, value) VALUES (?1, ?2)");
  set_state.bind(1, std::string{"applied_index"}).bind(2, static_cast<int64_t>(index)).run();
  set_state.bind(1, std::string{"next_inode"}).bind(2, static_cast<int64_t>(next_inode)).run();
  tx.commit();
}

}  // namespace dfs
