// Cache shards alone (single flight, abandon, expiry, byte budget, bad
// input) and behind a gateway (hits, one replica read for concurrent
// misses, bad or stuck shards never hurting a read).
#include <gtest/gtest.h>

#include <thread>

#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/cache/shard.hpp"
#include "actors/replica/chunk_store.hpp"
#include "tests/actor/fixture.hpp"

namespace dfs {
namespace {

using testing::pattern;
using testing::test_node;

chunk_id id_of(int i) {
  char buf[33];
  std::snprintf(buf, sizeof buf, "%032x", i);
  return chunk_id{buf};
}

struct shard_fixture {
  std::unique_ptr<system_config> cfg = std::make_unique<system_config>(2);
  std::unique_ptr<caf::actor_system> sys = std::make_unique<caf::actor_system>(*cfg);
  cache_actor shard;

  explicit shard_fixture(uint64_t budget = 1 << 20,
                         std::chrono::milliseconds load_timeout = std::chrono::seconds{5}) {
    cache_shard_config c;
    c.node = node_id{"n1"};
    c.budget = budget;
    c.typical_entry = 4096;
    c.load_timeout = load_timeout;
    c.tick = std::chrono::milliseconds{50};
    shard = *spawn_cache_shard(*sys, c);
  }
  ~shard_fixture() {
    caf::anon_send_exit(shard, caf::exit_reason::user_shutdown);
    shard = nullptr;
    sys.reset();
  }
  caf::expected<cache_lookup> lookup(const chunk_id& id) {
    caf::scoped_actor self{*sys};
    return blocking_call<cache_lookup>(self, shard, std::chrono::seconds{10}, lookup_atom::value,
                                       context_with_timeout(std::chrono::seconds{10}), id);
  }
  cache_shard_stats stats() {
    caf::scoped_actor self{*sys};
    return *blocking_call<cache_shard_stats>(self, shard, std::chrono::seconds{5},
                                             status_atom::value);
  }
};

TEST(cache_shard, the_first_miss_loads_and_the_others_wait_for_its_fill) {
  shard_fixture f;
  auto first = f.lookup(id_of(1));
  ASSERT_TRUE(first);
  EXPECT_FALSE(first->hit);
  EXPECT_TRUE(first->load) << "the first miss is told to load";
  std::vector<std::thread> waiters;
  std::vector<cache_lookup> answers(4);
  for (int i = 0; i < 4; ++i)
    waiters.emplace_back([&, i] { answers[i] = *f.lookup(id_of(1)); });
  // Every waiter is parked at the shard before the fill arrives.
  for (int tries = 0; f.stats().coalesced < 4 && tries < 200; ++tries)
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  EXPECT_EQ(f.stats().coalesced, 4u);  // (no ASSERT: the threads must be joined)
  caf::anon_send(f.shard, fill_atom::value, id_of(1), pattern(3000, 7));
  for (auto& t : waiters)
    t.join();
  for (auto& a : answers) {
    EXPECT_TRUE(a.hit);
    EXPECT_EQ(a.data, pattern(3000, 7));
  }
  auto later = f.lookup(id_of(1));
  EXPECT_TRUE(later->hit);
  EXPECT_EQ(later->data, pattern(3000, 7));
  auto s = f.stats();
  EXPECT_EQ(s.hits, 1u);
  EXPECT_EQ(s.misses, 5u);
  EXPECT_EQ(s.fills, 1u);
  EXPECT_EQ(s.entries, 1u);
}

TEST(cache_shard, an_abandoned_load_sends_its_waiters_to_the_replicas) {
  shard_fixture f;
  ASSERT_TRUE(f.lookup(id_of(2))->load);
  cache_lookup answer;
  std::thread waiter([&] { answer = *f.lookup(id_of(2)); });
  for (int tries = 0; f.stats().coalesced < 1 && tries < 200; ++tries)
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  caf::anon_send(f.shard, abandon_atom::value, id_of(2));
  waiter.join();
  EXPECT_FALSE(answer.hit);
  EXPECT_FALSE(answer.load) << "a waiter reads for itself, without filling";
  EXPECT_TRUE(f.lookup(id_of(2))->load) << "the next miss loads again";
}

TEST(cache_shard, a_load_that_never_fills_releases_its_waiters_in_time) {
  shard_fixture f(1 << 20, std::chrono::milliseconds{300});
  ASSERT_TRUE(f.lookup(id_of(3))->load);
  auto started = std::chrono::steady_clock::now();
  auto answer = f.lookup(id_of(3));
  ASSERT_TRUE(answer);
  EXPECT_FALSE(answer->hit);
  EXPECT_FALSE(answer->load);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds{2});
  EXPECT_TRUE(f.lookup(id_of(3))->load);
}

TEST(cache_shard, the_byte_budget_is_never_exceeded) {
  shard_fixture f(200000);
  std::mt19937_64 rng(5);
  for (int i = 0; i < 400; ++i) {
    int k = static_cast<int>(rng() % 60);
    auto found = f.lookup(id_of(k));
    ASSERT_TRUE(found);
    if (!found->hit && found->load)
      caf::anon_send(f.shard, fill_atom::value, id_of(k), pattern(1000 + (k * 997) % 20000, k));
    auto s = f.stats();
    ASSERT_LE(s.bytes, s.capacity);
  }
  auto s = f.stats();
  EXPECT_GT(s.evictions, 0u);
  EXPECT_GT(s.hits, 0u);
  EXPECT_EQ(s.capacity, 200000u);
}

TEST(cache_shard, bad_ids_are_refused_and_oversize_fills_ignored) {
  shard_fixture f;
  auto bad = f.lookup(chunk_id{"../../etc/passwd"});
  ASSERT_FALSE(bad);
  EXPECT_EQ(to_errc(bad.error()), errc::invalid_argument);
  ASSERT_TRUE(f.lookup(id_of(4))->load);
  caf::anon_send(f.shard, fill_atom::value, id_of(4), byte_buffer(2 << 20, 'x'));  // > budget
  EXPECT_FALSE(f.lookup(id_of(4))->hit);
  EXPECT_EQ(f.stats().bytes, 0u);
  // A fill larger than any chunk is dropped, and whoever waited is told
  // to read for themselves at once.
  ASSERT_TRUE(f.lookup(id_of(5))->load);
  auto fills = f.stats().fills;
  cache_lookup waited;
  std::thread waiter([&] { waited = *f.lookup(id_of(5)); });
  for (int tries = 0; f.stats().coalesced < 1 && tries < 200; ++tries)
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  caf::anon_send(f.shard, fill_atom::value, id_of(5), byte_buffer(max_chunk_bytes + 1, 'y'));
  waiter.join();
  EXPECT_FALSE(waited.hit);
  EXPECT_FALSE(waited.load);
  EXPECT_EQ(f.stats().fills, fills) << "not even offered to the store";
}

TEST(cache_shard, an_unknown_policy_does_not_start) {
  system_config cfg(1);
  caf::actor_system sys(cfg);
  cache_shard_config c;
  c.policy = "random";
  auto shard = spawn_cache_shard(sys, c);
  ASSERT_FALSE(shard);
  EXPECT_EQ(to_errc(shard.error()), errc::invalid_argument);
}

testing::node_options with_cache() {
  testing::node_options o;
  o.cache_bytes = 8 << 20;
  return o;
}

cache_shard_stats total_stats(test_node& node) {
  cache_shard_stats t;
  for (auto& shard : node.handles.caches) {
    auto s = *node.ask<cache_shard_stats>(shard, status_atom::value);
    t.hits += s.hits, t.misses += s.misses, t.fills += s.fills, t.coalesced += s.coalesced;
    t.released += s.released, t.removed += s.removed;
  }
  return t;
}

TEST(gateway_cache, a_second_read_is_served_from_the_cache) {
  test_node node(with_cache());
  ASSERT_EQ(node.handles.caches.size(), 2u);
  auto data = pattern(3 * 65536 + 100, 9);
  ASSERT_TRUE(node.put("/f", data));
  EXPECT_EQ(*node.get("/f"), data);
  // Fills are sent after the reply: wait until all four have landed.
  for (int tries = 0; total_stats(node).fills < 4 && tries < 200; ++tries)
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  EXPECT_EQ(total_stats(node).fills, 4u);
  EXPECT_EQ(*node.get("/f"), data);
  auto s = total_stats(node);
  EXPECT_EQ(s.hits, 4u);
  EXPECT_EQ(s.misses, 4u);
}

TEST(gateway_cache, concurrent_misses_on_one_chunk_read_the_replica_once) {
  test_node node(with_cache());
  auto data = pattern(60000, 3);
  auto info = node.put("/one", data);
  ASSERT_TRUE(info);
  auto ref = info->chunks.at(0);
  std::vector<std::thread> readers;
  std::atomic<int> good{0};
  for (int i = 0; i < 8; ++i)
    readers.emplace_back([&] {
      caf::scoped_actor self{*node.sys};
      auto got = blocking_call<byte_buffer>(self, node.handles.gateway, std::chrono::seconds{5},
                                            read_atom::value, test_node::ctx(), ref);
      good += got && *got == data;
    });
  for (auto& t : readers)
    t.join();
  EXPECT_EQ(good, 8);
  for (int tries = 0; total_stats(node).fills < 1 && tries < 200; ++tries)
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  auto s = total_stats(node);
  EXPECT_EQ(s.fills, 1u) << "one load, one fill";
  EXPECT_EQ(s.hits + s.coalesced, 7u);
  EXPECT_EQ(s.released, 0u) << "every waiter got the loader's bytes, none read the replica";
}

// A fill by reference: the shard reads the chunk from its own node's
// replica, checks it against the reference and answers the lookup waiting
// for it. A reference the replica does not match, or a chunk the node
// does not hold, caches nothing, and the waiter is told at once (not at
// the load's expiry, 1.5 s) to read the chunk itself.
TEST(cache_shard, a_fill_by_reference_reads_the_nodes_own_replica) {
  test_node node(with_cache());
  auto data = pattern(200000, 8);
  auto info = node.put("/f", data);
  ASSERT_TRUE(info);
  ASSERT_GE(info->chunks.size(), 2u);
  auto shard = node.handles.caches.at(0);
  auto lookup = [&](const chunk_id& id) {
    caf::scoped_actor self{*node.sys};
    auto r = blocking_call<cache_lookup>(self, shard, std::chrono::seconds{10}, lookup_atom::value,
                                         test_node::ctx(), id);
    if (!r)
      ADD_FAILURE() << "lookup failed: " << describe(r.error());
    return r ? *r : cache_lookup{};
  };
  uint64_t parked = 0;
  // Loads `ref`'s chunk, parks a second lookup behind the load, sends the
  // fill by reference, and returns what the parked lookup was told and
  // how long after the fill.
  auto fill_while_waiting = [&](const chunk_ref& ref) {
    EXPECT_TRUE(lookup(ref.id).load);
    cache_lookup told;
    std::thread waiter{[&] { told = lookup(ref.id); }};
    ++parked;
    for (int tries = 0; total_stats(node).coalesced < parked && tries < 200; ++tries)
      std::this_thread::sleep_for(std::chrono::milliseconds{10});
    EXPECT_EQ(total_stats(node).coalesced, parked);
    auto sent = std::chrono::steady_clock::now();
    caf::anon_send(shard, fill_atom::value, test_node::ctx(), ref);
    waiter.join();
    return std::make_pair(told, std::chrono::steady_clock::now() - sent);
  };
  auto ref = info->chunks[0];
  byte_buffer expected(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(ref.length));
  auto [waited, took] = fill_while_waiting(ref);
  EXPECT_TRUE(waited.hit);
  EXPECT_TRUE(waited.data == expected);
  auto again = lookup(ref.id);
  EXPECT_TRUE(again.hit);
  EXPECT_TRUE(again.data == expected);
  auto fills = total_stats(node).fills;
  auto bad = info->chunks[1];
  bad.checksum ^= 1;
  auto absent = bad;
  absent.id = id_of(77);  // not stored on this node
  for (auto& wrong : {bad, absent}) {
    auto [told, after] = fill_while_waiting(wrong);
    EXPECT_FALSE(told.hit) << "bytes that do not match the reference are not served";
    EXPECT_LT(after, std::chrono::milliseconds{1000}) << "told at once, not at the load's expiry";
    EXPECT_EQ(total_stats(node).fills, fills) << "nor cached";
    EXPECT_TRUE(lookup(wrong.id).load) << "the load was given up: the next miss loads";
  }
}

// A fake cache shard: `lookup` answers lookups, everything else is ignored.
template <class Lookup>
cache_actor::behavior_type fake_shard(Lookup lookup) {
  return {
    std::move(lookup),
    [](fill_atom, const chunk_id&, const byte_buffer&) {},
    [](fill_atom, const request_context&, const chunk_ref&) {},
    [](abandon_atom, const chunk_id&) {},
    [](remove_atom, const chunk_id&) {},
    [](status_atom) { return cache_shard_stats{}; },
    [](tick_atom) {},
  };
}

// A cache shard that answers every lookup with bytes that are not the chunk's.
cache_actor::behavior_type lying_shard(cache_actor::pointer) {
  return fake_shard([](lookup_atom, const request_context&, const chunk_id&) {
    return cache_lookup{true, false, byte_buffer(100, 'z')};
  });
}

// One that never answers a lookup (a paused node's shard).
struct stuck_state {
  std::vector<caf::typed_response_promise<cache_lookup>> parked;
};
cache_actor::behavior_type stuck_shard(cache_actor::stateful_pointer<stuck_state> self) {
  return fake_shard(
    [=](lookup_atom, const request_context&, const chunk_id&) -> caf::result<cache_lookup> {
      auto rp = self->make_response_promise<cache_lookup>();
      self->state.parked.push_back(rp);
      return rp;
    });
}

TEST(gateway_cache, bytes_from_a_lying_shard_are_never_served) {
  test_node node;
  auto data = pattern(5000, 4);
  ASSERT_TRUE(node.put("/f", data));
  auto liar = node.sys->spawn(lying_shard);
  caf::anon_send(node.handles.gateway, peers_atom::value, node_id{"n9"}, replica_actor{},
                 std::vector<cache_actor>{liar});
  EXPECT_EQ(*node.get("/f"), data);
  caf::anon_send_exit(liar, caf::exit_reason::user_shutdown);
}

TEST(gateway_cache, a_bad_cached_copy_is_dropped_and_replaced) {
  test_node node(with_cache());
  auto data = pattern(5000, 6);
  auto info = node.put("/f", data);
  ASSERT_TRUE(info);
  auto id = info->chunks.at(0).id;
  for (auto& shard : node.handles.caches) {  // whichever owns it now holds garbage
    ASSERT_TRUE(node.ask<cache_lookup>(shard, lookup_atom::value, test_node::ctx(), id)->load);
    caf::anon_send(shard, fill_atom::value, id, byte_buffer(5000, 'z'));
  }
  EXPECT_EQ(*node.get("/f"), data);
  for (int tries = 0; total_stats(node).removed < 1 && tries < 200; ++tries)
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  EXPECT_EQ(total_stats(node).removed, 1u);
  EXPECT_EQ(*node.get("/f"), data);  // a miss: read and filled with the good bytes
  for (int tries = 0; total_stats(node).fills < 3 && tries < 200; ++tries)
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  auto hits = total_stats(node).hits;
  EXPECT_EQ(*node.get("/f"), data);
  EXPECT_EQ(total_stats(node).hits, hits + 1) << "now a hit with the right bytes";
}

TEST(gateway_cache, a_stuck_shard_delays_one_read_then_is_skipped) {
  test_node node;
  auto data = pattern(5000, 5);
  ASSERT_TRUE(node.put("/f", data));
  auto stuck = node.sys->spawn(stuck_shard);
  caf::anon_send(node.handles.gateway, peers_atom::value, node_id{"n9"}, replica_actor{},
                 std::vector<cache_actor>{stuck});
  auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(*node.get("/f"), data) << "read from the replica after the cache deadline";
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds{5});
  started = std::chrono::steady_clock::now();
  EXPECT_EQ(*node.get("/f"), data);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds{500})
    << "the stuck shard's node is skipped";
  caf::anon_send_exit(stuck, caf::exit_reason::user_shutdown);
}

}  // namespace
}  // namespace dfs
