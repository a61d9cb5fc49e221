// dfs-shell's actor-level commands: the actors of a node, the messages
// they take, sending any of them, watching, metrics; and tab completion.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <set>
#include <thread>

#include <caf/scoped_actor.hpp>

#include "runtime/net.hpp"
#include "tools/shell/catalog.hpp"
#include "tools/shell/session.hpp"
#include "tools/shell/words.hpp"

namespace dfs::shell {

namespace {

// "n2/replica" -> ("n2", "replica"); "replica" -> ("", "replica").
std::pair<std::string, std::string> split_target(const std::string& target) {
  auto slash = target.find('/');
  if (slash == std::string::npos)
    return {"", target};
  return {target.substr(0, slash), target.substr(slash + 1)};
}

}  // namespace

// A node agent answers this from its state at once. No answer in time on
// a connection that completed its handshake is CAF 0.17's dead connection
// (about one connect in 600; docs/design.md): this actor system would
// hand the same connection back, so the shell starts over with a new
// client, once.
caf::expected<std::vector<actor_entry>> session::actors_at(const host_port& ep) {
  auto list = client_->actors_of(ep);
  if (list || list.error() != caf::sec::request_timeout)
    return list;
  client_.reset();
  if (!connection())
    return list;
  return client_->actors_of(ep);
}

int session::cmd_actors(const std::vector<std::string>& args) {
  if (args.size() > 1)
    return fail("actors", "usage: actors [NODE]");
  auto node = args.empty() ? std::string{} : args[0];
  auto ep = endpoint_of(node);
  if (!ep)
    return client_ ? fail("actors", "no node '" + node + "' in the node table", 3) : 5;
  auto list = actors_at(*ep);
  if (!list)
    return fail("actors " + ep->to_string(), list.error());
  std::printf("%-10s %-8s %6s %8s\n", "NAME", "KIND", "ID", "MAILBOX");
  for (auto& a : *list)
    std::printf("%-10s %-8s %6llu %8s\n", a.name.c_str(), a.kind.c_str(),
                (unsigned long long)a.handle.id(),
                a.mailbox < 0 ? "-" : std::to_string(a.mailbox).c_str());
  return 0;
}

int session::cmd_messages(const std::vector<std::string>& args) {
  if (args.size() > 1)
    return fail("messages", "usage: messages [KIND]");
  bool any = false;
  std::string kind;
  for (auto& spec : catalog()) {
    if (!args.empty() && spec.kind != args[0])
      continue;
    if (spec.kind != kind) {
      kind = spec.kind;
      std::printf("%s:\n", kind.c_str());
    }
    std::printf("  %s%s\n", spec.signature().c_str(), spec.internal ? "   (internal)" : "");
    any = true;
  }
  if (!any)
    return fail(
      "messages",
      "no actor kind '" + args[0] + "' (agent, gateway, raft, replica, repair, cache, health)", 3);
  return 0;
}

bool session::help_message(const std::string& atom) {
  auto specs = find_messages("", atom);
  for (auto* spec : specs) {
    std::printf("%s: %s%s\n", spec->kind.c_str(), spec->signature().c_str(),
                spec->internal ? "   (internal: nodes send it)" : "");
    for (auto& f : spec->fields)
      std::printf("    %-12s %s%s\n", f.name.c_str(),
                  f.context ? "request_context" : f.type.c_str(),
                  f.context    ? "  (filled in: trace id, deadline, client id, sequence)"
                  : f.typeable ? ""
                               : "  (cannot be typed in)");
  }
  if (!specs.empty())
    std::printf("usage: ask [NODE/]ACTOR %s ARGS...  (send: the same, not waiting)\n",
                atom.c_str());
  return !specs.empty();
}

int session::cmd_send(const std::vector<std::string>& args) {
  return message_actor(args, false);
}

int session::cmd_ask(const std::vector<std::string>& args) {
  return message_actor(args, true);
}

int session::message_actor(const std::vector<std::string>& args, bool wait) {
  const char* verb = wait ? "ask" : "send";
  if (args.size() < 2)
    return fail(verb, std::string{"usage: "} + verb + " [NODE/]ACTOR MESSAGE ARGS...");
  auto [node, name] = split_target(args[0]);
  auto ep = endpoint_of(node);
  if (!ep)
    return client_ ? fail(verb, "no node '" + node + "' in the node table", 3) : 5;
  auto list = actors_at(*ep);
  if (!list)
    return fail(std::string{verb} + " " + args[0], list.error());
  auto actor = std::find_if(list->begin(), list->end(),
                            [&, n = name](const actor_entry& a) { return a.name == n; });
  if (actor == list->end())
    return fail(verb, "no actor '" + name + "' on " + ep->to_string() + " ('actors' lists them)",
                3);
  auto specs = find_messages(actor->kind, args[1]);
  if (specs.empty())
    return fail(verb,
                "a " + actor->kind + " takes no '" + args[1] + "' ('messages " + actor->kind +
                  "' lists what it takes)",
                2);
  std::vector<std::string> words(args.begin() + 2, args.end());
  const message_spec* spec = nullptr;
  for (auto* s : specs)
    if (s->typed_fields() == words.size())
      spec = s;
  if (!spec) {
    std::string forms;
    for (auto* s : specs)
      forms += "\n  " + s->signature();
    return fail(verb, "no form of '" + args[1] + "' takes " + std::to_string(words.size()) +
                        " argument(s):" + forms);
  }
  auto msg = spec->build(words, client_->new_context(timeout_));
  if (!msg)
    return fail(std::string{verb} + " " + args[1], msg.error());
  if (!wait) {
    caf::anon_send(actor->handle, std::move(*msg));
    std::printf("sent %s to %s\n", spec->signature().c_str(), actor->name.c_str());
    return 0;
  }
  caf::scoped_actor self{client_->system()};
  auto reply = spec->ask(self, actor->handle, timeout_, std::move(*msg));
  if (!reply)
    return fail(std::string{verb} + " " + args[1], reply.error());
  std::printf("%s\n", reply->c_str());
  return 0;
}

int session::cmd_watch(const std::vector<std::string>& args) {
  double every = 2;
  long times = -1;  // until interrupted
  size_t i = 0;
  for (; i + 1 < args.size(); i += 2) {
    char* end = nullptr;
    if (args[i] == "-i") {
      every = std::strtod(args[i + 1].c_str(), &end);
      if (*end != '\0' || !(every >= 0.1 && every <= 3600))
        return fail("watch", "-i: expected seconds between 0.1 and 3600");
    } else if (args[i] == "-n") {
      times = std::strtol(args[i + 1].c_str(), &end, 10);
      if (*end != '\0' || times < 1)
        return fail("watch", "-n: expected a positive count");
    } else {
      break;
    }
  }
  std::vector<std::string> cmd(args.begin() + static_cast<long>(i), args.end());
  if (cmd.size() == 1 && cmd[0].find(' ') != std::string::npos) {
    std::string why;
    auto split = split_commands(cmd[0], why);
    if (split.size() != 1)
      return fail("watch", "expected one command");
    cmd = split[0];
  }
  if (cmd.empty() || cmd[0] == "watch")
    return fail("watch", "usage: watch [-i SECONDS] [-n TIMES] COMMAND...");
  interrupted = false;
  int rc = 0;
  for (long round = 0; times < 0 || round < times; ++round) {
    auto t = std::time(nullptr);
    char stamp[32];
    std::strftime(stamp, sizeof(stamp), "%H:%M:%S", std::gmtime(&t));
    std::string line;
    for (auto& w : cmd)
      line += (line.empty() ? "" : " ") + w;
    std::printf("--- every %.1fs: %s   %s UTC (round %ld)\n", every, line.c_str(), stamp,
                round + 1);
    std::fflush(stdout);
    rc = run(cmd);
    std::fflush(stdout);
    if (times >= 0 && round + 1 == times)
      break;
    auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(every);
    while (!interrupted && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds{50});
    if (interrupted) {
      std::printf("watch: stopped\n");
      break;
    }
  }
  return rc;
}

int session::cmd_metric(const std::vector<std::string>& args) {
  if (args.empty() || args.size() > 2)
    return fail("metric", "usage: metric PATTERN [NODE]");
  auto node = args.size() == 2 ? args[1] : std::string{};
  auto ep = endpoint_of(node);
  if (!ep)
    return client_ ? fail("metric", "no node '" + node + "' in the node table", 3) : 5;
  auto status = client_->status_of(*ep);
  if (!status)
    return fail("metric", status.error());
  std::string why;
  auto metrics = parse_host_port(status->metrics, &why);
  if (!metrics)
    return fail("metric", "the node reports no metrics endpoint: " + why, 5);
  auto page = http_get(metrics->host, metrics->port, "/metrics", timeout_, why);
  if (!page)
    return fail("metric", "GET http://" + metrics->to_string() + "/metrics: " + why, 5);
  size_t shown = 0;
  size_t from = 0;
  while (from < page->size()) {
    auto nl = page->find('\n', from);
    if (nl == std::string::npos)
      nl = page->size();
    auto line = page->substr(from, nl - from);
    from = nl + 1;
    if (line.empty() || line[0] == '#' || line.find(args[0]) == std::string::npos)
      continue;
    std::printf("%s\n", line.c_str());
    ++shown;
  }
  if (shown == 0)
    return fail("metric", "no series matches '" + args[0] + "'", 3);
  return 0;
}

std::vector<std::string> session::complete(const std::vector<std::string>& before,
                                           const std::string& prefix) {
  std::set<std::string> out;
  auto starts = [&](const std::string& s) { return s.compare(0, prefix.size(), prefix) == 0; };
  if (before.empty()) {
    for (auto& [name, cmd] : commands())
      if (starts(name))
        out.insert(name);
    return {out.begin(), out.end()};
  }
  auto& cmd = before[0];
  static const std::set<std::string> path_commands{"ls",   "cd", "cat",   "get",
                                                   "stat", "rm", "mkdir", "mv"};
  bool remote_path = path_commands.count(cmd) > 0 || (cmd == "put" && before.size() == 2);
  if (remote_path && (cmd != "get" || before.size() == 1)) {
    // Entries of the directory the prefix is in.
    auto slash = prefix.find_last_of('/');
    auto dir_part = slash == std::string::npos ? std::string{} : prefix.substr(0, slash + 1);
    auto c = connection();
    if (!c)
      return {};
    auto entries = c->list(resolve_path(cwd_, dir_part));
    if (!entries)
      return {};
    for (auto& e : *entries) {
      auto name = e.path.substr(e.path.find_last_of('/') + 1);
      auto full = dir_part + name + (e.kind == entry_kind::directory ? "/" : "");
      if (starts(full))
        out.insert(full);
    }
  } else if ((cmd == "send" || cmd == "ask") && before.size() == 1) {
    // Actors of the connected node, then "NODE/ACTOR" for the others.
    auto [node, name] = split_target(prefix);
    auto ep = endpoint_of(node);
    if (!ep || !client_)
      return {};
    if (node.empty())
      for (auto& [id, addr] : nodes_)
        if (starts(id + "/"))
          out.insert(id + "/");
    if (auto list = actors_at(*ep))
      for (auto& a : *list) {
        auto full = node.empty() ? a.name : node + "/" + a.name;
        if (starts(full))
          out.insert(full);
      }
  } else if ((cmd == "send" || cmd == "ask") && before.size() == 2) {
    // The messages the named actor's kind takes.
    auto [node, name] = split_target(before[1]);
    auto ep = endpoint_of(node);
    if (!ep || !client_)
      return {};
    if (auto list = actors_at(*ep))
      for (auto& a : *list)
        if (a.name == name)
          for (auto& spec : catalog())
            if (spec.kind == a.kind && starts(spec.atom))
              out.insert(spec.atom);
  } else if (cmd == "help" && before.size() == 1) {
    for (auto& [name, c] : commands())
      if (starts(name))
        out.insert(name);
    for (auto& spec : catalog())
      if (starts(spec.atom))
        out.insert(spec.atom);
  } else if (cmd == "messages" && before.size() == 1) {
    for (auto& spec : catalog())
      if (starts(spec.kind))
        out.insert(spec.kind);
  } else if ((cmd == "actors" && before.size() == 1) || (cmd == "metric" && before.size() == 2)) {
    load_nodes();
    for (auto& [id, addr] : nodes_)
      if (starts(id))
        out.insert(id);
  } else if (cmd == "watch") {
    std::vector<std::string> rest;
    for (size_t i = 1; i < before.size(); ++i)
      if (before[i] == "-i" || before[i] == "-n")
        ++i;
      else
        rest.push_back(before[i]);
    if (before.back() != "-i" && before.back() != "-n")
      return complete(rest, prefix);
  }
  return {out.begin(), out.end()};
}

}  // namespace dfs::shell
