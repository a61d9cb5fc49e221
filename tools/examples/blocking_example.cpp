// A program that uses dfs as a file store through the blocking client API
// (<dfs/client.hpp>): makes a directory, writes a small file and a large
// streamed one, lists and stats them, reads both back and compares, moves
// one and removes the directory. Exits 0 when every step did what it should.
//
//   blocking_example 127.0.0.1:7100[,host:port...] [/prefix]
#include <cstdio>
#include <iostream>
#include <random>
#include <sstream>
#include <string>

#include <dfs/client.hpp>

namespace {

// Prints why a step failed; the exit code of the program.
int fail(const std::string& step, const caf::error& err) {
  std::cerr << "blocking_example: " << step << ": " << dfs::describe(err) << "\n";
  return 1;
}

int fail(const std::string& step, const std::string& why) {
  std::cerr << "blocking_example: " << step << ": " << why << "\n";
  return 1;
}

// `n` pseudo-random bytes: a file that spans several chunks.
std::string random_bytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng{seed};
  std::string out(n, '\0');
  for (auto& c : out)
    c = static_cast<char>(rng());
  return out;
}

// Every step; returns the exit code (the connection closes on return).
int run(const std::string& cluster, const std::string& dir) {
  auto conn = dfs::connection::open(cluster, std::chrono::seconds{30});
  if (!conn)
    return fail("connect", conn.error());

  if (auto err = conn->rm(dir, true); err && dfs::to_errc(err) != dfs::errc::not_found)
    return fail("clean up " + dir, err);
  if (auto d = conn->mkdir(dir, true); !d)
    return fail("mkdir", d.error());

  std::string note = "written by the blocking example\n";
  if (auto f = conn->put(dir + "/note.txt", note); !f)
    return fail("put note.txt", f.error());

  // 9 MiB from a stream: three chunks at the default 4 MiB.
  auto big = random_bytes(9u << 20, 7);
  std::istringstream big_in{big};
  auto put_big = conn->put(dir + "/big.bin", big_in);
  if (!put_big)
    return fail("put big.bin", put_big.error());
  std::printf("put %s: %llu bytes in %zu chunks, version %llu\n", put_big->path.c_str(),
              (unsigned long long)put_big->size, put_big->chunks.size(),
              (unsigned long long)put_big->version);

  auto entries = conn->ls(dir);
  if (!entries)
    return fail("ls", entries.error());
  for (auto& e : *entries)
    std::printf("ls: %s %llu bytes\n", e.path.c_str(), (unsigned long long)e.size);
  if (entries->size() != 2)
    return fail("ls", "expected 2 entries, got " + std::to_string(entries->size()));

  auto info = conn->stat(dir + "/big.bin");
  if (!info)
    return fail("stat", info.error());
  if (info->size != big.size())
    return fail("stat",
                "size " + std::to_string(info->size) + ", expected " + std::to_string(big.size()));

  auto back = conn->get(dir + "/big.bin");
  if (!back)
    return fail("get big.bin", back.error());
  if (*back != big)
    return fail("get big.bin", "the bytes read differ from those written");
  auto note_back = conn->get(dir + "/note.txt");
  if (!note_back || *note_back != note)
    return fail("get note.txt", note_back ? "content differs" : dfs::describe(note_back.error()));
  std::printf("get: both files read back identical\n");

  if (auto m = conn->mv(dir + "/note.txt", dir + "/renamed.txt"); !m)
    return fail("mv", m.error());
  auto gone = conn->stat(dir + "/note.txt");
  if (gone || dfs::to_errc(gone.error()) != dfs::errc::not_found)
    return fail("stat after mv", "the old name still exists");

  if (auto err = conn->rm(dir, true))
    return fail("rm", err);
  auto after = conn->ls(dir);
  if (after || dfs::to_errc(after.error()) != dfs::errc::not_found)
    return fail("ls after rm", "the directory is still there");
  std::printf("blocking example: ok\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: blocking_example HOST:PORT[,HOST:PORT...] [/prefix]\n";
    return 2;
  }
  return run(argv[1], argc > 2 ? argv[2] : "/examples/blocking");
}
