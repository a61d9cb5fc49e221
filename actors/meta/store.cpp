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
  uint64_t applied = 0;
  auto st = db_.prepare("SELECT value FROM meta_state WHERE key = 'applied_index'");
  if (st.step())
    applied = static_cast<uint64_t>(st.column_int(0));
  auto why = sm.restore(std::move(inodes), applied);
  return why.empty() ? why : "metadata database is inconsistent: " + why;
}

void meta_store::persist(uint64_t index, const std::vector<inode_mutation>& mutations) {
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
  db_.prepare("INSERT OR REPLACE INTO meta_state (key, value) VALUES ('applied_index', ?1)")
    .bind(1, static_cast<int64_t>(index))
    .run();
  tx.commit();
}

}  // namespace dfs
