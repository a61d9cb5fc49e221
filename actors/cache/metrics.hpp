// Prometheus metrics of one cache shard (labels node and shard): hits,
// misses and their bytes, single-flight waits, fills, admissions rejected,
// evictions, resident bytes and entries, capacity, hit ratios.
#pragma once

#include <string>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "messages/types.hpp"

namespace dfs {

class cache_metrics {
public:
  cache_metrics(prometheus::Registry& registry, const std::string& node, uint32_t shard);

  // Brings every series up to date with the shard's figures.
  void update(const cache_shard_stats& s);
  void mailbox(size_t n) { mailbox_.Set(static_cast<double>(n)); }

private:
  prometheus::Counter& hits_;
  prometheus::Counter& misses_;
  prometheus::Counter& bytes_hit_;
  prometheus::Counter& bytes_missed_;
  prometheus::Counter& coalesced_;
  prometheus::Counter& fills_;
  prometheus::Counter& rejected_;
  prometheus::Counter& evictions_;
  prometheus::Gauge& bytes_;
  prometheus::Gauge& entries_;
  prometheus::Gauge& capacity_;
  prometheus::Gauge& hit_ratio_;
  prometheus::Gauge& byte_hit_ratio_;
  prometheus::Gauge& mailbox_;
  cache_shard_stats last_;  // counters advance by the difference
};

}  // namespace dfs
