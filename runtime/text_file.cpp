#include "runtime/text_file.hpp"

#include <cstdio>
#include <fstream>
#include <sstream>

namespace dfs {
namespace {

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

std::string shell_quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s)
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

bool read_text_file(const std::string& path, std::string& text, std::string& error) {
  text.clear();
  if (!std::ifstream(path)) {
    error = path + ": cannot open";
    return false;
  }
  if (!ends_with(path, ".xz")) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream all;
    all << in.rdbuf();
    text = all.str();
    return true;
  }
  FILE* pipe = popen(("xz -dc -- " + shell_quoted(path) + " 2>/dev/null").c_str(), "r");
  if (!pipe) {
    error = path + ": cannot run xz";
    return false;
  }
  char buf[1 << 16];
  for (size_t n; (n = fread(buf, 1, sizeof buf, pipe)) > 0;)
    text.append(buf, n);
  if (pclose(pipe) != 0) {
    error = path + ": not a readable xz file (is xz-utils installed?)";
    return false;
  }
  return true;
}

}  // namespace dfs
