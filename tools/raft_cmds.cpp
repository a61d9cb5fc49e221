#include "tools/raft_cmds.hpp"

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "actors/client/client.hpp"
#include "tools/discovery.hpp"
#include "tools/output.hpp"

namespace dfs::ctl {

namespace {

using namespace std::chrono_literals;

struct member {
  host_port endpoint;
  caf::expected<raft_status> status;
};

std::vector<member> poll(client& c, const std::vector<host_port>& endpoints) {
  std::vector<member> out;
  for (auto& ep : endpoints)
    out.push_back({ep, c.raft_status_of(ep)});
  return out;
}

// The Raft group as seen through `given` (one endpoint is enough): their
// statuses, then those of the group's other members, found through the
// members that answered (their peers and the node table).
struct group_view {
  std::vector<member> members;
  std::map<std::string, std::string> ids;  // node id by address, of every node known

  std::vector<host_port> endpoints() const {
    std::vector<host_port> out;
    for (auto& m : members)
      out.push_back(m.endpoint);
    return out;
  }
};

group_view poll_group(client& c, const std::vector<host_port>& given) {
  group_view g;
  g.members = poll(c, given);
  std::vector<host_port> answering;
  std::set<std::string> in_group, answered;
  for (auto& m : g.members)
    if (m.status) {
      answering.push_back(m.endpoint);
      answered.insert(m.status->id);
      in_group.insert(m.status->voters.begin(), m.status->voters.end());
      in_group.insert(m.status->learners.begin(), m.status->learners.end());
    }
  auto found = discover(c, answering, given, answered);
  for (auto& [id, address] : found.known)
    g.ids[address.to_string()] = id;
  // Answering nodes that name no group (not in one yet, e.g. a node
  // started to join): every node they know is worth asking.
  for (auto& [id, address] : found.beyond)
    if (in_group.empty() || in_group.count(id) > 0)
      g.members.push_back({address, c.raft_status_of(address)});
  return g;
}

const member* current_leader(const std::vector<member>& members);

// The leader every answering member names, if they agree and it says so
// itself. Nodes outside the group (removed ones) have no say.
std::string agreed_leader(const std::vector<member>& members) {
  std::string leader;
  bool confirmed = false;
  auto* claimant = current_leader(members);
  auto outside = [&](const raft_status& s) {
    if (!claimant)
      return false;
    auto& v = claimant->status->voters;
    auto& l = claimant->status->learners;
    return std::find(v.begin(), v.end(), s.id) == v.end() &&
           std::find(l.begin(), l.end(), s.id) == l.end();
  };
  for (auto& m : members) {
    if (!m.status || outside(*m.status))
      continue;
    if (m.status->leader.empty() || (!leader.empty() && m.status->leader != leader))
      return {};
    leader = m.status->leader;
    if (m.status->id == leader && m.status->role == "leader")
      confirmed = true;
  }
  return confirmed ? leader : std::string{};
}

std::unique_ptr<client> probe() {
  return client::create(client_options{{}, std::chrono::milliseconds{2000}, 1});
}

std::string join(const std::vector<std::string>& xs) {
  std::string out;
  for (auto& x : xs)
    out += (out.empty() ? "" : ",") + x;
  return out;
}

// The member that reports itself leader in the highest term, if any.
const member* current_leader(const std::vector<member>& members) {
  const member* best = nullptr;
  for (auto& m : members)
    if (m.status && m.status->role == "leader" && (!best || m.status->term > best->status->term))
      best = &m;
  return best;
}

// Runs `step` at the current leader until it succeeds, fails for another
// reason than leadership, or `deadline` passes.
template <class F>
caf::error at_leader(client& c, const std::vector<host_port>& endpoints,
                     std::chrono::steady_clock::time_point deadline, F step) {
  caf::error err = make_error(errc::unavailable, "no member reports itself leader");
  while (std::chrono::steady_clock::now() < deadline) {
    auto members = poll_group(c, endpoints).members;
    if (auto* leader = current_leader(members)) {
      err = step(leader->endpoint);
      if (!err)
        return err;
      auto text = describe(err);
      bool leadership = text.find("not the leader") != std::string::npos ||
                        text.find("leadership changed") != std::string::npos ||
                        err == caf::sec::request_timeout;
      if (!leadership)
        return err;  // only a change of leader is worth another try
    }
    std::this_thread::sleep_for(100ms);
  }
  return err;
}

std::unique_ptr<client> member_client() {
  return client::create(client_options{{}, std::chrono::milliseconds{10000}, 1});
}

}  // namespace

int node_add_cmd(const std::vector<host_port>& endpoints, const std::string& id,
                 const std::string& address, bool json, std::chrono::milliseconds wait) {
  auto what = "node add " + id;
  std::string why;
  auto addr = parse_host_port(address, &why);
  if (!valid_node_id(id))
    return report(what, make_error(errc::invalid_argument, "'" + id + "' is not a valid node id"));
  if (!addr)
    return report(what, make_error(errc::invalid_argument, why));
  auto c = member_client();
  auto deadline = std::chrono::steady_clock::now() + wait;
  auto err = at_leader(*c, endpoints, deadline, [&](const host_port& leader) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    return c->add_member(leader, id, *addr, std::max(left, std::chrono::milliseconds{1000}));
  });
  if (err)
    return report(what, err);
  if (json)
    std::cout << nlohmann::json{{"added", id}, {"address", addr->to_string()}}.dump() << "\n";
  else
    std::cout << "node " << id << " at " << addr->to_string() << " is a voter\n";
  return 0;
}

int node_remove_cmd(const std::vector<host_port>& endpoints, const std::string& id, bool json,
                    std::chrono::milliseconds wait) {
  auto what = "node remove " + id;
  if (!valid_node_id(id))
    return report(what, make_error(errc::invalid_argument, "'" + id + "' is not a valid node id"));
  auto c = member_client();
  auto deadline = std::chrono::steady_clock::now() + wait;
  auto err = at_leader(*c, endpoints, deadline, [&](const host_port& leader) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    return c->remove_member(leader, id, std::max(left, std::chrono::milliseconds{1000}));
  });
  if (!err)  // then forget its address; the leader may be a new one by now
    err = at_leader(*c, endpoints, deadline,
                    [&](const host_port& leader) { return c->forget_node(leader, id); });
  if (err)
    return report(what, err);
  if (json)
    std::cout << nlohmann::json{{"removed", id}}.dump() << "\n";
  else
    std::cout << "node " << id << " is no longer a member\n";
  return 0;
}

int raft_status_cmd(const std::vector<host_port>& endpoints, bool json) {
  auto c = probe();
  auto group = poll_group(*c, endpoints);
  auto& members = group.members;
  auto& down_ids = group.ids;
  auto leader = agreed_leader(members);
  int down = 0;
  auto arr = nlohmann::json::array();
  if (!json)
    std::printf("%-8s %-21s %-13s %6s %-8s %10s %10s %10s %10s %12s\n", "NODE", "LISTEN", "ROLE",
                "TERM", "LEADER", "COMMIT", "APPLIED", "LAST", "SNAPSHOT", "CONTACT");
  for (auto& m : members) {
    if (!m.status) {
      ++down;
      auto known = down_ids.find(m.endpoint.to_string());
      auto id = known != down_ids.end() ? known->second : std::string{};
      if (json) {
        nlohmann::json row{{"listen", m.endpoint.to_string()},
                           {"state", "down"},
                           {"error", describe(m.status.error())}};
        if (!id.empty())
          row["id"] = id;
        arr.push_back(std::move(row));
      } else {
        std::printf("%-8s %-21s %-13s\n", id.empty() ? "?" : id.c_str(),
                    m.endpoint.to_string().c_str(), "down");
      }
      continue;
    }
    auto& s = *m.status;
    if (json) {
      arr.push_back({{"id", s.id},
                     {"listen", m.endpoint.to_string()},
                     {"role", s.role},
                     {"term", s.term},
                     {"leader", s.leader},
                     {"commit_index", s.commit_index},
                     {"applied_index", s.applied_index},
                     {"last_index", s.last_index},
                     {"snapshot_index", s.snapshot_index},
                     {"voters", s.voters},
                     {"learners", s.learners},
                     {"last_contact_ms", s.last_contact_ms},
                     {"one_round_reads", s.one_round_reads}});
      continue;
    }
    std::string contact =
      s.last_contact_ms < 0 ? "never" : std::to_string(s.last_contact_ms) + "ms";
    std::printf("%-8s %-21s %-13s %6llu %-8s %10llu %10llu %10llu %10llu %12s\n", s.id.c_str(),
                m.endpoint.to_string().c_str(), s.role.c_str(),
                static_cast<unsigned long long>(s.term), s.leader.empty() ? "-" : s.leader.c_str(),
                static_cast<unsigned long long>(s.commit_index),
                static_cast<unsigned long long>(s.applied_index),
                static_cast<unsigned long long>(s.last_index),
                static_cast<unsigned long long>(s.snapshot_index), contact.c_str());
  }
  if (json) {
    std::cout << nlohmann::json{{"leader", leader}, {"nodes", arr}}.dump() << "\n";
  } else {
    for (auto& m : members)
      if (m.status && m.status->id == leader) {
        std::cout << "leader " << leader << "; voters " << join(m.status->voters);
        if (!m.status->learners.empty())
          std::cout << "; learners " << join(m.status->learners);
        std::cout << "\n";
      }
    if (leader.empty())
      std::cout << "no leader agreed on by the reachable members\n";
  }
  return down == 0 && !leader.empty() ? 0 : 5;
}

int raft_transfer_cmd(const std::vector<host_port>& endpoints, const std::string& to, bool json,
                      std::chrono::milliseconds wait) {
  auto c = probe();
  auto deadline = std::chrono::steady_clock::now() + wait;
  auto group = poll_group(*c, endpoints);
  auto& members = group.members;
  auto leader = agreed_leader(members);
  if (leader.empty())
    return report("raft transfer-leader",
                  make_error(errc::unavailable, "no leader agreed on by the reachable members"));
  if (leader != to) {
    caf::error err = make_error(errc::unavailable, "the leader is not reachable");
    for (auto& m : members)
      if (m.status && m.status->id == leader) {
        err = c->transfer_leader(m.endpoint, to);
        break;  // once (the same node may be listed at two addresses)
      }
    if (err)
      return report("raft transfer-leader " + to, err);
    while (true) {
      std::this_thread::sleep_for(20ms);
      leader = agreed_leader(poll(*c, group.endpoints()));
      if (leader == to)
        break;
      if (std::chrono::steady_clock::now() > deadline)
        return report(
          "raft transfer-leader " + to,
          make_error(errc::timeout, "the members do not report " + to + " as leader yet (now: " +
                                      (leader.empty() ? "none" : leader) + ")"));
    }
  }
  if (json)
    std::cout << nlohmann::json{{"leader", to}}.dump() << "\n";
  else
    std::cout << "leader is now " << to << "\n";
  return 0;
}

std::string wait_for_leader(const std::vector<host_port>& endpoints,
                            std::chrono::milliseconds wait) {
  auto c = probe();
  auto deadline = std::chrono::steady_clock::now() + wait;
  while (true) {
    auto leader = agreed_leader(poll_group(*c, endpoints).members);
    if (!leader.empty() || std::chrono::steady_clock::now() > deadline)
      return leader;
    std::this_thread::sleep_for(50ms);
  }
}

}  // namespace dfs::ctl
