// dfs-shell: an interactive shell for dfs. File commands as in dfsctl
// with a working directory, the cluster's state, and the actors
// themselves: list a node's actors, send any typed message to any of them
// and print the reply, watch a command or a metric.
//
// Interactive on a terminal (libedit: line editing, history kept in
// ~/.dfs_shell_history, tab completion of commands, namespace paths,
// actor and message names). Otherwise it reads commands from -c "cmd;
// cmd" or from standard input, one or more per line, and stops at the
// first that fails, with its exit code (those of dfsctl).
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>

#include <unistd.h>

#include <editline/readline.h>
#include <CLI/CLI.hpp>

#include "tools/cluster.hpp"
#include "tools/shell/session.hpp"
#include "tools/shell/words.hpp"

namespace {

using namespace dfs;
using namespace dfs::shell;

session* current = nullptr;  // for the completion callbacks of libedit

std::vector<std::string> matches;  // of the completion in progress

char* next_match(const char*, int state) {
  if (static_cast<size_t>(state) >= matches.size())
    return nullptr;
  return ::strdup(matches[static_cast<size_t>(state)].c_str());
}

char** complete_line(const char* text, int start, int) {
  rl_attempted_completion_over = 1;  // never fall back to local file names...
  std::string before_text{rl_line_buffer, static_cast<size_t>(start)};
  // Only the command being typed (after the last ';') counts.
  if (auto semi = before_text.find_last_of(';'); semi != std::string::npos)
    before_text = before_text.substr(semi + 1);
  std::string why;
  auto commands = split_commands(before_text, why);
  std::vector<std::string> before = commands.empty() ? std::vector<std::string>{} : commands.back();
  if (before.size() == 1 && before[0] == "put") {
    rl_attempted_completion_over = 0;  // ...except put's local file
    rl_completion_append_character = ' ';
    return nullptr;
  }
  matches = current->complete(before, text);
  // A directory or a node prefix is not a whole word: no space after it.
  rl_completion_append_character =
    matches.size() == 1 && !matches[0].empty() && matches[0].back() == '/' ? '\0' : ' ';
  if (matches.empty())
    return nullptr;
  return rl_completion_matches(text, next_match);
}

void on_interrupt(int) {
  session::interrupted = true;
}

std::string history_file() {
  if (auto env = std::getenv("DFS_SHELL_HISTORY"))
    return env;
  auto home = std::getenv("HOME");
  return std::string{home ? home : "."} + "/.dfs_shell_history";
}

// Runs every command of `line`; the first that fails ends it.
int run_line(session& s, const std::string& line) {
  std::string why;
  auto commands = split_commands(line, why);
  if (!why.empty())
    return fail("syntax", why);
  for (auto& words : commands) {
    if (s.finished())
      break;
    if (int rc = s.run(words); rc != 0)
      return rc;
  }
  return 0;
}

int interactive(session& s) {
  current = &s;
  rl_readline_name = "dfs-shell";
  rl_attempted_completion_function = complete_line;
  rl_basic_word_break_characters = " \t\n\"';";
  auto history = history_file();
  stifle_history(1000);
  read_history(history.c_str());
  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  sigaction(SIGINT, &sa, nullptr);  // Ctrl-C stops a watch, not the shell
  std::cout << "dfs-shell: 'help' lists the commands, Tab completes, Ctrl-D leaves.\n";
  int last = 0;
  while (!s.finished()) {
    session::interrupted = false;
    char* raw = readline(s.prompt().c_str());
    if (!raw && session::interrupted) {
      // Ctrl-C at the prompt: libedit gives up the line; a new prompt.
      std::cout << "\n";
      continue;
    }
    if (!raw) {
      std::cout << "\n";
      break;
    }
    std::string line{raw};
    std::free(raw);
    if (line.find_first_not_of(" \t") == std::string::npos)
      continue;
    add_history(line.c_str());
    write_history(history.c_str());
    last = run_line(s, line);
    std::cout.flush();
  }
  return last;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"dfs-shell: an interactive shell for dfs files, cluster and actors"};
  std::string cluster, commands, timeout = "30s", dir = "./var";
  app.add_option("--cluster", cluster, "HOST:PORT[,HOST:PORT...] of nodes (or DFS_CLUSTER)");
  app.add_option("-c,--command", commands, "run these commands (';'-separated) and leave");
  app.add_option("--timeout", timeout, "deadline of each request (default 30s)");
  app.add_option("--dir", dir, "the local cluster's directory (default ./var)");
  CLI11_PARSE(app, argc, argv);

  if (cluster.empty())
    if (auto env = std::getenv("DFS_CLUSTER"))
      cluster = env;
  std::vector<host_port> endpoints;
  if (cluster.empty()) {
    for (auto& n : ctl::read_cluster(dir))
      endpoints.push_back(n.listen);
  } else {
    std::stringstream in{cluster};
    for (std::string item; std::getline(in, item, ',');) {
      std::string why;
      auto hp = parse_host_port(item, &why);
      if (!hp)
        return fail("--cluster", why);
      endpoints.push_back(*hp);
    }
  }
  if (endpoints.empty())
    return fail("cluster",
                "none given: pass --cluster HOST:PORT, set DFS_CLUSTER, or start one with "
                "'dfsctl cluster up'");
  auto deadline = parse_duration(timeout);
  if (!deadline)
    return fail("--timeout", "expected a duration such as 30s, got '" + timeout + "'");

  session s{endpoints, *deadline};
  if (!commands.empty())
    return run_line(s, commands);
  if (::isatty(STDIN_FILENO))
    return interactive(s);
  std::string line;
  while (!s.finished() && std::getline(std::cin, line))
    if (int rc = run_line(s, line); rc != 0)
      return rc;
  return 0;
}
