#include "actors/cache/metrics.hpp"

#include "runtime/metrics.hpp"

namespace dfs {

namespace {

prometheus::Counter& counter(prometheus::Registry& r, const char* name, const char* help,
                             const prometheus::Labels& labels) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(r).Add(labels);
}

prometheus::Gauge& gauge(prometheus::Registry& r, const char* name, const char* help,
                         const prometheus::Labels& labels) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(r).Add(labels);
}

void advance(prometheus::Counter& c, uint64_t now, uint64_t before) {
  if (now > before)
    c.Increment(static_cast<double>(now - before));
}

}  // namespace

cache_metrics::cache_metrics(prometheus::Registry& r, const std::string& node, uint32_t shard)
  : hits_(counter(r, "dfs_cache_hits_total", "Cache lookups that found the chunk",
                  {{"node", node}, {"shard", std::to_string(shard)}})),
    misses_(counter(r, "dfs_cache_misses_total", "Cache lookups that did not find the chunk",
                    {{"node", node}, {"shard", std::to_string(shard)}})),
    bytes_hit_(counter(r, "dfs_cache_hit_bytes_total", "Chunk bytes served from the cache",
                       {{"node", node}, {"shard", std::to_string(shard)}})),
    bytes_missed_(counter(r, "dfs_cache_miss_bytes_total",
                          "Chunk bytes read from replicas after a miss and offered to the cache",
                          {{"node", node}, {"shard", std::to_string(shard)}})),
    coalesced_(counter(r, "dfs_cache_coalesced_total",
                       "Misses served by another reader's load of the same chunk (single flight)",
                       {{"node", node}, {"shard", std::to_string(shard)}})),
    fills_(counter(r, "dfs_cache_fills_total", "Chunks offered to the cache after a miss",
                   {{"node", node}, {"shard", std::to_string(shard)}})),
    rejected_(counter(r, "dfs_cache_admissions_rejected_total",
                      "Chunks offered to the cache that its admission filter turned away",
                      {{"node", node}, {"shard", std::to_string(shard)}})),
    evictions_(counter(r, "dfs_cache_evictions_total", "Chunks evicted from the cache",
                       {{"node", node}, {"shard", std::to_string(shard)}})),
    bytes_(gauge(r, "dfs_cache_bytes", "Bytes resident in the cache, bookkeeping included",
                 {{"node", node}, {"shard", std::to_string(shard)}})),
    entries_(gauge(r, "dfs_cache_entries", "Chunks resident in the cache",
                   {{"node", node}, {"shard", std::to_string(shard)}})),
    capacity_(gauge(r, "dfs_cache_capacity_bytes", "Byte budget of the cache shard",
                    {{"node", node}, {"shard", std::to_string(shard)}})),
    hit_ratio_(gauge(r, "dfs_cache_hit_ratio", "Hits over lookups since the shard started",
                     {{"node", node}, {"shard", std::to_string(shard)}})),
    byte_hit_ratio_(gauge(r, "dfs_cache_byte_hit_ratio",
                          "Bytes hit over bytes hit and missed since the shard started",
                          {{"node", node}, {"shard", std::to_string(shard)}})),
    mailbox_(mailbox_gauge(r, node, "cache-shard-" + std::to_string(shard))) {}

void cache_metrics::update(const cache_shard_stats& s) {
  advance(hits_, s.hits, last_.hits);
  advance(misses_, s.misses, last_.misses);
  advance(bytes_hit_, s.bytes_hit, last_.bytes_hit);
  advance(bytes_missed_, s.bytes_missed, last_.bytes_missed);
  advance(coalesced_, s.coalesced, last_.coalesced);
  advance(fills_, s.fills, last_.fills);
  advance(rejected_, s.rejected, last_.rejected);
  advance(evictions_, s.evictions, last_.evictions);
  bytes_.Set(static_cast<double>(s.bytes));
  entries_.Set(static_cast<double>(s.entries));
  capacity_.Set(static_cast<double>(s.capacity));
  auto lookups = s.hits + s.misses;
  hit_ratio_.Set(lookups ? double(s.hits) / double(lookups) : 0);
  auto bytes = s.bytes_hit + s.bytes_missed;
  byte_hit_ratio_.Set(bytes ? double(s.bytes_hit) / double(bytes) : 0);
  last_ = s;
}

}  // namespace dfs
