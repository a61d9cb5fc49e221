#include <gtest/gtest.h>

#include <algorithm>
#include <random>

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
  ASSERT_TRUE(
    fs.write_parts(file, {const_slice{a.data(), a.size()}, const_slice{b.data(), b.size()}}).ok());
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

// Bytes go through a 256 KiB buffer of the thread's own: writes and reads
// of several of its lengths, at offsets that do not line up with it,
// come back exactly.
TEST(posix_disk, large_writes_and_reads_at_any_offset_come_back_exactly) {
  testing::temp_dir dir;
  posix_disk fs;
  std::mt19937_64 rng{7};
  auto random_bytes = [&](size_t n) {
    byte_buffer out(n);
    for (auto& c : out)
      c = static_cast<char>(rng());
    return out;
  };
  auto head = random_bytes(3), body = random_bytes((1 << 20) + 12345);
  auto whole = dir.path() + "/whole";
  ASSERT_TRUE(fs.write_parts(whole, {const_slice{head.data(), head.size()},
                                     const_slice{body.data(), body.size()}})
                .ok());
  byte_buffer expected = head;
  expected.insert(expected.end(), body.begin(), body.end());
  byte_buffer back;
  ASSERT_TRUE(fs.read_file(whole, back).ok());
  EXPECT_TRUE(back == expected);
  for (uint64_t offset : {0ull, 1ull, 262143ull, 262144ull, 700001ull}) {
    ASSERT_TRUE(fs.read_at(whole, offset, 600000, back).ok());
    auto n = std::min<size_t>(600000, expected.size() - offset);
    ASSERT_EQ(back.size(), n);
    EXPECT_TRUE(std::equal(back.begin(), back.end(), expected.begin() + offset)) << offset;
  }
  // write_at writes at the offsets given; synced and released, the file
  // reads back as the concatenation.
  auto packed = dir.path() + "/packed";
  uint64_t at = 0;
  byte_buffer all;
  for (size_t n : {size_t{1}, size_t{300000}, size_t{262144}, size_t{5}}) {
    auto part = random_bytes(n);
    ASSERT_TRUE(fs.write_at(packed, at, {const_slice{part.data(), part.size()}}).ok());
    at += n;
    all.insert(all.end(), part.begin(), part.end());
  }
  // A header and its record in one call, past the buffer's end.
  auto head2 = random_bytes(40), record = random_bytes(300000);
  ASSERT_TRUE(fs.write_at(packed, at,
                          {const_slice{head2.data(), head2.size()},
                           const_slice{record.data(), record.size()}})
                .ok());
  all.insert(all.end(), head2.begin(), head2.end());
  all.insert(all.end(), record.begin(), record.end());
  ASSERT_TRUE(fs.sync(packed).ok());
  fs.release(packed);
  ASSERT_TRUE(fs.read_file(packed, back).ok());
  EXPECT_TRUE(back == all);
}

}  // namespace
}  // namespace dfs
