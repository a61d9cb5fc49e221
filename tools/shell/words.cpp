#include "tools/shell/words.hpp"

namespace dfs::shell {

std::vector<std::vector<std::string>> split_commands(const std::string& line, std::string& why) {
  std::vector<std::vector<std::string>> commands(1);
  std::string word;
  bool in_word = false;  // a word has started (even an empty quoted one)
  auto end_word = [&] {
    if (in_word)
      commands.back().push_back(word);
    word.clear();
    in_word = false;
  };
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (c == '\\') {
      if (++i == line.size()) {
        why = "a backslash at the end of the line";
        return {};
      }
      word += line[i];
      in_word = true;
    } else if (c == '\'' || c == '"') {
      // Up to the closing quote; inside double quotes a backslash escapes
      // the next character (a quote too).
      size_t j = i + 1;
      for (; j < line.size() && line[j] != c; ++j) {
        if (c == '"' && line[j] == '\\' && j + 1 < line.size())
          ++j;
        word += line[j];
      }
      if (j >= line.size()) {
        why = std::string{"unterminated "} + c + " quote";
        return {};
      }
      i = j;
      in_word = true;
    } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      end_word();
    } else if (c == ';') {
      end_word();
      commands.emplace_back();
    } else if (c == '#' && !in_word) {
      break;
    } else {
      word += c;
      in_word = true;
    }
  }
  end_word();
  std::vector<std::vector<std::string>> out;
  for (auto& cmd : commands)
    if (!cmd.empty())
      out.push_back(std::move(cmd));
  return out;
}

std::string resolve_path(const std::string& cwd, const std::string& path) {
  std::string full = path.empty() ? cwd : path[0] == '/' ? path : cwd + "/" + path;
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= full.size()) {
    auto slash = full.find('/', start);
    if (slash == std::string::npos)
      slash = full.size();
    auto part = full.substr(start, slash - start);
    if (part == "..") {
      if (!parts.empty())
        parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(std::move(part));
    }
    start = slash + 1;
  }
  std::string out;
  for (auto& p : parts)
    out += "/" + p;
  return out.empty() ? "/" : out;
}

}  // namespace dfs::shell
