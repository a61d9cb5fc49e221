// Three Raft participants in one process, each with its own log and
// metadata database: election, replication to every state machine,
// redirects from followers, failover when the leader stops, and a restart
// of the whole group from disk.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include <caf/send.hpp>

#include "actors/client/blocking_call.hpp"
#include "actors/client/meta_batcher.hpp"
#include "actors/meta/service.hpp"
#include "actors/meta/view.hpp"
#include "actors/raft/participant.hpp"
#include "messages/errc.hpp"
#include "messages/meta.pb.h"
#include "runtime/deadline.hpp"
#include "runtime/system.hpp"
#include "tests/lincheck/checker.hpp"
#include "tests/support.hpp"

namespace dfs {
namespace {

using namespace std::chrono_literals;

std::string mkdir_command(const std::string& path) {
  proto::MetaCommand cmd;
  cmd.set_mtime_ms(1);
  cmd.mutable_mkdir()->set_path(path);
  cmd.mutable_mkdir()->set_parents(true);
  return cmd.SerializeAsString();
}

class raft_group {
public:
  explicit raft_group(const std::string& dir) : dir_(dir) {}

  ~raft_group() {
    for (auto& [id, node] : nodes_)
      caf::anon_send_exit(node, caf::exit_reason::user_shutdown);
    nodes_.clear();
    views_.clear();
    self_.reset();
  }

  void start(const std::string& id) {
    auto machine = open_meta_machine(sys_, dir_ + "/" + id + "-meta.db");
    ASSERT_TRUE(machine) << describe(machine.error());
    participant_config cfg;
    cfg.id = id;
    cfg.voters = ids_;
    cfg.db_path = dir_ + "/" + id + "-raft.db";
    cfg.seed = std::hash<std::string>{}(id) + restarts_++;
    cfg.compact_after = compact_after;
    cfg.snapshot_chunk_bytes = snapshot_chunk_bytes;
    auto node = spawn_raft_participant(sys_, cfg, *machine);
    ASSERT_TRUE(node) << describe(node.error());
    nodes_[id] = *node;
    views_[id] = machine->view;
    wire();
  }

  void start_all() {
    for (auto& id : ids_)
      start(id);
  }

  void stop(const std::string& id) {
    caf::anon_send_exit(nodes_.at(id), caf::exit_reason::user_shutdown);
    nodes_.erase(id);
    views_.erase(id);
  }

  // Tells every participant where the others are.
  void wire() {
    for (auto& [id, node] : nodes_) {
      std::vector<std::string> ids;
      std::vector<caf::actor> handles;
      for (auto& [other, handle] : nodes_)
        if (other != id) {
          ids.push_back(other);
          handles.push_back(caf::actor_cast<caf::actor>(handle));
        }
      caf::anon_send(node, peers_atom::value, ids, handles);
    }
  }

  // The one node that reports itself leader, waiting up to `wait`.
  std::string leader(std::chrono::milliseconds wait = 10s) {
    auto until = std::chrono::steady_clock::now() + wait;
    while (std::chrono::steady_clock::now() < until) {
      std::vector<std::string> leaders;
      for (auto& [id, node] : nodes_) {
        auto st = blocking_call<raft_status>(*self_, node, 1s, status_atom::value);
        if (st && st->role == "leader")
          leaders.push_back(id);
      }
      if (leaders.size() == 1)
        return leaders[0];
      std::this_thread::sleep_for(20ms);
    }
    return {};
  }

  caf::expected<file_info> propose(const std::string& id, const std::string& cmd) {
    return blocking_call<file_info>(*self_, nodes_.at(id), 5s, propose_atom::value,
                                    context_with_timeout(5s), cmd);
  }

  caf::expected<raft_status> status(const std::string& id) {
    return blocking_call<raft_status>(*self_, nodes_.at(id), 1s, status_atom::value);
  }

  caf::expected<file_info> stat(const std::string& id, const std::string& path) {
    return blocking_call<file_info>(*self_, nodes_.at(id), 5s, stat_atom::value,
                                    context_with_timeout(5s), path);
  }

  template <class T, class... Ts>
  caf::expected<T> call(const std::string& id, Ts&&... xs) {
    return blocking_call<T>(*self_, nodes_.at(id), 5s, std::forward<Ts>(xs)...);
  }

  // Waits until node `id`'s own state machine holds `path`.
  bool applied_on(const std::string& id, const std::string& path) {
    for (int i = 0; i < 250; ++i) {
      if (views_.at(id)->stat(path))
        return true;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }

  const std::vector<std::string>& ids() const { return ids_; }
  uint64_t compact_after = 10000;
  uint64_t snapshot_chunk_bytes = 1 << 20;
  caf::actor_system& sys() { return sys_; }
  std::map<std::string, raft_actor> handles() const { return nodes_; }

private:
  std::string dir_;
  system_config cfg_{2};
  caf::actor_system sys_{cfg_};
  std::unique_ptr<caf::scoped_actor> self_ = std::make_unique<caf::scoped_actor>(sys_);
  std::vector<std::string> ids_{"n1", "n2", "n3"};
  std::map<std::string, raft_actor> nodes_;
  std::map<std::string, std::shared_ptr<meta_view>> views_;
  uint64_t restarts_ = 0;
};

TEST(raft_participant, replicates_commands_to_every_state_machine) {
  testing::temp_dir dir;
  raft_group group{dir.path()};
  group.start_all();
  auto leader = group.leader();
  ASSERT_FALSE(leader.empty()) << "no leader within 10 s";
  auto made = group.propose(leader, mkdir_command("/a"));
  ASSERT_TRUE(made) << describe(made.error());
  EXPECT_EQ(made->path, "/a");
  for (auto& id : group.ids())
    EXPECT_TRUE(group.applied_on(id, "/a")) << id;
  // A follower forwards to the leader; the reply comes back through it.
  auto follower = leader == "n1" ? std::string{"n2"} : std::string{"n1"};
  auto forwarded = group.propose(follower, mkdir_command("/b"));
  ASSERT_TRUE(forwarded) << describe(forwarded.error());
  EXPECT_EQ(forwarded->path, "/b");
  auto read_there = group.stat(follower, "/b");
  ASSERT_TRUE(read_there) << describe(read_there.error());
  // A request that was already forwarded once is not forwarded again: the
  // follower refuses it and names the leader.
  auto ctx = context_with_timeout(5s);
  ctx.hops = 1;
  auto refused = group.call<file_info>(follower, propose_atom::value, ctx, mkdir_command("/c"));
  ASSERT_FALSE(refused);
  EXPECT_EQ(to_errc(refused.error()), errc::unavailable);
  EXPECT_NE(describe(refused.error()).find("leader is " + leader), std::string::npos)
    << describe(refused.error());
  auto read = group.stat(leader, "/a");
  ASSERT_TRUE(read) << describe(read.error());
}

// Several stats in one message, at the leader and at a follower: each is
// answered as a stat of its own would be, in order; a malformed batch is
// refused as a whole.
TEST(raft_participant, answers_a_batch_of_stats_item_by_item) {
  testing::temp_dir dir;
  raft_group group{dir.path()};
  group.start_all();
  auto leader = group.leader();
  ASSERT_FALSE(leader.empty()) << "no leader within 10 s";
  ASSERT_TRUE(group.propose(leader, mkdir_command("/x/y")));
  auto follower = leader == "n1" ? std::string{"n2"} : std::string{"n1"};
  std::vector<std::string> paths{"/x", "/missing", "/x/y", "bad//path", "/"};
  for (auto& id : {leader, follower}) {
    std::vector<request_context> ctxs(paths.size(), context_with_timeout(5s));
    auto out = group.call<batch_results>(id, stat_atom::value, ctxs, paths);
    ASSERT_TRUE(out) << id << ": " << describe(out.error());
    ASSERT_EQ(out->results.size(), paths.size()) << id;
    ASSERT_EQ(out->errors.size(), paths.size()) << id;
    for (size_t i = 0; i < paths.size(); ++i) {
      auto alone = group.stat(id, paths[i]);
      EXPECT_EQ(static_cast<bool>(alone), !out->errors[i]) << id << " " << paths[i];
      if (alone)
        EXPECT_EQ(out->results[i].path, alone->path) << id << " " << paths[i];
      else
        EXPECT_EQ(to_errc(out->errors[i]), to_errc(alone.error())) << id << " " << paths[i];
    }
    EXPECT_FALSE(out->errors[0]);
    EXPECT_EQ(to_errc(out->errors[1]), errc::not_found);
    // A stat whose deadline passed fails alone; the others are served.
    ctxs[2].deadline_ms = 1;
    auto late = group.call<batch_results>(id, stat_atom::value, ctxs, paths);
    ASSERT_TRUE(late) << describe(late.error());
    EXPECT_EQ(to_errc(late->errors[2]), errc::timeout) << describe(late->errors[2]);
    EXPECT_FALSE(late->errors[0]);
    // One context per path, and not too many.
    auto uneven =
      group.call<batch_results>(id, stat_atom::value, std::vector<request_context>(2), paths);
    ASSERT_FALSE(uneven);
    EXPECT_EQ(to_errc(uneven.error()), errc::invalid_argument);
    auto huge =
      group.call<batch_results>(id, stat_atom::value, std::vector<request_context>(5000, ctxs[0]),
                                std::vector<std::string>(5000, "/x"));
    ASSERT_FALSE(huge);
    EXPECT_EQ(to_errc(huge.error()), errc::invalid_argument);
    auto empty = group.call<batch_results>(id, stat_atom::value, std::vector<request_context>{},
                                           std::vector<std::string>{});
    ASSERT_TRUE(empty) << describe(empty.error());
    EXPECT_TRUE(empty->results.empty());
  }
}

TEST(raft_participant, a_request_waits_for_a_leader_until_its_deadline) {
  testing::temp_dir dir;
  raft_group group{dir.path()};
  // One of three: no quorum, so no leader ever; the request fails at its
  // deadline, not before and not much after.
  group.start("n1");
  auto start = std::chrono::steady_clock::now();
  auto alone = group.call<file_info>("n1", propose_atom::value, context_with_timeout(400ms),
                                     mkdir_command("/x"));
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(alone);
  EXPECT_EQ(to_errc(alone.error()), errc::timeout) << describe(alone.error());
  EXPECT_GE(took, 390ms);
  EXPECT_LT(took, 2s);
  // The others arrive: a request sent before any leader exists is served
  // once one is elected.
  group.start("n2");
  group.start("n3");
  auto waited =
    group.call<file_info>("n2", propose_atom::value, context_with_timeout(5s), mkdir_command("/y"));
  ASSERT_TRUE(waited) << describe(waited.error());
  EXPECT_EQ(waited->path, "/y");
}

TEST(raft_participant, a_member_long_without_a_leader_says_so_instead_of_waiting) {
  testing::temp_dir dir;
  raft_group group{dir.path()};
  // One of three, as with two members down: a request waits for a leader
  // for a second (several elections), then fails as unavailable, long
  // before its deadline; later ones fail at once.
  group.start("n1");
  auto start = std::chrono::steady_clock::now();
  auto parked =
    group.call<file_info>("n1", propose_atom::value, context_with_timeout(8s), mkdir_command("/x"));
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(parked);
  EXPECT_EQ(to_errc(parked.error()), errc::unavailable) << describe(parked.error());
  EXPECT_NE(describe(parked.error()).find("no Raft leader known at n1"), std::string::npos)
    << describe(parked.error());
  EXPECT_GE(took, 900ms);
  EXPECT_LT(took, 4s);
  start = std::chrono::steady_clock::now();
  auto read = group.call<file_info>("n1", stat_atom::value, context_with_timeout(8s), "/");
  ASSERT_FALSE(read);
  EXPECT_EQ(to_errc(read.error()), errc::unavailable) << describe(read.error());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 500ms);
  // A majority back: it serves again once a leader is elected (a client
  // retries what was refused meanwhile).
  group.start("n2");
  group.start("n3");
  caf::expected<file_info> served = caf::make_error(caf::sec::request_timeout);
  for (auto until = std::chrono::steady_clock::now() + 5s;
       !served && std::chrono::steady_clock::now() < until; std::this_thread::sleep_for(50ms))
    served = group.call<file_info>("n1", propose_atom::value, context_with_timeout(2s),
                                   mkdir_command("/y"));
  ASSERT_TRUE(served) << describe(served.error());
  EXPECT_EQ(served->path, "/y");
}

TEST(raft_participant, a_new_leader_takes_over_and_a_restarted_group_keeps_everything) {
  testing::temp_dir dir;
  {
    raft_group group{dir.path()};
    group.start_all();
    auto first = group.leader();
    ASSERT_FALSE(first.empty());
    ASSERT_TRUE(group.propose(first, mkdir_command("/before")));
    group.stop(first);
    auto second = group.leader();
    ASSERT_FALSE(second.empty()) << "no new leader after the old one stopped";
    EXPECT_NE(second, first);
    auto after = group.propose(second, mkdir_command("/after"));
    ASSERT_TRUE(after) << describe(after.error());
    ASSERT_TRUE(group.stat(second, "/before")) << "a committed command survives failover";
  }
  raft_group group{dir.path()};
  group.start_all();
  auto leader = group.leader();
  ASSERT_FALSE(leader.empty());
  for (auto path : {"/before", "/after"}) {
    auto found = group.stat(leader, path);
    EXPECT_TRUE(found) << path << ": " << (found ? "" : describe(found.error()));
  }
}

// A member that was down while the others compacted their logs catches up
// from a snapshot sent in many pieces, and every member restarts from its
// own snapshot plus what its log and database hold after it.
TEST(raft_participant, a_member_behind_a_compacted_log_catches_up_from_a_snapshot) {
  testing::temp_dir dir;
  std::string lagging;
  {
    raft_group group{dir.path()};
    group.compact_after = 20;
    group.snapshot_chunk_bytes = 100;
    group.start_all();
    auto leader = group.leader();
    ASSERT_FALSE(leader.empty());
    lagging = leader == "n3" ? "n2" : "n3";
    group.stop(lagging);
    for (int i = 0; i < 80; ++i)
      ASSERT_TRUE(group.propose(leader, mkdir_command("/d" + std::to_string(i)))) << i;
    uint64_t compacted = 0;
    for (int i = 0; i < 250 && compacted <= 20; ++i) {
      std::this_thread::sleep_for(20ms);
      auto st = group.status(leader);
      ASSERT_TRUE(st);
      compacted = st->snapshot_index;
    }
    ASSERT_GT(compacted, 20u) << "the leader never compacted its log";
    group.start(lagging);
    EXPECT_TRUE(group.applied_on(lagging, "/d0"));
    EXPECT_TRUE(group.applied_on(lagging, "/d79"));
    auto st = group.status(lagging);
    ASSERT_TRUE(st);
    EXPECT_GE(st->snapshot_index, compacted) << "it caught up without the snapshot";
    ASSERT_TRUE(group.propose(group.leader(), mkdir_command("/after")));
    EXPECT_TRUE(group.applied_on(lagging, "/after"));
  }
  // The lagging member's database lost (or behind its snapshot, as after a
  // crash between writing the two): it starts from the snapshot in its log.
  for (auto suffix : {"", "-wal", "-shm"})
    std::remove((dir.path() + "/" + lagging + "-meta.db" + suffix).c_str());
  raft_group group{dir.path()};
  group.compact_after = 20;
  group.start_all();
  for (auto& id : group.ids())
    for (auto path : {"/d0", "/d41", "/d79", "/after"})
      EXPECT_TRUE(group.applied_on(id, path)) << id << " " << path;
}

std::string remove_command(const std::string& path) {
  proto::MetaCommand cmd;
  cmd.set_mtime_ms(1);
  cmd.mutable_delete_()->set_path(path);
  return cmd.SerializeAsString();
}

// The command with a client session (client id, sequence), as the gateway
// sends every command: a retried one is applied once.
std::string in_session(const std::string& encoded, const request_context& ctx) {
  proto::MetaCommand cmd;
  cmd.ParseFromString(encoded);
  cmd.set_client_id(ctx.client_id);
  cmd.set_sequence(ctx.sequence);
  return cmd.SerializeAsString();
}

// Concurrent clients create, stat and remove a few paths while the leader
// is stopped in the middle; every completed answer, and every timed-out
// request as "maybe applied", must fit one linearizable order.
// Three clients put, read and remove three keys through random members
// while the first leader goes away; the history must stay linearizable.
// With `one_round`, reads go through the client library's meta_batcher
// given the whole group: at the leader in one round trip, confirmed by the
// other members' status (confirms_leader_read), or the usual way.
void check_history_across_a_failover(bool one_round) {
  testing::temp_dir dir;
  raft_group group{dir.path()};
  group.start_all();
  auto first = group.leader();
  ASSERT_FALSE(first.empty());
  auto handles = group.handles();
  std::map<std::string, meta_actor> readers;
  std::vector<meta_actor> all;
  for (auto& [id, h] : handles)
    all.push_back(h);
  for (auto& [id, h] : handles)
    readers[id] = one_round ? spawn_meta_batcher(group.sys(), h, all) : meta_actor{h};
  if (one_round)
    std::this_thread::sleep_for(100ms);  // the batchers learn who leads
  auto t0 = std::chrono::steady_clock::now();
  auto now_us = [&] {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                                 t0)
      .count();
  };
  std::mutex mtx;
  std::vector<lincheck::operation> history;
  std::atomic<bool> first_stopped{false};
  // Every member serves clients: followers forward writes to the leader
  // and serve reads themselves after a read index from it. Each operation
  // goes to a random live member.
  auto client = [&](uint64_t seed) {
    caf::scoped_actor self{group.sys()};
    std::mt19937_64 rng{seed};
    std::vector<std::string> ids;
    for (auto& [id, h] : handles)
      ids.push_back(id);
    for (int i = 0; i < 40; ++i) {
      auto leader = ids[rng() % ids.size()];  // the member this operation goes to
      if (first_stopped && leader == first)
        continue;
      lincheck::operation op;
      op.key = "/k" + std::to_string(rng() % 3);
      auto ctx = context_with_timeout(2s);
      // Clients 1 and 2 use sessions (as the gateway does); client 3 does
      // not, so its writes are never retried after an ambiguous failure.
      if (seed != 3) {
        ctx.client_id = "c" + std::to_string(seed);
        ctx.sequence = static_cast<uint64_t>(i) + 1;
      }
      op.invoked = now_us();
      caf::error err;
      switch (rng() % 3) {
        case 0: {
          op.kind = lincheck::op_kind::put;
          op.value = "dir";
          auto r = blocking_call<file_info>(self, handles.at(leader), 2s, propose_atom::value, ctx,
                                            in_session(mkdir_command(op.key), ctx));
          err = r ? caf::error{} : r.error();
          break;
        }
        case 1: {
          op.kind = lincheck::op_kind::get;
          auto r =
            blocking_call<file_info>(self, readers.at(leader), 2s, stat_atom::value, ctx, op.key);
          err = r ? caf::error{} : r.error();
          if (r)
            op.read = std::string{"dir"};
          else if (to_errc(r.error()) == errc::not_found)
            err = caf::error{};  // an answer: absent
          break;
        }
        default: {
          op.kind = lincheck::op_kind::remove;
          auto r = blocking_call<file_info>(self, handles.at(leader), 2s, propose_atom::value, ctx,
                                            in_session(remove_command(op.key), ctx));
          op.status = r ? "ok" : "not_found";
          err = r || to_errc(r.error()) == errc::not_found ? caf::error{} : r.error();
          break;
        }
      }
      auto code = to_errc(err);
      if (code == errc::unavailable && describe(err).find("not the leader") != std::string::npos)
        continue;  // refused outright: it did not happen
      if (err) {
        op.returned = std::numeric_limits<int64_t>::max();  // outcome unknown
      } else {
        op.returned = now_us();
      }
      std::lock_guard<std::mutex> guard{mtx};
      history.push_back(op);
    }
  };
  std::vector<std::thread> clients;
  for (uint64_t c = 1; c <= 3; ++c)
    clients.emplace_back(client, c);
  std::this_thread::sleep_for(150ms);
  // Reads the members served as leader in one round, the first leader's
  // counted before it goes.
  uint64_t one_round_reads = 0;
  auto count_one_round_reads = [&](const std::string& id) {
    if (auto st = group.status(id))
      one_round_reads += st->one_round_reads;
  };
  count_one_round_reads(first);
  first_stopped = true;
  group.stop(first);  // the leader goes away mid-run
  for (auto& c : clients)
    c.join();
  for (auto& id : group.ids())
    if (id != first)
      count_one_round_reads(id);
  if (one_round) {
    for (auto& [id, r] : readers)
      caf::anon_send_exit(r, caf::exit_reason::user_shutdown);
    EXPECT_GT(one_round_reads, 0u) << "no read took the one-round path";
  } else {
    EXPECT_EQ(one_round_reads, 0u);
  }
  ASSERT_GT(history.size(), 60u);
  auto v = lincheck::check(history);
  EXPECT_TRUE(v.linearizable) << "history of " << v.key << " has no linearizable order";
}

TEST(raft_participant, client_histories_stay_linearizable_across_a_failover) {
  check_history_across_a_failover(false);
}

TEST(raft_participant, one_round_reads_stay_linearizable_across_a_failover) {
  check_history_across_a_failover(true);
}

// The leader serves stats with lead_atom alone and names its term and
// voters; a follower refuses them.
TEST(raft_participant, only_the_leader_serves_stats_in_one_round) {
  testing::temp_dir dir;
  raft_group group{dir.path()};
  group.start_all();
  auto leader = group.leader();
  ASSERT_FALSE(leader.empty());
  ASSERT_TRUE(group.propose(leader, mkdir_command("/d")));
  std::vector<request_context> ctxs{context_with_timeout(5s), context_with_timeout(5s)};
  std::vector<std::string> paths{"/d", "/nothing"};
  auto out = group.call<batch_results>(leader, stat_atom::value, ctxs, paths, lead_atom::value);
  ASSERT_TRUE(out) << describe(out.error());
  ASSERT_EQ(out->results.size(), 2u);
  EXPECT_FALSE(out->errors[0]) << describe(out->errors[0]);
  EXPECT_EQ(out->results[0].path, "/d");
  EXPECT_EQ(to_errc(out->errors[1]), errc::not_found);
  auto st = group.status(leader);
  ASSERT_TRUE(st);
  EXPECT_EQ(out->term, st->term);
  EXPECT_EQ(out->voters, st->voters);
  EXPECT_EQ(st->one_round_reads, 2u);
  for (auto& id : group.ids()) {
    if (id == leader)
      continue;
    auto refused = group.call<batch_results>(id, stat_atom::value, ctxs, paths, lead_atom::value);
    ASSERT_FALSE(refused);
    EXPECT_EQ(to_errc(refused.error()), errc::unavailable) << describe(refused.error());
    auto follower = group.status(id);
    ASSERT_TRUE(follower);
    EXPECT_EQ(follower->one_round_reads, 0u);
  }
}

}  // namespace
}  // namespace dfs
