// spdlog set-up: one logger per actor kind, every line carrying the node id
// and the actor name, fields written as key=value.
#pragma once

#include <memory>
#include <string>

#include <spdlog/spdlog.h>

namespace dfs {

// Configures the shared sink (stderr) and level for this process. Safe to
// call again (tests); the node id appears on every line.
void init_logging(const std::string& node_id, const std::string& level);

// The logger of one actor kind ("gateway", "replica", ...), created on first use.
std::shared_ptr<spdlog::logger> logger_for(const std::string& actor_kind);

}  // namespace dfs
