#include "tools/repair_cmds.hpp"

#include <cstdio>
#include <iostream>
#include <thread>

#include <nlohmann/json.hpp>

#include "actors/client/client.hpp"
#include "tools/output.hpp"

namespace dfs::ctl {

namespace {

std::unique_ptr<client> make_client() {
  return client::create(client_options{{}, std::chrono::milliseconds{30000}, 1});
}

// The first endpoint whose node answers `f`, or the last error.
template <class T, class F>
caf::expected<T> first_answer(const std::vector<host_port>& endpoints, F f) {
  caf::error last = make_error(errc::unavailable, "no endpoint given");
  for (auto& ep : endpoints) {
    auto r = f(ep);
    if (r)
      return r;
    last = r.error();
  }
  return last;
}

caf::expected<fsck_report> scan(client& c, const std::vector<host_port>& endpoints) {
  return first_answer<fsck_report>(endpoints, [&](const host_port& ep) { return c.fsck(ep); });
}

nlohmann::json to_json(const node_report& n) {
  return {{"id", n.id},
          {"address", n.address},
          {"state", n.state},
          {"reachable", n.reachable},
          {"last_seen_ms", n.last_seen_ms},
          {"chunks", n.chunks},
          {"referenced", n.referenced},
          {"bytes_used", n.bytes_used},
          {"bytes_free", n.bytes_free},
          {"bad_copies_found", n.corrupt_found},
          {"scrub_passes", n.scrub_passes}};
}

nlohmann::json to_json(const std::vector<node_report>& nodes) {
  auto out = nlohmann::json::array();
  for (auto& n : nodes)
    out.push_back(to_json(n));
  return out;
}

const node_report* find_node(const fsck_report& r, const std::string& id) {
  for (auto& n : r.nodes)
    if (n.id == id)
      return &n;
  return nullptr;
}

}  // namespace

int fsck_cmd(const std::vector<host_port>& endpoints, bool json) {
  auto c = make_client();
  auto r = scan(*c, endpoints);
  if (!r)
    return report("fsck", r.error());
  if (json) {
    auto nodes = to_json(r->nodes);
    std::cout << nlohmann::json{{"healthy", r->healthy()},
                                {"scanned_by", r->by},
                                {"files", r->files},
                                {"chunks", r->chunks},
                                {"bytes", r->bytes},
                                {"under_replicated", r->under_replicated},
                                {"corrupt", r->corrupt},
                                {"missing", r->missing},
                                {"lost", r->lost},
                                {"unavailable", r->unavailable},
                                {"orphaned", r->orphaned},
                                {"repairs_in_flight", r->repairs_in_flight},
                                {"repairs_done", r->repairs_done},
                                {"collected", r->collected},
                                {"nodes", nodes}}
                   .dump()
              << "\n";
  } else {
    std::printf("scanned by:        %s (Raft leader)\n", r->by.c_str());
    std::printf("files:             %llu\n", static_cast<unsigned long long>(r->files));
    std::printf("chunks:            %llu (%s)\n", static_cast<unsigned long long>(r->chunks),
                human_bytes(r->bytes).c_str());
    std::printf("under-replicated:  %llu\n", static_cast<unsigned long long>(r->under_replicated));
    std::printf("corrupt copies:    %llu\n", static_cast<unsigned long long>(r->corrupt));
    std::printf("missing copies:    %llu\n", static_cast<unsigned long long>(r->missing));
    std::printf("lost chunks:       %llu\n", static_cast<unsigned long long>(r->lost));
    std::printf("unavailable:       %llu\n", static_cast<unsigned long long>(r->unavailable));
    std::printf("orphaned copies:   %llu (collected after the grace period)\n",
                static_cast<unsigned long long>(r->orphaned));
    std::printf("repairs:           %llu in flight, %llu done\n",
                static_cast<unsigned long long>(r->repairs_in_flight),
                static_cast<unsigned long long>(r->repairs_done));
    std::printf("status:            %s\n", r->healthy() ? "HEALTHY" : "NOT HEALTHY");
  }
  return r->healthy() ? 0 : 6;
}

int node_list_cmd(const std::vector<host_port>& endpoints, bool json) {
  auto c = make_client();
  auto r = scan(*c, endpoints);
  if (!r)
    return report("node list", r.error());
  if (json) {
    auto nodes = to_json(r->nodes);
    std::cout << nodes.dump() << "\n";
    return 0;
  }
  std::printf("%-8s %-21s %-9s %-5s %8s %10s %10s %10s\n", "NODE", "ADDRESS", "STATE", "UP",
              "CHUNKS", "PLACED", "USED", "FREE");
  for (auto& n : r->nodes)
    std::printf("%-8s %-21s %-9s %-5s %8llu %10llu %10s %10s\n", n.id.c_str(),
                n.address.empty() ? "-" : n.address.c_str(), n.state.c_str(),
                n.reachable ? "yes" : "no", static_cast<unsigned long long>(n.chunks),
                static_cast<unsigned long long>(n.referenced), human_bytes(n.bytes_used).c_str(),
                n.reachable ? human_bytes(n.bytes_free).c_str() : "-");
  return 0;
}

namespace {

caf::error set_state(client& c, const std::vector<host_port>& endpoints, const std::string& id,
                     const std::string& state) {
  auto r = scan(c, endpoints);
  if (!r)
    return r.error();
  if (!find_node(*r, id))
    return make_error(errc::not_found, "no storage node '" + id + "' is known to the cluster");
  auto done = first_answer<bool>(endpoints, [&](const host_port& ep) -> caf::expected<bool> {
    if (auto err = c.set_node_state(ep, id, state))
      return err;
    return true;
  });
  return done ? caf::error{} : done.error();
}

}  // namespace

int node_drain_cmd(const std::vector<host_port>& endpoints, const std::string& id, bool json,
                   std::chrono::milliseconds wait) {
  auto what = "node drain " + id;
  if (!valid_node_id(id))
    return report(what, make_error(errc::invalid_argument, "'" + id + "' is not a valid node id"));
  auto c = make_client();
  if (auto err = set_state(*c, endpoints, id, "draining"))
    return report(what, err);
  auto deadline = std::chrono::steady_clock::now() + wait;
  uint64_t last_left = UINT64_MAX;
  for (;;) {
    auto r = scan(*c, endpoints);
    if (r) {
      auto* n = find_node(*r, id);
      auto left = n ? n->referenced : 0;
      if (left == 0 && r->healthy()) {
        if (json)
          std::cout << nlohmann::json{{"drained", id}}.dump() << "\n";
        else
          std::cout << "node " << id << " is drained: no chunk is placed on it\n";
        return 0;
      }
      if (!json && left != last_left)
        std::cerr << "node " << id << ": " << left << " chunk copies left to move\n";
      last_left = left;
    }
    if (std::chrono::steady_clock::now() >= deadline)
      return report(what, make_error(errc::timeout, "still " + std::to_string(last_left) +
                                                      " chunk copies on it; the drain goes on"));
    std::this_thread::sleep_for(std::chrono::milliseconds{500});
  }
}

int node_activate_cmd(const std::vector<host_port>& endpoints, const std::string& id, bool json) {
  auto what = "node activate " + id;
  if (!valid_node_id(id))
    return report(what, make_error(errc::invalid_argument, "'" + id + "' is not a valid node id"));
  auto c = make_client();
  if (auto err = set_state(*c, endpoints, id, "active"))
    return report(what, err);
  if (json)
    std::cout << nlohmann::json{{"active", id}}.dump() << "\n";
  else
    std::cout << "node " << id << " is active\n";
  return 0;
}

}  // namespace dfs::ctl
