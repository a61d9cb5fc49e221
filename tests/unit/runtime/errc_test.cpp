#include <gtest/gtest.h>

#include <caf/sec.hpp>

#include "messages/errc.hpp"

namespace dfs {
namespace {

TEST(errc, errors_round_trip_through_caf_error) {
  auto err = make_error(errc::not_found, "/a does not exist");
  EXPECT_EQ(to_errc(err), errc::not_found);
  EXPECT_EQ(describe(err), "not_found: /a does not exist");
  EXPECT_FALSE(make_error(errc::ok));
  EXPECT_EQ(to_errc(caf::error{}), errc::ok);
}

TEST(errc, caf_system_errors_map_to_the_nearest_code) {
  EXPECT_EQ(to_errc(caf::make_error(caf::sec::request_timeout)), errc::timeout);
  EXPECT_EQ(to_errc(caf::make_error(caf::sec::request_receiver_down)), errc::unavailable);
  EXPECT_EQ(to_errc(caf::make_error(caf::sec::unexpected_message)), errc::invalid_argument);
}

TEST(errc, exit_codes_distinguish_the_kinds_of_failure) {
  EXPECT_EQ(exit_code(errc::ok), 0);
  EXPECT_EQ(exit_code(errc::invalid_path), 2);
  EXPECT_EQ(exit_code(errc::not_found), 3);
  EXPECT_EQ(exit_code(errc::already_exists), 4);
  EXPECT_EQ(exit_code(errc::unavailable), 5);
  EXPECT_EQ(exit_code(errc::timeout), 5);
  EXPECT_EQ(exit_code(errc::corrupt), 6);
}

}  // namespace
}  // namespace dfs
