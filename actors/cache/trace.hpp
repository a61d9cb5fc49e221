// Request traces for the cache simulator: two text formats read from a
// stream, and seeded synthetic generators. Pure: the caller opens files.
//
// Generator specs (KEYS distinct keys, REQS requests; defaults 100000 and
// 1000000):
//   zipf:ALPHA[:KEYS[:REQS]]      rank r drawn with probability ~ r^-ALPHA
//   hotcold:HOT/COLD[:KEYS[:REQS]] HOT% of requests go uniformly to COLD% of
//                                  the keys, the rest uniformly to the others
//   shift:EVERY[:KEYS[:REQS]]     Zipf 0.9 whose popular keys are redrawn
//                                  every EVERY requests, with a one-time scan
//                                  of KEYS/10 never-repeated keys halfway
//                                  between two shifts
//   loop:LEN[:REQS]                keys 0..LEN-1 in a cycle
#pragma once

#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <vector>

#include "actors/cache/policy.hpp"

namespace dfs::cache {

struct request {
  key k = 0;
  std::uint64_t bytes = 1;
};

// The ARC `.lis` format: "START COUNT IGNORED REQNO" per line; each line
// touches blocks START..START+COUNT-1, one unit-size request each.
// Returns nullopt and sets `error` (with the line number) on a bad line.
std::optional<std::vector<request>> parse_lis(std::istream& in, std::string& error);

// One request per line: "KEY [BYTES]". A decimal KEY is used as it is;
// any other token is hashed. BYTES defaults to 1.
std::optional<std::vector<request>> parse_keys(std::istream& in, std::string& error);

// Generates the trace described by `spec` (see above) from `seed`.
std::optional<std::vector<request>> generate(const std::string& spec, std::uint64_t seed,
                                             std::string& error);

// Gives every key a size from a heavy-tailed distribution fixed by the key
// and `seed`: log-uniform from 1 KiB to 1 MiB, the same size each time a
// key appears. For byte hit rates.
void assign_mixed_sizes(std::vector<request>& trace, std::uint64_t seed);

struct trace_stats {
  std::uint64_t requests = 0;
  std::uint64_t distinct = 0;        // distinct keys
  std::uint64_t distinct_bytes = 0;  // sum of each distinct key's size
};

trace_stats stats_of(const std::vector<request>& trace);

}  // namespace dfs::cache
