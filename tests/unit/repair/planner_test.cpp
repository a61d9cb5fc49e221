#include <gtest/gtest.h>

#include <map>

#include "actors/repair/planner.hpp"

namespace dfs::repair {
namespace {

constexpr uint64_t gib = 1ull << 30;

node_info node(std::string id, node_state state = node_state::active, bool reachable = true,
               uint64_t free = 100 * gib, std::string domain = {}) {
  node_info n;
  n.id = std::move(id);
  n.state = state;
  n.reachable = reachable;
  n.bytes_free = free;
  n.domain = std::move(domain);
  return n;
}

chunk_info chunk(std::string id, uint32_t wanted, std::vector<std::string> replicas) {
  chunk_info c;
  c.id = std::move(id);
  c.length = 4 << 20;
  c.wanted = wanted;
  c.replicas = std::move(replicas);
  return c;
}

TEST(placement, only_active_reachable_nodes_with_room_and_not_excluded) {
  std::vector<node_info> nodes{node("a"),
                               node("b", node_state::dead, false),
                               node("c", node_state::draining),
                               node("d", node_state::active, false),
                               node("e", node_state::active, true, 1000),
                               node("f")};
  std::mt19937_64 rng{1};
  for (int i = 0; i < 50; ++i) {
    auto t = place(nodes, 3, 4 << 20, {"f"}, {}, rng);
    ASSERT_EQ(t, std::vector<std::string>{"a"});
  }
}

TEST(placement, targets_are_distinct_and_spread_over_failure_domains) {
  std::vector<node_info> nodes{node("a", node_state::active, true, 100 * gib, "r1"),
                               node("b", node_state::active, true, 100 * gib, "r1"),
                               node("c", node_state::active, true, 100 * gib, "r2"),
                               node("d", node_state::active, true, 100 * gib, "r2"),
                               node("e", node_state::active, true, 100 * gib, "r3")};
  std::mt19937_64 rng{7};
  std::map<std::string, int> picked;
  for (int i = 0; i < 300; ++i) {
    auto t = place(nodes, 3, 1, {}, {}, rng);
    ASSERT_EQ(t.size(), 3u);
    std::set<std::string> domains;
    for (auto& id : t) {
      ++picked[id];
      for (auto& n : nodes)
        if (n.id == id)
          domains.insert(n.domain);
    }
    EXPECT_EQ(domains.size(), 3u) << "three domains exist, so three are used";
  }
  EXPECT_EQ(picked.size(), 5u) << "every node gets some";
  // A kept replica's domain is avoided too.
  for (int i = 0; i < 50; ++i) {
    auto t = place(nodes, 2, 1, {"e"}, {"e"}, rng);
    ASSERT_EQ(t.size(), 2u);
    EXPECT_NE(t[0], t[1]);
  }
  // More targets than domains: domains repeat rather than fail.
  EXPECT_EQ(place(nodes, 5, 1, {}, {}, rng).size(), 5u);
}

TEST(placement, emptier_nodes_get_more_chunks) {
  std::vector<node_info> nodes{node("full", node_state::active, true, 1 * gib),
                               node("empty", node_state::active, true, 500 * gib),
                               node("half", node_state::active, true, 250 * gib)};
  std::mt19937_64 rng{3};
  std::map<std::string, int> picked;
  for (int i = 0; i < 3000; ++i)
    ++picked[place(nodes, 1, 1, {}, {}, rng).at(0)];
  EXPECT_GT(picked["empty"], picked["half"]);
  EXPECT_GT(picked["half"], picked["full"]);
  EXPECT_GT(picked["full"], 0) << "two random choices still spread some load to it";
}

TEST(placement, busier_nodes_get_fewer_chunks_at_equal_space) {
  std::vector<node_info> nodes{node("idle"), node("busy"), node("calm")};
  nodes[1].load = 0.9;
  nodes[2].load = 0.2;
  std::mt19937_64 rng{5};
  std::map<std::string, int> picked;
  for (int i = 0; i < 3000; ++i)
    ++picked[place(nodes, 1, 1, {}, {}, rng).at(0)];
  EXPECT_GT(picked["idle"], picked["calm"]);
  EXPECT_GT(picked["calm"], picked["busy"]);
  EXPECT_GT(picked["busy"], 0) << "still some load: it has the same room";
}

// A replication factor is held against the cluster's storage nodes, not
// the ones answering now: a node killed or dead still counts, a removed
// one does not.
TEST(placement, storage_members_count_nodes_that_are_away) {
  EXPECT_EQ(storage_members({"n1", "n2", "n3"}, {}, {}), 3u);
  // n3 went away after it was seen; the node table has not heard of it.
  EXPECT_EQ(storage_members({"n1", "n2", "n3"}, {{"n3", node_state::dead}}, {}), 3u);
  // A node in the table this gateway never reached (it was down when the
  // gateway started) counts as well.
  EXPECT_EQ(storage_members({"n1", "n2"}, {{"n3", node_state::active}}, {}), 3u);
  EXPECT_EQ(storage_members({"n1"}, {{"n2", node_state::draining}, {"n3", node_state::dead}}, {}),
            3u);
  // Removed: no longer a member, whether seen or in the table.
  EXPECT_EQ(storage_members({"n1", "n2", "n3"}, {{"n3", node_state::dead}}, {"n3"}), 2u);
  EXPECT_EQ(storage_members({}, {}, {"n1"}), 0u);
}

TEST(repair_plan, a_dead_nodes_copies_are_replaced_fewest_copies_first) {
  plan_input in;
  in.nodes = {node("a"), node("b", node_state::dead, false), node("c", node_state::dead, false),
              node("d"), node("e")};
  in.chunks = {chunk("x", 3, {"a", "b", "d"}), chunk("y", 3, {"a", "b", "c"}),
               chunk("z", 3, {"a", "d", "e"})};
  in.max_tasks = 10;
  std::mt19937_64 rng{1};
  auto p = plan_repairs(in, rng);
  EXPECT_EQ(p.under_replicated, 2u);
  ASSERT_EQ(p.tasks.size(), 2u);
  EXPECT_EQ(p.tasks[0].chunk, "y") << "one copy left: first";
  EXPECT_EQ(p.tasks[0].live, 1u);
  EXPECT_EQ(p.tasks[0].source, "a");
  EXPECT_TRUE(p.tasks[0].target == "d" || p.tasks[0].target == "e");
  EXPECT_EQ(p.tasks[0].drop, (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(p.tasks[1].chunk, "x");
  EXPECT_EQ(p.tasks[1].target, "e");
  EXPECT_EQ(p.tasks[1].drop, std::vector<std::string>{"b"});
  in.max_tasks = 1;
  EXPECT_EQ(plan_repairs(in, rng).tasks.size(), 1u) << "rate-limited";
  in.max_tasks = 10;
  in.busy = {"y"};
  p = plan_repairs(in, rng);
  ASSERT_EQ(p.tasks.size(), 1u);
  EXPECT_EQ(p.tasks[0].chunk, "x") << "a chunk in repair is left alone";
}

TEST(repair_plan, new_copies_stop_at_the_byte_allowance) {
  plan_input in;
  in.nodes = {node("a"), node("b", node_state::dead, false), node("c"), node("d")};
  for (auto id : {"p", "q", "r", "s"}) {
    in.chunks.push_back(chunk(id, 2, {"a", "b"}));
    in.chunks.back().length = 100;
  }
  in.max_tasks = 10;
  std::mt19937_64 rng{5};
  in.max_bytes = 250;
  EXPECT_EQ(plan_repairs(in, rng).tasks.size(), 3u) << "the third goes past 250 bytes; no fourth";
  in.max_bytes = 0;
  EXPECT_EQ(plan_repairs(in, rng).tasks.size(), 0u);
  in.max_bytes = 1;
  EXPECT_EQ(plan_repairs(in, rng).tasks.size(), 1u) << "a chunk larger than the allowance";
}

TEST(repair_rate, the_bucket_refills_at_its_rate_up_to_one_second) {
  rate_limit unlimited{0};
  EXPECT_EQ(unlimited.available(0), UINT64_MAX);
  rate_limit r{1000};  // bytes per second
  EXPECT_EQ(r.available(0), 1000u) << "starts full";
  r.spend(2500);  // one large copy: in debt
  EXPECT_EQ(r.available(1000), 0u) << "-1500 + 1000";
  EXPECT_EQ(r.available(1400), 0u);
  EXPECT_EQ(r.available(2000), 500u);
  EXPECT_EQ(r.available(60000), 1000u) << "capped at one second's worth";
  EXPECT_EQ(r.available(59000), 1000u) << "a clock going back changes nothing";
  r.spend(400);
  EXPECT_EQ(r.available(60100), 700u);
  // Plans 5 s apart: the bucket must hold 5 s worth to keep the rate.
  rate_limit slow_scans{1000, 5000};
  EXPECT_EQ(slow_scans.available(0), 5000u);
  slow_scans.spend(5000);
  EXPECT_EQ(slow_scans.available(5000), 5000u);
  EXPECT_EQ(slow_scans.available(20000), 5000u) << "capped at the burst";
  // Over a long run, what is spent tracks the rate.
  rate_limit steady{1 << 20};
  uint64_t spent = 0;
  for (int64_t t = 0; t <= 10000; t += 100) {
    auto n = steady.available(t);
    auto take = std::min<uint64_t>(n, 300000);
    steady.spend(take);
    spent += take;
  }
  EXPECT_NEAR(static_cast<double>(spent), 11.0 * (1 << 20), 0.05 * 11.0 * (1 << 20));
}

TEST(repair_plan, an_unreachable_node_inside_its_grace_period_still_counts) {
  plan_input in;
  in.nodes = {node("a"), node("b", node_state::active, false), node("c"), node("d")};
  in.chunks = {chunk("x", 3, {"a", "b", "c"})};
  in.max_tasks = 10;
  std::mt19937_64 rng{1};
  auto p = plan_repairs(in, rng);
  EXPECT_EQ(p.under_replicated, 0u);
  EXPECT_TRUE(p.tasks.empty());
}

TEST(repair_plan, a_bad_copy_is_restored_in_place_when_no_other_node_exists) {
  plan_input in;
  in.nodes = {node("a"), node("b"), node("c")};
  in.chunks = {chunk("x", 3, {"a", "b", "c"})};
  in.bad = {{"x", "b"}};
  in.max_tasks = 10;
  std::mt19937_64 rng{1};
  auto p = plan_repairs(in, rng);
  ASSERT_EQ(p.tasks.size(), 1u);
  EXPECT_EQ(p.tasks[0].target, "b");
  EXPECT_TRUE(p.tasks[0].drop.empty()) << "the record keeps b, whose copy is made good";
  EXPECT_NE(p.tasks[0].source, "b");
}

TEST(repair_plan, lost_unavailable_and_unplaceable_are_told_apart) {
  plan_input in;
  in.nodes = {node("a"), node("b", node_state::active, false), node("c", node_state::dead, false),
              node("d")};
  in.chunks = {chunk("lost", 2, {"a", "c"}), chunk("away", 2, {"b", "c"}),
               chunk("full", 2, {"a", "c"})};
  in.bad = {{"lost", "a"}};
  in.max_tasks = 10;
  std::mt19937_64 rng{1};
  auto p = plan_repairs(in, rng);
  EXPECT_EQ(p.under_replicated, 3u);
  EXPECT_EQ(p.lost, 1u);
  EXPECT_EQ(p.unavailable, 1u);
  EXPECT_EQ(p.unplaceable, 0u);
  ASSERT_EQ(p.tasks.size(), 1u);
  EXPECT_EQ(p.tasks[0].chunk, "full");
  EXPECT_EQ(p.tasks[0].target, "d");
  in.nodes[3].bytes_free = 10;  // no room anywhere
  in.bad.clear();
  p = plan_repairs(in, rng);
  EXPECT_EQ(p.unplaceable, 2u);
  EXPECT_TRUE(p.tasks.empty());
}

TEST(repair_plan, a_draining_copy_is_dropped_only_when_the_chunk_is_complete_again) {
  plan_input in;
  in.nodes = {node("a", node_state::draining), node("b", node_state::draining), node("c"),
              node("d"), node("e")};
  in.chunks = {chunk("x", 3, {"a", "b", "c"}), chunk("y", 2, {"a", "c"})};
  in.max_tasks = 10;
  std::mt19937_64 rng{5};
  auto p = plan_repairs(in, rng);
  EXPECT_EQ(p.on_draining, 2u);
  ASSERT_EQ(p.tasks.size(), 2u);
  EXPECT_EQ(p.tasks[0].chunk, "x");
  EXPECT_EQ(p.tasks[0].source, "c") << "an active copy is read rather than a draining one";
  EXPECT_TRUE(p.tasks[0].drop.empty()) << "x needs two more copies: a and b stay for now";
  EXPECT_EQ(p.tasks[1].chunk, "y");
  EXPECT_EQ(p.tasks[1].drop, std::vector<std::string>{"a"});
  EXPECT_NE(p.tasks[0].target, "a");
  EXPECT_NE(p.tasks[0].target, "b");
}

TEST(repair_plan, pending_bytes_keep_a_plan_from_overfilling_a_node) {
  plan_input in;
  in.nodes = {node("a"), node("b", node_state::dead, false),
              node("small", node_state::active, true, (4 << 20) + 1)};
  for (int i = 0; i < 5; ++i)
    in.chunks.push_back(chunk("c" + std::to_string(i), 2, {"a", "b"}));
  in.max_tasks = 10;
  std::mt19937_64 rng{1};
  auto p = plan_repairs(in, rng);
  EXPECT_EQ(p.tasks.size(), 1u) << "room for one chunk only";
  EXPECT_EQ(p.unplaceable, 4u);
}

TEST(repair_plan, random_clusters_never_plan_an_impossible_copy) {
  std::mt19937_64 gen{2026};
  for (int round = 0; round < 500; ++round) {
    plan_input in;
    int n = 1 + static_cast<int>(gen() % 7);
    for (int i = 0; i < n; ++i)
      in.nodes.push_back(node("n" + std::to_string(i), static_cast<node_state>(gen() % 3),
                              gen() % 4 != 0, (gen() % 3) * gib, "r" + std::to_string(gen() % 3)));
    for (int c = 0; c < 20; ++c) {
      auto ch = chunk("c" + std::to_string(c), 1 + static_cast<uint32_t>(gen() % 3), {});
      for (int i = 0; i < n; ++i)
        if (gen() % 2)
          ch.replicas.push_back("n" + std::to_string(i));
      if (ch.replicas.empty())
        ch.replicas.push_back("n0");
      if (gen() % 4 == 0)
        in.bad.insert({ch.id, ch.replicas[0]});
      in.chunks.push_back(ch);
    }
    in.max_tasks = gen() % 8;
    auto p = plan_repairs(in, gen);
    ASSERT_LE(p.tasks.size(), in.max_tasks);
    size_t previous_live = 0;
    for (auto& t : p.tasks) {
      const chunk_info* c = nullptr;
      for (auto& ch : in.chunks)
        if (ch.id == t.chunk)
          c = &ch;
      ASSERT_NE(c, nullptr);
      const node_info* src = nullptr;
      const node_info* dst = nullptr;
      for (auto& nd : in.nodes) {
        if (nd.id == t.source)
          src = &nd;
        if (nd.id == t.target)
          dst = &nd;
      }
      ASSERT_TRUE(src && dst);
      EXPECT_TRUE(src->reachable && src->state != node_state::dead);
      EXPECT_EQ(in.bad.count({t.chunk, t.source}), 0u) << "never read a bad copy";
      EXPECT_TRUE(dst->reachable && dst->state == node_state::active);
      EXPECT_NE(t.source, t.target);
      EXPECT_GE(t.live, previous_live) << "fewest copies first";
      previous_live = t.live;
      // What the record keeps after the task is never empty.
      size_t kept = 0;
      for (auto& r : c->replicas)
        if (std::find(t.drop.begin(), t.drop.end(), r) == t.drop.end())
          ++kept;
      EXPECT_GE(
        kept + (std::find(c->replicas.begin(), c->replicas.end(), t.target) == c->replicas.end()
                  ? 1
                  : 0),
        1u);
      EXPECT_TRUE(std::find(t.drop.begin(), t.drop.end(), t.target) == t.drop.end());
    }
  }
}

std::vector<std::string> names(const std::vector<gc_tracker::stored>& xs) {
  std::vector<std::string> out;
  for (auto& x : xs)
    out.push_back(x.chunk);
  return out;
}

TEST(garbage, a_copy_is_collected_only_after_the_grace_period_unreferenced) {
  gc_tracker gc{1000};
  std::set<std::string> referenced{"kept"};
  auto is_ref = [&](const std::string& c) { return referenced.count(c) > 0; };
  std::vector<gc_tracker::stored> inv{{"kept", 1}, {"old", 2}};
  EXPECT_TRUE(gc.observe("a", inv, is_ref, 5000).empty()) << "first sighting starts the clock";
  EXPECT_EQ(gc.waiting(), 1u);
  inv.push_back({"new", 3});  // written, not committed yet
  EXPECT_TRUE(gc.observe("a", inv, is_ref, 5999).empty());
  EXPECT_EQ(gc.waiting(), 2u);
  auto collected = gc.observe("a", inv, is_ref, 6000);
  EXPECT_EQ(names(collected), std::vector<std::string>{"old"}) << "'new' was first seen 1 ms ago";
  ASSERT_EQ(collected.size(), 1u);
  EXPECT_EQ(collected[0].created_ms, 2) << "the removal names the copy that was seen";
  referenced.insert("new");  // committed: no longer a candidate
  EXPECT_TRUE(gc.observe("a", inv, is_ref, 6500).empty());
  referenced.erase("new");  // deleted again: the clock starts over
  EXPECT_TRUE(gc.observe("a", inv, is_ref, 7000).empty());
  EXPECT_EQ(names(gc.observe("a", inv, is_ref, 8000)), (std::vector<std::string>{"old", "new"}));
  EXPECT_TRUE(gc.observe("b", inv, is_ref, 8000).empty()) << "per node";
  // A copy stored again (a new creation time) starts its grace over.
  std::vector<gc_tracker::stored> again{{"x", 1}};
  EXPECT_TRUE(gc.observe("c", again, is_ref, 10000).empty());
  again[0].created_ms = 2;
  EXPECT_TRUE(gc.observe("c", again, is_ref, 10999).empty());
  EXPECT_TRUE(gc.observe("c", again, is_ref, 11500).empty()) << "stored again at 10999";
  EXPECT_EQ(names(gc.observe("c", again, is_ref, 11999)), std::vector<std::string>{"x"});
}

TEST(repair_plan, a_complete_chunk_still_listing_dead_draining_or_bad_copies_is_cleaned_up) {
  plan_input in;
  in.nodes = {node("a"), node("b"), node("c"), node("d", node_state::dead, false),
              node("e", node_state::draining)};
  in.chunks = {chunk("x", 2, {"a", "b", "d"}), chunk("y", 2, {"a", "b", "e", "c"}),
               chunk("z", 2, {"a", "b"}), chunk("w", 2, {"a", "b", "c"})};
  in.bad = {{"w", "c"}};
  in.max_tasks = 10;
  std::mt19937_64 rng{1};
  auto p = plan_repairs(in, rng);
  EXPECT_TRUE(p.tasks.empty());
  ASSERT_EQ(p.cleanups.size(), 3u);
  std::map<std::string, std::vector<std::string>> drops;
  for (auto& t : p.cleanups) {
    EXPECT_TRUE(t.source.empty() && t.target.empty());
    drops[t.chunk] = t.drop;
  }
  EXPECT_EQ(drops["x"], std::vector<std::string>{"d"});
  EXPECT_EQ(drops["y"], std::vector<std::string>{"e"});
  EXPECT_EQ(drops["w"], std::vector<std::string>{"c"});
  in.busy = {"x"};
  EXPECT_EQ(plan_repairs(in, rng).cleanups.size(), 2u) << "not while a change is in flight";
}

}  // namespace
}  // namespace dfs::repair
