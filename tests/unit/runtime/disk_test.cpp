#include <gtest/gtest.h>

#include <algorithm>

#include "runtime/disk.hpp"
#include "tests/support.hpp"

namespace dfs {
namespace {

TEST(posix_disk, writes_replace_atomically_and_leave_no_temp_files) {
  testing::temp_dir dir;
  posix_disk fs;
  auto sub = dir.path() + "/a/b";
  ASSERT_TRUE(fs.make_dirs(sub).ok());
  auto file = sub + "/f";
  ASSERT_TRUE(fs.write_file(file, {'1', '2', '3'}).ok());
  ASSERT_TRUE(fs.write_file(file, {'x'}).ok());
  byte_buffer back;
  ASSERT_TRUE(fs.read_file(file, back).ok());
  EXPECT_EQ(back, byte_buffer{'x'});
  EXPECT_EQ(fs.list_files(sub), std::vector<std::string>{"f"});
  ASSERT_TRUE(fs.read_at(file, 0, 0, back).ok());
  EXPECT_TRUE(back.empty());
  EXPECT_GT(fs.free_bytes(sub), 0u);
}

TEST(posix_disk, parts_are_concatenated_and_ranges_read_back) {
  testing::temp_dir dir;
  posix_disk fs;
  auto file = dir.path() + "/f";
  std::string a = "head", b = "-body";
  ASSERT_TRUE(fs.write_parts(file, {const_slice{a.data(), a.size()}, const_slice{b.data(), b.size()}})
                .ok());
  byte_buffer back;
  ASSERT_TRUE(fs.read_at(file, 4, 100, back).ok());
  EXPECT_EQ(std::string(back.begin(), back.end()), "-body");
  ASSERT_TRUE(fs.read_at(file, 2, 3, back).ok());
  EXPECT_EQ(std::string(back.begin(), back.end()), "ad-");
  ASSERT_TRUE(fs.read_at(file, 50, 3, back).ok());
  EXPECT_TRUE(back.empty()) << "nothing past the end";
}

TEST(posix_disk, missing_files_are_not_found) {
  testing::temp_dir dir;
  posix_disk fs;
  byte_buffer back;
  EXPECT_EQ(fs.read_file(dir.path() + "/nope", back).code, errc::not_found);
  EXPECT_EQ(fs.remove_file(dir.path() + "/nope").code, errc::not_found);
  EXPECT_EQ(fs.write_file(dir.path() + "/no/such/dir/f", {'a'}).code, errc::not_found);
  EXPECT_TRUE(fs.list_files(dir.path() + "/nope").empty());
}

}  // namespace
}  // namespace dfs
