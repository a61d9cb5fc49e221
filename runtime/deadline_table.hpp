// Deadlines of requests sent without a CAF timeout. A CAF request timeout
// goes through the actor system's clock thread twice (set, then the
// answer or the expiry), and on a busy node that thread's wake-ups cost
// about a tenth of the CPU. An actor keeps its hot requests' deadlines
// here instead and sweeps them on a timer of its own while any are
// pending: an answer settles its entry, a sweep fails the entries due.
// Plain C++, single-threaded (the owning actor's).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <utility>
#include <vector>

namespace dfs {

class deadline_table {
public:
  using time_point = std::chrono::steady_clock::time_point;

  // Registers a pending request due at `due`; `on_expire` runs if a sweep
  // finds it due before it is settled.
  uint64_t add(time_point due, std::function<void()> on_expire) {
    auto id = ++last_id_;
    entries_.emplace(id, entry{due, std::move(on_expire)});
    return id;
  }

  // The request's answer arrived: true if it still counts (not expired,
  // not settled before), and then the entry is gone.
  bool settle(uint64_t id) { return entries_.erase(id) > 0; }

  // Fails every entry due at `now`; returns how many.
  size_t sweep(time_point now) {
    std::vector<std::function<void()>> due;
    for (auto it = entries_.begin(); it != entries_.end();) {
      if (it->second.due <= now) {
        due.push_back(std::move(it->second.on_expire));
        it = entries_.erase(it);
      } else {
        ++it;
      }
    }
    for (auto& f : due)  // after the table is consistent: f may add entries
      f();
    return due.size();
  }

  bool empty() const { return entries_.empty(); }
  size_t size() const { return entries_.size(); }

private:
  struct entry {
    time_point due;
    std::function<void()> on_expire;
  };
  std::map<uint64_t, entry> entries_;
  uint64_t last_id_ = 0;
};

}  // namespace dfs
