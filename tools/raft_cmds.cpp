#include "tools/raft_cmds.hpp"

#include <cstdio>
#include <iostream>
#include <map>
#include <thread>

#include <nlohmann/json.hpp>

#include "actors/client/client.hpp"
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

// The leader every answering member names, if they agree and it says so itself.
std::string agreed_leader(const std::vector<member>& members) {
  std::string leader;
  bool confirmed = false;
  for (auto& m : members) {
    if (!m.status)
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

}  // namespace

int raft_status_cmd(const std::vector<host_port>& endpoints, bool json) {
  auto c = probe();
  auto members = poll(*c, endpoints);
  auto leader = agreed_leader(members);
  int down = 0;
  auto arr = nlohmann::json::array();
  if (!json)
    std::printf("%-8s %-21s %-13s %6s %-8s %10s %10s %10s %10s %12s\n", "NODE", "LISTEN", "ROLE",
                "TERM", "LEADER", "COMMIT", "APPLIED", "LAST", "SNAPSHOT", "CONTACT");
  for (auto& m : members) {
    if (!m.status) {
      ++down;
      if (json)
        arr.push_back({{"listen", m.endpoint.to_string()},
                       {"state", "down"},
                       {"error", describe(m.status.error())}});
      else
        std::printf("%-8s %-21s %-13s\n", "?", m.endpoint.to_string().c_str(), "down");
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
                     {"last_contact_ms", s.last_contact_ms}});
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
  auto members = poll(*c, endpoints);
  auto leader = agreed_leader(members);
  if (leader.empty())
    return report("raft transfer-leader",
                  make_error(errc::unavailable, "no leader agreed on by the reachable members"));
  if (leader != to) {
    caf::error err = make_error(errc::unavailable, "the leader is not reachable");
    for (auto& m : members)
      if (m.status && m.status->id == leader)
        err = c->transfer_leader(m.endpoint, to);
    if (err)
      return report("raft transfer-leader " + to, err);
    while (true) {
      std::this_thread::sleep_for(20ms);
      leader = agreed_leader(poll(*c, endpoints));
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
    auto leader = agreed_leader(poll(*c, endpoints));
    if (!leader.empty() || std::chrono::steady_clock::now() > deadline)
      return leader;
    std::this_thread::sleep_for(50ms);
  }
}

}  // namespace dfs::ctl
