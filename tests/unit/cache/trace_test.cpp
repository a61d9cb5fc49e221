// Trace formats and the seeded generators of the cache simulator.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <sstream>

#include "actors/cache/trace.hpp"

namespace dfs::cache {
namespace {

TEST(cache_trace, lis_lines_expand_to_one_request_per_block) {
  std::istringstream in("100 3 0 0\n\n7 1 0 1\n");
  std::string error;
  auto t = parse_lis(in, error);
  ASSERT_TRUE(t) << error;
  ASSERT_EQ(t->size(), 4u);
  EXPECT_EQ((*t)[0].k, 100u);
  EXPECT_EQ((*t)[2].k, 102u);
  EXPECT_EQ((*t)[3].k, 7u);
  EXPECT_EQ((*t)[3].bytes, 1u);
}

TEST(cache_trace, a_bad_lis_line_is_reported_with_its_number) {
  std::istringstream in("1 1 0 0\nnot a line\n");
  std::string error;
  EXPECT_FALSE(parse_lis(in, error));
  EXPECT_NE(error.find("line 2"), std::string::npos) << error;
}

TEST(cache_trace, key_lines_take_numbers_names_and_sizes) {
  std::istringstream in("5\nchunk-a 4096\n5 10\n\nchunk-a\n");
  std::string error;
  auto t = parse_keys(in, error);
  ASSERT_TRUE(t) << error;
  ASSERT_EQ(t->size(), 4u);
  EXPECT_EQ((*t)[0].k, 5u);
  EXPECT_EQ((*t)[1].bytes, 4096u);
  EXPECT_EQ((*t)[1].k, (*t)[3].k) << "a name hashes to the same key each time";
  std::istringstream bad("x 0\n");
  EXPECT_FALSE(parse_keys(bad, error));
  EXPECT_NE(error.find("line 1"), std::string::npos);
}

TEST(cache_trace, generators_are_deterministic_per_seed) {
  std::string error;
  for (const char* spec :
       {"zipf:0.9:1000:5000", "hotcold:80/20:1000:5000", "shift:1000:1000:5000", "loop:100:5000"}) {
    auto a = generate(spec, 1, error), b = generate(spec, 1, error), c = generate(spec, 2, error);
    ASSERT_TRUE(a && b && c) << spec << ": " << error;
    EXPECT_EQ(a->size(), 5000u) << spec;
    bool same = true, differs = false;
    for (std::size_t i = 0; i < a->size(); ++i) {
      same = same && (*a)[i].k == (*b)[i].k;
      differs = differs || (*a)[i].k != (*c)[i].k;
    }
    EXPECT_TRUE(same) << spec;
    if (std::string(spec).rfind("loop", 0) != 0) {
      EXPECT_TRUE(differs) << spec << " ignores its seed";
    }
  }
}

TEST(cache_trace, zipf_and_hotcold_have_the_skew_they_claim) {
  std::string error;
  auto z = generate("zipf:1.0:1000:200000", 3, error);
  ASSERT_TRUE(z);
  std::map<key, int> count;
  for (auto& r : *z)
    ++count[r.k];
  std::vector<int> by_rank;
  for (auto& [k, n] : count)
    by_rank.push_back(n);
  std::sort(by_rank.rbegin(), by_rank.rend());
  // Rank 1 over rank 2 is 2^alpha = 2 for alpha 1.
  EXPECT_NEAR(double(by_rank[0]) / by_rank[1], 2.0, 0.15);
  auto h = generate("hotcold:80/20:1000:100000", 3, error);
  ASSERT_TRUE(h);
  int hot = 0;
  for (auto& r : *h)
    hot += r.k < 200;
  EXPECT_NEAR(hot / 100000.0, 0.8, 0.01);
}

TEST(cache_trace, shift_scans_touch_keys_never_seen_again) {
  std::string error;
  auto t = generate("shift:1000:1000:10000", 5, error);
  ASSERT_TRUE(t);
  std::map<key, int> count;
  for (auto& r : *t)
    ++count[r.k];
  int scan_keys = 0;
  for (auto& [k, n] : count)
    if (k >= 1000) {
      ++scan_keys;
      EXPECT_EQ(n, 1);
    }
  EXPECT_GE(scan_keys, 500);
}

TEST(cache_trace, bad_specs_are_refused_with_a_reason) {
  std::string error;
  for (const char* spec : {"zipf", "zipf:x", "zipf:-1", "hotcold:80", "hotcold:80/100", "shift:0",
                           "loop:0", "nope:1", "zipf:1:10:20:30", "zipf:1:0"}) {
    error.clear();
    EXPECT_FALSE(generate(spec, 1, error)) << spec;
    EXPECT_FALSE(error.empty()) << spec;
  }
}

TEST(cache_trace, mixed_sizes_are_per_key_and_heavy_tailed) {
  std::string error;
  auto t = generate("zipf:0.9:5000:50000", 1, error);
  ASSERT_TRUE(t);
  assign_mixed_sizes(*t, 9);
  std::map<key, std::uint64_t> size;
  for (auto& r : *t) {
    EXPECT_GE(r.bytes, 1024u);
    EXPECT_LE(r.bytes, 1u << 20);
    auto [it, fresh] = size.emplace(r.k, r.bytes);
    EXPECT_EQ(it->second, r.bytes);
  }
  auto s = stats_of(*t);
  EXPECT_EQ(s.distinct, size.size());
  EXPECT_EQ(s.requests, 50000u);
}

}  // namespace
}  // namespace dfs::cache
