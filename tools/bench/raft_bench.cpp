// dfs-raft-bench: drives metadata writes or linearizable reads against a
// running 3-node cluster, dfs or etcd, with C concurrent closed-loop
// clients for a fixed time, and prints throughput and latency percentiles
// as one JSON line. Both drivers work the same way: one process, one
// connection per member, client k talks to member k mod 3, each client
// keeps exactly one request outstanding, and none waits on a thread of
// its own (CAF actors here, gRPC callbacks for etcd).
//
//   write: dfs creates an empty file, then deletes it (one Raft command
//          each, proposed through the metadata API); etcd puts a key,
//          then deletes it.
//   read:  dfs stats one of 100 files, etcd ranges over one of 100 keys;
//          both linearizable (ReadIndex).
//   ping:  the floor under both: one round trip to a member that involves
//          no other member (dfs asks the node agent for its handles, etcd
//          ranges over a key with serializable=true).
//   ping2: dfs only: the same to two members at once, the floor under a
//          read in one round (leader and a follower asked together).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include "actors/client/blocking_call.hpp"
#include "actors/client/meta_batcher.hpp"
#include "messages/errc.hpp"
#include "messages/handles.hpp"
#include "messages/meta.pb.h"
#include "runtime/clock.hpp"
#include "runtime/config.hpp"
#include "runtime/deadline.hpp"
#include "runtime/system.hpp"

#ifdef DFS_BENCH_ETCD
#include <grpcpp/grpcpp.h>

#include "tools/bench/etcd_kv.grpc.pb.h"
#endif

namespace {

using namespace dfs;
using steady = std::chrono::steady_clock;
using namespace std::chrono_literals;

struct options {
  std::string system = "dfs";
  std::vector<host_port> endpoints;
  std::string op = "write";
  int clients = 1;
  double seconds = 5;
  double warmup = 1;
  int read_keys = 100;
  bool coalesce = true;   // dfs reads: through a meta_batcher per member
  bool one_round = true;  // dfs reads: the batchers know the group (leader reads in one round trip)
};

// Latencies of one client, recorded after the warm-up.
struct samples {
  std::vector<double> ms;
  uint64_t errors = 0;
  std::string last_error;
};

struct window {
  steady::time_point measure_from;
  steady::time_point end;
  bool counts(steady::time_point t) const { return t >= measure_from; }
};

double percentile(std::vector<double>& xs, double p) {
  if (xs.empty())
    return 0;
  auto k = static_cast<size_t>(p * static_cast<double>(xs.size() - 1) + 0.5);
  std::nth_element(xs.begin(), xs.begin() + static_cast<std::ptrdiff_t>(k), xs.end());
  return xs[k];
}

int report(const options& o, std::vector<std::shared_ptr<samples>>& all) {
  std::vector<double> ms;
  uint64_t errors = 0;
  std::string last_error;
  for (auto& s : all) {
    ms.insert(ms.end(), s->ms.begin(), s->ms.end());
    errors += s->errors;
    if (!s->last_error.empty())
      last_error = s->last_error;
  }
  auto measured = o.seconds - o.warmup;
  auto ops = static_cast<double>(ms.size());
  auto p50 = percentile(ms, 0.50);
  auto p99 = percentile(ms, 0.99);
  auto max = ms.empty() ? 0.0 : *std::max_element(ms.begin(), ms.end());
  std::printf(
    "{\"system\":\"%s\",\"op\":\"%s\",\"clients\":%d,\"ops\":%.0f,\"seconds\":%.1f,"
    "\"ops_per_s\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,\"errors\":%llu}\n",
    o.system.c_str(), o.op.c_str(), o.clients, ops, measured, ops / measured, p50, p99, max,
    static_cast<unsigned long long>(errors));
  if (errors > 0)
    std::fprintf(stderr, "dfs-raft-bench: %llu errors; the last: %s\n",
                 static_cast<unsigned long long>(errors), last_error.c_str());
  return ms.empty() ? 1 : 0;
}

// --- dfs -------------------------------------------------------------------

std::string command(const std::string& client, uint64_t seq, bool create, const std::string& path) {
  proto::MetaCommand cmd;
  cmd.set_mtime_ms(now_ms());
  cmd.set_client_id(client);
  cmd.set_sequence(seq);
  if (create) {
    auto* f = cmd.mutable_create_file();
    f->set_path(path);
    f->set_replication(1);
    f->set_mode(0644);
  } else {
    cmd.mutable_delete_()->set_path(path);
  }
  return cmd.SerializeAsString();
}

struct dfs_client {
  int k = 0;
  std::string id;
  uint64_t seq = 0;
  uint64_t i = 0;
  meta_actor meta;
  node_agent_actor agent;   // ping
  node_agent_actor agent2;  // ping2: the next member as well
  std::shared_ptr<samples> out;
  // The request outstanding: its number (a late reply to an abandoned one
  // is ignored) and when it went out.
  uint64_t outstanding = 0;
  steady::time_point issued;
  bool done = false;
};

// Each request has a deadline of request_deadline, as each etcd call has.
// A CAF request timeout would cost every request a round trip through
// CAF's clock thread (about 8% of this machine's CPU at 128 clients,
// taken from the servers under test), so each client instead checks its
// outstanding request once a second, and gives up on it past the deadline.
constexpr auto request_deadline = 10s;

void dfs_issue(caf::event_based_actor* self, std::shared_ptr<dfs_client> c, const options& o,
               window w, std::shared_ptr<std::atomic<int>> running) {
  auto start = steady::now();
  if (start >= w.end) {
    c->done = true;
    --*running;
    self->quit();
    return;
  }
  auto request = ++c->outstanding;
  c->issued = start;
  auto done = [=](const caf::error& err) {
    if (request != c->outstanding)
      return;  // given up on already
    auto now = steady::now();
    if (err) {
      c->out->errors++;
      c->out->last_error = describe(err);
    } else if (w.counts(start)) {
      c->out->ms.push_back(std::chrono::duration<double, std::milli>(now - start).count());
    }
    dfs_issue(self, c, o, w, running);
  };
  auto ctx = context_with_timeout(request_deadline);
  ctx.client_id = c->id;
  ctx.sequence = ++c->seq;
  if (o.op == "write") {
    auto n = c->i++;
    auto path = "/bench/c" + std::to_string(c->k) + "/f" + std::to_string(n / 2);
    self
      ->request(c->meta, caf::infinite, propose_atom::value, ctx,
                command(c->id, ctx.sequence, n % 2 == 0, path))
      .then([=](file_info&) { done(caf::error{}); }, [=](caf::error& err) { done(err); });
  } else if (o.op == "ping") {
    self->request(c->agent, caf::infinite, handles_atom::value)
      .then([=](node_handles&) { done(caf::error{}); }, [=](caf::error& err) { done(err); });
  } else if (o.op == "ping2") {
    // Both members at once; done when both answered (or either failed).
    auto left = std::make_shared<int>(2);
    auto one = [=](const caf::error& err) {
      if (*left <= 0)
        return;  // answered already
      *left = err ? 0 : *left - 1;
      if (*left == 0)
        done(err);
    };
    for (auto& a : {c->agent, c->agent2})
      self->request(a, caf::infinite, handles_atom::value)
        .then([=](node_handles&) { one(caf::error{}); }, [=](caf::error& err) { one(err); });
  } else {
    static thread_local std::mt19937 rng{std::random_device{}()};
    auto path = "/bench/r/f" + std::to_string(rng() % static_cast<unsigned>(o.read_keys));
    self->request(c->meta, caf::infinite, stat_atom::value, ctx, path)
      .then([=](file_info&) { done(caf::error{}); }, [=](caf::error& err) { done(err); });
  }
}

int run_dfs(const options& o) {
  system_config cfg{2};
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  std::vector<meta_actor> metas;
  std::vector<node_agent_actor> agents;
  for (auto& ep : o.endpoints) {
    auto agent = sys.middleman().remote_actor<node_agent_actor>(ep.host, ep.port);
    if (!agent) {
      std::cerr << "dfs-raft-bench: cannot reach " << ep.to_string() << "\n";
      return 5;
    }
    auto handles = blocking_call<node_handles>(self, *agent, 5s, handles_atom::value);
    if (!handles || !handles->meta) {
      std::cerr << "dfs-raft-bench: no metadata service at " << ep.to_string() << "\n";
      return 5;
    }
    metas.push_back(handles->meta);
    agents.push_back(*agent);
  }
  // Reads of clients sharing a member's connection travel together (the
  // client library's meta_batcher); writes go straight to the member. A
  // batcher that knows the group reads at the leader in one round trip
  // when it is idle (see meta_batcher.hpp).
  std::vector<meta_actor> readers = metas;
  if (o.coalesce)
    for (auto& r : readers)
      r = spawn_meta_batcher(sys, r, o.one_round ? metas : std::vector<meta_actor>{});
  // Set-up: a directory per client, and the files that reads look at.
  std::string setup_id = "bench-setup-" + std::to_string(now_ms());
  uint64_t seq = 0;
  auto propose = [&](const std::string& cmd) {
    auto ctx = context_with_timeout(10s);
    return blocking_call<file_info>(self, metas[0], 10s, propose_atom::value, ctx, cmd);
  };
  auto mkdir = [&](const std::string& path) {
    proto::MetaCommand cmd;
    cmd.set_mtime_ms(now_ms());
    cmd.set_client_id(setup_id);
    cmd.set_sequence(++seq);
    cmd.mutable_mkdir()->set_path(path);
    cmd.mutable_mkdir()->set_parents(true);
    return propose(cmd.SerializeAsString());
  };
  if (o.op == "write") {
    for (int k = 0; k < o.clients; ++k)
      if (auto r = mkdir("/bench/c" + std::to_string(k)); !r) {
        std::cerr << "dfs-raft-bench: set-up failed: " << describe(r.error()) << "\n";
        return 5;
      }
  } else if (o.op == "read") {
    mkdir("/bench/r");
    for (int j = 0; j < o.read_keys; ++j)
      propose(command(setup_id, ++seq, true, "/bench/r/f" + std::to_string(j)));
  }
  auto run_id = std::to_string(now_ms());
  auto t0 = steady::now();
  window w{
    t0 + std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(o.warmup)),
    t0 + std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(o.seconds))};
  auto running = std::make_shared<std::atomic<int>>(o.clients);
  std::vector<std::shared_ptr<samples>> all;
  for (int k = 0; k < o.clients; ++k) {
    auto c = std::make_shared<dfs_client>();
    c->k = k;
    c->id = "bench-" + run_id + "-" + std::to_string(k);
    c->meta = (o.op == "read" ? readers : metas)[static_cast<size_t>(k) % metas.size()];
    c->agent = agents[static_cast<size_t>(k) % agents.size()];
    c->agent2 = agents[static_cast<size_t>(k + 1) % agents.size()];
    c->out = std::make_shared<samples>();
    all.push_back(c->out);
    sys.spawn([=, &o](caf::event_based_actor* a) -> caf::behavior {
      dfs_issue(a, c, o, w, running);
      a->delayed_send(a, 1s, tick_atom::value);
      return {[=, &o](tick_atom) {
        if (c->done)
          return;
        if (steady::now() - c->issued > request_deadline) {
          c->out->errors++;
          c->out->last_error = "no reply within the deadline";
          dfs_issue(a, c, o, w, running);
        }
        a->delayed_send(a, 1s, tick_atom::value);
      }};
    });
  }
  while (*running > 0)
    std::this_thread::sleep_for(10ms);
  if (o.coalesce)
    for (auto& r : readers)
      caf::anon_send_exit(r, caf::exit_reason::user_shutdown);
  return report(o, all);
}

// --- etcd ------------------------------------------------------------------

#ifdef DFS_BENCH_ETCD
struct etcd_client {
  int k = 0;
  uint64_t i = 0;
  etcdserverpb::KV::Stub* stub = nullptr;
  std::shared_ptr<samples> out;
  std::mutex mu;  // callbacks of one client never overlap, but run on gRPC's threads
};

void etcd_issue(std::shared_ptr<etcd_client> c, const options& o, window w,
                std::shared_ptr<std::atomic<int>> running) {
  auto start = steady::now();
  if (start >= w.end) {
    --*running;
    return;
  }
  struct call {
    grpc::ClientContext ctx;
    etcdserverpb::PutRequest put;
    etcdserverpb::PutResponse put_reply;
    etcdserverpb::DeleteRangeRequest del;
    etcdserverpb::DeleteRangeResponse del_reply;
    etcdserverpb::RangeRequest range;
    etcdserverpb::RangeResponse range_reply;
  };
  auto cl = std::make_shared<call>();
  cl->ctx.set_deadline(std::chrono::system_clock::now() + 10s);
  auto done = [=](grpc::Status status) {
    auto now = steady::now();
    {
      std::lock_guard<std::mutex> lock{c->mu};
      if (!status.ok()) {
        c->out->errors++;
        c->out->last_error = status.error_message();
      } else if (w.counts(start)) {
        c->out->ms.push_back(std::chrono::duration<double, std::milli>(now - start).count());
      }
    }
    (void)cl;
    etcd_issue(c, o, w, running);
  };
  if (o.op == "write") {
    auto n = c->i++;
    auto key = "bench/c" + std::to_string(c->k) + "/f" + std::to_string(n / 2);
    if (n % 2 == 0) {
      cl->put.set_key(key);
      c->stub->async()->Put(&cl->ctx, &cl->put, &cl->put_reply, done);
    } else {
      cl->del.set_key(key);
      c->stub->async()->DeleteRange(&cl->ctx, &cl->del, &cl->del_reply, done);
    }
  } else {
    static thread_local std::mt19937 rng{std::random_device{}()};
    cl->range.set_serializable(o.op == "ping");
    cl->range.set_key("bench/r/f" + std::to_string(rng() % static_cast<unsigned>(o.read_keys)));
    c->stub->async()->Range(&cl->ctx, &cl->range, &cl->range_reply, done);
  }
}

int run_etcd(const options& o) {
  std::vector<std::unique_ptr<etcdserverpb::KV::Stub>> stubs;
  for (auto& ep : o.endpoints) {
    grpc::ChannelArguments args;
    args.SetInt("grpc.use_local_subchannel_pool", 1);  // a connection per member
    stubs.push_back(etcdserverpb::KV::NewStub(
      grpc::CreateCustomChannel(ep.to_string(), grpc::InsecureChannelCredentials(), args)));
  }
  if (o.op != "write")
    for (int j = 0; j < o.read_keys; ++j) {
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + 10s);
      etcdserverpb::PutRequest req;
      etcdserverpb::PutResponse rep;
      req.set_key("bench/r/f" + std::to_string(j));
      req.set_value("");
      if (auto st = stubs[0]->Put(&ctx, req, &rep); !st.ok()) {
        std::cerr << "dfs-raft-bench: etcd set-up failed: " << st.error_message() << "\n";
        return 5;
      }
    }
  auto t0 = steady::now();
  window w{
    t0 + std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(o.warmup)),
    t0 + std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(o.seconds))};
  auto running = std::make_shared<std::atomic<int>>(o.clients);
  std::vector<std::shared_ptr<samples>> all;
  std::vector<std::shared_ptr<etcd_client>> clients;
  for (int k = 0; k < o.clients; ++k) {
    auto c = std::make_shared<etcd_client>();
    c->k = k;
    c->stub = stubs[static_cast<size_t>(k) % stubs.size()].get();
    c->out = std::make_shared<samples>();
    all.push_back(c->out);
    clients.push_back(c);
  }
  for (auto& c : clients)
    etcd_issue(c, o, w, running);
  while (*running > 0)
    std::this_thread::sleep_for(10ms);
  return report(o, all);
}
#endif

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"dfs-raft-bench: metadata writes and linearizable reads against dfs or etcd"};
  options o;
  std::string endpoints;
  app.add_option("--system", o.system, "dfs or etcd")->check(CLI::IsMember({"dfs", "etcd"}));
  app.add_option("--endpoints", endpoints, "HOST:PORT,... of the members")->required();
  app
    .add_option("--op", o.op,
                "write, read, ping (one round trip to a member, no consensus) or ping2 (to "
                "two members at once: the floor under a one-round read; dfs only)")
    ->check(CLI::IsMember({"write", "read", "ping", "ping2"}));
  app.add_option("--clients", o.clients, "concurrent closed-loop clients")
    ->check(CLI::Range(1, 4096));
  app.add_option("--seconds", o.seconds, "length of the run, warm-up included");
  app.add_option("--warmup", o.warmup, "seconds not measured at the start");
  app.add_flag("!--no-coalesce", o.coalesce,
               "dfs: each read its own message (default: concurrent reads to a member share one)");
  app.add_flag("!--no-one-round", o.one_round,
               "dfs: reads only through their own member (default: a read that finds its batcher "
               "idle goes to the leader, confirmed by the other members, in one round trip; "
               "no effect with --no-coalesce, whose reads go to their member alone)");
  CLI11_PARSE(app, argc, argv);
  std::stringstream in{endpoints};
  for (std::string item; std::getline(in, item, ',');) {
    std::string why;
    auto hp = parse_host_port(item, &why);
    if (!hp) {
      std::cerr << "dfs-raft-bench: --endpoints: " << why << "\n";
      return 2;
    }
    o.endpoints.push_back(*hp);
  }
  if (o.seconds <= o.warmup) {
    std::cerr << "dfs-raft-bench: --seconds must exceed --warmup\n";
    return 2;
  }
  if (o.system == "dfs")
    return run_dfs(o);
  if (o.op == "ping2") {
    std::cerr << "dfs-raft-bench: --op ping2 is for dfs only\n";
    return 2;
  }
#ifdef DFS_BENCH_ETCD
  return run_etcd(o);
#else
  std::cerr << "dfs-raft-bench: built without gRPC; install libgrpc++-dev and "
               "protobuf-compiler-grpc (tools/bench/raft_vs_etcd.sh does) and rebuild\n";
  return 2;
#endif
}
