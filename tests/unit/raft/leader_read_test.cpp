// confirms_leader_read: when a leader's answer to a read, with the status
// answers of other members asked at the same moment, makes the read
// linearizable in one round trip.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "messages/raft_messages.hpp"

namespace dfs {
namespace {

raft_status standing(const std::string& id, const std::string& role, uint64_t term,
                     const std::string& leader) {
  raft_status s;
  s.id = id;
  s.role = role;
  s.term = term;
  s.leader = leader;
  return s;
}

const std::vector<std::string> three{"a", "b", "c"};
const std::vector<std::string> five{"a", "b", "c", "d", "e"};

TEST(leader_read, one_follower_in_the_term_confirms_a_leader_of_three) {
  EXPECT_TRUE(confirms_leader_read("a", 4, three, {standing("b", "follower", 4, "a")}));
  EXPECT_TRUE(confirms_leader_read(
    "a", 4, three, {standing("c", "follower", 5, "c"), standing("b", "follower", 4, "a")}));
}

TEST(leader_read, nothing_confirms_without_a_quorum_in_the_same_term_under_the_same_leader) {
  EXPECT_FALSE(confirms_leader_read("a", 4, three, {}));
  // Moved to a later term: it may have voted for another leader.
  EXPECT_FALSE(confirms_leader_read("a", 4, three, {standing("b", "follower", 5, "a")}));
  // Still in an earlier term: it has not seen this leader's term yet, so
  // it says nothing about it (and cannot be counted on).
  EXPECT_FALSE(confirms_leader_read("a", 4, three, {standing("b", "follower", 3, "a")}));
  EXPECT_FALSE(confirms_leader_read("a", 4, three, {standing("b", "follower", 4, "c")}));
  EXPECT_FALSE(confirms_leader_read("a", 4, three, {standing("b", "follower", 4, "")}));
  EXPECT_FALSE(confirms_leader_read("a", 4, three, {standing("b", "candidate", 4, "a")}));
  EXPECT_FALSE(confirms_leader_read("a", 4, three, {standing("b", "pre_candidate", 4, "a")}));
  // The leader's own status, or a member outside the voters, is no vote.
  EXPECT_FALSE(confirms_leader_read("a", 4, three, {standing("a", "leader", 4, "a")}));
  EXPECT_FALSE(confirms_leader_read("a", 4, three, {standing("x", "follower", 4, "a")}));
}

TEST(leader_read, the_leader_must_be_a_voter_with_a_term) {
  EXPECT_FALSE(confirms_leader_read(
    "x", 4, three, {standing("b", "follower", 4, "x"), standing("c", "follower", 4, "x")}));
  EXPECT_FALSE(confirms_leader_read("a", 0, three, {standing("b", "follower", 0, "a")}));
  EXPECT_FALSE(confirms_leader_read("", 4, three, {standing("b", "follower", 4, "")}));
}

TEST(leader_read, five_voters_need_two_followers_each_counted_once) {
  EXPECT_FALSE(confirms_leader_read("a", 2, five, {standing("b", "follower", 2, "a")}));
  EXPECT_FALSE(confirms_leader_read(
    "a", 2, five, {standing("b", "follower", 2, "a"), standing("b", "follower", 2, "a")}));
  EXPECT_TRUE(confirms_leader_read(
    "a", 2, five, {standing("b", "follower", 2, "a"), standing("e", "follower", 2, "a")}));
}

TEST(leader_read, a_lone_voter_confirms_itself) {
  EXPECT_TRUE(confirms_leader_read("a", 1, {"a"}, {}));
  // Four voters: the leader and one follower are not a quorum.
  EXPECT_FALSE(
    confirms_leader_read("a", 1, {"a", "b", "c", "d"}, {standing("b", "follower", 1, "a")}));
}

}  // namespace
}  // namespace dfs
