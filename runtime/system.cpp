#include "runtime/system.hpp"

#include <caf/io/middleman.hpp>

#include "messages/register.hpp"

namespace dfs {

system_config::system_config(unsigned scheduler_threads) {
  load<caf::io::middleman>();
  register_messages(*this);
  if (scheduler_threads > 0)
    set("scheduler.max-threads", static_cast<size_t>(scheduler_threads));
  // One shared queue whose idle workers block on a condition variable.
  // CAF's default work stealing polls and then sleeps (up to 10 ms once
  // relaxed) before it looks for new work: on a node with one or two
  // scheduler threads that sleep lands on every message's latency (a
  // linearizable read took 1.0 ms at the median instead of 0.4-0.7 ms,
  // docs/measurements.md).
  set("scheduler.policy", caf::atom("sharing"));
  set("logger.file-verbosity", caf::atom("quiet"));
  set("logger.console-verbosity", caf::atom("quiet"));
}

}  // namespace dfs
