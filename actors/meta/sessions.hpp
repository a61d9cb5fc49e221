// Client sessions of the metadata state machine: the outcome of each
// client's recent requests, keyed by (client id, sequence), so that a
// retried command is answered with its first outcome instead of being
// applied twice. Pure and deterministic: sessions expire by log time (the
// largest command time stamp applied so far), never by a clock.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "messages/meta.pb.h"

namespace dfs {

// One change to persist: the record was added, or (erased) removed.
struct session_mutation {
  bool erased = false;
  proto::SessionRecord record;
};

class client_sessions {
public:
  // Outcomes remembered per client; a request older than all of them
  // cannot be told apart from a new one and is refused.
  static constexpr size_t remembered_per_client = 32;
  // A client silent for this long (log time) is forgotten.
  static constexpr int64_t ttl_ms = 3600 * 1000;

  enum class verdict { fresh, duplicate, too_old };

  // Classifies request (client, sequence); fills `prior` for a duplicate.
  verdict check(const std::string& client, uint64_t sequence, proto::SessionRecord& prior) const;

  // Remembers an outcome (dropping the client's oldest beyond the limit).
  void record(proto::SessionRecord rec, std::vector<session_mutation>& out);

  // Forgets clients whose latest request is older than log_time - ttl.
  void expire(int64_t log_time_ms, std::vector<session_mutation>& out);

  void restore(std::vector<proto::SessionRecord> records);
  size_t clients() const { return by_client_.size(); }

private:
  void touch(const std::string& client, int64_t log_time_ms);

  // client -> sequence -> outcome
  std::map<std::string, std::map<uint64_t, proto::SessionRecord>> by_client_;
  std::map<std::string, int64_t> latest_;            // client -> log time of its latest request
  std::set<std::pair<int64_t, std::string>> order_;  // (latest, client), oldest first
};

}  // namespace dfs
