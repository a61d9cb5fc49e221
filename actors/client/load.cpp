#include "actors/client/load.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <mutex>
#include <random>
#include <set>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>

#include "actors/balancer/backoff.hpp"
#include "actors/cache/ring.hpp"
#include "actors/cache/trace.hpp"
#include "actors/client/client.hpp"
#include "actors/client/load_sim.hpp"
#include "runtime/deadline.hpp"

namespace dfs {

namespace {

using steady = std::chrono::steady_clock;

struct run_state {
  load_options opts;
  std::vector<uint64_t> keys;  // file index per request (cycled)
  std::vector<uint8_t> reads;  // 1: a get, 0: a put (cycled with keys)
  bool setup = false;          // the set-up phase: request i ensures file i exists
  uint64_t limit = UINT64_MAX;
  steady::time_point start;
  steady::time_point end_by = steady::time_point::max();
  std::atomic<uint64_t> next{0};
  std::atomic<uint64_t> created{0};
  std::string client_id;
  byte_buffer payload;
  // Set-up only: the chunk each file has (for the cache simulation).
  std::shared_ptr<std::vector<std::string>> chunk_of;
  std::mutex mu;  // guards the figures
  load_figures total;
  load_figures interval;

  void record(steady::time_point intended, bool read, const caf::error& err) {
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(steady::now() - intended);
    std::lock_guard<std::mutex> guard{mu};
    for (auto* f : {&total, &interval}) {
      ++f->requests;
      ++(read ? f->reads : f->writes);
      auto took = static_cast<uint64_t>(std::max<int64_t>(us.count(), 0));
      if (err) {
        ++f->errors[to_string(to_errc(err))];
        f->failed_us.record(took);
      } else {
        ++f->ok;
      }
      f->latency_us.record(took);
      (read ? f->read_us : f->write_us).record(took);
    }
  }
};

// The bytes of file `file`: the first size_of(file) of the run's payload.
byte_buffer content_of(const run_state& run, uint64_t file) {
  auto n = run.opts.size.size_of(file, run.opts.seed);
  return byte_buffer(run.payload.begin(), run.payload.begin() + static_cast<std::ptrdiff_t>(n));
}

std::string path_of(const run_state& run, uint64_t file) {
  return run.opts.prefix + "/f" + std::to_string(file);
}

// One user's client session: its own id, its requests numbered in order
// (Raft client sessions keep a retried write from applying twice, and
// refuse a sequence number far older than the newest they have seen).
struct session {
  std::string client_id;
  uint64_t sequence = 0;
  std::chrono::milliseconds timeout;
  request_context next() {
    auto ctx = context_with_timeout(timeout);
    ctx.client_id = client_id;
    ctx.sequence = ++sequence;
    ctx.trace_id = std::hash<std::string>{}(client_id) ^ ctx.sequence;
    return ctx;
  }
};
using session_ptr = std::shared_ptr<session>;

using done_fn = std::function<void(const caf::error&)>;

// One try of a request: its context (the same on every try of a write,
// so that the Raft session applies it once) and the time a try may take.
// Its requests go without a CAF timeout (each would cost two wake-ups of
// the clock thread); drive() fails a try that outlives its time.
struct attempt {
  request_context ctx;
  std::chrono::milliseconds timeout;
};

// Reads chunks [i, end) of `info` one after the other.
void read_chunks(caf::event_based_actor* self, gateway_actor gw, attempt a,
                 std::shared_ptr<file_info> info, size_t i, done_fn done) {
  if (i >= info->chunks.size())
    return done(caf::error{});
  self->request(gw, caf::infinite, read_atom::value, a.ctx, info->chunks[i])
    .then(
      [=](byte_buffer& data) {
        if (data.size() != info->chunks[i].length)
          return done(make_error(errc::corrupt, "a chunk of the wrong length"));
        read_chunks(self, gw, a, info, i + 1, done);
      },
      [=](caf::error& err) { done(err); });
}

// A get: one request for the record and, for a file of one chunk, its
// bytes; the chunks of a larger file follow one after the other.
void get_file(caf::event_based_actor* self, gateway_actor gw, attempt a, const std::string& path,
              done_fn done) {
  self->request(gw, caf::infinite, get_atom::value, a.ctx, path)
    .then(
      [=](file_data& got) {
        if (!got.complete)
          return read_chunks(self, gw, a, std::make_shared<file_info>(std::move(got.info)), 0,
                             done);
        if (got.data.size() != got.info.size)
          return done(make_error(errc::corrupt, "a file of the wrong length"));
        done(caf::error{});
      },
      [=](caf::error& err) { done(err); });
}

// Set-up: remembers the chunk of file `file` (files of one chunk).
void note_chunk(run_state& run, uint64_t file, const file_info& info) {
  if (run.chunk_of && info.chunks.size() == 1 && file < run.chunk_of->size())
    (*run.chunk_of)[file] = info.chunks[0].id.value;
}

void put_file(caf::event_based_actor* self, std::shared_ptr<run_state> run, gateway_actor gw,
              attempt a, uint64_t file, done_fn done) {
  self
    ->request(gw, caf::infinite, put_atom::value, a.ctx, path_of(*run, file), run->opts.replication,
              content_of(*run, file))
    .then(
      [=](file_info& info) {
        note_chunk(*run, file, info);
        done(caf::error{});
      },
      [=](caf::error& err) { done(err); });
}

// Set-up: the file exists with the right size, or is written.
void ensure_file(caf::event_based_actor* self, std::shared_ptr<run_state> run, gateway_actor gw,
                 attempt a, uint64_t file, done_fn done) {
  done_fn counted = [run, done](const caf::error& err) {
    if (!err)
      ++run->created;
    done(err);
  };
  self->request(gw, caf::infinite, stat_atom::value, a.ctx, path_of(*run, file))
    .then(
      [=](file_info& info) {
        if (info.size == run->opts.size.size_of(file, run->opts.seed)) {
          note_chunk(*run, file, info);
          return done(caf::error{});
        }
        put_file(self, run, gw, a, file, counted);
      },
      [=](caf::error& err) {
        if (to_errc(err) != errc::not_found)
          return done(err);
        put_file(self, run, gw, a, file, counted);
      });
}

// Where a path's requests go when users route by path: the gateway on the
// node that caches the path's one-chunk files (cache::path_owner), so the
// gateway's cache lookup stays in its own process. The ring holds every
// shard of the nodes given, as the gateways' rings do.
struct path_routes {
  static constexpr size_t none = SIZE_MAX;
  std::vector<uint64_t> seeds;
  std::vector<size_t> gateway;  // per shard: its node's gateway (a position), or none
  size_t route(const std::string& path) const {
    auto shard = cache::path_owner(path, seeds);
    return shard < seeds.size() ? gateway[shard] : none;
  }
};

// A user: sends its requests one after the other (or when due, at a fixed
// rate) to its gateway. A request that fails for a retryable reason is
// tried again after a pause (exponential backoff with full jitter, within
// its deadline), at the next gateway when its own is gone or silent.
struct user_state {
  std::shared_ptr<run_state> run;
  std::vector<gateway_actor> gateways;
  size_t home = 0;
  std::shared_ptr<const path_routes> routes;  // null: every try goes to `home`
  size_t current = 0;                         // the gateway of the try in flight
  session ss;
  std::mt19937_64 rng;
  balancer::backoff_config backoff;
  std::map<uint64_t, std::function<void()>> timers;
  uint64_t next_timer = 0;
  // The try in flight: its number (answers to older tries are ignored)
  // and how to fail it at once when its gateway's node goes down.
  uint64_t try_id = 0;
  std::function<void(const caf::error&)> fail_now;
  // The try's deadline, read by drive()'s sweep on another thread.
  std::mutex due_mu;
  int64_t due_ms = 0;  // mono_ms(); 0: no try in flight
  uint64_t due_try = 0;
  std::vector<bool> gone;  // gateways whose connection was lost

  // Moves on to the next gateway still connected (any, when none is).
  void next_gateway() {
    for (size_t step = 1; step <= gateways.size(); ++step) {
      auto i = (home + step) % gateways.size();
      if (!gone[i] || step == gateways.size()) {
        home = i;
        return;
      }
    }
  }
};

caf::behavior user(caf::event_based_actor* self, std::shared_ptr<user_state> us,
                   caf::actor collector) {
  auto later = [=](std::chrono::milliseconds d, std::function<void()> fn) {
    auto id = us->next_timer++;
    us->timers.emplace(id, std::move(fn));
    self->delayed_send(self, d, flush_atom::value, id);
  };
  // One try of request `i`; on a retryable failure, the next after a pause.
  std::shared_ptr<std::function<void(uint64_t, steady::time_point, request_context, uint32_t)>>
    try_it = std::make_shared<
      std::function<void(uint64_t, steady::time_point, request_context, uint32_t)>>();
  *try_it = [=](uint64_t i, steady::time_point intended, request_context ctx, uint32_t tries) {
    auto& r = *us->run;
    bool read = r.setup || r.reads[i % r.reads.size()] != 0;
    auto file = r.setup ? i : r.keys[i % r.keys.size()];
    auto path = path_of(r, file);
    auto left = time_left(ctx, r.opts.timeout);
    // A try gets a share of the time left, so a silent node leaves time
    // for another; never less than a second (or what is left).
    auto per_try = std::min(left, std::max(left / 3, std::chrono::milliseconds{1000}));
    attempt a{ctx, std::max(per_try, std::chrono::milliseconds{1})};
    // A first try goes to its path's gateway (when routing by path and that
    // gateway is connected); a retry, and a try with no such gateway, to
    // the user's own.
    auto n = us->gateways.size();
    if (us->gone[us->home % n])
      us->next_gateway();
    us->current = us->home % n;
    if (us->routes && tries == 0) {
      auto to = us->routes->route(path);
      if (to < n && !us->gone[to])
        us->current = to;
    }
    auto gw = us->gateways[us->current];
    auto id = ++us->try_id;
    {
      std::lock_guard<std::mutex> guard{us->due_mu};
      us->due_try = id;
      us->due_ms = mono_ms() + a.timeout.count();
    }
    done_fn done = [=](const caf::error& err) {
      if (id != us->try_id || !us->fail_now)
        return;  // a try given up on already (its gateway went down)
      us->fail_now = nullptr;
      {
        std::lock_guard<std::mutex> guard{us->due_mu};
        us->due_ms = 0;
      }
      if (err && client::retryable(err)) {
        // The user's own gateway failed it: the next one becomes its own.
        // (A try its path sent elsewhere is retried at its own.)
        auto code = to_errc(err);
        if (code != errc::overloaded && us->current == us->home % us->gateways.size())
          us->next_gateway();
        auto remaining = time_left(ctx, us->run->opts.timeout).count();
        if (auto pause = balancer::next_backoff(us->backoff, tries, remaining, 50, us->rng)) {
          later(std::chrono::milliseconds{*pause}, [=] { (*try_it)(i, intended, ctx, tries + 1); });
          return;
        }
      }
      us->run->record(intended, read, err);
      auto think = us->run->opts.think;
      if (think.count() > 0 && us->run->opts.rate <= 0 && !us->run->setup) {
        std::exponential_distribution<double> pause(1.0 / static_cast<double>(think.count()));
        auto ms = std::min(pause(us->rng), 20.0 * static_cast<double>(think.count()));
        self->delayed_send(self, std::chrono::microseconds{static_cast<int64_t>(ms * 1000)},
                           tick_atom::value);
      } else {
        self->send(self, tick_atom::value);
      }
    };
    us->fail_now = done;
    if (r.setup)
      ensure_file(self, us->run, gw, a, file, done);
    else if (read)
      get_file(self, gw, a, path, done);
    else
      put_file(self, us->run, gw, a, file, done);
  };
  auto start_request = [=](uint64_t i, steady::time_point intended) {
    (*try_it)(i, intended, us->ss.next(), 0);
  };
  auto due_of = [=](uint64_t i) {
    auto& r = *us->run;
    return r.start + std::chrono::duration_cast<steady::duration>(
                       std::chrono::duration<double>(static_cast<double>(i) / r.opts.rate));
  };
  // A gateway whose connection drops: the try waiting on it fails at once
  // (and is retried elsewhere) instead of waiting for its timeout.
  us->gone.assign(us->gateways.size(), false);
  for (auto& gw : us->gateways)
    self->monitor(gw);
  self->set_down_handler([=](caf::down_msg& down) {
    for (size_t i = 0; i < us->gateways.size(); ++i)
      if (us->gateways[i].address() == down.source) {
        us->gone[i] = true;
        if (i == us->current && us->fail_now) {
          auto fail = us->fail_now;  // a copy: the call resets fail_now
          fail(make_error(errc::unavailable, "lost the connection to the gateway"));
        } else if (i == us->home % us->gateways.size()) {
          us->next_gateway();
        }
      }
  });
  self->send(self, tick_atom::value);
  return {
    [=](tick_atom) {
      auto& r = *us->run;
      auto now = steady::now();
      auto i = r.next.fetch_add(1);
      if (i >= r.limit || now >= r.end_by) {
        *try_it = nullptr;  // it refers to itself: let it go
        us->timers.clear();
        us->fail_now = nullptr;
        self->send(collector, ok_atom::value);
        self->quit();
        return;
      }
      if (r.opts.rate <= 0)
        return start_request(i, now);
      auto due = due_of(i);
      if (due > now)
        self->delayed_send(self, due - now, tick_atom::value, i);
      else
        start_request(i, due);  // late: its latency counts from when it was due
    },
    [=](tick_atom, uint64_t i) { start_request(i, due_of(i)); },
    [=](sweep_atom, uint64_t id) {  // from drive(): try `id` is past its time
      if (id != us->try_id)
        return;
      if (auto fail = us->fail_now)  // a copy: the call resets fail_now
        fail(make_error(errc::timeout, "no answer within the try's time"));
    },
    [=](flush_atom, uint64_t id) {
      auto it = us->timers.find(id);
      if (it == us->timers.end())
        return;
      auto fn = std::move(it->second);
      us->timers.erase(it);
      fn();
    },
  };
}

// Runs users over `gateways` until the run's limit; returns the figures.
load_figures drive(client& c, const std::vector<gateway_actor>& gateways,
                   std::shared_ptr<const path_routes> routes, std::shared_ptr<run_state> run,
                   const std::function<void(const load_figures&)>& on_interval) {
  auto& sys = c.system();
  caf::scoped_actor self{sys};
  run->start = steady::now();
  auto users = std::max<uint32_t>(run->opts.concurrency, 1);
  std::vector<std::pair<caf::actor, std::shared_ptr<user_state>>> all;
  for (uint32_t u = 0; u < users; ++u) {
    auto us = std::make_shared<user_state>();
    us->run = run;
    us->gateways = gateways;
    us->home = u % gateways.size();
    us->routes = routes;
    us->ss.client_id = run->client_id + "-u" + std::to_string(u);
    us->ss.timeout = run->opts.timeout;
    us->rng.seed(run->opts.seed * 1000003 + u);
    us->backoff = run->opts.backoff;
    all.emplace_back(sys.spawn(user, us, caf::actor_cast<caf::actor>(self)), us);
  }
  // Fails the tries past their time (see attempt).
  auto sweep = [&] {
    auto now = mono_ms();
    for (auto& [handle, us] : all) {
      uint64_t late = 0;
      {
        std::lock_guard<std::mutex> guard{us->due_mu};
        if (us->due_ms == 0 || us->due_ms > now)
          continue;
        late = us->due_try;
        us->due_ms = 0;
      }
      self->send(handle, sweep_atom::value, late);
    }
  };
  uint32_t finished = 0;
  auto last_report = steady::now();
  auto report = [&] {
    if (!on_interval || run->opts.report_every.count() <= 0)
      return;
    if (steady::now() - last_report < run->opts.report_every)
      return;
    load_figures f;
    {
      std::lock_guard<std::mutex> guard{run->mu};
      f = std::move(run->interval);
      run->interval = load_figures{};
    }
    f.seconds = std::chrono::duration<double>(steady::now() - last_report).count();
    last_report = steady::now();
    on_interval(f);
  };
  auto next_sweep = steady::now();
  while (finished < users) {
    self->receive([&](ok_atom) { ++finished; },
                  caf::after(std::chrono::milliseconds{20}) >> [&] {});
    if (steady::now() >= next_sweep) {
      sweep();
      next_sweep = steady::now() + std::chrono::milliseconds{20};
    }
    report();
  }
  std::lock_guard<std::mutex> guard{run->mu};
  auto out = run->total;
  out.seconds = std::chrono::duration<double>(steady::now() - run->start).count();
  return out;
}

// Chunk reads each storage node served so far, from every gateway's
// routing counters (asked directly: live, not a heartbeat old).
std::map<std::string, uint64_t> routed_reads(client& c,
                                             const std::vector<gateway_actor>& gateways) {
  std::map<std::string, uint64_t> out;
  caf::scoped_actor self{c.system()};
  for (auto& gw : gateways)
    self->request(gw, std::chrono::seconds{5}, status_atom::value)
      .receive(
        [&](gateway_status& g) {
          for (auto& r : g.routes)
            out[r.node.value] += r.routed;
        },
        [](caf::error&) {});
  return out;
}

// Every cache shard of every node the endpoints know of.
std::vector<cache_shard_stats> all_shards(client& c, const std::vector<host_port>& endpoints) {
  std::vector<cache_shard_stats> out;
  for (auto& [id, ep] : c.known_nodes(endpoints))
    if (auto shards = c.cache_stats_of(ep))
      out.insert(out.end(), shards->begin(), shards->end());
  return out;
}

struct cache_counts_t {
  uint64_t hits = 0;
  uint64_t lookups = 0;
  uint64_t shared = 0;  // misses served by another reader's load
};

cache_counts_t cache_counts(const std::vector<cache_shard_stats>& shards) {
  cache_counts_t out;
  for (auto& s : shards) {
    out.hits += s.hits;
    out.lookups += s.hits + s.misses;
    out.shared += s.coalesced - std::min(s.coalesced, s.released);
  }
  return out;
}

}  // namespace

std::string trace_spec(const load_options& opts, uint64_t requests) {
  auto tail = ":" + std::to_string(std::max<uint64_t>(opts.files, 1)) + ":" +
              std::to_string(std::max<uint64_t>(requests, 1));
  if (opts.dist == "pareto")
    return "hotcold:80/20" + tail;
  return opts.dist + tail;
}

std::optional<size_distribution> size_distribution::parse(const std::string& text,
                                                          std::string& why) {
  size_distribution d;
  auto bytes = [&](const std::string& s) -> std::optional<uint64_t> {
    auto b = parse_bytes(s);
    if (!b || *b == 0) {
      why = "expected a size such as 4KiB, got '" + s + "'";
      return std::nullopt;
    }
    return b;
  };
  if (auto dots = text.find(".."); dots != std::string::npos) {
    auto lo = bytes(text.substr(0, dots));
    auto hi = lo ? bytes(text.substr(dots + 2)) : std::nullopt;
    if (!hi)
      return std::nullopt;
    if (*lo > *hi) {
      why = "the range's low end is above its high end";
      return std::nullopt;
    }
    d.sizes = {*lo, *hi};
    d.range = true;
    return d;
  }
  if (text.find(':') == std::string::npos) {
    auto b = bytes(text);
    if (!b)
      return std::nullopt;
    d.sizes = {*b};
    return d;
  }
  size_t start = 0;
  while (start <= text.size()) {
    auto comma = std::min(text.find(',', start), text.size());
    auto item = text.substr(start, comma - start);
    auto colon = item.find(':');
    char* end = nullptr;
    double w = colon == std::string::npos ? 0 : std::strtod(item.c_str() + colon + 1, &end);
    if (colon == std::string::npos || *end != '\0' || !(w > 0)) {
      why = "expected SIZE:WEIGHT (a positive weight), got '" + item + "'";
      return std::nullopt;
    }
    auto b = bytes(item.substr(0, colon));
    if (!b)
      return std::nullopt;
    d.sizes.push_back(*b);
    d.weights.push_back(w);
    start = comma + 1;
  }
  return d;
}

uint64_t size_distribution::size_of(uint64_t file, uint64_t seed) const {
  if (sizes.size() == 1)
    return sizes[0];
  // splitmix64 of (file, seed): a uniform draw in [0, 1) fixed per file.
  uint64_t z = file * 0x9e3779b97f4a7c15ull + seed + 0x632be59bd9b4e019ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  double u = static_cast<double>(z >> 11) / 9007199254740992.0;
  if (range) {
    double lo = std::log(static_cast<double>(sizes[0]));
    double hi = std::log(static_cast<double>(sizes[1]));
    auto s = static_cast<uint64_t>(std::exp(lo + u * (hi - lo)));
    return std::clamp(s, sizes[0], sizes[1]);
  }
  double total = 0;
  for (auto w : weights)
    total += w;
  double at = u * total;
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (at < weights[i])
      return sizes[i];
    at -= weights[i];
  }
  return sizes.back();
}

uint64_t size_distribution::largest() const {
  return sizes.empty() ? 0 : *std::max_element(sizes.begin(), sizes.end());
}

std::string size_distribution::to_string() const {
  auto text = [](uint64_t b) {
    if (b % (1u << 20) == 0)
      return std::to_string(b >> 20) + "MiB";
    if (b % 1024 == 0)
      return std::to_string(b >> 10) + "KiB";
    return std::to_string(b) + "B";
  };
  if (sizes.size() == 1)
    return text(sizes[0]);
  if (range)
    return text(sizes[0]) + ".." + text(sizes[1]);
  std::string out;
  for (size_t i = 0; i < sizes.size(); ++i) {
    char w[32];
    std::snprintf(w, sizeof(w), "%g", weights[i]);
    out += (i ? "," : "") + text(sizes[i]) + ":" + w;
  }
  return out;
}

caf::expected<load_report> run_load(client& c, const std::vector<host_port>& endpoints,
                                    const load_options& opts,
                                    const std::function<void(const load_figures&)>& on_interval) {
  if (opts.requests == 0 && opts.duration.count() <= 0)
    return make_error(errc::invalid_argument, "give a number of requests, a duration or both");
  if (opts.files == 0 || opts.size.sizes.empty() || opts.size.sizes.front() == 0 ||
      opts.size.largest() > (4u << 20))
    return make_error(errc::invalid_argument,
                      "files must be at least 1 and sizes 1 byte to 4 MiB (one chunk)");
  if (!(opts.read_ratio >= 0 && opts.read_ratio <= 1))
    return make_error(errc::invalid_argument, "the read ratio is a number from 0 to 1");
  std::vector<gateway_actor> gateways;
  std::vector<std::string> driven;
  std::set<std::string> seen;  // node ids
  auto routes = std::make_shared<path_routes>();
  caf::error last;
  for (auto& ep : endpoints) {
    auto handles = c.handles_at(ep);
    if (!handles) {
      last = handles.error();
      continue;
    }
    if (!seen.insert(handles->id.value).second)
      continue;  // the same node at another address
    auto gateway = path_routes::none;
    if (handles->gateway) {
      gateway = gateways.size();
      gateways.push_back(handles->gateway);
      driven.push_back(ep.to_string());
    } else {
      last = make_error(errc::unavailable, "node at " + ep.to_string() + " has no gateway role");
    }
    for (uint32_t i = 0; i < handles->caches.size(); ++i)
      if (handles->caches[i]) {
        routes->seeds.push_back(cache::shard_seed(handles->id.value, i));
        routes->gateway.push_back(gateway);
      }
  }
  if (!opts.route_by_path)
    routes = nullptr;
  if (gateways.empty())
    return last ? last : make_error(errc::unavailable, "no gateway reachable");
  load_report report;
  report.options = opts;
  report.gateways = std::move(driven);
  std::shared_ptr<std::vector<std::string>> chunk_of;  // from the set-up
  auto make_run = [&] {
    auto run = std::make_shared<run_state>();
    run->opts = opts;
    run->client_id = c.client_id() + "-bench";
    run->payload.resize(opts.size.largest());
    for (size_t i = 0; i < run->payload.size(); ++i)
      run->payload[i] = static_cast<char>((i * 131 + opts.seed) & 0xff);
    return run;
  };
  if (opts.setup) {
    caf::scoped_actor self{c.system()};
    auto ctx = context_with_timeout(opts.timeout);
    caf::error failed;
    self->request(gateways.front(), opts.timeout, mkdir_atom::value, ctx, opts.prefix, true)
      .receive([](file_info&) {}, [&](caf::error& err) { failed = err; });
    if (failed && to_errc(failed) != errc::already_exists)
      return failed;
    auto run = make_run();
    run->client_id += "-setup";
    run->setup = true;
    run->chunk_of = std::make_shared<std::vector<std::string>>(opts.files);
    chunk_of = run->chunk_of;
    run->limit = opts.files;
    auto f = drive(c, gateways, routes, run, {});
    report.setup_files = run->created;
    if (f.ok != f.requests) {
      std::string why;
      for (auto& [kind, n] : f.errors)
        why += (why.empty() ? "" : ", ") + std::to_string(n) + " " + kind;
      return make_error(errc::unavailable, "set-up failed for some files: " + why);
    }
  }
  auto run = make_run();
  // The access sequence: the simulator's generator, or a uniform draw.
  uint64_t trace_len = opts.requests > 0 ? std::min<uint64_t>(opts.requests, 10000000) : 1000000;
  std::mt19937_64 rng{opts.seed};
  if (opts.dist == "uniform") {
    std::uniform_int_distribution<uint64_t> pick(0, opts.files - 1);
    for (uint64_t i = 0; i < trace_len; ++i)
      run->keys.push_back(pick(rng));
  } else {
    std::string error;
    auto trace = cache::generate(trace_spec(opts, trace_len), opts.seed, error);
    if (!trace)
      return make_error(errc::invalid_argument, error);
    run->keys.reserve(trace->size());
    for (auto& r : *trace)
      run->keys.push_back(r.k % opts.files);
  }
  std::bernoulli_distribution is_read(opts.read_ratio);
  std::mt19937_64 op_rng{opts.seed ^ 0x9e3779b97f4a7c15ull};
  run->reads.reserve(run->keys.size());
  for (size_t i = 0; i < run->keys.size(); ++i)
    run->reads.push_back(is_read(op_rng) ? 1 : 0);
  run->limit = opts.requests > 0 ? opts.requests : UINT64_MAX;
  if (opts.duration.count() > 0)
    run->end_by = steady::now() + opts.duration;
  auto routed_before = routed_reads(c, gateways);
  auto cache_before = cache_counts(all_shards(c, endpoints));
  report.total = drive(c, gateways, routes, run, on_interval);
  auto routed_after = routed_reads(c, gateways);
  auto shards = all_shards(c, endpoints);
  auto cache_after = cache_counts(shards);
  if (chunk_of && report.total.requests > 0) {
    bench_trace t;
    t.keys = run->keys;
    t.reads = run->reads;
    t.requests = report.total.requests;
    t.chunk_of = *chunk_of;
    for (uint64_t f = 0; f < opts.files; ++f)
      t.size_of.push_back(opts.size.size_of(f, opts.seed));
    t.requests_per_second = report.total.throughput();
    report.simulated_hit_ratio = simulated_hit_ratio(t, shards);
  }
  for (auto& [node, n] : routed_after)
    report.reads_by_node[node] = n - std::min(n, routed_before[node]);
  auto delta = [](uint64_t after, uint64_t before) { return after - std::min(after, before); };
  auto lookups = delta(cache_after.lookups, cache_before.lookups);
  if (lookups > 0) {
    auto hits = delta(cache_after.hits, cache_before.hits);
    report.cache_hit_ratio = static_cast<double>(hits) / static_cast<double>(lookups);
    report.cache_served_ratio =
      static_cast<double>(hits + delta(cache_after.shared, cache_before.shared)) /
      static_cast<double>(lookups);
  }
  return report;
}

}  // namespace dfs
