// The client library's meta_batcher in front of a scripted member: every
// stat gets its own answer whichever batch carried it, stats sent together
// travel together, and a failed batch fails each of its stats.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
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

// What the scripted member saw.
struct member_log {
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

meta_actor::behavior_type scripted_member(meta_actor::pointer, std::shared_ptr<member_log> log) {
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

}  // namespace
}  // namespace dfs
