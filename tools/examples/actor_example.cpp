// A CAF actor that talks to the dfs gateway directly, with asynchronous
// requests (<dfs/actors.hpp>): it writes a batch of small files, 16 at a
// time, lists them, reads each back (stat for its chunks, then a read per
// chunk, all in flight together) and checks every byte, then removes them.
// Exits 0 when every reply was what it should be.
//
//   actor_example 127.0.0.1:7100[,host:port...] [files] [/prefix]
#include <cstdio>
#include <cstdlib>
#include <future>
#include <iostream>
#include <memory>
#include <string>

#include <caf/event_based_actor.hpp>

#include <dfs/actors.hpp>

namespace {

using namespace std::chrono_literals;

// Writes in flight at once: at most dfs::max_writes_in_flight per
// connection (see new_context in <dfs/client.hpp>).
constexpr int write_window = 16;

struct run {
  dfs::connection* conn;
  dfs::gateway_actor gateway;
  std::string dir;
  int files;
  int pending = 0;
  bool finished = false;
  std::promise<std::string> done;  // empty: success; else why it failed
};

dfs::byte_buffer content_of(int i) {
  std::string text = "file " + std::to_string(i) + " of the actor example\n";
  text.append(static_cast<size_t>(i) * 37, static_cast<char>('a' + i % 26));
  return dfs::byte_buffer(text.begin(), text.end());
}

std::string name_of(const run& r, int i) {
  return r.dir + "/f" + std::to_string(i);
}

// The first outcome counts (once one request failed, others may too).
void finish(caf::event_based_actor* self, std::shared_ptr<run> r, std::string why) {
  if (r->finished)
    return;
  r->finished = true;
  r->done.set_value(std::move(why));
  self->quit();
}

void remove_all(caf::event_based_actor* self, std::shared_ptr<run> r) {
  self->request(r->gateway, 10s, dfs::remove_atom::value, r->conn->new_context(10s), r->dir, true)
    .then([=](dfs::ok_atom) { finish(self, r, {}); },
          [=](caf::error& err) { finish(self, r, "rm: " + dfs::describe(err)); });
}

// Reads file i: its chunks from stat, then every chunk at once.
void read_back(caf::event_based_actor* self, std::shared_ptr<run> r, int i) {
  auto fail = [=](const std::string& step) {
    return [=](caf::error& err) {
      finish(self, r, step + " " + name_of(*r, i) + ": " + dfs::describe(err));
    };
  };
  self->request(r->gateway, 10s, dfs::stat_atom::value, r->conn->new_context(10s), name_of(*r, i))
    .then(
      [=](const dfs::file_info& info) {
        auto bytes = std::make_shared<std::vector<dfs::byte_buffer>>(info.chunks.size());
        auto left = std::make_shared<size_t>(info.chunks.size());
        for (size_t c = 0; c < info.chunks.size(); ++c)
          self
            ->request(r->gateway, 10s, dfs::read_atom::value, r->conn->new_context(10s),
                      info.chunks[c])
            .then(
              [=](dfs::byte_buffer& chunk) {
                (*bytes)[c] = std::move(chunk);
                if (--*left > 0)
                  return;
                dfs::byte_buffer whole;
                for (auto& b : *bytes)
                  whole.insert(whole.end(), b.begin(), b.end());
                if (whole != content_of(i))
                  return finish(self, r, "read " + name_of(*r, i) + ": content differs");
                if (--r->pending == 0) {
                  std::printf("read back %d files, every byte as written\n", r->files);
                  remove_all(self, r);
                }
              },
              fail("read"));
      },
      fail("stat"));
}

void list_and_read(caf::event_based_actor* self, std::shared_ptr<run> r) {
  self->request(r->gateway, 10s, dfs::list_atom::value, r->conn->new_context(10s), r->dir)
    .then(
      [=](const std::vector<dfs::file_info>& entries) {
        std::printf("listed %zu entries in %s\n", entries.size(), r->dir.c_str());
        if (entries.size() != static_cast<size_t>(r->files))
          return finish(self, r, "ls: expected " + std::to_string(r->files) + " entries");
        r->pending = r->files;
        for (int i = 0; i < r->files; ++i)
          read_back(self, r, i);
      },
      [=](caf::error& err) { finish(self, r, "ls: " + dfs::describe(err)); });
}

// Sends the put of file i; each answer sends the next file's put, so
// `write_window` puts are in flight at any time.
void put_next(caf::event_based_actor* self, std::shared_ptr<run> r, int i) {
  if (i >= r->files)
    return;
  self
    ->request(r->gateway, 10s, dfs::put_atom::value, r->conn->new_context(10s), name_of(*r, i),
              uint32_t{0}, content_of(i))
    .then(
      [=](const dfs::file_info&) {
        if (--r->pending == 0) {
          std::printf("wrote %d files, %d in flight at a time\n", r->files, write_window);
          return list_and_read(self, r);
        }
        put_next(self, r, i + write_window);
      },
      [=](caf::error& err) {
        finish(self, r, "put " + name_of(*r, i) + ": " + dfs::describe(err));
      });
}

// The actor: puts in a window, then the reads (all at once) when every
// put has landed.
void example(caf::event_based_actor* self, std::shared_ptr<run> r) {
  self->request(r->gateway, 10s, dfs::mkdir_atom::value, r->conn->new_context(10s), r->dir, true)
    .then(
      [=](const dfs::file_info&) {
        r->pending = r->files;
        for (int i = 0; i < write_window; ++i)
          put_next(self, r, i);
      },
      [=](caf::error& err) { finish(self, r, "mkdir: " + dfs::describe(err)); });
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: actor_example HOST:PORT[,HOST:PORT...] [files] [/prefix]\n";
    return 2;
  }
  int files = argc > 2 ? std::atoi(argv[2]) : 50;
  std::string dir = argc > 3 ? argv[3] : "/examples/actor";
  if (files < 1 || files > 10000) {
    std::cerr << "actor_example: files: expected 1..10000\n";
    return 2;
  }
  auto conn = dfs::connection::open(argv[1]);
  if (!conn) {
    std::cerr << "actor_example: connect: " << dfs::describe(conn.error()) << "\n";
    return 1;
  }
  // A missing file is an error reply like any other.
  auto missing = conn->stat(dir + "/no-such-file");
  if (missing || dfs::to_errc(missing.error()) != dfs::errc::not_found) {
    std::cerr << "actor_example: stat of a missing file did not answer not_found\n";
    return 1;
  }
  auto r = std::make_shared<run>();
  r->conn = &*conn;
  r->gateway = conn->gateway();
  r->dir = dir;
  r->files = files;
  auto outcome = r->done.get_future();
  conn->system().spawn(example, r);
  if (outcome.wait_for(60s) != std::future_status::ready) {
    // The actor still runs and uses the connection: leave at once rather
    // than tear the connection down under it.
    std::cerr << "actor_example: no outcome within 60 s" << std::endl;
    std::_Exit(1);
  }
  auto why = outcome.get();
  if (!why.empty()) {
    std::cerr << "actor_example: " << why << "\n";
    return 1;
  }
  std::printf("actor example: ok\n");
  return 0;
}
