#include <gtest/gtest.h>

#include "tools/shell/words.hpp"

namespace dfs::shell {
namespace {

using commands = std::vector<std::vector<std::string>>;

commands split(const std::string& line) {
  std::string why;
  auto out = split_commands(line, why);
  EXPECT_EQ(why, "") << line;
  return out;
}

TEST(split_commands, words_commands_quotes_and_comments) {
  EXPECT_EQ(split("ls -l /a"), (commands{{"ls", "-l", "/a"}}));
  EXPECT_EQ(split("  cd /a ;ls;; pwd  "), (commands{{"cd", "/a"}, {"ls"}, {"pwd"}}));
  EXPECT_EQ(split("put 'my file' \"/a b/c\""), (commands{{"put", "my file", "/a b/c"}}));
  EXPECT_EQ(split(R"(ask gateway stat "/x\"y" a\ b)"),
            (commands{{"ask", "gateway", "stat", "/x\"y", "a b"}}));
  EXPECT_EQ(split("mkdir ''"), (commands{{"mkdir", ""}}));
  EXPECT_EQ(split("cat /a;b # ls /c; rm"), (commands{{"cat", "/a"}, {"b"}}));
  EXPECT_EQ(split("echo a#b"), (commands{{"echo", "a#b"}}));
  EXPECT_EQ(split("'a;b'"), (commands{{"a;b"}}));
  EXPECT_TRUE(split("   ").empty());
  EXPECT_TRUE(split("# only a comment").empty());
}

TEST(split_commands, broken_lines_are_refused_with_a_reason) {
  for (auto line : {"cat 'open", "cat \"open", "cat end\\"}) {
    std::string why;
    EXPECT_TRUE(split_commands(line, why).empty()) << line;
    EXPECT_NE(why, "") << line;
  }
}

TEST(resolve_path, relative_absolute_dot_and_dotdot) {
  EXPECT_EQ(resolve_path("/", ""), "/");
  EXPECT_EQ(resolve_path("/a/b", ""), "/a/b");
  EXPECT_EQ(resolve_path("/a", "b/c"), "/a/b/c");
  EXPECT_EQ(resolve_path("/a", "/x/y"), "/x/y");
  EXPECT_EQ(resolve_path("/a/b", ".."), "/a");
  EXPECT_EQ(resolve_path("/a/b", "../../.."), "/");
  EXPECT_EQ(resolve_path("/", "/.."), "/");
  EXPECT_EQ(resolve_path("/a", "./b//c/./"), "/a/b/c");
  EXPECT_EQ(resolve_path("/a", "b/../c"), "/a/c");
}

}  // namespace
}  // namespace dfs::shell
