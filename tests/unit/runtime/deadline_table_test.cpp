#include <gtest/gtest.h>

#include <random>
#include <set>

#include "runtime/deadline_table.hpp"

namespace dfs {
namespace {

using std::chrono::milliseconds;
using time_point = deadline_table::time_point;

TEST(deadline_table, an_answer_settles_once_and_a_sweep_fails_only_what_is_due) {
  deadline_table t;
  time_point zero{};
  int expired = 0;
  auto a = t.add(zero + milliseconds{10}, [&] { ++expired; });
  auto b = t.add(zero + milliseconds{20}, [&] { expired += 10; });
  EXPECT_EQ(t.sweep(zero + milliseconds{9}), 0u);
  EXPECT_TRUE(t.settle(a)) << "answered in time";
  EXPECT_FALSE(t.settle(a)) << "a second answer does not count";
  EXPECT_EQ(t.sweep(zero + milliseconds{20}), 1u);
  EXPECT_EQ(expired, 10) << "only b expired, once";
  EXPECT_FALSE(t.settle(b)) << "an answer after the expiry is dropped";
  EXPECT_TRUE(t.empty());
}

// Random adds, answers and sweeps against a model: every request ends
// exactly once, by its answer or by its expiry, never before it is due.
TEST(deadline_table, every_request_ends_exactly_once) {
  for (uint32_t seed = 1; seed <= 50; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937 rng{seed};
    deadline_table t;
    time_point now{};
    std::map<uint64_t, time_point> open;
    std::set<uint64_t> ended;
    for (int step = 0; step < 500; ++step) {
      auto op = rng() % 3;
      if (op == 0) {
        auto due = now + milliseconds{rng() % 100};
        auto id = t.add(due, [&now, due] { EXPECT_LE(due, now) << "expired early"; });
        open[id] = due;
      } else if (op == 1 && !open.empty()) {
        auto it = std::next(open.begin(), static_cast<long>(rng() % open.size()));
        EXPECT_TRUE(t.settle(it->first));
        EXPECT_TRUE(ended.insert(it->first).second);
        open.erase(it);
      } else {
        now += milliseconds{rng() % 30};
        size_t due = 0;
        for (auto it = open.begin(); it != open.end();) {
          if (it->second <= now) {
            ++due;
            EXPECT_TRUE(ended.insert(it->first).second);
            it = open.erase(it);
          } else {
            ++it;
          }
        }
        EXPECT_EQ(t.sweep(now), due);
      }
      EXPECT_EQ(t.size(), open.size());
    }
  }
}

}  // namespace
}  // namespace dfs
