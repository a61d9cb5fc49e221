// Read routing, the circuit breaker, admission control and retry pauses,
// on simulated time with seeded randomness.
#include <cmath>
#include <map>
#include <random>

#include <gtest/gtest.h>

#include "actors/balancer/admission.hpp"
#include "actors/balancer/backoff.hpp"
#include "actors/balancer/router.hpp"

namespace dfs::balancer {
namespace {

const std::vector<std::string> three{"n1", "n2", "n3"};

// Requests arrive every millisecond; each is answered by its node after
// that node's latency (several overlap, so in-flight counts matter).
// Returns the share of requests each node got in [from_ms, to_ms).
struct simulation {
  router r;
  std::mt19937_64 rng;
  std::map<std::string, double> latency_ms{{"n1", 1}, {"n2", 1}, {"n3", 1}};
  struct answer {
    std::string node;
    double started;
    int64_t generation;
  };
  std::multimap<double, answer> answers;  // by when it comes
  int64_t now = 0;
  int64_t every_ms = 1;  // one request per this many milliseconds
  std::string local;     // the router's own node (empty: none)

  explicit simulation(uint64_t seed) : rng(seed) {}

  std::map<std::string, double> run(int64_t until_ms) {
    std::map<std::string, double> share;
    double total = 0;
    for (; now < until_ms; ++now) {
      while (!answers.empty() && answers.begin()->first <= static_cast<double>(now)) {
        auto a = answers.begin()->second;
        r.finish(a.node, now, static_cast<double>(now) - a.started, 4096, router::outcome::success,
                 a.generation);
        answers.erase(answers.begin());
      }
      if (now % every_ms != 0)
        continue;
      auto order = r.order(three, now, rng, local);
      for (auto& node : order)
        if (auto gen = r.dispatch(node, now); gen >= 0) {
          answers.emplace(static_cast<double>(now) + latency_ms[node],
                          answer{node, static_cast<double>(now), gen});
          share[node] += 1;
          total += 1;
          break;
        }
    }
    for (auto& [n, s] : share)
      s /= total;
    return share;
  }
};

TEST(router, spreads_reads_over_equal_nodes) {
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    simulation sim{seed};
    auto share = sim.run(10000);
    for (auto& n : three)
      EXPECT_NEAR(share[n], 1.0 / 3, 0.12) << n << " seed " << seed;
  }
}

TEST(router, a_node_turned_slow_loses_its_traffic_within_a_second_and_regains_it_after) {
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    simulation sim{seed};
    sim.run(5000);
    sim.latency_ms["n3"] = 10;  // 10x slower from now on
    sim.run(6000);              // a second to notice
    auto slow = sim.run(16000);
    EXPECT_LT(slow["n3"], 0.01) << "seed " << seed;
    EXPECT_GT(slow["n3"], 0.0) << "seed " << seed << ": never probed again";
    sim.latency_ms["n3"] = 1;
    sim.run(26000);
    auto back = sim.run(36000);
    EXPECT_GT(back["n3"], 0.2) << "seed " << seed;
  }
}

TEST(router, at_ten_requests_a_second_a_slow_node_still_loses_most_traffic_and_regains_it) {
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    simulation sim{seed};
    sim.every_ms = 100;
    sim.run(30000);
    sim.latency_ms["n3"] = 10;
    auto slow = sim.run(90000);
    EXPECT_LT(slow["n3"], 0.10) << "seed " << seed;
    sim.latency_ms["n3"] = 1;
    sim.run(120000);
    auto back = sim.run(180000);
    EXPECT_GT(back["n3"], 0.2) << "seed " << seed;
  }
}

TEST(router, the_own_node_goes_first_until_it_costs_much_more_than_the_others) {
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    simulation sim{seed};
    sim.local = "n2";
    auto share = sim.run(10000);
    EXPECT_GT(share["n2"], 0.6) << "seed " << seed;
    // Busier: each answer takes 4 ms, so several are in flight and the
    // own node's queue sends the rest elsewhere.
    sim.latency_ms = {{"n1", 4}, {"n2", 4}, {"n3", 4}};
    sim.run(15000);
    share = sim.run(25000);
    EXPECT_LT(share["n2"], 0.6) << "seed " << seed;
    EXPECT_GT(share["n1"], 0.15) << "seed " << seed;
    // Slow: the own node loses its traffic like any other.
    sim.latency_ms = {{"n1", 1}, {"n2", 10}, {"n3", 1}};
    sim.run(26000);
    share = sim.run(36000);
    EXPECT_LT(share["n2"], 0.02) << "seed " << seed;
  }
  // Not a candidate, or down: no effect.
  router r;
  std::mt19937_64 rng{1};
  r.set_health("a", health::node_health::down, 0);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(r.order({"a", "b"}, 0, rng, "a").front(), "b");
    EXPECT_EQ(r.order({"b"}, 0, rng, "c").front(), "b");
  }
}

TEST(router, more_requests_in_flight_cost_more) {
  router r;
  std::mt19937_64 rng{1};
  for (auto& n : {"a", "b"}) {
    auto gen = r.dispatch(n, 0);
    r.finish(n, 1, 1.0, 0, router::outcome::success, gen);
  }
  for (int i = 0; i < 5; ++i)
    r.dispatch("a", 2);
  for (int i = 0; i < 20; ++i)
    EXPECT_EQ(r.order({"a", "b"}, 2, rng).front(), "b");
}

TEST(router, expects_a_read_to_take_its_nodes_latency_per_unit_of_its_size) {
  router_config cfg;
  cfg.unit_bytes = 1000;
  router r{cfg};
  EXPECT_EQ(r.expected_ms("a", 0, 100), 0.0);  // never measured
  auto gen = r.dispatch("a", 0);
  r.finish("a", 10, 4.0, 3000, router::outcome::success, gen);  // 4 units in 4 ms
  EXPECT_DOUBLE_EQ(r.expected_ms("a", 10, 0), 1.0);
  EXPECT_DOUBLE_EQ(r.expected_ms("a", 10, 9000), 10.0);
  EXPECT_EQ(r.expected_ms("b", 10, 0), 0.0);
}

TEST(router, cpu_breaks_ties) {
  router r;
  std::mt19937_64 rng{1};
  r.set_health("a", health::node_health::active, 0.9);
  r.set_health("b", health::node_health::active, 0.1);
  for (int i = 0; i < 20; ++i)
    EXPECT_EQ(r.order({"a", "b"}, 0, rng).front(), "b");
}

TEST(router, down_suspect_and_refused_nodes_come_last) {
  router_config cfg;
  cfg.breaker.failure_threshold = 2;
  router r{cfg};
  std::mt19937_64 rng{1};
  r.set_health("down", health::node_health::down, 0);
  r.set_health("suspect", health::node_health::suspect, 0);
  for (int i = 0; i < 2; ++i) {
    auto gen = r.dispatch("broken", 0);
    ASSERT_GE(gen, 0);
    r.finish("broken", 1, 5, 0, router::outcome::failure, gen);
  }
  EXPECT_EQ(r.stats("broken", 1).breaker, breaker_state::open);
  for (int i = 0; i < 20; ++i) {
    auto o = r.order({"down", "broken", "suspect", "ok"}, 2, rng);
    ASSERT_EQ(o.size(), 4u);
    EXPECT_EQ(o[0], "ok");
    EXPECT_EQ(o[1], "suspect");
  }
  EXPECT_LT(r.dispatch("broken", 2), 0);
  EXPECT_GE(r.dispatch("broken", 2, true), 0) << "forced: the last copy is asked anyway";
}

TEST(router, outcomes_of_requests_sent_before_the_breaker_opened_do_not_move_it) {
  router_config cfg;
  cfg.breaker.failure_threshold = 2;
  cfg.breaker.cool_down_ms = 1000;
  router r{cfg};
  std::vector<int64_t> early;
  for (int i = 0; i < 5; ++i)
    early.push_back(r.dispatch("n", 0));
  r.finish("n", 10, 5, 0, router::outcome::failure, early[0]);
  r.finish("n", 10, 5, 0, router::outcome::failure, early[1]);
  ASSERT_EQ(r.stats("n", 10).breaker, breaker_state::open);
  // Half-open: a probe goes out; the early requests time out meanwhile.
  auto probe = r.dispatch("n", 1010);
  ASSERT_GE(probe, 0);
  r.finish("n", 1011, 900, 0, router::outcome::failure, early[2]);
  EXPECT_EQ(r.stats("n", 1011).breaker, breaker_state::half_open) << "a stale failure";
  r.finish("n", 1012, 900, 0, router::outcome::success, early[3]);
  r.finish("n", 1012, 900, 0, router::outcome::success, early[4]);
  EXPECT_EQ(r.stats("n", 1012).breaker, breaker_state::half_open) << "stale successes";
  EXPECT_EQ(r.stats("n", 1012).in_flight, 1u);
  r.finish("n", 1013, 1, 0, router::outcome::failure, probe);
  EXPECT_EQ(r.stats("n", 1013).breaker, breaker_state::open) << "the probe's own failure counts";
}

TEST(router, estimates_stay_finite_and_bounded_through_many_failures) {
  router r;
  auto gen = r.dispatch("n", 0);
  r.finish("n", 1, 2, 0, router::outcome::success, gen);
  for (int i = 0; i < 5000; ++i) {
    auto g = r.dispatch("n", 2, true);
    r.finish("n", 2, 1, 0, router::outcome::failure, g);  // a batch failed at once
  }
  auto s = r.stats("n", 2);
  EXPECT_TRUE(std::isfinite(s.latency_ms));
  EXPECT_LE(s.latency_ms, 2.0) << "quick failures do not inflate the estimate";
  for (int i = 0; i < 100; ++i) {
    auto g = r.dispatch("n", 3, true);
    r.finish("n", 3, 1e12, 0, router::outcome::failure, g);  // absurd timeouts
  }
  EXPECT_LE(r.stats("n", 3).latency_ms, router_config{}.max_latency_ms);
}

TEST(breaker, opens_after_consecutive_failures_probes_and_closes) {
  breaker_config cfg;
  cfg.failure_threshold = 3;
  cfg.cool_down_ms = 1000;
  cfg.probes = 2;
  circuit_breaker b{cfg};
  b.failure(0);
  b.failure(1);
  b.success(2);  // not in a row
  b.failure(3);
  b.failure(4);
  EXPECT_EQ(b.state(5), breaker_state::closed);
  b.failure(5);
  EXPECT_EQ(b.state(6), breaker_state::open);
  EXPECT_FALSE(b.allow(999));
  EXPECT_EQ(b.state(1005), breaker_state::half_open);
  EXPECT_TRUE(b.allow(1005));
  EXPECT_TRUE(b.allow(1005));
  EXPECT_FALSE(b.allow(1005));  // only `probes` at once
  b.success(1010);
  EXPECT_EQ(b.state(1010), breaker_state::half_open);
  b.success(1011);
  EXPECT_EQ(b.state(1011), breaker_state::closed);
}

TEST(breaker, a_failed_probe_reopens_it_for_twice_as_long) {
  breaker_config cfg;
  cfg.failure_threshold = 1;
  cfg.cool_down_ms = 1000;
  cfg.max_cool_down_ms = 3000;
  circuit_breaker b{cfg};
  b.failure(0);
  ASSERT_TRUE(b.allow(1000));
  b.failure(1000);
  EXPECT_EQ(b.state(2999), breaker_state::open);
  EXPECT_EQ(b.state(3000), breaker_state::half_open);
  ASSERT_TRUE(b.allow(3000));
  b.failure(3000);
  EXPECT_EQ(b.state(5999), breaker_state::open);  // capped at 3000
  EXPECT_EQ(b.state(6000), breaker_state::half_open);
  EXPECT_EQ(b.times_opened(), 3u);
}

TEST(token_bucket, refills_at_its_rate_up_to_its_burst) {
  token_bucket b{10, 5, 0};
  for (int i = 0; i < 5; ++i)
    EXPECT_TRUE(b.try_take(0));
  EXPECT_FALSE(b.try_take(0));
  EXPECT_EQ(b.retry_after_ms(0), 100);
  EXPECT_FALSE(b.try_take(99));
  EXPECT_TRUE(b.try_take(100));
  EXPECT_NEAR(b.tokens(100000), 5, 1e-9);
}

TEST(admission, refuses_past_the_in_flight_limit_at_once_and_admits_after_release) {
  admission_config cfg;
  cfg.max_in_flight = 3;
  admission a{cfg};
  for (int i = 0; i < 3; ++i)
    EXPECT_TRUE(a.admit("c", 0).admitted);
  auto v = a.admit("c", 0);
  EXPECT_FALSE(v.admitted);
  EXPECT_STREQ(v.reason, "in-flight limit");
  EXPECT_GE(v.retry_after_ms, 1);
  a.release();
  EXPECT_TRUE(a.admit("c", 0).admitted);
}

TEST(admission, limits_each_client_to_its_rate_without_touching_others) {
  admission_config cfg;
  cfg.client_rate = 100;
  cfg.client_burst = 10;
  cfg.max_clients = 2;
  admission a{cfg};
  int ok = 0;
  for (int i = 0; i < 50; ++i)
    if (a.admit("greedy", 0).admitted) {
      ++ok;
      a.release();
    }
  EXPECT_EQ(ok, 10);
  auto v = a.admit("greedy", 0);
  EXPECT_FALSE(v.admitted);
  EXPECT_STREQ(v.reason, "client rate limit");
  EXPECT_EQ(v.retry_after_ms, 10);
  EXPECT_TRUE(a.admit("polite", 0).admitted);
  a.admit("third", 0);
  EXPECT_LE(a.clients(), 2u);  // bounded: the least recent went
}

TEST(backoff, grows_exponentially_with_full_jitter_and_respects_the_deadline) {
  backoff_config cfg;
  cfg.base_ms = 10;
  cfg.cap_ms = 200;
  cfg.max_attempts = 8;
  std::mt19937_64 rng{5};
  for (uint32_t attempt = 0; attempt < 8; ++attempt) {
    int64_t ceiling = std::min<int64_t>(200, 10ll << attempt);
    int64_t lo = ceiling, hi = 0;
    for (int i = 0; i < 2000; ++i) {
      auto p = next_backoff(cfg, attempt, 100000, 0, rng);
      ASSERT_TRUE(p);
      lo = std::min(lo, *p);
      hi = std::max(hi, *p);
    }
    EXPECT_LE(hi, ceiling);
    EXPECT_LE(lo, ceiling / 10 + 1);      // full jitter reaches near zero
    EXPECT_GE(hi, ceiling * 9 / 10 - 1);  // and near the ceiling
  }
  EXPECT_FALSE(next_backoff(cfg, 8, 100000, 0, rng));  // attempts used up
  EXPECT_FALSE(next_backoff(cfg, 0, 5, 10, rng));      // no time left for a try
  for (int i = 0; i < 100; ++i)
    EXPECT_LE(*next_backoff(cfg, 7, 50, 20, rng), 30);  // never past the deadline
}

}  // namespace
}  // namespace dfs::balancer
