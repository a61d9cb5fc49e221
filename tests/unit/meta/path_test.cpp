#include <gtest/gtest.h>

#include "actors/meta/path.hpp"

namespace dfs {
namespace {

TEST(path_rules, canonical_paths_pass_unchanged) {
  for (auto p : {"/", "/a", "/a/b.txt", "/with space/x", "/ünïcode/ファイル"}) {
    auto r = normalize_path(p);
    ASSERT_TRUE(r.ok()) << p << ": " << r.message;
    EXPECT_EQ(r.path, p);
  }
}

TEST(path_rules, redundant_slashes_and_dots_are_normalized) {
  EXPECT_EQ(normalize_path("//a///b/").path, "/a/b");
  EXPECT_EQ(normalize_path("/a/./b/.").path, "/a/b");
  EXPECT_EQ(normalize_path("/./").path, "/");
  EXPECT_EQ(normalize_path("///").path, "/");
}

TEST(path_rules, relative_dotdot_nul_and_empty_are_rejected) {
  EXPECT_EQ(normalize_path("").code, errc::invalid_path);
  EXPECT_EQ(normalize_path("a/b").code, errc::invalid_path);
  EXPECT_EQ(normalize_path("/a/../b").code, errc::invalid_path);
  EXPECT_EQ(normalize_path("/..").code, errc::invalid_path);
  EXPECT_EQ(normalize_path(std::string_view{"/a\0b", 4}).code, errc::invalid_path);
  EXPECT_TRUE(normalize_path("/a..b/..c").ok()) << "dots inside a name are fine";
}

TEST(path_rules, overlong_names_paths_and_depth_are_rejected) {
  EXPECT_TRUE(normalize_path("/" + std::string(max_name_bytes, 'x')).ok());
  EXPECT_EQ(normalize_path("/" + std::string(max_name_bytes + 1, 'x')).code, errc::too_large);
  std::string deep;
  for (size_t i = 0; i < max_path_depth; ++i)
    deep += "/d";
  EXPECT_TRUE(normalize_path(deep).ok());
  EXPECT_EQ(normalize_path(deep + "/d").code, errc::too_large);
  std::string longp;
  while (longp.size() <= max_path_bytes)
    longp += "/" + std::string(200, 'y');
  EXPECT_EQ(normalize_path(longp).code, errc::too_large);
}

TEST(path_rules, helpers_split_and_join) {
  EXPECT_EQ(path_components("/"), std::vector<std::string>{});
  EXPECT_EQ(path_components("/a/b"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(parent_path("/a/b"), "/a");
  EXPECT_EQ(parent_path("/a"), "/");
  EXPECT_EQ(parent_path("/"), "/");
  EXPECT_EQ(base_name("/a/b"), "b");
  EXPECT_EQ(join_path("/", "a"), "/a");
  EXPECT_EQ(join_path("/a", "b"), "/a/b");
  EXPECT_TRUE(is_within("/a/b", "/a"));
  EXPECT_TRUE(is_within("/a", "/a"));
  EXPECT_FALSE(is_within("/ab", "/a"));
  EXPECT_TRUE(is_within("/x", "/"));
}

}  // namespace
}  // namespace dfs
