#include <gtest/gtest.h>

#include <set>

#include "messages/atoms.hpp"
#include "messages/errc.hpp"
#include "tools/shell/catalog.hpp"

namespace dfs::shell {
namespace {

const message_spec& only(const std::string& kind, const std::string& atom) {
  auto specs = find_messages(kind, atom);
  EXPECT_EQ(specs.size(), 1u) << kind << "." << atom;
  return *specs.at(0);
}

TEST(catalog, every_actor_kind_and_its_interface_is_there) {
  std::set<std::string> kinds;
  for (auto& spec : catalog())
    kinds.insert(spec.kind);
  EXPECT_EQ(kinds, (std::set<std::string>{"agent", "gateway", "raft", "replica", "repair", "cache",
                                          "health"}));
  EXPECT_EQ(only("gateway", "stat").signature(), "stat(path: string) -> file_info");
  EXPECT_EQ(only("gateway", "remove").signature(), "remove(path: string, recursive: bool) -> ok");
  EXPECT_EQ(only("replica", "slow").signature(), "slow(delay_ms: uint32) -> ok");
  EXPECT_EQ(only("agent", "actors").reply, "actor_entry[]");
  EXPECT_TRUE(only("gateway", "tick").internal);
  EXPECT_TRUE(only("gateway", "tick").reply.empty());
  // Three forms of one message, told apart by their arity.
  EXPECT_EQ(find_messages("replica", "store").size(), 3u);
  // stat exists on the gateway and on the Raft participant (the meta
  // interface), where it takes one path or a batch of them, and a batch
  // for the leader alone (lead).
  EXPECT_EQ(find_messages("", "stat").size(), 4u);
  EXPECT_EQ(find_messages("raft", "stat").size(), 3u);
}

TEST(catalog, typed_words_become_the_message_the_actor_takes) {
  request_context ctx;
  ctx.trace_id = 7;
  ctx.client_id = "c1";
  auto msg = only("gateway", "mkdir").build({"/a/b", "yes"}, ctx);
  ASSERT_TRUE(msg) << describe(msg.error());
  ASSERT_TRUE((msg->match_elements<mkdir_atom, request_context, std::string, bool>()));
  EXPECT_EQ(msg->get_as<request_context>(1).trace_id, 7u);
  EXPECT_EQ(msg->get_as<std::string>(2), "/a/b");
  EXPECT_TRUE(msg->get_as<bool>(3));

  auto slow = only("replica", "slow").build({"250"}, ctx);
  ASSERT_TRUE(slow);
  EXPECT_EQ(slow->get_as<uint32_t>(1), 250u);
}

TEST(catalog, words_that_do_not_fit_are_refused_with_a_reason) {
  request_context ctx;
  auto why = [&](const std::string& kind, const std::string& atom, std::vector<std::string> words) {
    auto msg = only(kind, atom).build(words, ctx);
    EXPECT_FALSE(msg) << kind << "." << atom;
    EXPECT_EQ(to_errc(msg.error()), errc::invalid_argument);
    return describe(msg.error());
  };
  EXPECT_NE(why("gateway", "stat", {}).find("too few"), std::string::npos);
  EXPECT_NE(why("gateway", "stat", {"/a", "/b"}).find("too many"), std::string::npos);
  EXPECT_NE(why("gateway", "mkdir", {"/a", "maybe"}).find("true or false"), std::string::npos);
  EXPECT_NE(why("replica", "slow", {"-1"}).find("number"), std::string::npos);
  EXPECT_NE(why("replica", "slow", {"4294967296"}).find("number"), std::string::npos);
  EXPECT_NE(why("replica", "slow", {"12ms"}).find("number"), std::string::npos);
  EXPECT_NE(why("replica", "fetch", {"../../etc/passwd"}).find("chunk id"), std::string::npos);
  EXPECT_NE(why("health", "remove", {"bad node!"}).find("node id"), std::string::npos);
  EXPECT_NE(why("gateway", "put", {"/a", "1", "hello"}).find("cannot be typed in"),
            std::string::npos);
}

}  // namespace
}  // namespace dfs::shell
