#include "tests/lincheck/checker.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace dfs::lincheck {

namespace {

using state = std::optional<std::string>;

// Applies `op` to `s`; false if the observed result contradicts it.
bool step(const operation& op, state& s) {
  switch (op.kind) {
    case op_kind::put:
      s = op.value;
      return true;
    case op_kind::get:
      return op.timed_out() || op.read == s;
    case op_kind::remove: {
      bool existed = s.has_value();
      s.reset();
      return op.timed_out() || op.status == (existed ? "ok" : "not_found");
    }
  }
  return false;
}

class search {
public:
  explicit search(std::vector<operation> ops) : ops_(std::move(ops)), done_(ops_.size(), false) {}

  bool run() { return visit(state{}); }

private:
  bool complete() const {
    for (size_t i = 0; i < ops_.size(); ++i)
      if (!done_[i] && !ops_[i].timed_out())
        return false;  // timed-out operations may simply never have happened
    return true;
  }

  bool visit(const state& s) {
    if (complete())
      return true;
    if (!seen_.insert({done_, s}).second)
      return false;  // this configuration was explored already
    // Candidates: operations invoked before every pending operation returned.
    int64_t horizon = std::numeric_limits<int64_t>::max();
    for (size_t i = 0; i < ops_.size(); ++i)
      if (!done_[i])
        horizon = std::min(horizon, ops_[i].returned);
    for (size_t i = 0; i < ops_.size(); ++i) {
      if (done_[i] || ops_[i].invoked > horizon)
        continue;
      auto next = s;
      if (!step(ops_[i], next))
        continue;
      done_[i] = true;
      if (visit(next))
        return true;
      done_[i] = false;
    }
    return false;
  }

  std::vector<operation> ops_;
  std::vector<bool> done_;
  std::set<std::pair<std::vector<bool>, state>> seen_;
};

}  // namespace

verdict check(const std::vector<operation>& history) {
  std::map<std::string, std::vector<operation>> by_key;
  for (auto& op : history)
    by_key[op.key].push_back(op);
  for (auto& [key, ops] : by_key)
    if (!search{ops}.run())
      return verdict{false, key};
  return verdict{};
}

}  // namespace dfs::lincheck
