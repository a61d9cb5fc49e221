#include <gtest/gtest.h>

#include "actors/client/load_sim.hpp"

namespace dfs {
namespace {

cache_shard_stats shard(const std::string& node, uint32_t index, uint64_t capacity) {
  cache_shard_stats s;
  s.node.value = node;
  s.shard = index;
  s.policy = "lru";
  s.capacity = capacity;
  return s;
}

bench_trace three_files() {
  bench_trace t;
  t.chunk_of = {"00000000000000000000000000000000", "11111111111111111111111111111111",
                "22222222222222222222222222222222"};
  t.size_of = {4096, 4096, 4096};
  return t;
}

TEST(simulated_hit_ratio, repeats_hit_and_a_put_makes_the_next_get_miss) {
  auto t = three_files();
  // get 0 (miss), get 0 (hit), get 1 (miss), put 0, get 0 (miss: a new
  // chunk), get 0 (hit), get 1 (hit)
  t.keys = {0, 0, 1, 0, 0, 0, 1};
  t.reads = {1, 1, 1, 0, 1, 1, 1};
  t.requests = t.keys.size();
  auto ratio = simulated_hit_ratio(t, {shard("n1", 0, 1 << 20), shard("n2", 0, 1 << 20)});
  EXPECT_DOUBLE_EQ(ratio, 3.0 / 6.0);
}

TEST(simulated_hit_ratio, a_cache_too_small_for_one_file_never_hits) {
  auto t = three_files();
  t.keys = {0, 0, 0, 1, 1};
  t.reads = {1, 1, 1, 1, 1};
  t.requests = t.keys.size();
  EXPECT_DOUBLE_EQ(simulated_hit_ratio(t, {shard("n1", 0, 1024)}), 0.0);
}

TEST(simulated_hit_ratio, unknown_when_there_is_nothing_to_simulate) {
  auto t = three_files();
  t.keys = {0};
  t.reads = {1};
  t.requests = 1;
  EXPECT_EQ(simulated_hit_ratio(t, {}), -1);  // no shards
  auto unseen = t;
  unseen.chunk_of[0].clear();  // a file whose chunk the set-up did not see
  EXPECT_EQ(simulated_hit_ratio(unseen, {shard("n1", 0, 1 << 20)}), -1);
  auto writes_only = t;
  writes_only.reads = {0};
  EXPECT_EQ(simulated_hit_ratio(writes_only, {shard("n1", 0, 1 << 20)}), -1);
}

}  // namespace
}  // namespace dfs
