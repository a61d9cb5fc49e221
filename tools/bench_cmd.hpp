// dfsctl bench: drives a running cluster with the load driver
// (actors/client/load.hpp) and prints throughput, latency percentiles,
// errors by kind, each storage node's share of the reads and the cache
// hit ratio, as text or JSON.
#pragma once

#include <string>
#include <vector>

#include "actors/client/load.hpp"
#include "runtime/config.hpp"

namespace dfs::ctl {

struct bench_args {
  load_options load;
  std::string requests;  // "100000", "1e6"
  std::string duration;  // "30s", "30m"
  std::string size = "4KiB";
  std::string rate;  // requests per second, empty: closed loop
  std::string report_every;
  std::string think;  // mean pause between a user's requests, empty: none
  // Drive only the nodes given, not the other nodes of their cluster.
  bool given_only = false;
};

int bench_cmd(const std::vector<host_port>& endpoints, bench_args args, bool json);

}  // namespace dfs::ctl
