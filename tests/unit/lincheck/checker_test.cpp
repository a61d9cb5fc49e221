#include <gtest/gtest.h>

#include <random>

#include "tests/lincheck/checker.hpp"

namespace dfs::lincheck {
namespace {

constexpr int64_t never = std::numeric_limits<int64_t>::max();

operation put(std::string key, std::string value, int64_t from, int64_t to) {
  operation op;
  op.kind = op_kind::put;
  op.key = std::move(key);
  op.value = std::move(value);
  op.invoked = from;
  op.returned = to;
  return op;
}

operation get(std::string key, std::optional<std::string> read, int64_t from, int64_t to) {
  operation op;
  op.kind = op_kind::get;
  op.key = std::move(key);
  op.read = std::move(read);
  op.invoked = from;
  op.returned = to;
  return op;
}

operation rm(std::string key, std::string status, int64_t from, int64_t to) {
  operation op;
  op.kind = op_kind::remove;
  op.key = std::move(key);
  op.status = std::move(status);
  op.invoked = from;
  op.returned = to;
  return op;
}

TEST(lincheck, a_sequential_history_is_linearizable) {
  EXPECT_TRUE(check({put("k", "1", 0, 1), get("k", "1", 2, 3), rm("k", "ok", 4, 5),
                     get("k", std::nullopt, 6, 7), rm("k", "not_found", 8, 9)})
                .linearizable);
}

TEST(lincheck, a_stale_read_after_a_completed_write_is_not) {
  auto v = check({put("k", "1", 0, 1), put("k", "2", 2, 3), get("k", "1", 4, 5)});
  EXPECT_FALSE(v.linearizable);
  EXPECT_EQ(v.key, "k");
}

TEST(lincheck, overlapping_operations_may_take_effect_in_either_order) {
  EXPECT_TRUE(check({put("k", "1", 0, 10), get("k", "1", 2, 3)}).linearizable);
  EXPECT_TRUE(check({put("k", "1", 0, 10), get("k", std::nullopt, 2, 3)}).linearizable);
}

TEST(lincheck, reads_may_not_travel_back_in_time) {
  // A write overlaps two reads; the second read starts after the first
  // returned the new value, so it may not see the old one.
  EXPECT_FALSE(check({put("k", "old", 0, 1), put("k", "new", 2, 20), get("k", "new", 3, 4),
                      get("k", "old", 5, 6)})
                 .linearizable);
}

TEST(lincheck, a_timed_out_write_may_or_may_not_have_happened) {
  EXPECT_TRUE(check({put("k", "1", 0, never), get("k", "1", 5, 6)}).linearizable);
  EXPECT_TRUE(check({put("k", "1", 0, never), get("k", std::nullopt, 5, 6)}).linearizable);
  // ...but not both ways for reads that are ordered.
  EXPECT_FALSE(check({put("k", "1", 0, never), get("k", "1", 5, 6), get("k", std::nullopt, 7, 8)})
                 .linearizable);
}

TEST(lincheck, keys_are_checked_independently) {
  auto v =
    check({put("a", "1", 0, 1), get("a", "1", 2, 3), put("b", "1", 0, 1), get("b", "2", 2, 3)});
  EXPECT_FALSE(v.linearizable);
  EXPECT_EQ(v.key, "b");
}

// Histories made from a real sequential execution with random overlaps are
// linearizable by construction; corrupting one read breaks them.
TEST(lincheck, random_histories_from_a_real_execution) {
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    std::mt19937_64 rng{seed};
    std::vector<operation> history;
    std::optional<std::string> value;
    int64_t t = 0;
    for (int i = 0; i < 12; ++i) {
      // The operation takes effect at `at`; its call and return straddle it.
      auto at = (t += 10);
      auto from = at - static_cast<int64_t>(rng() % 15);
      auto to = at + static_cast<int64_t>(rng() % 15);
      switch (rng() % 3) {
        case 0:
          value = "v" + std::to_string(i);
          history.push_back(put("k", *value, from, rng() % 8 == 0 ? never : to));
          break;
        case 1:
          history.push_back(get("k", value, from, to));
          break;
        default:
          history.push_back(rm("k", value ? "ok" : "not_found", from, to));
          value.reset();
      }
    }
    ASSERT_TRUE(check(history).linearizable) << "seed " << seed;
    for (auto& op : history)
      if (op.kind == op_kind::get) {
        op.read = std::string{"never-written"};
        EXPECT_FALSE(check(history).linearizable) << "seed " << seed;
        break;
      }
  }
}

}  // namespace
}  // namespace dfs::lincheck
