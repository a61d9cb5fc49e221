// Path rules of the dfs namespace. A canonical path is absolute, has no
// empty, "." or ".." components, no trailing slash (except the root "/"),
// no NUL, and stays within the length and depth bounds below.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "messages/errc.hpp"

namespace dfs {

constexpr size_t max_path_bytes = 4096;
constexpr size_t max_name_bytes = 255;
constexpr size_t max_path_depth = 64;

struct path_check {
  errc code = errc::ok;
  std::string message;  // why it was rejected
  std::string path;     // the canonical form when code == ok
  bool ok() const { return code == errc::ok; }
};

// Validates and canonicalizes a path: collapses repeated slashes, drops
// "." components and a trailing slash; rejects relative paths, "..", NUL,
// overlong names and paths, and too-deep paths.
path_check normalize_path(std::string_view raw);

// Components of a canonical path ("/" has none).
std::vector<std::string> path_components(const std::string& canonical);

// Parent of a canonical path ("/a/b" -> "/a", "/a" -> "/", "/" -> "/").
std::string parent_path(const std::string& canonical);

// Last component ("/a/b" -> "b", "/" -> "").
std::string base_name(const std::string& canonical);

// Joins a canonical directory and a child name.
std::string join_path(const std::string& dir, const std::string& name);

// True if `descendant` equals `ancestor` or lies beneath it.
bool is_within(const std::string& descendant, const std::string& ancestor);

}  // namespace dfs
