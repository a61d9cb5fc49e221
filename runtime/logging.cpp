#include "runtime/logging.hpp"

#include <mutex>

#include <spdlog/sinks/stdout_sinks.h>

namespace dfs {

namespace {

std::mutex logging_mutex;
std::string logging_node = "-";
spdlog::level::level_enum logging_level = spdlog::level::info;

std::string pattern() {
  return "%Y-%m-%dT%H:%M:%S.%e %l node=" + logging_node + " actor=%n %v";
}

}  // namespace

void init_logging(const std::string& node_id, const std::string& level) {
  std::lock_guard<std::mutex> guard{logging_mutex};
  logging_node = node_id;
  logging_level = spdlog::level::from_str(level);
  spdlog::set_level(logging_level);
  spdlog::set_pattern(pattern());
}

std::shared_ptr<spdlog::logger> logger_for(const std::string& actor_kind) {
  std::lock_guard<std::mutex> guard{logging_mutex};
  if (auto existing = spdlog::get(actor_kind))
    return existing;
  auto log =
    std::make_shared<spdlog::logger>(actor_kind, std::make_shared<spdlog::sinks::stderr_sink_mt>());
  log->set_pattern(pattern());
  log->set_level(logging_level);
  log->flush_on(spdlog::level::warn);
  spdlog::register_logger(log);
  return log;
}

}  // namespace dfs
