#include "actors/repair/planner.hpp"

#include <algorithm>
#include <unordered_map>

namespace dfs::repair {

namespace {

const std::string& domain_of(const node_info& n) {
  return n.domain.empty() ? n.id : n.domain;
}

bool contains(const std::vector<std::string>& xs, const std::string& x) {
  return std::find(xs.begin(), xs.end(), x) != xs.end();
}

uint64_t room(const node_info& n) {
  return n.bytes_free > n.pending_bytes ? n.bytes_free - n.pending_bytes : 0;
}

}  // namespace

std::vector<std::string> place(const std::vector<node_info>& nodes, size_t count,
                               uint64_t chunk_bytes, const std::vector<std::string>& exclude,
                               const std::vector<std::string>& keep, std::mt19937_64& rng) {
  std::vector<const node_info*> eligible;
  std::set<std::string> used_domains;
  for (auto& n : nodes) {
    if (contains(keep, n.id))
      used_domains.insert(domain_of(n));
    if (n.state == node_state::active && n.reachable && room(n) >= chunk_bytes &&
        !contains(exclude, n.id))
      eligible.push_back(&n);
  }
  std::vector<std::string> chosen;
  while (chosen.size() < count) {
    std::vector<const node_info*> fresh, any;
    for (auto* n : eligible)
      if (!contains(chosen, n->id)) {
        any.push_back(n);
        if (used_domains.count(domain_of(*n)) == 0)
          fresh.push_back(n);
      }
    auto& pool = fresh.empty() ? any : fresh;
    if (pool.empty())
      break;
    std::uniform_int_distribution<size_t> pick{0, pool.size() - 1};
    auto* a = pool[pick(rng)];
    auto* b = pool[pick(rng)];
    auto weight = [](const node_info& n) {
      return static_cast<double>(room(n)) * (1.0 - 0.5 * std::clamp(n.load, 0.0, 1.0));
    };
    auto* winner = weight(*b) > weight(*a) ? b : a;
    chosen.push_back(winner->id);
    used_domains.insert(domain_of(*winner));
  }
  return chosen;
}

size_t storage_members(const std::set<std::string>& seen,
                       const std::map<std::string, node_state>& table,
                       const std::set<std::string>& removed) {
  std::set<std::string> members = seen;
  for (auto& [id, state] : table)
    members.insert(id);
  for (auto& id : removed)
    members.erase(id);
  return members.size();
}

namespace {

// A chunk that needs a copy, with what the plan needs to know of its replicas.
struct candidate {
  const chunk_info* chunk;
  std::vector<std::string> live, readable_live, readable_draining, draining, dropped;
};

}  // namespace

plan plan_repairs(const plan_input& in, std::mt19937_64& rng) {
  plan out;
  std::unordered_map<std::string, const node_info*> by_id;
  for (auto& n : in.nodes)
    by_id.emplace(n.id, &n);
  std::vector<candidate> todo;
  for (auto& chunk : in.chunks) {
    candidate c{&chunk, {}, {}, {}, {}, {}};
    for (auto& r : chunk.replicas) {
      auto it = by_id.find(r);
      if (it == by_id.end() || it->second->state == node_state::dead ||
          in.bad.count({chunk.id, r})) {
        c.dropped.push_back(r);
        continue;
      }
      auto& node = *it->second;
      if (node.state == node_state::draining) {
        c.draining.push_back(r);
        if (node.reachable)
          c.readable_draining.push_back(r);
      } else {
        c.live.push_back(r);
        if (node.reachable)
          c.readable_live.push_back(r);
      }
    }
    if (!c.draining.empty())
      ++out.on_draining;
    if (c.live.size() >= chunk.wanted) {
      if ((!c.dropped.empty() || !c.draining.empty()) && in.busy.count(chunk.id) == 0 &&
          out.cleanups.size() < in.max_tasks) {
        repair_task t;
        t.chunk = chunk.id;
        t.length = chunk.length;
        t.drop = c.dropped;
        t.drop.insert(t.drop.end(), c.draining.begin(), c.draining.end());
        t.live = c.live.size();
        out.cleanups.push_back(std::move(t));
      }
      continue;
    }
    ++out.under_replicated;
    if (c.readable_live.empty() && c.readable_draining.empty()) {
      if (c.live.empty() && c.draining.empty())
        ++out.lost;
      else
        ++out.unavailable;
      continue;
    }
    if (in.busy.count(chunk.id) == 0)
      todo.push_back(std::move(c));
  }
  // Fewest live copies first; chunk id breaks ties, so a plan is a
  // function of its input and the generator.
  std::sort(todo.begin(), todo.end(), [](const candidate& a, const candidate& b) {
    if (a.live.size() != b.live.size())
      return a.live.size() < b.live.size();
    return a.chunk->id < b.chunk->id;
  });
  auto nodes = in.nodes;  // pending bytes grow as tasks are planned
  uint64_t planned_bytes = 0;
  for (auto& c : todo) {
    if (out.tasks.size() >= in.max_tasks || planned_bytes >= in.max_bytes)
      break;
    auto exclude = c.live;
    exclude.insert(exclude.end(), c.draining.begin(), c.draining.end());
    auto targets = place(nodes, 1, c.chunk->length, exclude, c.live, rng);
    if (targets.empty()) {
      ++out.unplaceable;
      continue;
    }
    repair_task t;
    t.chunk = c.chunk->id;
    t.length = c.chunk->length;
    t.target = targets.front();
    auto& sources = c.readable_live.empty() ? c.readable_draining : c.readable_live;
    std::uniform_int_distribution<size_t> pick{0, sources.size() - 1};
    t.source = sources[pick(rng)];
    for (auto& r : c.dropped)
      if (r != t.target)
        t.drop.push_back(r);
    if (c.live.size() + 1 >= c.chunk->wanted)
      t.drop.insert(t.drop.end(), c.draining.begin(), c.draining.end());
    t.live = c.live.size();
    for (auto& n : nodes)
      if (n.id == t.target)
        n.pending_bytes += t.length;
    planned_bytes += t.length;
    out.tasks.push_back(std::move(t));
  }
  return out;
}

uint64_t rate_limit::available(int64_t now_ms) {
  if (rate_ == 0)
    return UINT64_MAX;
  auto per_ms = static_cast<double>(rate_) / 1000.0;
  auto cap = per_ms * static_cast<double>(burst_ms_);
  if (last_ms_ < 0)
    tokens_ = cap;
  else if (now_ms > last_ms_)
    tokens_ = std::min(cap, tokens_ + per_ms * static_cast<double>(now_ms - last_ms_));
  last_ms_ = std::max(last_ms_, now_ms);
  return tokens_ > 0 ? static_cast<uint64_t>(tokens_) : 0;
}

void rate_limit::spend(uint64_t bytes) {
  if (rate_ != 0)
    tokens_ -= static_cast<double>(bytes);
}

size_t gc_tracker::waiting() const {
  size_t n = 0;
  for (auto& [node, chunks] : unreferenced_)
    n += chunks.size();
  return n;
}

}  // namespace dfs::repair
