#include "messages/errc.hpp"

#include <caf/message.hpp>
#include <caf/sec.hpp>

namespace dfs {

namespace {

struct errc_row {
  errc code;
  const char* name;
  int exit_code;
};

// Exit codes: 1 internal/other, 2 invalid argument, 3 not found,
// 4 conflict with existing state, 5 unavailable or timed out, 6 data/disk.
constexpr errc_row errc_table[] = {
  {errc::ok, "ok", 0},
  {errc::invalid_argument, "invalid_argument", 2},
  {errc::invalid_path, "invalid_path", 2},
  {errc::not_found, "not_found", 3},
  {errc::already_exists, "already_exists", 4},
  {errc::not_a_directory, "not_a_directory", 4},
  {errc::is_a_directory, "is_a_directory", 4},
  {errc::not_empty, "not_empty", 4},
  {errc::unavailable, "unavailable", 5},
  {errc::timeout, "timeout", 5},
  {errc::io_error, "io_error", 6},
  {errc::corrupt, "corrupt", 6},
  {errc::no_space, "no_space", 6},
  {errc::too_large, "too_large", 2},
  {errc::overloaded, "overloaded", 5},
  {errc::internal, "internal", 1},
};

const errc_row* find_row(errc code) {
  for (const auto& row : errc_table)
    if (row.code == code)
      return &row;
  return nullptr;
}

}  // namespace

const char* to_string(errc code) {
  auto row = find_row(code);
  return row ? row->name : "unknown";
}

int exit_code(errc code) {
  auto row = find_row(code);
  return row ? row->exit_code : 1;
}

caf::error make_error(errc code, std::string context) {
  if (code == errc::ok)
    return caf::error{};
  return caf::error{static_cast<uint8_t>(code), errc_category,
                    caf::make_message(std::move(context))};
}

errc to_errc(const caf::error& err) {
  if (!err)
    return errc::ok;
  if (err.category() == errc_category) {
    auto code = static_cast<errc>(err.code());
    return find_row(code) ? code : errc::internal;
  }
  if (err.category() == caf::atom("system")) {
    switch (static_cast<caf::sec>(err.code())) {
      case caf::sec::request_timeout:
        return errc::timeout;
      case caf::sec::request_receiver_down:
      case caf::sec::cannot_connect_to_node:
      case caf::sec::no_route_to_receiving_node:
      case caf::sec::remote_linking_failed:
      case caf::sec::invalid_argument:
        return errc::unavailable;
      case caf::sec::unexpected_message:
      case caf::sec::unexpected_response:
        return errc::invalid_argument;
      default:
        return errc::internal;
    }
  }
  return errc::internal;
}

std::string describe(const caf::error& err) {
  if (!err)
    return "ok";
  if (err.category() == errc_category) {
    std::string out = to_string(to_errc(err));
    const auto& ctx = err.context();
    if (ctx.match_elements<std::string>() && !ctx.get_as<std::string>(0).empty()) {
      out += ": ";
      out += ctx.get_as<std::string>(0);
    }
    return out;
  }
  std::string out = to_string(to_errc(err));
  out += ": ";
  out += caf::to_string(err);
  return out;
}

}  // namespace dfs
