// dfs-data-bench: file put and get throughput against a running cluster,
// and the physical reference for puts: the same bytes written `copies`
// times with fsync by a plain program, on the same disk.
//
//   put:       C clients (threads, one connection each) put F files of S
//              bytes in total, with R replicas; a file is acknowledged
//              when durable on all R nodes and committed through Raft.
//   get:       C clients read the files the put left, verifying each chunk.
//   reference: F files of S bytes, each written `copies` times (one file
//              per copy) with write + fsync, one writer per client.
//
// Prints one JSON line: files/s and MiB/s of file data (one copy).
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include "actors/client/client.hpp"
#include "runtime/config.hpp"

namespace {

using namespace dfs;
using steady = std::chrono::steady_clock;

struct options {
  std::string op = "put";
  std::vector<std::string> cluster;
  uint64_t size = 1 << 20;
  int files = 100;
  int clients = 4;
  uint32_t replicas = 3;
  int copies = 3;
  std::string prefix = "/bench";
  std::string dir = "/tmp";
  size_t window = 0;  // chunks in flight per client; 0: the client library's default
};

std::string content(uint64_t size, uint64_t seed) {
  std::string out(size, '\0');
  std::mt19937_64 rng{seed};
  for (size_t i = 0; i + 8 <= out.size(); i += 8) {
    auto v = rng();
    std::memcpy(out.data() + i, &v, 8);
  }
  return out;
}

// An output stream that counts what it is given and keeps none of it, so
// that a get measures dfs, not the growth of a string.
class counting_buf : public std::streambuf {
public:
  uint64_t count = 0;

protected:
  std::streamsize xsputn(const char*, std::streamsize n) override {
    count += static_cast<uint64_t>(n);
    return n;
  }
  int_type overflow(int_type c) override {
    if (c != traits_type::eof())
      ++count;
    return traits_type::not_eof(c);
  }
};

// Writes `data` to `path` with one write and an fsync; false on failure.
bool write_synced(const std::string& path, const std::string& data) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0)
    return false;
  size_t done = 0;
  while (done < data.size()) {
    auto n = ::write(fd, data.data() + done, data.size() - done);
    if (n <= 0) {
      ::close(fd);
      return false;
    }
    done += static_cast<size_t>(n);
  }
  bool ok = ::fsync(fd) == 0;
  return ::close(fd) == 0 && ok;
}

// Runs `work(client index, file index)` for every file over C threads.
template <class Work>
int run_clients(const options& o, Work work, std::atomic<int>& errors) {
  std::atomic<int> next{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < o.clients; ++c)
    threads.emplace_back([&, c] {
      for (int i = next++; i < o.files; i = next++)
        if (!work(c, i))
          ++errors;
    });
  for (auto& t : threads)
    t.join();
  return errors.load();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"dfs-data-bench: file put/get throughput and the physical reference"};
  options o;
  std::string size_text = "1MiB";
  app.add_option("op", o.op, "put, get or reference")->required();
  app.add_option("--cluster", o.cluster, "HOST:PORT of the nodes (comma-separated)")->delimiter(',');
  app.add_option("--size", size_text, "bytes per file (e.g. 4KiB, 1MiB, 64MiB)");
  app.add_option("--files", o.files, "files in all");
  app.add_option("--clients", o.clients, "concurrent clients");
  app.add_option("--replicas", o.replicas, "replicas per chunk (put)");
  app.add_option("--copies", o.copies, "copies per file (reference)");
  app.add_option("--prefix", o.prefix, "directory of the files in dfs");
  app.add_option("--dir", o.dir, "local directory (reference)");
  app.add_option("--window", o.window, "chunks in flight per client (default: the library's)");
  CLI11_PARSE(app, argc, argv);
  auto size = parse_bytes(size_text);
  if (!size || *size == 0) {
    std::cerr << "dfs-data-bench: --size: expected a size such as 1MiB\n";
    return 2;
  }
  o.size = *size;
  std::atomic<int> errors{0};
  std::vector<std::string> data;  // one content per client
  for (int c = 0; c < o.clients; ++c)
    data.push_back(content(o.size, 1000 + static_cast<uint64_t>(c)));
  auto name = [&](int i) { return o.prefix + "/f" + std::to_string(i); };
  steady::time_point start, end;
  if (o.op == "reference") {
    start = steady::now();
    run_clients(
      o,
      [&](int c, int i) {
        for (int k = 0; k < o.copies; ++k)
          if (!write_synced(o.dir + "/ref-" + std::to_string(i) + "-" + std::to_string(k),
                            data[c]))
            return false;
        return true;
      },
      errors);
    end = steady::now();
    for (int i = 0; i < o.files; ++i)
      for (int k = 0; k < o.copies; ++k)
        ::unlink((o.dir + "/ref-" + std::to_string(i) + "-" + std::to_string(k)).c_str());
  } else if (o.op == "put" || o.op == "get") {
    client_options co;
    for (auto& text : o.cluster) {
      std::string why;
      auto hp = parse_host_port(text, &why);
      if (!hp) {
        std::cerr << "dfs-data-bench: --cluster: " << why << "\n";
        return 2;
      }
      co.endpoints.push_back(*hp);
    }
    co.timeout = std::chrono::seconds{120};
    if (o.window > 0)
      co.window = co.put_window = o.window;
    std::vector<std::unique_ptr<client>> clients;
    for (int c = 0; c < o.clients; ++c) {
      auto opts = co;
      // Spread the clients over the nodes: client c starts at node c.
      std::rotate(opts.endpoints.begin(),
                  opts.endpoints.begin() + c % std::max<size_t>(opts.endpoints.size(), 1),
                  opts.endpoints.end());
      auto cl = client::connect(opts);
      if (!cl) {
        std::cerr << "dfs-data-bench: connect: " << describe(cl.error()) << "\n";
        return 5;
      }
      clients.push_back(std::move(*cl));
    }
    if (o.op == "put")
      clients[0]->mkdir(o.prefix, true);
    start = steady::now();
    run_clients(
      o,
      [&](int c, int i) {
        if (o.op == "put") {
          std::istringstream in{data[c]};
          auto r = clients[c]->put(in, name(i), o.replicas, o.size);
          if (!r)
            std::cerr << "put " << name(i) << ": " << describe(r.error()) << "\n";
          return static_cast<bool>(r);
        }
        counting_buf sink;
        std::ostream out{&sink};
        auto r = clients[c]->get(name(i), out);
        if (!r)
          std::cerr << "get " << name(i) << ": " << describe(r.error()) << "\n";
        return r && sink.count == o.size;
      },
      errors);
    end = steady::now();
  } else {
    std::cerr << "dfs-data-bench: op must be put, get or reference\n";
    return 2;
  }
  double secs = std::chrono::duration<double>(end - start).count();
  std::printf(
    "{\"op\":\"%s\",\"size\":%llu,\"files\":%d,\"clients\":%d,\"replicas\":%u,\"copies\":%d,"
    "\"seconds\":%.3f,\"files_per_s\":%.1f,\"mib_per_s\":%.1f,\"errors\":%d}\n",
    o.op.c_str(), static_cast<unsigned long long>(o.size), o.files, o.clients,
    o.op == "reference" ? 0u : o.replicas, o.op == "reference" ? o.copies : 0, secs,
    o.files / secs, static_cast<double>(o.size) * o.files / secs / (1 << 20), errors.load());
  return errors.load() == 0 ? 0 : 1;
}
