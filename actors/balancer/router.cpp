#include "actors/balancer/router.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace dfs::balancer {

router::entry& router::at(const std::string& node) {
  auto it = nodes_.find(node);
  if (it == nodes_.end()) {
    entry e;
    e.breaker = circuit_breaker{cfg_.breaker};
    it = nodes_.emplace(node, std::move(e)).first;
  }
  return it->second;
}

void router::set_health(const std::string& node, health::node_health h, double cpu) {
  auto& e = at(node);
  e.health = h;
  e.cpu = cpu;
}

double router::reference() const {
  double best = -1;
  for (auto& [id, e] : nodes_)
    if (e.ewma >= 0 && (best < 0 || e.ewma < best))
      best = e.ewma;
  return best < 0 ? 0 : best;
}

double router::latency(const entry& e, int64_t now_ms, double reference) const {
  if (e.ewma < 0)
    return reference;
  if (e.ewma <= reference)
    return e.ewma;
  auto idle = static_cast<double>(std::max<int64_t>(now_ms - e.sampled_ms, 0));
  return reference + (e.ewma - reference) * std::exp(-idle / cfg_.decay_ms);
}

double router::cost(const std::string& node, int64_t now_ms) const {
  auto ref = reference();
  auto it = nodes_.find(node);
  if (it == nodes_.end())
    return ref;
  return (it->second.in_flight + 1) * latency(it->second, now_ms, ref);
}

int router::rank(entry& e, int64_t now_ms) const {
  if (e.health == health::node_health::down || !e.breaker.would_allow(now_ms))
    return 2;
  return e.health == health::node_health::suspect ? 1 : 0;
}

std::vector<std::string> router::order(const std::vector<std::string>& candidates, int64_t now_ms,
                                       std::mt19937_64& rng, const std::string& local) {
  struct option {
    const std::string* node;
    int rank;
    double cost;
    double cpu;
  };
  std::vector<option> opts;
  opts.reserve(candidates.size());
  auto ref = reference();
  for (auto& c : candidates) {
    auto& e = at(c);
    opts.push_back(option{&c, rank(e, now_ms), (e.in_flight + 1) * latency(e, now_ms, ref), e.cpu});
  }
  bool explore = cfg_.explore_every > 0 && ++orders_ % cfg_.explore_every == 0;
  auto better = [](const option& a, const option& b) {
    if (a.rank != b.rank)
      return a.rank < b.rank;
    auto hi = std::max(a.cost, b.cost);
    if (std::abs(a.cost - b.cost) > 0.05 * hi)
      return a.cost < b.cost;
    return a.cpu < b.cpu;
  };
  // Power of two choices among the best-ranked candidates.
  auto best_rank =
    opts.empty() ? 0 : std::min_element(opts.begin(), opts.end(), [](auto& a, auto& b) {
                         return a.rank < b.rank;
                       })->rank;
  std::vector<size_t> pool;
  for (size_t i = 0; i < opts.size(); ++i)
    if (opts[i].rank == best_rank)
      pool.push_back(i);
  std::vector<std::string> out;
  out.reserve(opts.size());
  // The own node, if it is among the best-ranked and nearly the cheapest.
  auto own = opts.size();
  if (!local.empty()) {
    double cheapest = std::numeric_limits<double>::infinity();
    for (auto i : pool)
      cheapest = std::min(cheapest, opts[i].cost);
    for (auto i : pool)
      if (*opts[i].node == local && opts[i].cost <= (1 + cfg_.local_slack) * cheapest)
        own = i;
  }
  std::vector<size_t> stale;
  if (explore)
    for (auto i : pool) {
      auto& e = nodes_.at(*opts[i].node);
      if (e.ewma < 0 || now_ms - e.sampled_ms >= cfg_.probe_after_ms)
        stale.push_back(i);
    }
  if (!stale.empty()) {
    std::uniform_int_distribution<size_t> pick(0, stale.size() - 1);
    auto first = stale[pick(rng)];
    out.push_back(*opts[first].node);
    opts.erase(opts.begin() + static_cast<std::ptrdiff_t>(first));
  } else if (own < opts.size()) {
    out.push_back(*opts[own].node);
    opts.erase(opts.begin() + static_cast<std::ptrdiff_t>(own));
  } else if (pool.size() >= 2) {
    std::uniform_int_distribution<size_t> pick(0, pool.size() - 1);
    auto a = pool[pick(rng)];
    auto b = pool[pick(rng)];
    while (b == a)
      b = pool[pick(rng)];
    auto first = better(opts[b], opts[a]) ? b : a;
    out.push_back(*opts[first].node);
    opts.erase(opts.begin() + static_cast<std::ptrdiff_t>(first));
  }
  std::stable_sort(opts.begin(), opts.end(), better);
  for (auto& o : opts)
    out.push_back(*o.node);
  return out;
}

int64_t router::dispatch(const std::string& node, int64_t now_ms, bool force) {
  auto& e = at(node);
  if (!e.breaker.allow(now_ms) && !force)
    return -1;
  ++e.in_flight;
  ++e.routed;
  return static_cast<int64_t>(e.breaker.times_opened());
}

void router::finish(const std::string& node, int64_t now_ms, double latency_ms, uint64_t bytes,
                    outcome result, int64_t generation) {
  auto& e = at(node);
  if (e.in_flight > 0)
    --e.in_flight;
  auto sample = std::min(std::max(latency_ms, 0.0) / units(bytes), cfg_.max_latency_ms);
  auto current = latency(e, now_ms, reference());
  bool current_breaker = generation == static_cast<int64_t>(e.breaker.times_opened());
  switch (result) {
    case outcome::success:
      if (current_breaker)
        e.breaker.success(now_ms);
      break;
    case outcome::failure:
      ++e.failed;
      if (current_breaker)
        e.breaker.failure(now_ms);
      // A quick failure says nothing about speed, and never that the
      // node is faster than thought.
      sample = std::max(sample, current);
      break;
    case outcome::neutral:
      sample = std::max(sample, current);
      break;
  }
  if (e.ewma < 0)
    e.ewma = sample;
  else
    e.ewma = current + (sample - current) * (sample > current ? cfg_.rise : cfg_.fall);
  e.ewma = std::min(e.ewma, cfg_.max_latency_ms);
  e.sampled_ms = now_ms;
}

double router::units(uint64_t bytes) const {
  return 1.0 +
         static_cast<double>(bytes) / static_cast<double>(std::max<uint64_t>(cfg_.unit_bytes, 1));
}

double router::expected_ms(const std::string& node, int64_t now_ms, uint64_t bytes) const {
  auto it = nodes_.find(node);
  if (it == nodes_.end() || it->second.ewma < 0)
    return 0;
  return latency(it->second, now_ms, reference()) * units(bytes);
}

node_route_stats router::stats(const std::string& node, int64_t now_ms) {
  auto& e = at(node);
  node_route_stats s;
  s.in_flight = e.in_flight;
  s.latency_ms = latency(e, now_ms, reference());
  s.routed = e.routed;
  s.failed = e.failed;
  s.breaker = e.breaker.state(now_ms);
  s.health = e.health;
  s.cpu = e.cpu;
  return s;
}

std::vector<std::string> router::nodes() const {
  std::vector<std::string> out;
  for (auto& [id, e] : nodes_)
    out.push_back(id);
  return out;
}

}  // namespace dfs::balancer
