// How dfs-shell reads a line: commands separated by ';', words separated
// by blanks, '...' and "..." quoting, backslash escapes, '#' starting a
// comment. Pure: no I/O.
#pragma once

#include <string>
#include <vector>

namespace dfs::shell {

// The commands of `line`, each as its words (empty commands dropped).
// Fills `why` and returns nothing for an unterminated quote or a trailing
// backslash.
std::vector<std::vector<std::string>> split_commands(const std::string& line, std::string& why);

// `path` made absolute against the working directory `cwd` ("/" based),
// with "." and ".." resolved ("/.." is "/"). Empty `path`: `cwd`.
std::string resolve_path(const std::string& cwd, const std::string& path);

}  // namespace dfs::shell
