// A dfs-shell session: the connection to the cluster, the working
// directory, and every command the shell knows. Interactive or not, each
// command line goes through run(); the line editor asks complete() for
// tab completion.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "actors/client/client.hpp"

namespace dfs::shell {

class session {
public:
  session(std::vector<host_port> endpoints, std::chrono::milliseconds timeout);
  ~session();

  // Runs one command; returns its exit code (0: success; the codes of
  // dfsctl otherwise). Errors go to stderr, results to stdout.
  int run(const std::vector<std::string>& words);

  // True once `exit` or `quit` ran.
  bool finished() const { return finished_; }
  std::string prompt() const { return "dfs:" + cwd_ + "> "; }

  // Completions of `prefix`, the word after `before` on the line:
  // commands, paths in the namespace, actor names, message names.
  std::vector<std::string> complete(const std::vector<std::string>& before,
                                    const std::string& prefix);

  // Set (by a SIGINT handler) to stop a running `watch`.
  static std::atomic<bool> interrupted;

private:
  using handler = int (session::*)(const std::vector<std::string>& args);
  struct command {
    handler fn;
    std::string usage;
    std::string help;
  };
  static const std::map<std::string, command>& commands();

  // The connection, opened at the first command that needs it.
  client* connection();
  // Where node `id` listens ("" or the connected node's id: the node this
  // shell is connected to); empty when unknown.
  std::optional<host_port> endpoint_of(const std::string& id);
  // The actors of the node at `ep`; see actor_cmds.cpp.
  caf::expected<std::vector<actor_entry>> actors_at(const host_port& ep);
  // Reads the node table (id -> endpoint) through any endpoint that answers.
  void load_nodes();
  // Every node's endpoint (the cluster commands ask them all).
  std::vector<host_port> cluster_endpoints();
  std::string path_arg(const std::string& word) const;

  // files (session.cpp)
  int cmd_ls(const std::vector<std::string>& args);
  int cmd_cd(const std::vector<std::string>& args);
  int cmd_pwd(const std::vector<std::string>& args);
  int cmd_cat(const std::vector<std::string>& args);
  int cmd_put(const std::vector<std::string>& args);
  int cmd_get(const std::vector<std::string>& args);
  int cmd_stat(const std::vector<std::string>& args);
  int cmd_rm(const std::vector<std::string>& args);
  int cmd_mkdir(const std::vector<std::string>& args);
  int cmd_mv(const std::vector<std::string>& args);
  // the cluster, as dfsctl shows it (session.cpp)
  int cmd_nodes(const std::vector<std::string>& args);
  int cmd_status(const std::vector<std::string>& args);
  int cmd_raft(const std::vector<std::string>& args);
  int cmd_cache(const std::vector<std::string>& args);
  int cmd_fsck(const std::vector<std::string>& args);
  int cluster_command(const std::string& name, const std::vector<std::string>& args,
                      int (*fn)(const std::vector<host_port>&, bool));
  int cmd_help(const std::vector<std::string>& args);
  int cmd_exit(const std::vector<std::string>& args);
  // actors (actor_cmds.cpp)
  int cmd_actors(const std::vector<std::string>& args);
  int cmd_messages(const std::vector<std::string>& args);
  int cmd_send(const std::vector<std::string>& args);
  int cmd_ask(const std::vector<std::string>& args);
  int cmd_watch(const std::vector<std::string>& args);
  int cmd_metric(const std::vector<std::string>& args);
  // send and ask: `wait` for the reply or not.
  int message_actor(const std::vector<std::string>& args, bool wait);
  // `help NAME` for a message name: its signatures on every actor kind.
  bool help_message(const std::string& atom);

  std::vector<host_port> endpoints_;
  std::chrono::milliseconds timeout_;
  std::unique_ptr<client> client_;
  std::map<std::string, host_port> nodes_;  // id -> agent endpoint, from the node table
  std::string cwd_ = "/";
  bool finished_ = false;
};

// Prints an error "dfs-shell: WHAT: ERROR" and returns its exit code.
int fail(const std::string& what, const caf::error& err);
int fail(const std::string& what, const std::string& why, int code = 2);

}  // namespace dfs::shell
