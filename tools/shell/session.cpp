#include "tools/shell/session.hpp"

#include <cstdio>
#include <fstream>
#include <iostream>

#include <sys/stat.h>

#include "actors/meta/path.hpp"
#include "tools/cache_cmds.hpp"
#include "tools/health_cmds.hpp"
#include "tools/output.hpp"
#include "tools/raft_cmds.hpp"
#include "tools/repair_cmds.hpp"
#include "tools/shell/catalog.hpp"
#include "tools/shell/words.hpp"

namespace dfs::shell {

std::atomic<bool> session::interrupted{false};

int fail(const std::string& what, const caf::error& err) {
  std::cerr << "dfs-shell: " << what << ": " << describe(err) << "\n";
  return exit_code(to_errc(err));
}

int fail(const std::string& what, const std::string& why, int code) {
  std::cerr << "dfs-shell: " << what << ": " << why << "\n";
  return code;
}

namespace {

// Splits off the flags in `flags` ("-l", "-r", ...) found among `args`.
std::vector<std::string> take_flags(const std::vector<std::string>& args,
                                    std::initializer_list<const char*> flags,
                                    std::map<std::string, bool>& seen) {
  std::vector<std::string> rest;
  for (auto& a : args) {
    bool flag = false;
    for (auto f : flags)
      if (a == f)
        flag = seen[a] = true;
    if (!flag)
      rest.push_back(a);
  }
  return rest;
}

void print_entry(const file_info& e, bool long_format) {
  bool dir = e.kind == entry_kind::directory;
  if (!long_format) {
    std::printf("%s%s\n", base_name(e.path).c_str(), dir ? "/" : "");
    return;
  }
  std::printf("%c %10s  v%-4llu %s  %s%s\n", dir ? 'd' : '-',
              dir ? "-" : ctl::human_bytes(e.size).c_str(), (unsigned long long)e.version,
              ctl::human_time(e.mtime_ms).c_str(), base_name(e.path).c_str(), dir ? "/" : "");
}

}  // namespace

session::session(std::vector<host_port> endpoints, std::chrono::milliseconds timeout)
  : endpoints_(std::move(endpoints)), timeout_(timeout) {}

session::~session() = default;

const std::map<std::string, session::command>& session::commands() {
  static const std::map<std::string, command> table{
    {"ls", {&session::cmd_ls, "ls [-l] [PATH]", "list a directory (default: the working one)"}},
    {"cd", {&session::cmd_cd, "cd [PATH]", "change the working directory (default /)"}},
    {"pwd", {&session::cmd_pwd, "pwd", "print the working directory"}},
    {"cat", {&session::cmd_cat, "cat PATH", "print a file"}},
    {"put", {&session::cmd_put, "put LOCAL [REMOTE] [-r N]", "store a local file (N replicas)"}},
    {"get", {&session::cmd_get, "get REMOTE [LOCAL]", "fetch a file into a local one"}},
    {"stat", {&session::cmd_stat, "stat PATH", "a file's or directory's record, chunks included"}},
    {"rm", {&session::cmd_rm, "rm [-r] PATH", "remove a file or directory"}},
    {"mkdir", {&session::cmd_mkdir, "mkdir [-p] PATH", "create a directory"}},
    {"mv", {&session::cmd_mv, "mv SRC DST", "rename or move"}},
    {"nodes", {&session::cmd_nodes, "nodes [--json]", "storage nodes: state, chunks, bytes"}},
    {"status", {&session::cmd_status, "status [--json]", "every node's health, load, breakers"}},
    {"raft", {&session::cmd_raft, "raft [--json]", "the Raft group: roles, terms, indexes"}},
    {"cache", {&session::cmd_cache, "cache [--json]", "every cache shard's figures"}},
    {"fsck", {&session::cmd_fsck, "fsck [--json]", "the health of the stored data"}},
    {"actors",
     {&session::cmd_actors, "actors [NODE]", "a node's actors: name, kind, mailbox size"}},
    {"messages",
     {&session::cmd_messages, "messages [KIND]", "the messages each kind of actor takes"}},
    {"send",
     {&session::cmd_send, "send [NODE/]ACTOR MESSAGE ARGS...",
      "send a typed message, not waiting for its reply"}},
    {"ask",
     {&session::cmd_ask, "ask [NODE/]ACTOR MESSAGE ARGS...",
      "send a typed message and print the reply"}},
    {"watch",
     {&session::cmd_watch, "watch [-i SECONDS] [-n TIMES] COMMAND...",
      "run a command again and again (Ctrl-C stops)"}},
    {"metric",
     {&session::cmd_metric, "metric PATTERN [NODE]", "a node's Prometheus series matching"}},
    {"help", {&session::cmd_help, "help [COMMAND|MESSAGE]", "this list, or one entry"}},
    {"exit", {&session::cmd_exit, "exit", "leave the shell"}},
    {"quit", {&session::cmd_exit, "quit", "leave the shell"}},
  };
  return table;
}

int session::run(const std::vector<std::string>& words) {
  if (words.empty())
    return 0;
  auto it = commands().find(words[0]);
  if (it == commands().end())
    return fail(words[0], "unknown command (help lists them)", 2);
  std::vector<std::string> args(words.begin() + 1, words.end());
  return (this->*(it->second.fn))(args);
}

client* session::connection() {
  if (!client_) {
    client_options opts;
    opts.endpoints = endpoints_;
    opts.timeout = timeout_;
    auto c = client::connect(std::move(opts));
    if (!c) {
      fail("connect", c.error());
      return nullptr;
    }
    client_ = std::move(*c);
  }
  return client_.get();
}

std::optional<host_port> session::endpoint_of(const std::string& id) {
  auto c = connection();
  if (!c)
    return std::nullopt;
  if (id.empty())
    return c->endpoint();
  if (nodes_.count(id) == 0)
    load_nodes();
  auto it = nodes_.find(id);
  if (it == nodes_.end())
    return std::nullopt;
  return it->second;
}

void session::load_nodes() {
  auto c = connection();
  if (!c)
    return;
  nodes_ = c->known_nodes(endpoints_);
}

std::vector<host_port> session::cluster_endpoints() {
  load_nodes();
  if (nodes_.empty())
    return endpoints_;
  std::vector<host_port> out;
  for (auto& [id, addr] : nodes_)
    out.push_back(addr);
  return out;
}

std::string session::path_arg(const std::string& word) const {
  return resolve_path(cwd_, word);
}

int session::cmd_ls(const std::vector<std::string>& args) {
  std::map<std::string, bool> flags;
  auto rest = take_flags(args, {"-l"}, flags);
  if (rest.size() > 1)
    return fail("ls", "usage: ls [-l] [PATH]");
  auto path = path_arg(rest.empty() ? "" : rest[0]);
  auto c = connection();
  if (!c)
    return 5;
  auto entries = c->list(path);
  if (!entries)
    return fail("ls " + path, entries.error());
  for (auto& e : *entries)
    print_entry(e, flags["-l"]);
  return 0;
}

int session::cmd_cd(const std::vector<std::string>& args) {
  if (args.size() > 1)
    return fail("cd", "usage: cd [PATH]");
  auto path = args.empty() ? std::string{"/"} : path_arg(args[0]);
  auto c = connection();
  if (!c)
    return 5;
  auto info = c->stat(path);
  if (!info)
    return fail("cd " + path, info.error());
  if (info->kind != entry_kind::directory)
    return fail("cd " + path, "not a directory", exit_code(errc::not_a_directory));
  cwd_ = path;
  return 0;
}

int session::cmd_pwd(const std::vector<std::string>& args) {
  if (!args.empty())
    return fail("pwd", "usage: pwd");
  std::printf("%s\n", cwd_.c_str());
  return 0;
}

int session::cmd_cat(const std::vector<std::string>& args) {
  if (args.size() != 1)
    return fail("cat", "usage: cat PATH");
  auto path = path_arg(args[0]);
  auto c = connection();
  if (!c)
    return 5;
  std::fflush(stdout);
  auto info = c->get(path, std::cout);
  std::cout.flush();
  if (!info)
    return fail("cat " + path, info.error());
  return 0;
}

int session::cmd_put(const std::vector<std::string>& args) {
  std::vector<std::string> rest;
  uint32_t replicas = 0;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "-r" || args[i] == "--replicas") {
      if (i + 1 == args.size())
        return fail("put", "-r needs a number of replicas");
      char* end = nullptr;
      auto n = std::strtoul(args[++i].c_str(), &end, 10);
      if (*end != '\0' || n < 1 || n > 16)
        return fail("put", "-r: expected 1..16 replicas, got '" + args[i] + "'");
      replicas = static_cast<uint32_t>(n);
    } else {
      rest.push_back(args[i]);
    }
  }
  if (rest.empty() || rest.size() > 2)
    return fail("put", "usage: put LOCAL [REMOTE] [-r N]");
  auto& local = rest[0];
  struct stat st;
  if (::stat(local.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
    return fail("put", local + ": not a readable regular file");
  std::ifstream in{local, std::ios::binary};
  if (!in)
    return fail("put", "cannot open " + local);
  auto slash = local.find_last_of('/');
  auto name = slash == std::string::npos ? local : local.substr(slash + 1);
  auto remote = rest.size() == 2 ? path_arg(rest[1]) : path_arg(name);
  auto c = connection();
  if (!c)
    return 5;
  auto info = c->put(in, remote, replicas, static_cast<uint64_t>(st.st_size));
  if (!info)
    return fail("put " + remote, info.error());
  std::printf("%s -> %s: %s in %zu chunk%s, version %llu\n", local.c_str(), info->path.c_str(),
              ctl::human_bytes(info->size).c_str(), info->chunks.size(),
              info->chunks.size() == 1 ? "" : "s", (unsigned long long)info->version);
  return 0;
}

int session::cmd_get(const std::vector<std::string>& args) {
  if (args.empty() || args.size() > 2)
    return fail("get", "usage: get REMOTE [LOCAL]");
  auto remote = path_arg(args[0]);
  auto local = args.size() == 2 ? args[1] : base_name(remote);
  if (local.empty() || remote == "/")
    return fail("get", "give a local file name for " + remote);
  auto c = connection();
  if (!c)
    return 5;
  // Written beside the target and renamed at the end: a failed get
  // leaves no partial file behind.
  auto partial = local + ".dfs-partial";
  caf::expected<file_info> info{caf::error{}};
  {
    std::ofstream out{partial, std::ios::binary | std::ios::trunc};
    if (!out)
      return fail("get", "cannot write " + partial);
    info = c->get(remote, out);
    out.close();
    if (info && !out)
      info = make_error(errc::io_error, "writing " + partial + " failed");
  }
  if (!info || std::rename(partial.c_str(), local.c_str()) != 0) {
    std::remove(partial.c_str());
    return fail("get " + remote,
                info ? make_error(errc::io_error, "cannot rename " + partial) : info.error());
  }
  std::printf("%s -> %s: %s\n", info->path.c_str(), local.c_str(),
              ctl::human_bytes(info->size).c_str());
  return 0;
}

int session::cmd_stat(const std::vector<std::string>& args) {
  if (args.size() != 1)
    return fail("stat", "usage: stat PATH");
  auto path = path_arg(args[0]);
  auto c = connection();
  if (!c)
    return 5;
  auto info = c->stat(path);
  if (!info)
    return fail("stat " + path, info.error());
  bool dir = info->kind == entry_kind::directory;
  std::printf("path:        %s\ntype:        %s\n", info->path.c_str(), dir ? "directory" : "file");
  if (!dir) {
    std::printf("size:        %llu bytes (%s)\nversion:     %llu\nreplication: %u\n",
                (unsigned long long)info->size, ctl::human_bytes(info->size).c_str(),
                (unsigned long long)info->version, info->replication);
    for (size_t i = 0; i < info->chunks.size(); ++i) {
      auto& ch = info->chunks[i];
      std::string where;
      for (auto& n : ch.replicas)
        where += (where.empty() ? "" : ",") + n.value;
      std::printf("chunk %-5zu %s  %s  on %s\n", i, ch.id.value.c_str(),
                  ctl::human_bytes(ch.length).c_str(), where.c_str());
    }
  }
  std::printf("modified:    %s UTC\n", ctl::human_time(info->mtime_ms).c_str());
  return 0;
}

int session::cmd_rm(const std::vector<std::string>& args) {
  std::map<std::string, bool> flags;
  auto rest = take_flags(args, {"-r"}, flags);
  if (rest.size() != 1)
    return fail("rm", "usage: rm [-r] PATH");
  auto path = path_arg(rest[0]);
  if (path == "/")
    return fail("rm", "the root cannot be removed");
  auto c = connection();
  if (!c)
    return 5;
  if (auto err = c->remove(path, flags["-r"]))
    return fail("rm " + path, err);
  return 0;
}

int session::cmd_mkdir(const std::vector<std::string>& args) {
  std::map<std::string, bool> flags;
  auto rest = take_flags(args, {"-p"}, flags);
  if (rest.size() != 1)
    return fail("mkdir", "usage: mkdir [-p] PATH");
  auto path = path_arg(rest[0]);
  auto c = connection();
  if (!c)
    return 5;
  if (auto r = c->mkdir(path, flags["-p"]); !r)
    return fail("mkdir " + path, r.error());
  return 0;
}

int session::cmd_mv(const std::vector<std::string>& args) {
  if (args.size() != 2)
    return fail("mv", "usage: mv SRC DST");
  auto src = path_arg(args[0]);
  auto dst = path_arg(args[1]);
  auto c = connection();
  if (!c)
    return 5;
  auto r = c->move(src, dst);
  if (!r)
    return fail("mv " + src, r.error());
  std::printf("%s -> %s\n", src.c_str(), r->path.c_str());
  return 0;
}

// The cluster commands: dfsctl's own, over every node; they take only --json.
int session::cluster_command(const std::string& name, const std::vector<std::string>& args,
                             int (*fn)(const std::vector<host_port>&, bool)) {
  bool json = false;
  for (auto& a : args) {
    if (a != "--json")
      return fail(name, "usage: " + name + " [--json]");
    json = true;
  }
  return fn(cluster_endpoints(), json);
}

int session::cmd_nodes(const std::vector<std::string>& args) {
  return cluster_command("nodes", args, ctl::node_list_cmd);
}

int session::cmd_status(const std::vector<std::string>& args) {
  return cluster_command("status", args, ctl::cluster_status);
}

int session::cmd_raft(const std::vector<std::string>& args) {
  return cluster_command("raft", args, ctl::raft_status_cmd);
}

int session::cmd_cache(const std::vector<std::string>& args) {
  return cluster_command("cache", args, ctl::cache_stats_cmd);
}

int session::cmd_fsck(const std::vector<std::string>& args) {
  return cluster_command("fsck", args, ctl::fsck_cmd);
}

int session::cmd_help(const std::vector<std::string>& args) {
  if (args.size() > 1)
    return fail("help", "usage: help [COMMAND|MESSAGE]");
  if (args.empty()) {
    for (auto& [name, cmd] : commands())
      if (name != "quit")
        std::printf("  %-42s %s\n", cmd.usage.c_str(), cmd.help.c_str());
    std::printf(
      "Paths are relative to the working directory. Commands may be joined with ';'.\n"
      "'messages' lists what each kind of actor takes; 'help MESSAGE' shows one.\n");
    return 0;
  }
  bool found = false;
  if (auto it = commands().find(args[0]); it != commands().end()) {
    std::printf("%s\n  %s\n", it->second.usage.c_str(), it->second.help.c_str());
    found = true;
  }
  found = help_message(args[0]) || found;
  return found ? 0 : fail("help", "no command or message named '" + args[0] + "'", 3);
}

int session::cmd_exit(const std::vector<std::string>&) {
  finished_ = true;
  return 0;
}

}  // namespace dfs::shell
