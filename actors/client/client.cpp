#include "actors/client/client.hpp"

#include <algorithm>
#include <cstdlib>
#include <deque>
#include <istream>
#include <ostream>
#include <random>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/io/middleman.hpp>
#include <caf/io/middleman_actor.hpp>
#include <caf/scoped_actor.hpp>

#include "actors/balancer/backoff.hpp"
#include "actors/client/blocking_call.hpp"
#include "messages/meta.pb.h"
#include "runtime/clock.hpp"
#include "runtime/deadline.hpp"
#include "runtime/net.hpp"
#include "runtime/system.hpp"

namespace dfs {

namespace {

// Reads up to `n` bytes; fewer only at the end of the stream.
// Up to `n` bytes of `in`. The buffer grows with what is read (a small
// file costs a small buffer, not a zero-filled chunk); `expected` (0:
// unknown) reserves the room up front when the stream is known to be large.
// `carry`: bytes already read, which the block starts with.
byte_buffer read_block(std::istream& in, size_t n, size_t expected, byte_buffer carry = {}) {
  byte_buffer buf = std::move(carry);
  if (expected > 0)
    buf.reserve(std::min(n, buf.size() + expected));
  size_t step = 64 << 10;
  while (buf.size() < n) {
    auto old = buf.size();
    auto want = std::min(step, n - old);
    buf.resize(old + want);
    in.read(buf.data() + old, static_cast<std::streamsize>(want));
    auto got = static_cast<size_t>(in.gcount());
    buf.resize(old + got);
    if (got < want)
      break;
    step = std::min<size_t>(step * 2, 4 << 20);
  }
  return buf;
}

// A pause before sending again what an overloaded gateway refused (1, 2,
// 4 ... 256 ms, with jitter); false once the request has been refused for
// `timeout` (counted from its first refusal, set when `refusals` is 0).
bool back_off_after_refusal(int refusals, std::chrono::steady_clock::time_point& first_refusal,
                            std::chrono::milliseconds timeout) {
  static thread_local std::mt19937_64 jitter{std::random_device{}()};
  auto now = std::chrono::steady_clock::now();
  if (refusals == 0)
    first_refusal = now;
  auto ms = (1 << std::min(refusals, 8)) * static_cast<int>(50 + jitter() % 51) / 100 + 1;
  if (now + std::chrono::milliseconds{ms} >= first_refusal + timeout)
    return false;
  std::this_thread::sleep_for(std::chrono::milliseconds{ms});
  return true;
}

}  // namespace

client::client(client_options opts) : opts_(std::move(opts)) {
  cfg_ = std::make_unique<system_config>(2);
  // Answers are deserialized on the thread that reads the socket instead
  // of being handed to a middleman worker thread first: a client has
  // nothing else for that thread to do, and the hand-off cost more than
  // it saved (gets of 600 files of 1 MiB: the client's CPU 0.49 s against
  // 0.60 on the medians of 6 runs; docs/measurements.md).
  cfg_->set("middleman.workers", size_t{0});
  sys_ = std::make_unique<caf::actor_system>(*cfg_);
  self_ = std::make_unique<caf::scoped_actor>(*sys_);
  std::random_device rd;
  client_id_ = "c" + std::to_string((uint64_t{rd()} << 32) | rd());
  if (opts_.window == 0)
    opts_.window = 1;
  if (opts_.put_window == 0)
    opts_.put_window = 1;
}

client::~client() {
  self_.reset();
}

std::unique_ptr<client> client::create(client_options opts) {
  return std::unique_ptr<client>{new client(std::move(opts))};
}

caf::expected<std::unique_ptr<client>> client::connect(client_options opts) {
  auto c = create(opts);
  c->stop_at_dead_connection_ = true;
  auto err = c->connect_gateway();
  if (err && c->dead_connection_) {
    // A connection that completed its handshake and then carried no
    // answer to anything (seen about once in 600 connects, CAF 0.17) stays
    // dead: the middleman hands it out again for the same address. A new
    // actor system makes new connections.
    c = create(std::move(opts));
    err = c->connect_gateway();
  }
  if (err)
    return err;
  c->stop_at_dead_connection_ = false;  // later reconnects run every pass
  return c;
}

caf::error client::connect_gateway() {
  if (opts_.endpoints.empty())
    return make_error(errc::invalid_argument, "no cluster endpoint given");
  return connect_in_passes(opts_.timeout, false);
}

caf::error client::connect_in_passes(std::chrono::milliseconds limit, bool current_last) {
  // A healthy node answers within milliseconds, even a busy one well
  // within half a second: a first pass over the endpoints with a short
  // deadline skips a paused node (whose kernel still accepts the
  // connection) quickly; only when none answered, later passes give each
  // more time (every node very busy).
  // Each pass's deadline is cut to what is left of `limit`, so that the
  // passes together stay within it.
  using namespace std::chrono;
  auto deadline = steady_clock::now() + limit;
  caf::error last;
  for (auto pass : {milliseconds{500}, milliseconds{2000}, milliseconds{10000}}) {
    auto left = duration_cast<milliseconds>(deadline - steady_clock::now());
    if (left < milliseconds{1})
      break;
    last = try_endpoints(std::min(left, pass), current_last);
    if (!last || left <= pass || (dead_connection_ && stop_at_dead_connection_))
      return last;
  }
  if (!last)
    last = make_error(errc::timeout,
                      "no cluster endpoint answered in " + std::to_string(limit.count()) + " ms");
  return last;
}

caf::error client::try_endpoints(std::chrono::milliseconds timeout, bool current_last) {
  // After a failure the gateway that failed is asked last, not first.
  auto order = opts_.endpoints;
  if (current_last && agent_) {
    auto it = std::find_if(order.begin(), order.end(), [&](const host_port& ep) {
      return ep.host == endpoint_.host && ep.port == endpoint_.port;
    });
    if (it != order.end())
      std::rotate(order.begin(), std::next(it), order.end());
  }
  caf::error last;
  for (auto& ep : order) {
    auto agent = agent_at(ep, timeout);
    if (!agent) {
      last = agent.error();
      continue;
    }
    auto handles = blocking_call<node_handles>(*self_, *agent, timeout, handles_atom::value);
    if (!handles) {
      // The node agent answers this from its state: no answer at all on a
      // connection that just completed its handshake means a dead one.
      if (handles.error() == caf::sec::request_timeout)
        dead_connection_ = true;
      last = handles.error();
      continue;
    }
    if (!handles->gateway) {
      last = make_error(errc::unavailable, "node at " + ep.to_string() + " has no gateway role");
      continue;
    }
    if (handles->raft) {
      // A node outside the Raft group (removed, or started to join and not
      // added yet) cannot serve metadata: try the next one.
      auto st = blocking_call<raft_status>(*self_, handles->raft, timeout, status_atom::value);
      auto member = [&](const std::vector<std::string>& ids) {
        return std::find(ids.begin(), ids.end(), st->id) != ids.end();
      };
      if (st && !member(st->voters) && !member(st->learners)) {
        last = make_error(errc::unavailable,
                          "node " + st->id + " at " + ep.to_string() + " is not in the Raft group");
        continue;
      }
    }
    endpoint_ = ep;
    agent_ = *agent;
    gateway_ = handles->gateway;
    return caf::error{};
  }
  return last;
}

caf::expected<node_agent_actor> client::agent_at(const host_port& endpoint,
                                                 std::chrono::milliseconds timeout) {
  // remote_actor waits without a deadline, forever for a node that accepts
  // the connection but never answers (a paused process): ask the
  // middleman actor instead, with one.
  auto unreachable = [&](const std::string& why) {
    return make_error(errc::unavailable,
                      "cannot reach a dfs node at " + endpoint.to_string() + ": " + why);
  };
  if (auto why = probe_tcp(endpoint.host, endpoint.port, timeout); !why.empty())
    return unreachable(why);
  caf::expected<node_agent_actor> out{caf::error{}};
  (*self_)
    ->request(sys_->middleman().actor_handle(), timeout, caf::connect_atom_v, endpoint.host,
              endpoint.port)
    .receive(
      [&](const caf::node_id&, caf::strong_actor_ptr& ptr, const std::set<std::string>& ifs) {
        if (!ptr)
          out = unreachable("no dfs node is published there");
        else if (!sys_->assignable<node_agent_actor>(ifs))
          out = unreachable("the actor published there is not a dfs node agent of this version");
        else
          out = caf::actor_cast<node_agent_actor>(ptr);
      },
      [&](caf::error& err) {
        out = unreachable(err == caf::sec::request_timeout
                            ? "no answer within " + std::to_string(timeout.count()) + " ms"
                            : sys_->render(err));
      });
  return out;
}

std::chrono::milliseconds client::connect_timeout() const {
  // Short enough that a node that hangs does not hold up a status round.
  return std::min(opts_.timeout, std::chrono::milliseconds{2000});
}

caf::expected<node_agent_actor> client::probe_agent(const host_port& endpoint) {
  // A command that asks every node several things (the node table, then
  // each node's figures) waits for a paused node once, not at each step.
  auto key = endpoint.to_string();
  auto now = std::chrono::steady_clock::now();
  if (auto it = unanswered_.find(key); it != unanswered_.end()) {
    if (now < it->second.first)
      return it->second.second;
    unanswered_.erase(it);
  }
  auto agent = agent_at(endpoint, connect_timeout());
  if (!agent && std::chrono::steady_clock::now() - now >= connect_timeout())
    unanswered_[key] = {std::chrono::steady_clock::now() + std::chrono::seconds{5}, agent.error()};
  return agent;
}

void client::begin_operation() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  // Positive in a signed 64-bit reading too: the same digits in every log.
  trace_ = (rng() >> 1) | 1;
}

request_context client::next_context() {
  auto ctx = context_with_timeout(opts_.timeout);
  if (trace_ == 0)
    begin_operation();
  ctx.trace_id = trace_;
  ctx.client_id = client_id_;
  ctx.sequence = ++sequence_;
  return ctx;
}

request_context client::new_context(std::chrono::milliseconds timeout) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  auto ctx = context_with_timeout(timeout);
  ctx.trace_id = (rng() >> 1) | 1;
  ctx.client_id = client_id_;
  ctx.sequence = ++sequence_;
  return ctx;
}

bool client::retryable(const caf::error& err) {
  auto code = to_errc(err);
  return code == errc::unavailable || code == errc::timeout || code == errc::overloaded;
}

std::optional<std::chrono::milliseconds> client::pause_before_retry(const request_context& ctx,
                                                                    uint32_t tries) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  auto left = time_left(ctx, opts_.timeout).count();
  auto pause = balancer::next_backoff(opts_.retry, tries, left, 50, rng);
  if (!pause)
    return std::nullopt;
  return std::chrono::milliseconds{*pause};
}

caf::error client::after_failure(const caf::error& err, const request_context& ctx,
                                 uint32_t tries) {
  if (!retryable(err))
    return err;
  auto pause = pause_before_retry(ctx, tries);
  if (!pause)
    return err;
  std::this_thread::sleep_for(*pause);
  // A gateway that is gone or silent is left for another; a busy one is
  // asked again.
  if (to_errc(err) != errc::overloaded) {
    auto left = time_left(ctx, opts_.timeout);
    if (connect_in_passes(std::min(left, std::chrono::milliseconds{2000}), true))
      return err;  // none reachable now: give up with the original failure
  }
  return caf::error{};
}

std::chrono::milliseconds client::try_timeout(const request_context& ctx) const {
  auto left = time_left(ctx, opts_.timeout);
  return std::max(std::min(left, std::max(left / 3, std::chrono::milliseconds{1000})),
                  std::chrono::milliseconds{1});
}

template <class T, class Atom, class... Ts>
caf::expected<T> client::call_with_retries(Atom op, const Ts&... xs) {
  begin_operation();
  // One context for every try: a retried write carries the same client id
  // and sequence number, and its Raft session applies it once.
  auto ctx = next_context();
  for (uint32_t tries = 0;; ++tries) {
    auto r = blocking_call<T>(*self_, gateway_, try_timeout(ctx), op, ctx, xs...);
    if (r)
      return r;
    if (auto err = after_failure(r.error(), ctx, tries))
      return err;
  }
}

caf::expected<file_info> client::stat(const std::string& path) {
  return call_with_retries<file_info>(stat_atom::value, path);
}

caf::expected<std::vector<file_info>> client::list(const std::string& path) {
  return call_with_retries<std::vector<file_info>>(list_atom::value, path);
}

caf::expected<file_info> client::mkdir(const std::string& path, bool parents) {
  return call_with_retries<file_info>(mkdir_atom::value, path, parents);
}

caf::error client::remove(const std::string& path, bool recursive) {
  auto r = call_with_retries<ok_atom>(remove_atom::value, path, recursive);
  return r ? caf::error{} : r.error();
}

caf::expected<file_info> client::move(const std::string& source, const std::string& destination) {
  return call_with_retries<file_info>(move_atom::value, source, destination);
}

caf::expected<file_info> client::put(std::istream& in, const std::string& remote,
                                     uint32_t replication, uint64_t size_hint,
                                     const progress_fn& progress) {
  begin_operation();
  auto& self = *self_;
  using steady = std::chrono::steady_clock;
  auto back_off = [&](int refusals, steady::time_point& first_refusal) {
    return back_off_after_refusal(refusals, first_refusal, opts_.timeout);
  };
  // A file of one chunk goes in one request: stored and committed, no
  // open and no commit round. The gateway's chunk size is not known yet:
  // up to the default one is tried, and a gateway with smaller chunks
  // refuses it as too large (then the bytes read go the chunked way).
  constexpr size_t one_request = 4 << 20;
  auto first = read_block(in, one_request + 1, size_hint);
  if (in.bad())
    return make_error(errc::io_error, "reading the local file failed");
  if (first.size() <= one_request) {
    // Retried with the same context, to another gateway when this one is
    // gone: the Raft session commits the file once.
    auto ctx = next_context();
    for (uint32_t tries = 0;; ++tries) {
      auto r = blocking_call<file_info>(self, gateway_, try_timeout(ctx), put_atom::value, ctx,
                                        remote, replication, first);
      if (!r && !after_failure(r.error(), ctx, tries))
        continue;
      if (!r && to_errc(r.error()) == errc::too_large)
        break;
      if (r && progress)
        progress(r->size, r->size);
      return r;
    }
  }
  // A gateway with too many uploads open refuses another as overloaded:
  // asked again after a pause, like a refused chunk.
  caf::expected<upload_ticket> ticket{caf::error{}};
  steady::time_point first_open_refusal;
  for (int refusals = 0;; ++refusals) {
    ticket = blocking_call<upload_ticket>(self, gateway_, opts_.timeout, open_atom::value,
                                          next_context(), remote, replication);
    if (ticket || to_errc(ticket.error()) != errc::overloaded ||
        !back_off(refusals, first_open_refusal))
      break;
  }
  if (!ticket)
    return ticket.error();
  auto abort = [&](caf::error err) -> caf::expected<file_info> {
    // Tell the gateway to drop the upload, unless it is the gateway that
    // failed: then the upload expires there on its own.
    auto code = to_errc(err);
    if (code != errc::unavailable && code != errc::timeout)
      blocking_call<ok_atom>(self, gateway_, opts_.timeout, abort_atom::value, next_context(),
                             ticket->upload_id);
    return err;
  };
  using handle =
    decltype(self->request(gateway_, opts_.timeout, write_atom::value, request_context{},
                           uint64_t{0}, uint64_t{0}, byte_buffer{}));
  // A chunk write in flight keeps its bytes: a gateway over its memory
  // budget refuses it ("overloaded") and it is sent again after a pause.
  struct chunk_write {
    handle h;
    uint64_t index;
    byte_buffer data;
    int refusals = 0;
    steady::time_point first_refusal;
  };
  std::deque<chunk_write> in_flight;
  caf::error failure;
  uint64_t sent = 0, acked = 0, index = 0;
  auto send = [&](uint64_t i, byte_buffer data, int refusals, steady::time_point first_refusal) {
    auto h = self->request(gateway_, opts_.timeout, write_atom::value, next_context(),
                           ticket->upload_id, i, data);
    in_flight.push_back(chunk_write{std::move(h), i, std::move(data), refusals, first_refusal});
  };
  // Waits for the oldest chunk write.
  auto settle_one = [&] {
    auto w = std::move(in_flight.front());
    in_flight.pop_front();
    w.h.receive(
      [&](chunk_ref& ref) { acked += ref.length; },
      [&](caf::error& err) {
        if (to_errc(err) == errc::overloaded && !failure && back_off(w.refusals, w.first_refusal)) {
          send(w.index, std::move(w.data), w.refusals + 1, w.first_refusal);
          return;
        }
        if (!failure)
          failure = std::move(err);
      });
    if (progress)
      progress(acked, size_hint);
  };
  size_t first_used = 0;  // of `first`, the bytes read before the chunk size was known
  while (!failure) {
    byte_buffer carry;
    if (first_used < first.size()) {
      auto n = std::min<size_t>(ticket->chunk_size, first.size() - first_used);
      carry.assign(first.begin() + static_cast<std::ptrdiff_t>(first_used),
                   first.begin() + static_cast<std::ptrdiff_t>(first_used + n));
      first_used += n;
      if (first_used == first.size())
        first = byte_buffer{};
    }
    auto block =
      read_block(in, ticket->chunk_size, size_hint > sent ? size_hint - sent : 0, std::move(carry));
    if (block.empty())
      break;
    while (in_flight.size() >= opts_.put_window && !failure)
      settle_one();
    if (failure)
      break;
    sent += block.size();
    send(index++, std::move(block), 0, steady::time_point{});
  }
  while (!in_flight.empty())
    settle_one();
  if (!failure && in.bad())
    failure = make_error(errc::io_error, "reading the local file failed");
  if (failure)
    return abort(failure);
  return blocking_call<file_info>(self, gateway_, opts_.timeout, commit_atom::value, next_context(),
                                  ticket->upload_id, sent);
}

caf::expected<file_info> client::get(const std::string& remote, std::ostream& out,
                                     const progress_fn& progress) {
  begin_operation();
  auto& self = *self_;
  // One request: the record, and the bytes of a file of one chunk.
  auto first = call_with_retries<file_data>(get_atom::value, remote);
  if (!first)
    return first.error();
  if (first->info.kind == entry_kind::directory)
    return make_error(errc::is_a_directory, first->info.path + " is a directory");
  if (first->complete) {
    out.write(first->data.data(), static_cast<std::streamsize>(first->data.size()));
    if (!out)
      return make_error(errc::io_error, "writing the local file failed");
    if (progress)
      progress(first->data.size(), first->info.size);
    return std::move(first->info);
  }
  auto info = &first->info;
  using handle = decltype(self->request(gateway_, opts_.timeout, read_atom::value,
                                        request_context{}, chunk_ref{}));
  // A chunk read in flight; one refused by an overloaded gateway is asked
  // again after a pause, in its place.
  struct chunk_read {
    handle h;
    size_t index;
    request_context ctx;
    uint32_t tries = 0;
  };
  auto ask = [&](size_t i, const request_context& ctx) {
    return self->request(gateway_, try_timeout(ctx), read_atom::value, ctx, info->chunks[i]);
  };
  std::deque<chunk_read> in_flight;
  caf::error failure;
  uint64_t done = 0;
  size_t next = 0;
  while (!failure && (next < info->chunks.size() || !in_flight.empty())) {
    while (next < info->chunks.size() && in_flight.size() < opts_.window) {
      auto ctx = next_context();
      in_flight.push_back(chunk_read{ask(next, ctx), next, ctx, 0});
      ++next;
    }
    bool again = false;
    auto& r = in_flight.front();
    r.h.receive(
      [&](byte_buffer& data) {
        out.write(data.data(), static_cast<std::streamsize>(data.size()));
        done += data.size();
        if (!out)
          failure = make_error(errc::io_error, "writing the local file failed");
      },
      [&](caf::error& err) {
        // A chunk read is idempotent: tried again (elsewhere when the
        // gateway is gone) while its deadline allows.
        if (!after_failure(err, r.ctx, r.tries))
          again = true;
        else
          failure = std::move(err);
      });
    if (again) {
      ++r.tries;
      r.h = ask(r.index, r.ctx);
      continue;
    }
    in_flight.pop_front();
    if (progress)
      progress(done, info->size);
  }
  // Drain answers still in flight so they do not linger in the mailbox.
  while (!in_flight.empty()) {
    in_flight.front().h.receive([](byte_buffer&) {}, [](caf::error&) {});
    in_flight.pop_front();
  }
  if (failure)
    return failure;
  out.flush();
  return std::move(*info);
}

caf::expected<node_status> client::status() {
  return blocking_call<node_status>(*self_, agent_, opts_.timeout, status_atom::value);
}

caf::expected<node_status> client::status_of(const host_port& endpoint) {
  auto agent = probe_agent(endpoint);
  if (!agent)
    return agent.error();
  return blocking_call<node_status>(*self_, *agent, opts_.timeout, status_atom::value);
}

caf::expected<std::vector<actor_entry>> client::actors_of(const host_port& endpoint) {
  auto agent = probe_agent(endpoint);
  if (!agent)
    return agent.error();
  // The agent answers from its state: an agent that has not answered in 5 s
  // will not (a dead connection, or a node that hangs).
  return blocking_call<std::vector<actor_entry>>(
    *self_, *agent, std::min(opts_.timeout, std::chrono::milliseconds{5000}), actors_atom::value);
}

caf::expected<node_handles> client::handles_at(const host_port& endpoint) {
  auto agent = probe_agent(endpoint);
  if (!agent)
    return agent.error();
  return blocking_call<node_handles>(*self_, *agent, opts_.timeout, handles_atom::value);
}

caf::expected<raft_actor> client::raft_at(const host_port& endpoint) {
  auto handles = handles_at(endpoint);
  if (!handles)
    return handles.error();
  if (!handles->raft)
    return make_error(errc::unavailable, "node at " + endpoint.to_string() +
                                           " has no meta role (no Raft participant)");
  return handles->raft;
}

caf::expected<gateway_actor> client::gateway_at(const host_port& endpoint) {
  auto handles = handles_at(endpoint);
  if (!handles)
    return handles.error();
  if (!handles->gateway)
    return make_error(errc::unavailable,
                      "node at " + endpoint.to_string() + " has no gateway role");
  return handles->gateway;
}

caf::expected<health_report> client::health_of(const host_port& endpoint) {
  auto handles = handles_at(endpoint);
  if (!handles)
    return handles.error();
  if (!handles->health)
    return make_error(errc::unavailable,
                      "node at " + endpoint.to_string() + " has no health monitor");
  return blocking_call<health_report>(*self_, handles->health, opts_.timeout, status_atom::value);
}

caf::error client::slow_node(const host_port& endpoint, std::chrono::milliseconds delay) {
  auto handles = handles_at(endpoint);
  if (!handles)
    return handles.error();
  if (!handles->replica)
    return make_error(errc::unavailable,
                      "node at " + endpoint.to_string() + " has no storage role");
  if (delay.count() < 0 || delay > std::chrono::minutes{10})
    return make_error(errc::invalid_argument, "a delay from 0 to 10 minutes");
  auto r = blocking_call<ok_atom>(*self_, handles->replica, opts_.timeout, slow_atom::value,
                                  static_cast<uint32_t>(delay.count()));
  return r ? caf::error{} : r.error();
}

caf::expected<raft_status> client::raft_status_of(const host_port& endpoint) {
  auto raft = raft_at(endpoint);
  if (!raft)
    return raft.error();
  return blocking_call<raft_status>(*self_, *raft, opts_.timeout, status_atom::value);
}

caf::error client::transfer_leader(const host_port& leader, const std::string& to) {
  auto raft = raft_at(leader);
  if (!raft)
    return raft.error();
  auto r = blocking_call<ok_atom>(*self_, *raft, opts_.timeout, transfer_atom::value, to);
  return r ? caf::error{} : r.error();
}

namespace {

std::string set_node_command(const std::string& id, const host_port* address) {
  proto::MetaCommand cmd;
  cmd.set_mtime_ms(now_ms());
  auto* node = cmd.mutable_set_node()->mutable_node();
  node->set_id(id);
  if (address)
    node->set_address(address->to_string());
  else
    node->set_removed(true);
  return cmd.SerializeAsString();
}

}  // namespace

caf::error client::add_member(const host_port& leader, const std::string& id,
                              const host_port& address, std::chrono::milliseconds wait) {
  auto joining = handles_at(address);
  if (!joining)
    return make_error(errc::unavailable, "no dfs node answers at " + address.to_string() + ": " +
                                           describe(joining.error()));
  if (joining->id.value != id)
    return make_error(errc::invalid_argument, "the node at " + address.to_string() + " is '" +
                                                joining->id.value + "', not '" + id + "'");
  if (!joining->raft)
    return make_error(errc::invalid_argument,
                      "node '" + id + "' has no metadata role (no Raft participant)");
  auto raft = raft_at(leader);
  if (!raft)
    return raft.error();
  auto recorded =
    blocking_call<file_info>(*self_, *raft, opts_.timeout, propose_atom::value,
                             context_with_timeout(opts_.timeout), set_node_command(id, &address));
  if (!recorded)
    return recorded.error();
  auto added = blocking_call<ok_atom>(*self_, *raft, wait + opts_.timeout, members_atom::value,
                                      std::string{"add"}, id);
  return added ? caf::error{} : added.error();
}

caf::expected<std::vector<std::string>> client::members(const host_port& member) {
  auto raft = raft_at(member);
  if (!raft)
    return raft.error();
  return blocking_call<std::vector<std::string>>(*self_, *raft, opts_.timeout, members_atom::value);
}

std::map<std::string, host_port> client::known_nodes(const std::vector<host_port>& endpoints) {
  std::map<std::string, host_port> out;
  std::map<std::string, host_port> heard_of;  // from others: the endpoints' own word wins
  std::vector<std::string> removed;           // the node table's
  bool have_table = false;
  for (auto& ep : endpoints) {
    auto status = status_of(ep);
    if (!status)
      continue;
    out[status->id.value] = ep;
    for (auto& text : status->peers)
      if (auto p = parse_peer(text))
        heard_of.emplace(p->id, p->addr);
    if (have_table)
      continue;
    auto table = members(ep);
    auto gone = raft_at(ep);
    if (table && gone) {
      auto ids = blocking_call<std::vector<std::string>>(
        *self_, *gone, opts_.timeout, members_atom::value, std::string{"removed"});
      if (!ids)
        continue;
      have_table = true;
      removed = std::move(*ids);
      for (auto& text : *table)
        if (auto p = parse_peer(text))
          heard_of[p->id] = p->addr;  // newer than the start-up peers
    }
  }
  // A node taken out of the cluster is no longer one, even if it answers.
  for (auto& id : removed) {
    heard_of.erase(id);
    out.erase(id);
  }
  for (auto& [id, addr] : heard_of)
    out.emplace(id, addr);
  return out;
}

caf::expected<std::vector<cache_shard_stats>> client::cache_stats_of(const host_port& endpoint) {
  auto handles = handles_at(endpoint);
  if (!handles)
    return handles.error();
  std::vector<cache_shard_stats> out;
  for (auto& shard : handles->caches) {
    auto s = blocking_call<cache_shard_stats>(*self_, shard, opts_.timeout, status_atom::value);
    if (!s)
      return s.error();
    out.push_back(std::move(*s));
  }
  return out;
}

caf::error client::remove_member(const host_port& leader, const std::string& id,
                                 std::chrono::milliseconds wait) {
  auto raft = raft_at(leader);
  if (!raft)
    return raft.error();
  auto removed = blocking_call<ok_atom>(*self_, *raft, wait + opts_.timeout, members_atom::value,
                                        std::string{"remove"}, id);
  return removed ? caf::error{} : removed.error();
}

caf::expected<fsck_report> client::fsck(const host_port& member) {
  auto handles = handles_at(member);
  if (!handles)
    return handles.error();
  if (!handles->repair)
    return make_error(errc::unavailable,
                      "node at " + member.to_string() + " has no meta role (no repair manager)");
  return blocking_call<fsck_report>(*self_, handles->repair, opts_.timeout, fsck_atom::value,
                                    context_with_timeout(opts_.timeout));
}

caf::error client::set_node_state(const host_port& member, const std::string& id,
                                  const std::string& state) {
  proto::MetaCommand cmd;
  cmd.set_mtime_ms(now_ms());
  auto* op = cmd.mutable_set_node_state();
  op->set_id(id);
  if (state == "active")
    op->set_state(proto::NODE_STATE_ACTIVE);
  else if (state == "draining")
    op->set_state(proto::NODE_STATE_DRAINING);
  else if (state == "dead")
    op->set_state(proto::NODE_STATE_DEAD);
  else
    return make_error(errc::invalid_argument,
                      "node state must be active, draining or dead, not '" + state + "'");
  auto raft = raft_at(member);
  if (!raft)
    return raft.error();
  auto recorded =
    blocking_call<file_info>(*self_, *raft, opts_.timeout, propose_atom::value,
                             context_with_timeout(opts_.timeout), cmd.SerializeAsString());
  return recorded ? caf::error{} : recorded.error();
}

caf::error client::forget_node(const host_port& member, const std::string& id) {
  auto raft = raft_at(member);
  if (!raft)
    return raft.error();
  auto recorded =
    blocking_call<file_info>(*self_, *raft, opts_.timeout, propose_atom::value,
                             context_with_timeout(opts_.timeout), set_node_command(id, nullptr));
  return recorded ? caf::error{} : recorded.error();
}

}  // namespace dfs
