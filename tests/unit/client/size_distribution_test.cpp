#include <gtest/gtest.h>

#include <map>

#include "actors/client/load.hpp"

namespace dfs {
namespace {

size_distribution parsed(const std::string& text) {
  std::string why;
  auto d = size_distribution::parse(text, why);
  EXPECT_TRUE(d) << text << ": " << why;
  return d.value_or(size_distribution{});
}

TEST(size_distribution, a_fixed_size_is_every_files_size) {
  auto d = parsed("4KiB");
  for (uint64_t f = 0; f < 100; ++f)
    EXPECT_EQ(d.size_of(f, 42), 4096u);
  EXPECT_EQ(d.largest(), 4096u);
  EXPECT_EQ(d.to_string(), "4KiB");
}

TEST(size_distribution, a_range_is_log_uniform_and_fixed_per_file) {
  auto d = parsed("1KiB..1MiB");
  EXPECT_EQ(d.to_string(), "1KiB..1MiB");
  size_t below_32k = 0;
  for (uint64_t f = 0; f < 20000; ++f) {
    auto s = d.size_of(f, 7);
    ASSERT_GE(s, 1024u);
    ASSERT_LE(s, 1u << 20);
    EXPECT_EQ(s, d.size_of(f, 7));  // an overwrite keeps the file's size
    below_32k += s < (32u << 10) ? 1 : 0;
  }
  // log2(32 KiB / 1 KiB) / log2(1 MiB / 1 KiB) = 5/10 of the files.
  EXPECT_NEAR(static_cast<double>(below_32k) / 20000, 0.5, 0.02);
  EXPECT_NE(d.size_of(1, 7), d.size_of(1, 8));  // the seed picks other sizes
}

TEST(size_distribution, a_mix_follows_its_weights) {
  auto d = parsed("4KiB:80,64KiB:15,1MiB:5");
  EXPECT_EQ(d.largest(), 1u << 20);
  std::map<uint64_t, size_t> seen;
  for (uint64_t f = 0; f < 50000; ++f)
    ++seen[d.size_of(f, 42)];
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_NEAR(static_cast<double>(seen[4096]) / 50000, 0.80, 0.01);
  EXPECT_NEAR(static_cast<double>(seen[64u << 10]) / 50000, 0.15, 0.01);
  EXPECT_NEAR(static_cast<double>(seen[1u << 20]) / 50000, 0.05, 0.01);
}

TEST(size_distribution, bad_specs_are_refused_with_a_reason) {
  for (auto text : {"", "0", "big", "1MiB..1KiB", "4KiB:", "4KiB:0", "4KiB:-1", "4KiB:80,x:20",
                    "4KiB..", "..4KiB"}) {
    std::string why;
    EXPECT_FALSE(size_distribution::parse(text, why)) << text;
    EXPECT_NE(why, "") << text;
  }
}

}  // namespace
}  // namespace dfs
