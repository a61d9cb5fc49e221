#include "actors/meta/path.hpp"

namespace dfs {

path_check normalize_path(std::string_view raw) {
  auto reject = [](errc code, std::string why) { return path_check{code, std::move(why), {}}; };
  if (raw.empty())
    return reject(errc::invalid_path, "empty path");
  if (raw.size() > max_path_bytes)
    return reject(errc::too_large, "path longer than " + std::to_string(max_path_bytes) + " bytes");
  if (raw.find('\0') != std::string_view::npos)
    return reject(errc::invalid_path, "path contains a NUL byte");
  if (raw.front() != '/')
    return reject(errc::invalid_path, "path must be absolute: '" + std::string{raw} + "'");
  std::string out;
  size_t depth = 0;
  size_t pos = 0;
  while (pos < raw.size()) {
    auto next = raw.find('/', pos);
    if (next == std::string_view::npos)
      next = raw.size();
    auto name = raw.substr(pos, next - pos);
    pos = next + 1;
    if (name.empty() || name == ".")
      continue;
    if (name == "..")
      return reject(errc::invalid_path, "path must not contain '..': '" + std::string{raw} + "'");
    if (name.size() > max_name_bytes)
      return reject(errc::too_large,
                    "path component longer than " + std::to_string(max_name_bytes) + " bytes");
    if (++depth > max_path_depth)
      return reject(errc::too_large,
                    "path deeper than " + std::to_string(max_path_depth) + " components");
    out += '/';
    out += name;
  }
  if (out.empty())
    out = "/";
  return path_check{errc::ok, {}, std::move(out)};
}

std::vector<std::string> path_components(const std::string& canonical) {
  std::vector<std::string> out;
  size_t pos = 1;
  while (pos < canonical.size()) {
    auto next = canonical.find('/', pos);
    if (next == std::string::npos)
      next = canonical.size();
    out.push_back(canonical.substr(pos, next - pos));
    pos = next + 1;
  }
  return out;
}

std::string parent_path(const std::string& canonical) {
  auto slash = canonical.rfind('/');
  if (slash == 0 || slash == std::string::npos)
    return "/";
  return canonical.substr(0, slash);
}

std::string base_name(const std::string& canonical) {
  auto slash = canonical.rfind('/');
  return slash == std::string::npos ? canonical : canonical.substr(slash + 1);
}

std::string join_path(const std::string& dir, const std::string& name) {
  return dir == "/" ? "/" + name : dir + "/" + name;
}

bool is_within(const std::string& descendant, const std::string& ancestor) {
  if (ancestor == "/")
    return true;
  if (descendant.compare(0, ancestor.size(), ancestor) != 0)
    return false;
  return descendant.size() == ancestor.size() || descendant[ancestor.size()] == '/';
}

}  // namespace dfs
