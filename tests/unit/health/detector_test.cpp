// The phi-accrual detector and the liveness state machine on simulated time.
#include <cmath>
#include <random>

#include <gtest/gtest.h>

#include "actors/health/detector.hpp"

namespace dfs::health {
namespace {

// Heartbeats every 500 ms +- `jitter`, from t=0 for `beats` beats; the time of the last.
int64_t feed(phi_detector& d, std::mt19937_64& rng, int beats, int64_t jitter, int64_t t = 0) {
  std::uniform_int_distribution<int64_t> j(-jitter, jitter);
  for (int i = 0; i < beats; ++i) {
    d.heartbeat(t);
    t += 500 + j(rng);
  }
  return t;
}

TEST(phi_detector, suspicion_grows_monotonically_with_silence) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    std::mt19937_64 rng{seed};
    phi_detector d;
    feed(d, rng, 100, 150);
    auto last = d.last_heartbeat_ms();
    double prev = -1;
    for (int64_t dt = 0; dt <= 20000; dt += 10) {
      auto phi = d.phi(last + dt);
      ASSERT_GE(phi, prev) << "seed " << seed << " at " << dt << " ms of silence";
      prev = phi;
    }
    EXPECT_LT(d.phi(last + 500), 0.5) << "seed " << seed;
    EXPECT_GT(d.phi(last + 5000), 10) << "seed " << seed;
    // Capped and finite however long the silence (phi travels in
    // messages, whose serializer loops forever on an infinity).
    EXPECT_EQ(d.phi(last + 100000000), phi_detector::max_phi);
    EXPECT_TRUE(std::isfinite(d.phi(last + 3600000)));
  }
}

TEST(phi_detector, irregular_heartbeats_are_suspected_later) {
  std::mt19937_64 rng{7};
  phi_detector regular, irregular;
  feed(regular, rng, 200, 10);
  int64_t t = 0;
  for (int i = 0; i < 200; ++i, t += i % 2 ? 100 : 900)  // gaps of 100 and 900 ms
    irregular.heartbeat(t);
  EXPECT_GT(irregular.std_dev_ms(), 1.5 * regular.std_dev_ms());
  auto silence = 2800;
  EXPECT_LT(irregular.phi(irregular.last_heartbeat_ms() + silence),
            regular.phi(regular.last_heartbeat_ms() + silence));
}

TEST(phi_detector, a_long_outage_is_not_learned_as_the_rhythm) {
  std::mt19937_64 rng{3};
  phi_detector d;
  auto t = feed(d, rng, 50, 50);
  auto before = d.mean_gap_ms();
  d.heartbeat(t + 60000);  // back after a minute away
  EXPECT_NEAR(d.mean_gap_ms(), before, 1.0);
  EXPECT_LT(d.phi(t + 60000 + 500), 0.5);
}

TEST(liveness, a_regular_node_stays_active_through_a_lost_heartbeat_now_and_then) {
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    std::mt19937_64 rng{seed};
    std::uniform_int_distribution<int64_t> jitter(-100, 100);
    std::bernoulli_distribution lost(0.05);
    liveness l;
    int64_t t = 0;
    int changes = 0;
    auto state = l.state();
    for (int i = 0; i < 2000; ++i) {
      if (!lost(rng))
        l.heartbeat(t);
      for (int64_t step = 0; step < 500; step += 100)
        l.evaluate(t + step);
      if (i > 0 && l.state() != state)
        ++changes;
      state = l.state();
      t += 500 + jitter(rng);
    }
    EXPECT_EQ(l.state(), node_health::active) << "seed " << seed;
    EXPECT_EQ(changes, 0) << "seed " << seed;
  }
}

TEST(liveness, a_noisy_but_alive_node_never_goes_down_nor_flaps) {
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    std::mt19937_64 rng{seed};
    std::uniform_int_distribution<int64_t> gap(100, 1400);
    liveness l;
    int64_t t = 0;
    int changes = 0;
    auto state = node_health::active;
    for (int i = 0; i < 2000; ++i) {
      l.heartbeat(t);
      auto next = t + gap(rng);
      for (int64_t at = t; at < next; at += 50)
        l.evaluate(at);
      if (i > 0 && l.state() != state)
        ++changes;
      state = l.state();
      t = next;
    }
    EXPECT_NE(l.state(), node_health::down) << "seed " << seed;
    EXPECT_LE(changes, 2) << "seed " << seed;
  }
}

TEST(liveness, silence_leads_to_suspect_then_down_within_seconds) {
  std::mt19937_64 rng{11};
  liveness l;
  int64_t t = 0;
  for (int i = 0; i < 100; ++i, t += 500)
    l.heartbeat(t);
  auto last = t - 500;
  int64_t suspect_at = -1, down_at = -1;
  for (int64_t now = last; now < last + 30000; now += 10) {
    auto s = l.evaluate(now);
    if (s == node_health::suspect && suspect_at < 0)
      suspect_at = now - last;
    if (s == node_health::down && down_at < 0)
      down_at = now - last;
  }
  ASSERT_GT(suspect_at, 0);
  ASSERT_GT(down_at, suspect_at);
  EXPECT_GT(suspect_at, 1000);  // not before the acceptable pause
  EXPECT_LT(down_at, 5000);
}

TEST(liveness, a_node_back_is_active_only_after_consistent_heartbeats) {
  liveness l;
  int64_t t = 0;
  for (int i = 0; i < 50; ++i, t += 500)
    l.heartbeat(t);
  EXPECT_EQ(l.evaluate(t + 10000), node_health::down);
  t += 10000;
  l.heartbeat(t);  // late: proves it alive, counts for nothing
  EXPECT_EQ(l.state(), node_health::down);
  l.heartbeat(t + 500);
  l.heartbeat(t + 1000);
  EXPECT_EQ(l.state(), node_health::down);
  l.heartbeat(t + 1500);
  EXPECT_EQ(l.state(), node_health::active);
  EXPECT_EQ(l.since_ms(), t + 1500);
  // Two on-time beats, then silence again: the count starts over.
  EXPECT_EQ(l.evaluate(t + 20000), node_health::down);
  l.heartbeat(t + 20000);
  l.heartbeat(t + 20500);
  l.heartbeat(t + 21000);
  EXPECT_EQ(l.evaluate(t + 30000), node_health::down);
  l.heartbeat(t + 30000);
  l.heartbeat(t + 30500);
  l.heartbeat(t + 31000);
  EXPECT_EQ(l.state(), node_health::down);
  l.heartbeat(t + 31500);
  EXPECT_EQ(l.state(), node_health::active);
}

TEST(liveness, a_late_heartbeat_makes_an_active_node_suspect_never_down) {
  liveness l;
  int64_t t = 0;
  for (int i = 0; i < 50; ++i, t += 500)
    l.heartbeat(t);
  ASSERT_EQ(l.state(), node_health::active);
  // No evaluation during the silence: the beat itself must not condemn it.
  l.heartbeat(t + 3700);
  EXPECT_EQ(l.state(), node_health::suspect);
}

TEST(liveness, a_node_never_heard_from_is_unknown_then_down_and_active_at_first_contact) {
  liveness l{liveness_config{}, 1000};
  EXPECT_EQ(l.evaluate(1000), node_health::suspect);
  EXPECT_EQ(l.evaluate(1000 + 60000), node_health::down);
  liveness fresh{liveness_config{}, 0};
  fresh.heartbeat(200);
  EXPECT_EQ(fresh.state(), node_health::active);
}

}  // namespace
}  // namespace dfs::health
