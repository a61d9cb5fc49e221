// The client library's meta_batcher in front of a scripted member: every
// stat gets its own answer whichever batch carried it, stats sent together
// travel together, and a failed batch fails each of its stats. Given a
// scripted group, a stat goes to the leader in one round trip when the
// other members confirm it, and the usual way when they do not.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/client/meta_batcher.hpp"
#include "messages/errc.hpp"
#include "runtime/deadline.hpp"
#include "runtime/system.hpp"

namespace dfs {
namespace {

using namespace std::chrono_literals;

// What the scripted member saw, and the Raft standing it reports.
struct member_log {
  std::string id = "m1";
  std::string role = "leader";
  std::string leader = "m1";
  std::atomic<uint64_t> term{1};
  std::vector<std::string> voters{"m1"};
  std::atomic<bool> refuse_lead{false};
  std::atomic<bool> silent_lead{false};    // never answers a lead stat
  std::atomic<bool> silent_status{false};  // never answers a status request
  std::vector<caf::typed_response_promise<batch_results>> unanswered;
  std::vector<caf::typed_response_promise<raft_status>> unanswered_status;
  std::atomic<int> lead_batches{0};
  std::atomic<int> statuses{0};
  std::atomic<int> batches{0};
  std::atomic<int> batched_stats{0};
  std::atomic<int> single_stats{0};
  std::atomic<int> proposals{0};
  std::atomic<int> lists{0};
  std::atomic<bool> fail_batches{false};
};

caf::expected<file_info> scripted_stat(const std::string& path) {
  if (path.rfind("/missing", 0) == 0)
    return make_error(errc::not_found, path + " does not exist");
  file_info info;
  info.path = path;
  return info;
}

meta_actor::behavior_type scripted_member(meta_actor::pointer self,
                                          std::shared_ptr<member_log> log) {
  return {
    [=](propose_atom, const request_context&, const std::string& cmd) {
      ++log->proposals;
      file_info info;
      info.path = "proposed:" + cmd;
      return info;
    },
    [=](stat_atom, const request_context&, const std::string& path) -> caf::result<file_info> {
      ++log->single_stats;
      auto r = scripted_stat(path);
      if (!r)
        return r.error();
      return *r;
    },
    [=](list_atom, const request_context&, const std::string& path) {
      ++log->lists;
      file_info info;
      info.path = path + "/child";
      return std::vector<file_info>{info};
    },
    [=](stat_atom, const std::vector<request_context>& ctxs,
        const std::vector<std::string>& paths) -> caf::result<batch_results> {
      ++log->batches;
      log->batched_stats += static_cast<int>(paths.size());
      if (log->fail_batches)
        return make_error(errc::unavailable, "the member is stepping down");
      EXPECT_EQ(ctxs.size(), paths.size());
      batch_results out;
      for (auto& p : paths) {
        auto r = scripted_stat(p);
        out.results.push_back(r ? *r : file_info{});
        out.errors.push_back(r ? caf::error{} : r.error());
      }
      return out;
    },
    [=](stat_atom, const std::vector<request_context>&, const std::vector<std::string>& paths,
        lead_atom) -> caf::result<batch_results> {
      ++log->lead_batches;
      if (log->silent_lead) {
        log->unanswered.push_back(self->make_response_promise<batch_results>());
        return log->unanswered.back();
      }
      if (log->role != "leader" || log->refuse_lead)
        return make_error(errc::unavailable, "not the leader");
      batch_results out;
      for (auto& p : paths) {
        file_info info;
        info.path = "lead:" + p;
        out.results.push_back(info);
        out.errors.emplace_back();
      }
      out.term = log->term;
      out.voters = log->voters;
      return out;
    },
    [=](status_atom) -> caf::result<raft_status> {
      ++log->statuses;
      if (log->silent_status) {
        log->unanswered_status.push_back(self->make_response_promise<raft_status>());
        return log->unanswered_status.back();
      }
      raft_status s;
      s.id = log->id;
      s.role = log->role;
      s.leader = log->leader;
      s.term = log->term;
      s.voters = log->voters;
      return s;
    },
  };
}

struct batcher_fixture {
  system_config cfg{2};
  caf::actor_system sys{cfg};
  std::shared_ptr<member_log> log = std::make_shared<member_log>();
  meta_actor member = sys.spawn(scripted_member, log);
  meta_actor batcher = spawn_meta_batcher(sys, member);
  ~batcher_fixture() {
    caf::anon_send_exit(batcher, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(member, caf::exit_reason::user_shutdown);
  }
};

// Sends every stat before waiting for any answer; returns the answers in
// the order sent.
std::vector<caf::expected<file_info>> stat_all(caf::actor_system& sys, const meta_actor& to,
                                               const std::vector<std::string>& paths) {
  caf::scoped_actor self{sys};
  std::vector<caf::expected<file_info>> out(paths.size(), caf::error{});
  std::vector<decltype(self->request(to, 5s, stat_atom::value, request_context{}, std::string{}))>
    pending;
  for (auto& p : paths)
    pending.push_back(self->request(to, 5s, stat_atom::value, context_with_timeout(5s), p));
  for (size_t i = 0; i < pending.size(); ++i)
    pending[i].receive([&](file_info& info) { out[i] = std::move(info); },
                       [&](caf::error& err) { out[i] = std::move(err); });
  return out;
}

TEST(meta_batcher, answers_each_stat_with_its_own_result) {
  batcher_fixture f;
  std::vector<std::string> paths;
  for (int i = 0; i < 300; ++i)
    paths.push_back(i % 7 == 3 ? "/missing/" + std::to_string(i) : "/f" + std::to_string(i));
  auto out = stat_all(f.sys, f.batcher, paths);
  for (size_t i = 0; i < paths.size(); ++i) {
    if (paths[i].rfind("/missing", 0) == 0) {
      ASSERT_FALSE(out[i]) << paths[i];
      EXPECT_EQ(to_errc(out[i].error()), errc::not_found) << describe(out[i].error());
    } else {
      ASSERT_TRUE(out[i]) << paths[i] << ": " << describe(out[i].error());
      EXPECT_EQ(out[i]->path, paths[i]);
    }
  }
  EXPECT_EQ(f.log->batched_stats.load(), 300);
  EXPECT_EQ(f.log->single_stats.load(), 0);
  // Stats sent back to back share messages: far fewer batches than stats.
  EXPECT_LT(f.log->batches.load(), 300) << "no two stats travelled together";
}

TEST(meta_batcher, passes_proposals_and_lists_through) {
  batcher_fixture f;
  caf::scoped_actor self{f.sys};
  bool proposed = false;
  self->request(f.batcher, 5s, propose_atom::value, context_with_timeout(5s), std::string{"cmd"})
    .receive([&](file_info& info) { proposed = info.path == "proposed:cmd"; },
             [&](caf::error& err) { ADD_FAILURE() << describe(err); });
  EXPECT_TRUE(proposed);
  bool listed = false;
  self->request(f.batcher, 5s, list_atom::value, context_with_timeout(5s), std::string{"/d"})
    .receive([&](std::vector<file_info>& v) { listed = v.size() == 1 && v[0].path == "/d/child"; },
             [&](caf::error& err) { ADD_FAILURE() << describe(err); });
  EXPECT_TRUE(listed);
  EXPECT_EQ(f.log->proposals.load(), 1);
  EXPECT_EQ(f.log->lists.load(), 1);
}

TEST(meta_batcher, a_failed_batch_fails_each_of_its_stats) {
  batcher_fixture f;
  f.log->fail_batches = true;
  auto out = stat_all(f.sys, f.batcher, {"/a", "/b", "/c"});
  for (auto& r : out) {
    ASSERT_FALSE(r);
    EXPECT_EQ(to_errc(r.error()), errc::unavailable) << describe(r.error());
  }
  // A member that is gone: each stat fails at once, as the member being
  // down (not after the caller's own timeout).
  {
    caf::scoped_actor self{f.sys};
    caf::anon_send_exit(f.member, caf::exit_reason::user_shutdown);
    self->wait_for(f.member);
  }
  auto gone = stat_all(f.sys, f.batcher, {"/a", "/b"});
  for (auto& r : gone) {
    ASSERT_FALSE(r);
    EXPECT_NE(r.error(), caf::sec::request_timeout) << describe(r.error());
  }
}

// Three scripted members, m1 leading in term 7; the batcher stands in for
// m2 and knows the whole group.
struct group_fixture {
  system_config cfg{2};
  caf::actor_system sys{cfg};
  std::vector<std::shared_ptr<member_log>> logs;
  std::vector<meta_actor> members;
  meta_actor batcher;
  group_fixture() {
    for (int i = 1; i <= 3; ++i) {
      auto log = std::make_shared<member_log>();
      log->id = "m" + std::to_string(i);
      log->role = i == 1 ? "leader" : "follower";
      log->leader = "m1";
      log->term = 7;
      log->voters = {"m1", "m2", "m3"};
      logs.push_back(log);
      members.push_back(sys.spawn(scripted_member, log));
    }
    batcher = spawn_meta_batcher(sys, members[1], members);
  }
  ~group_fixture() {
    for (auto& log : logs) {  // they hold their members
      log->unanswered.clear();
      log->unanswered_status.clear();
    }
    caf::anon_send_exit(batcher, caf::exit_reason::user_shutdown);
    for (auto& m : members)
      caf::anon_send_exit(m, caf::exit_reason::user_shutdown);
  }
  // One stat at a time (each finds no other batch under way).
  caf::expected<file_info> stat(const std::string& path) {
    caf::scoped_actor self{sys};
    caf::expected<file_info> out{caf::error{}};
    self->request(batcher, 5s, stat_atom::value, context_with_timeout(5s), path)
      .receive([&](file_info& info) { out = std::move(info); },
               [&](caf::error& err) { out = std::move(err); });
    return out;
  }
  // Until the batcher has learned the group (its first statuses are in).
  void settle() {
    for (int i = 0; i < 200 && logs[0]->statuses + logs[1]->statuses + logs[2]->statuses < 3; ++i)
      std::this_thread::sleep_for(5ms);
    std::this_thread::sleep_for(20ms);
  }
};

TEST(meta_batcher, reads_at_the_leader_in_one_round_when_the_others_confirm_it) {
  group_fixture f;
  f.settle();
  for (int i = 0; i < 5; ++i) {
    auto r = f.stat("/f" + std::to_string(i));
    ASSERT_TRUE(r) << describe(r.error());
    EXPECT_EQ(r->path, "lead:/f" + std::to_string(i));
  }
  EXPECT_EQ(f.logs[0]->lead_batches.load(), 5);
  EXPECT_EQ(f.logs[1]->batches.load(), 0) << "a confirmed read went the usual way as well";
}

TEST(meta_batcher, goes_the_usual_way_when_no_quorum_confirms_the_leader) {
  group_fixture f;
  f.settle();
  // The followers moved on to term 8 (another leader may exist).
  f.logs[1]->term = 8;
  f.logs[2]->term = 8;
  auto r = f.stat("/a");
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_EQ(r->path, "/a") << "the leader's answer was used without a quorum behind it";
  EXPECT_EQ(f.logs[1]->batched_stats.load(), 1);
  // The batcher's own member back in term 7 under m1: with the leader, a
  // quorum of three.
  f.logs[1]->term = 7;
  auto again = f.stat("/b");
  ASSERT_TRUE(again) << describe(again.error());
  EXPECT_EQ(again->path, "lead:/b");
}

TEST(meta_batcher, goes_the_usual_way_when_the_leader_refuses_or_is_gone) {
  group_fixture f;
  f.settle();
  f.logs[0]->refuse_lead = true;
  auto r = f.stat("/a");
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_EQ(r->path, "/a");
  f.logs[0]->refuse_lead = false;
  {
    caf::scoped_actor self{f.sys};
    caf::anon_send_exit(f.members[0], caf::exit_reason::user_shutdown);
    self->wait_for(f.members[0]);
  }
  auto gone = f.stat("/b");
  ASSERT_TRUE(gone) << describe(gone.error());
  EXPECT_EQ(gone->path, "/b");
  EXPECT_EQ(f.logs[1]->batched_stats.load(), 2);
}

TEST(meta_batcher, asks_another_member_once_its_own_is_silent) {
  group_fixture f;
  f.settle();
  f.logs[1]->silent_status = true;  // the batcher's own member (a paused process)
  auto first = f.stat("/a");
  ASSERT_TRUE(first) << describe(first.error());
  EXPECT_EQ(first->path, "/a") << "went the usual way after its round gave up";
  std::this_thread::sleep_for(2200ms);  // the group asked again (1 s each), m2 silent
  auto start = std::chrono::steady_clock::now();
  auto again = f.stat("/b");
  ASSERT_TRUE(again) << describe(again.error());
  EXPECT_EQ(again->path, "lead:/b") << "m3's status confirms the leader";
  EXPECT_LT(std::chrono::steady_clock::now() - start, 500ms);
}

TEST(meta_batcher, gives_up_on_a_silent_leader_and_goes_the_usual_way) {
  group_fixture f;
  f.settle();
  f.logs[0]->silent_lead = true;
  auto start = std::chrono::steady_clock::now();
  auto r = f.stat("/a");
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(r) << describe(r.error());
  EXPECT_EQ(r->path, "/a");
  EXPECT_EQ(f.logs[1]->batched_stats.load(), 1);
  EXPECT_GE(took, 900ms) << "gave up before the round's time was out";
  EXPECT_LT(took, 3s);
}

}  // namespace
}  // namespace dfs
