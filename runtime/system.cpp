#include "runtime/system.hpp"

#include <caf/io/middleman.hpp>

#include "messages/register.hpp"

namespace dfs {

system_config::system_config(unsigned scheduler_threads) {
  load<caf::io::middleman>();
  register_messages(*this);
  if (scheduler_threads > 0)
    set("scheduler.max-threads", static_cast<size_t>(scheduler_threads));
  set("logger.file-verbosity", caf::atom("quiet"));
  set("logger.console-verbosity", caf::atom("quiet"));
}

}  // namespace dfs
