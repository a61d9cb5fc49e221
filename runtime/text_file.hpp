// Reads a whole text file into memory; files ending in .xz are unpacked
// through xz(1) (Debian's xz-utils). For traces and other inputs of tools
// and tests, not for the data path.
#pragma once

#include <string>

namespace dfs {

// True and the file's text in `text`; false and a message naming the file
// in `error`.
bool read_text_file(const std::string& path, std::string& text, std::string& error);

}  // namespace dfs
