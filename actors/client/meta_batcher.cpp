#include "actors/client/meta_batcher.hpp"

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "messages/errc.hpp"
#include "runtime/deadline.hpp"

namespace dfs {

namespace {

// At most this many stats in one message (the member refuses more).
constexpr size_t batch_limit = 1024;
// The longest a batch waits for its answer; each stat's own deadline, when
// sooner, is enforced by the member.
constexpr std::chrono::milliseconds batch_timeout{30000};
// The member reports a missed deadline a little after it (at its next
// tick, or when its own request to the leader times out, 1 s): the batch
// waits that much longer, so that its stats get the member's answers.
constexpr std::chrono::milliseconds member_slack{2000};

using batcher_actor = meta_actor::extend<caf::reacts_to<flush_atom>>;

struct waiting_stat {
  request_context ctx;
  std::string path;
  caf::typed_response_promise<file_info> rp;
};

struct batcher_state {
  meta_actor member;
  std::vector<waiting_stat> pending;
  static inline const char* name = "meta_batcher";
};

using batcher_pointer = batcher_actor::stateful_pointer<batcher_state>;

// Sends what is pending as one message; answers each stat from the reply.
void send_batch(batcher_pointer self) {
  auto& st = self->state;
  if (st.pending.empty())
    return;
  auto batch = std::make_shared<std::vector<waiting_stat>>(std::move(st.pending));
  st.pending.clear();
  std::vector<request_context> ctxs;
  std::vector<std::string> paths;
  auto timeout = std::chrono::milliseconds{1};
  for (auto& w : *batch) {
    ctxs.push_back(w.ctx);
    paths.push_back(w.path);
    timeout = std::max(timeout, time_left(w.ctx, batch_timeout));
  }
  self
    ->request(st.member, timeout + member_slack, stat_atom::value, std::move(ctxs),
              std::move(paths))
    .then(
      [=](batch_results& out) {
        for (size_t i = 0; i < batch->size(); ++i) {
          auto& rp = (*batch)[i].rp;
          if (i >= out.results.size() || i >= out.errors.size())
            rp.deliver(make_error(errc::internal, "the member answered a short batch"));
          else if (out.errors[i])
            rp.deliver(std::move(out.errors[i]));
          else
            rp.deliver(std::move(out.results[i]));
        }
      },
      [=](caf::error& err) {
        for (auto& w : *batch)
          w.rp.deliver(err);
      });
}

batcher_actor::behavior_type meta_batcher(batcher_pointer self, meta_actor member) {
  self->state.member = std::move(member);
  return {
    [=](propose_atom a, const request_context& ctx, const std::string& cmd) {
      return self->delegate(self->state.member, a, ctx, cmd);
    },
    [=](stat_atom, const request_context& ctx, const std::string& path) -> caf::result<file_info> {
      auto& st = self->state;
      // The flush lands behind the stats already in the mailbox: they
      // join this batch; one arriving alone goes at once.
      if (st.pending.empty())
        self->send(self, flush_atom::value);
      auto rp = self->make_response_promise<file_info>();
      st.pending.push_back(waiting_stat{ctx, path, rp});
      if (st.pending.size() >= batch_limit)
        send_batch(self);
      return rp;
    },
    [=](list_atom a, const request_context& ctx, const std::string& path) {
      return self->delegate(self->state.member, a, ctx, path);
    },
    [=](stat_atom a, const std::vector<request_context>& ctxs,
        const std::vector<std::string>& paths) {
      return self->delegate(self->state.member, a, ctxs, paths);
    },
    [=](flush_atom) { send_batch(self); },
  };
}

}  // namespace

meta_actor spawn_meta_batcher(caf::actor_system& sys, meta_actor member) {
  return sys.spawn(meta_batcher, std::move(member));
}

}  // namespace dfs
