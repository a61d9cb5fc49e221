#include <algorithm>

#include "actors/gateway/state.hpp"
#include "runtime/checksum.hpp"

namespace dfs::gateway_impl {

namespace {

// Errors that say something about the node rather than the chunk: they
// count against its circuit breaker.
bool node_fault(const caf::error& err) {
  switch (to_errc(err)) {
    case errc::timeout:
    case errc::unavailable:
    case errc::io_error:
    case errc::overloaded:
    case errc::internal:
      return true;
    default:
      return false;
  }
}

}  // namespace

void do_read(gateway_pointer self, const request_context& ctx, chunk_ref ref, size_t attempt,
             caf::error last_error, reply_ptr<byte_buffer> r, std::shared_ptr<read_chains> chains) {
  auto& st = self->state;
  if (r->answered())
    return;  // a hedge of this read already delivered it
  if (attempt == 0 && !admitted(ctx, r))
    return;
  if (attempt == 0 && !valid_chunk_id(ref.id.value))
    return r->fail(errc::invalid_argument, "invalid chunk id '" + ref.id.value + "'");
  auto now = mono_ms();
  if (!chains)
    chains = std::make_shared<read_chains>();
  if (attempt == 0) {
    // The router's order among the copies this gateway can reach (the
    // cheapest by in-flight requests x latency first; nodes down or with
    // an open breaker last); unreachable copies after them all.
    std::vector<std::string> reachable;
    std::vector<node_id> unreachable;
    for (auto& n : ref.replicas)
      if (st.deps.replicas.count(n) > 0 && st.silent.count(n) == 0)
        reachable.push_back(n.value);
      else
        unreachable.push_back(n);
    ref.replicas.clear();
    for (auto& n : st.router.order(reachable, now, st.rng, st.deps.local.value))
      ref.replicas.push_back(node_id{std::move(n)});
    for (auto& n : unreachable)
      ref.replicas.push_back(std::move(n));
  } else if (st.deps.metrics) {
    st.deps.metrics->read_retry();
  }
  if (attempt > 0)
    ++st.retries;
  // The next replica this gateway can reach, in that order.
  while (attempt < ref.replicas.size() && st.deps.replicas.count(ref.replicas[attempt]) == 0)
    ++attempt;
  if (attempt >= ref.replicas.size()) {
    if (--chains->running > 0)
      return;  // a hedge still runs: its answer, or its failure, ends the read
    if (last_error)
      return r->fail(last_error);
    return r->fail(errc::unavailable, "no reachable replica holds chunk " + ref.id.value);
  }
  auto target = ref.replicas[attempt];
  // A breaker that refuses sends the read on to the next copy; the last
  // copy this gateway can reach is asked all the same (better a likely
  // failure than a sure one).
  bool last = true;
  for (auto i = attempt + 1; i < ref.replicas.size() && last; ++i)
    last = st.deps.replicas.count(ref.replicas[i]) == 0;
  auto generation = st.router.dispatch(target.value, now, last);
  if (generation < 0)
    return do_read(self, ctx, ref, attempt + 1, last_error, r, chains);
  if (st.deps.metrics)
    st.deps.metrics->routed(target.value);
  st.log->debug("trace={} chunk={} read from {} (try {})", ctx.trace_id, ref.id.value, target.value,
                attempt + 1);
  auto handle = st.deps.replicas.at(target);
  using outcome = balancer::router::outcome;
  auto finished = [self, target, now, generation](uint64_t bytes, outcome result) {
    auto done = mono_ms();
    self->state.router.finish(target.value, done, static_cast<double>(done - now), bytes, result,
                              generation);
  };
  // Once hedged, the next copy is already asked: this try's failure
  // ends only this chain.
  auto hedged = std::make_shared<bool>(false);
  auto move_on = [=](const caf::error& err) {
    if (!*hedged)
      return do_read(self, ctx, ref, attempt + 1, err, r, chains);
    if (--chains->running == 0)
      r->fail(err);
  };
  // A timeout of a read that had almost no time left (a retry near its
  // deadline, an overloaded gateway) is the request's fault, not the node's.
  auto time = budget(self, ctx);
  bool short_of_time = time < std::chrono::milliseconds{200};
  auto next = [=](const caf::error& err) {
    auto result = !node_fault(err)                                 ? outcome::success
                  : to_errc(err) == errc::timeout && short_of_time ? outcome::neutral
                                                                   : outcome::failure;
    finished(0, result);
    move_on(err);
  };
  auto op = st.track(target, next);
  if (!last && st.can_hedge()) {
    auto expected = st.router.expected_ms(target.value, now, ref.length);
    auto delay =
      std::max(st.cfg.hedge_after, std::chrono::milliseconds{static_cast<int64_t>(4 * expected)});
    if (delay < time)
      run_after(self, delay, [=] {
        auto& st = self->state;
        if (st.waiting.count(op) == 0 || r->answered() || !st.take_hedge())
          return;
        st.log->debug("trace={} chunk={} no answer from {} in {} ms: asking the next copy too",
                      ctx.trace_id, ref.id.value, target.value, delay.count());
        if (st.deps.metrics)
          st.deps.metrics->read_hedged();
        *hedged = true;
        ++chains->running;
        do_read(self, ctx, ref, attempt + 1, caf::error{}, r, chains);
      });
  }
  swept_request(self, handle, time, fetch_atom::value, ctx, ref.id)
    .then(
      [=](byte_buffer& data) {
        if (!self->state.untrack(op))
          return;
        finished(data.size(), outcome::success);
        if (!matches_chunk(data.data(), data.size(), ref.length, ref.checksum)) {
          self->state.log->error("trace={} chunk={} node={} data does not match the file record",
                                 ctx.trace_id, ref.id.value, target.value);
          return move_on(
            make_error(errc::corrupt, "chunk " + ref.id.value + " does not match its file record"));
        }
        if (r->answered())
          return;
        if (self->state.deps.metrics)
          self->state.deps.metrics->bytes_sent(data.size());
        r->deliver(std::move(data));
      },
      [=](caf::error& err) {
        if (self->state.untrack(op))
          next(err);
      });
}

// Whether the shard on `node` should read the chunk for its fill from its
// own node's replica rather than be sent the bytes: a chunk of 128 KiB or
// more (a message of a MiB costs several copies and a system call at
// either end; a small one costs less than a disk read), with a replica on
// that node, which is not this one and is not suspected or down (its
// waiters would wait on its disk).
bool fill_by_reference(const gateway_state& st, const node_id& node, const chunk_ref& ref) {
  constexpr uint64_t large = 128 << 10;
  return ref.length >= large && node != st.deps.local && !st.out_of_service(node) &&
         st.suspect.count(node) == 0 &&
         std::find(ref.replicas.begin(), ref.replicas.end(), node) != ref.replicas.end();
}

// A read through the chunk's cache shard: a hit (verified against the
// file record) is the answer; after a miss the chunk comes from a replica,
// goes to the client, and only then to the shard (if the shard asked this
// reader to load it), as bytes or as a reference (fill_by_reference). A
// shard that errs or is slow is skipped for a while.
void cached_read(gateway_pointer self, const request_context& ctx, const chunk_ref& ref,
                 reply_ptr<byte_buffer> r) {
  auto& st = self->state;
  auto owner = cache::owner_of(cache::stable_hash(ref.id.value), st.cache_seeds);
  if (owner == st.cache_seeds.size())
    return do_read(self, ctx, ref, 0, caf::error{}, r);
  auto node = st.cache_shards[owner].first;
  auto shard = st.cache_shards[owner].second;
  // A node judged down or silent would hold the read until the lookup's
  // deadline, and one with a lookup hedged and still unanswered likely
  // too: its chunks come straight from a replica meanwhile.
  if (st.out_of_service(node) || st.cache_stalled.count(node) > 0)
    return do_read(self, ctx, ref, 0, caf::error{}, r);
  auto skipped = st.cache_skipped.find(node);
  if (skipped != st.cache_skipped.end()) {
    if (std::chrono::steady_clock::now() < skipped->second)
      return do_read(self, ctx, ref, 0, caf::error{}, r);
    st.cache_skipped.erase(skipped);
  }
  // At most half the time left: a slow shard must leave time for a replica.
  auto wait = std::min(budget(self, ctx) / 2, st.cfg.cache_timeout);
  // A shard that does not answer in a third of cache_timeout is at fault
  // (lookups take microseconds); a shorter wait, cut by the request's
  // deadline, does not condemn it.
  bool patience = wait >= st.cfg.cache_timeout / 3;
  // A shard that fails or times out is skipped for a while (even when
  // the read went on without it); a read still waiting for it goes on to
  // the replicas.
  auto failed = [=](const caf::error& err, bool waiting) {
    auto& st = self->state;
    if (patience) {  // the shard's fault, not the request's deadline
      st.log->warn("chunk={} cache shard on {} failed ({}); skipping its shards for {} ms",
                   ref.id.value, node.value, describe(err), st.cfg.cache_skip.count());
      st.cache_skipped[node] = std::chrono::steady_clock::now() + st.cfg.cache_skip;
    }
    if (waiting)
      do_read(self, ctx, ref, 0, caf::error{}, r);
  };
  // Failed at once, like a replica read, when its node is lost meanwhile;
  // not waited for past hedge_after (a hedge: its answer is dropped).
  auto op = st.track(node, [failed](const caf::error& err) { failed(err, true); });
  auto hedged = std::make_shared<bool>(false);
  auto settled = [self, node, hedged] {
    auto& stalled = self->state.cache_stalled;
    if (*hedged && --stalled[node] == 0)
      stalled.erase(node);
  };
  if (st.can_hedge() && st.cfg.hedge_after < wait)
    run_after(self, st.cfg.hedge_after, [=] {
      auto& st = self->state;
      if (st.waiting.count(op) == 0 || !st.take_hedge())
        return;
      st.untrack(op);
      *hedged = true;
      ++st.cache_stalled[node];
      st.log->debug(
        "trace={} chunk={} no answer from the cache shard on {} in {} ms: reading "
        "a replica",
        ctx.trace_id, ref.id.value, node.value, st.cfg.hedge_after.count());
      if (st.deps.metrics)
        st.deps.metrics->read_hedged();
      do_read(self, ctx, ref, 0, caf::error{}, r);
    });
  swept_request(self, shard, wait, lookup_atom::value, ctx, ref.id)
    .then(
      [=](cache_lookup& found) {
        settled();
        if (!self->state.untrack(op)) {
          if (found.load)  // the read went on without this answer: no fill comes
            self->send(shard, abandon_atom::value, ref.id);
          return;
        }
        self->state.log->debug("trace={} chunk={} cache {} at {}", ctx.trace_id, ref.id.value,
                               found.hit ? "hit" : "miss", node.value);
        if (found.hit) {
          if (matches_chunk(found.data.data(), found.data.size(), ref.length, ref.checksum)) {
            if (self->state.deps.metrics)
              self->state.deps.metrics->bytes_sent(found.data.size());
            return r->deliver(std::move(found.data));
          }
          self->state.log->error(
            "chunk={} the cache shard on {} returned bytes that do not "
            "match the file record; dropped there, reading a replica",
            ref.id.value, node.value);
          self->send(shard, remove_atom::value, ref.id);
        } else if (found.load && fill_by_reference(self->state, node, ref)) {
          r->after_answer = [self, shard, ctx, ref](bool answered) {
            if (answered)
              self->send(shard, fill_atom::value, ctx, ref);
            else
              self->send(shard, abandon_atom::value, ref.id);
          };
        } else if (found.load) {
          auto id = ref.id;
          r->after_reply = [self, shard, id](byte_buffer* data) {
            if (data)
              self->send(shard, fill_atom::value, id, std::move(*data));
            else
              self->send(shard, abandon_atom::value, id);
          };
        }
        do_read(self, ctx, ref, 0, caf::error{}, r);
      },
      [=](caf::error& err) {
        settled();
        failed(err, self->state.untrack(op));
      });
}

void apply_health(gateway_pointer self, std::vector<peer_health>& verdicts) {
  auto& st = self->state;
  for (auto& h : verdicts) {
    auto state = h.state == "down"      ? health::node_health::down
                 : h.state == "suspect" ? health::node_health::suspect
                                        : health::node_health::active;
    st.router.set_health(h.node.value, state, h.load.cpu);
    st.cpu[h.node] = h.load.cpu;
    // Never heard from (just connected): not suspected for placement.
    if (state == health::node_health::suspect && h.heard_ago_ms >= 0)
      st.suspect.insert(h.node);
    else
      st.suspect.erase(h.node);
    if (state == health::node_health::down) {
      if (st.down.insert(h.node).second) {
        st.log->warn(
          "node {} is down (phi {:.1f}, silent {} ms): no reads or new chunks go there, its "
          "requests in flight are failed",
          h.node.value, h.phi, h.heard_ago_ms);
        st.lost(h.node, h.node.value + " is down");
      }
    } else if (st.down.erase(h.node) > 0) {
      st.log->info("node {} is {} again", h.node.value, h.state);
    }
  }
}

gateway_status status_of(gateway_pointer self) {
  auto& st = self->state;
  auto now = mono_ms();
  gateway_status g;
  g.in_flight = st.admission.in_flight();
  g.max_in_flight = st.admission.config().max_in_flight;
  g.latency_ewma_ms = finite_or_zero(st.admission.typical_latency_ms());
  g.latency_p99_ms = static_cast<double>(st.window.quantile(0.99)) / 1000.0;
  g.latency_p50_ms = static_cast<double>(st.window.quantile(0.5)) / 1000.0;
  st.window.reset();
  g.requests = st.requests;
  g.rejected = st.rejected;
  g.retries = st.retries;
  for (auto& [node, handle] : st.deps.replicas) {
    auto s = st.router.stats(node.value, now);
    route_status rs;
    rs.node = node;
    rs.in_flight = s.in_flight;
    rs.latency_ms = finite_or_zero(s.latency_ms);
    rs.routed = s.routed;
    rs.failed = s.failed;
    rs.breaker = balancer::to_string(s.breaker);
    if (st.deps.metrics)
      st.deps.metrics->route_state(node.value, rs.breaker, rs.latency_ms);
    g.routes.push_back(std::move(rs));
  }
  return g;
}

}  // namespace dfs::gateway_impl
