#include "runtime/config.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include <toml++/toml.h>

namespace dfs {

namespace {

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos)
    return {};
  auto e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in{text};
  std::string item;
  while (std::getline(in, item, ','))
    if (auto t = trim(item); !t.empty())
      out.push_back(t);
  return out;
}

std::optional<uint64_t> parse_uint(const std::string& text) {
  if (text.empty() || text.size() > 19)
    return std::nullopt;
  uint64_t v = 0;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c)))
      return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

// Splits "123unit" into its number and unit.
bool split_number(const std::string& text, uint64_t& number, std::string& unit) {
  auto t = trim(text);
  size_t i = 0;
  while (i < t.size() && std::isdigit(static_cast<unsigned char>(t[i])))
    ++i;
  auto n = parse_uint(t.substr(0, i));
  if (!n)
    return false;
  number = *n;
  unit = trim(t.substr(i));
  return true;
}

using setter = std::function<std::string(node_config&, const std::string&)>;

std::string fmt_number(double d) {
  std::ostringstream out;
  out << d;
  return out.str();
}

struct key_spec {
  const char* name;
  const char* help;
  setter set;
};

std::string set_host_port(host_port& out, const std::string& v) {
  std::string why;
  auto hp = parse_host_port(v, &why);
  if (!hp)
    return why;
  out = *hp;
  return {};
}

template <class T>
setter bytes_in_range(T node_config::*field, uint64_t lo, uint64_t hi) {
  return [=](node_config& c, const std::string& v) -> std::string {
    auto n = parse_bytes(v);
    if (!n)
      return "expected a size such as 4194304 or 4MiB, got '" + v + "'";
    if (*n < lo || *n > hi)
      return "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + " bytes";
    c.*field = static_cast<T>(*n);
    return {};
  };
}

template <class T>
setter count_in_range(T node_config::*field, uint64_t lo, uint64_t hi) {
  return [=](node_config& c, const std::string& v) -> std::string {
    auto n = parse_uint(trim(v));
    if (!n || *n < lo || *n > hi)
      return "expected a whole number from " + std::to_string(lo) + " to " + std::to_string(hi) +
             ", got '" + v + "'";
    c.*field = static_cast<T>(*n);
    return {};
  };
}

setter decimal_in_range(double node_config::*field, double lo, double hi) {
  return [=](node_config& c, const std::string& v) -> std::string {
    auto t = trim(v);
    char* end = nullptr;
    double d = t.empty() ? 0 : std::strtod(t.c_str(), &end);
    if (t.empty() || end != t.c_str() + t.size() || !(d >= lo && d <= hi))
      return "expected a number from " + fmt_number(lo) + " to " + fmt_number(hi) + ", got '" + v +
             "'";
    c.*field = d;
    return {};
  };
}

setter flag(bool node_config::*field) {
  return [=](node_config& c, const std::string& v) -> std::string {
    if (v != "true" && v != "false")
      return "expected true or false, got '" + v + "'";
    c.*field = v == "true";
    return {};
  };
}

setter duration_in_range(std::chrono::milliseconds node_config::*field,
                         std::chrono::milliseconds lo) {
  return [=](node_config& c, const std::string& v) -> std::string {
    auto d = parse_duration(v);
    if (!d)
      return "expected a duration such as 500ms, 30s or 5m, got '" + v + "'";
    if (*d < lo)
      return "must be at least " + std::to_string(lo.count()) + "ms";
    c.*field = *d;
    return {};
  };
}

const std::vector<key_spec>& key_specs() {
  static const std::vector<key_spec> specs{
    {"node_id", "unique name of this node: letters, digits, '-' and '_', up to 64",
     [](node_config& c, const std::string& v) -> std::string {
       if (!valid_node_id(v))
         return "expected 1-64 letters, digits, '-' or '_', got '" + v + "'";
       c.node_id = v;
       return {};
     }},
    {"listen", "host:port the node agent is published on",
     [](node_config& c, const std::string& v) { return set_host_port(c.listen, v); }},
    {"data_dir", "directory holding chunks and metadata",
     [](node_config& c, const std::string& v) -> std::string {
       if (trim(v).empty())
         return "must not be empty";
       c.data_dir = v;
       return {};
     }},
    {"peers", "comma-separated id@host:port of the other nodes",
     [](node_config& c, const std::string& v) -> std::string {
       std::vector<peer_address> peers;
       for (auto& item : split_list(v)) {
         std::string why;
         auto p = parse_peer(item, &why);
         if (!p)
           return why;
         peers.push_back(*p);
       }
       c.peers = std::move(peers);
       return {};
     }},
    {"voters",
     "comma-separated node ids of a new cluster's Raft group (default: this node and "
     "every peer)",
     [](node_config& c, const std::string& v) -> std::string {
       auto ids = split_list(v);
       for (auto& id : ids)
         if (!valid_node_id(id))
           return "expected node ids, got '" + id + "'";
       c.voters = std::move(ids);
       return {};
     }},
    {"roles", "comma-separated subset of meta, storage, cache, gateway, monitor",
     [](node_config& c, const std::string& v) -> std::string {
       auto roles = split_list(v);
       if (roles.empty())
         return "at least one role is needed";
       for (auto& r : roles)
         if (std::find(all_roles().begin(), all_roles().end(), r) == all_roles().end())
           return "unknown role '" + r + "' (known: meta, storage, cache, gateway, monitor)";
       c.roles = std::move(roles);
       return {};
     }},
    {"metrics", "host:port of the Prometheus /metrics endpoint",
     [](node_config& c, const std::string& v) { return set_host_port(c.metrics, v); }},
    {"chunk_size", "bytes per chunk (64KiB to 64MiB)",
     bytes_in_range(&node_config::chunk_size, 64ull << 10, 64ull << 20)},
    {"replication", "replicas per chunk for new files (1 to 16)",
     count_in_range(&node_config::replication, 1, 16)},
    {"cache_bytes", "memory budget of the chunk cache",
     bytes_in_range(&node_config::cache_bytes, 0, 1ull << 40)},
    {"cache_shards", "cache shard actors the cache is split into (1 to 256)",
     count_in_range(&node_config::cache_shards, 1, 256)},
    {"cache_policy",
     "replacement policy of the cache: hybrid, lru, lfu, arc, s3-fifo, w-tinylfu "
     "or seed-hybrid",
     [](node_config& c, const std::string& v) -> std::string {
       for (const char* p : {"hybrid", "lru", "lfu", "arc", "s3-fifo", "w-tinylfu", "seed-hybrid"})
         if (v == p) {
           c.cache_policy = v;
           return {};
         }
       return "unknown policy '" + v + "'";
     }},
    {"scheduler_threads", "CAF scheduler threads (1 to 256)",
     count_in_range(&node_config::scheduler_threads, 1, 256)},
    {"io_threads", "disk I/O threads of the replica manager (1 to 64)",
     count_in_range(&node_config::io_threads, 1, 64)},
    {"request_timeout", "default deadline of a request",
     duration_in_range(&node_config::request_timeout, std::chrono::milliseconds{10})},
    {"upload_timeout", "an upload idle this long is abandoned",
     duration_in_range(&node_config::upload_timeout, std::chrono::milliseconds{1000})},
    {"failure_domain",
     "rack or zone of this node: replicas of a chunk go to distinct domains when possible "
     "(empty: the node is its own domain)",
     [](node_config& c, const std::string& v) -> std::string {
       if (!v.empty() && !valid_node_id(v))
         return "expected letters, digits, '-' and '_', got '" + v + "'";
       c.failure_domain = v;
       return {};
     }},
    {"dead_after",
     "a storage node unreachable this long is marked dead and its chunks re-replicated",
     duration_in_range(&node_config::dead_after, std::chrono::milliseconds{1000})},
    {"heartbeat_interval",
     "how often a node's health monitor sends its load to every peer (at least 50ms)",
     duration_in_range(&node_config::heartbeat_interval, std::chrono::milliseconds{50})},
    {"suspect_phi",
     "suspicion (phi) at which a silent peer counts as suspect: read last, given no new "
     "chunks (0.5 to 100)",
     decimal_in_range(&node_config::suspect_phi, 0.5, 100)},
    {"dead_phi",
     "suspicion (phi) at which a silent peer counts as down; marked dead through Raft once "
     "down for dead_after (1 to 1000, above suspect_phi)",
     decimal_in_range(&node_config::dead_phi, 1, 1000)},
    {"max_in_flight",
     "client requests a gateway serves at once; past it new ones are refused at once as "
     "overloaded, with a retry-after (1 to 1000000)",
     count_in_range(&node_config::max_in_flight, 1, 1000000)},
    {"client_rate",
     "requests per second a gateway admits from one client (token bucket; 0: no limit)",
     decimal_in_range(&node_config::client_rate, 0, 1e9)},
    {"client_burst", "requests one client may send at once above its rate (0: one second's worth)",
     decimal_in_range(&node_config::client_burst, 0, 1e9)},
    {"breaker_failures",
     "failures in a row after which a gateway stops reading from a storage node for a "
     "cool-down (1 to 1000)",
     count_in_range(&node_config::breaker_failures, 1, 1000)},
    {"breaker_cool_down", "how long an open circuit breaker keeps a node out before probing it",
     duration_in_range(&node_config::breaker_cool_down, std::chrono::milliseconds{10})},
    {"repair_interval", "how often the Raft leader scans nodes and chunks for repairs",
     duration_in_range(&node_config::repair_interval, std::chrono::milliseconds{100})},
    {"repair_concurrency", "chunk copies the repair manager keeps in flight (1 to 1024)",
     count_in_range(&node_config::repair_concurrency, 1, 1024)},
    {"repair_rate", "bytes per second of chunk copies the repair manager starts (0: unlimited)",
     bytes_in_range(&node_config::repair_rate, 0, 1ull << 40)},
    {"gc_grace",
     "a chunk copy no file references is deleted after this long (writes must commit within "
     "half of it)",
     duration_in_range(&node_config::gc_grace, std::chrono::milliseconds{1000})},
    {"write_budget",
     "bytes of chunk data a gateway holds for writes in flight; past it writes are refused "
     "as overloaded and clients retry (at least 64MiB)",
     bytes_in_range(&node_config::write_budget, 64ull << 20, 1ull << 40)},
    {"read_budget",
     "bytes of chunk data a gateway holds for reads in flight; past it reads are refused "
     "as overloaded and clients retry (at least 64MiB)",
     bytes_in_range(&node_config::read_budget, 64ull << 20, 1ull << 40)},
    {"write_batches",
     "batches of small chunk writes (up to 64 KiB each) a gateway keeps in flight; writes "
     "arriving meanwhile wait for the next batch (0: every chunk written alone; up to 64)",
     count_in_range(&node_config::write_batches, 0, 64)},
    {"scrub_rate",
     "bytes per second the scrubber re-reads and verifies, a chunk counting as at least 64 KiB (0: "
     "off)",
     bytes_in_range(&node_config::scrub_rate, 0, 1ull << 40)},
    {"pack_limit",
     "chunks up to this size are appended to pack files, larger ones get a file each (0: every "
     "chunk its own file; at most 4MiB)",
     bytes_in_range(&node_config::pack_limit, 0, 4ull << 20)},
    {"join",
     "true: join a running cluster (added with `dfsctl node add`) instead of bootstrapping "
     "a new one with the voters",
     flag(&node_config::join)},
    {"cache_prefault",
     "true: the cache's memory (up to 1 GiB) is faulted in when the node starts; the node "
     "holds it from then on, and fills do not wait for the kernel to hand out pages",
     flag(&node_config::cache_prefault)},
    {"raft_lease_reads",
     "true: the Raft leader serves reads by its lease, without a heartbeat round each "
     "(relies on clocks running at nearly the same rate)",
     flag(&node_config::raft_lease_reads)},
    {"raft_compact_after",
     "compact the Raft log into a snapshot past this many entries (0: never; up to 10^9)",
     count_in_range(&node_config::raft_compact_after, 0, 1000000000)},
    {"log_level", "trace, debug, info, warn or error",
     [](node_config& c, const std::string& v) -> std::string {
       static const std::vector<std::string> levels{"trace", "debug", "info", "warn", "error"};
       if (std::find(levels.begin(), levels.end(), v) == levels.end())
         return "expected trace, debug, info, warn or error, got '" + v + "'";
       c.log_level = v;
       return {};
     }},
  };
  return specs;
}

// Renders a TOML value as the textual form set_config_key takes.
std::optional<std::string> toml_to_text(const toml::node& node) {
  if (auto s = node.as_string())
    return s->get();
  if (auto i = node.as_integer()) {
    if (i->get() < 0)
      return std::nullopt;
    return std::to_string(i->get());
  }
  if (auto f = node.as_floating_point())
    return fmt_number(f->get());
  if (auto b = node.as_boolean())
    return b->get() ? "true" : "false";
  if (auto arr = node.as_array()) {
    std::string out;
    for (auto& item : *arr) {
      auto s = item.as_string();
      if (!s)
        return std::nullopt;
      if (!out.empty())
        out += ",";
      out += s->get();
    }
    return out;
  }
  return std::nullopt;
}

}  // namespace

std::optional<host_port> parse_host_port(const std::string& text, std::string* why) {
  auto fail = [&](std::string reason) -> std::optional<host_port> {
    if (why)
      *why = std::move(reason);
    return std::nullopt;
  };
  auto t = trim(text);
  auto colon = t.rfind(':');
  if (colon == std::string::npos || colon == 0)
    return fail("expected host:port, got '" + text + "'");
  auto port = parse_uint(t.substr(colon + 1));
  if (!port || *port > 65535)
    return fail("bad port in '" + text + "'");
  return host_port{t.substr(0, colon), static_cast<uint16_t>(*port)};
}

std::optional<uint64_t> parse_bytes(const std::string& text) {
  uint64_t n = 0;
  std::string unit;
  if (!split_number(text, n, unit))
    return std::nullopt;
  static const std::map<std::string, uint64_t> units{{"", 1},
                                                     {"B", 1},
                                                     {"KiB", 1ull << 10},
                                                     {"MiB", 1ull << 20},
                                                     {"GiB", 1ull << 30},
                                                     {"TiB", 1ull << 40},
                                                     {"KB", 1000},
                                                     {"MB", 1000000},
                                                     {"GB", 1000000000}};
  auto it = units.find(unit);
  if (it == units.end() || n > (UINT64_MAX / it->second))
    return std::nullopt;
  return n * it->second;
}

std::optional<std::chrono::milliseconds> parse_duration(const std::string& text) {
  uint64_t n = 0;
  std::string unit;
  if (!split_number(text, n, unit) || n > (1ull << 40))
    return std::nullopt;
  static const std::map<std::string, int64_t> units{
    {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}};
  auto it = units.find(unit);
  if (it == units.end())
    return std::nullopt;
  return std::chrono::milliseconds{static_cast<int64_t>(n) * it->second};
}

bool valid_node_id(const std::string& v) {
  return !v.empty() && v.size() <= 64 && std::all_of(v.begin(), v.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_';
  });
}

std::optional<peer_address> parse_peer(const std::string& text, std::string* why) {
  auto at = text.find('@');
  if (at == std::string::npos) {
    if (why)
      *why = "expected id@host:port, got '" + text + "'";
    return std::nullopt;
  }
  peer_address out;
  out.id = trim(text.substr(0, at));
  if (!valid_node_id(out.id)) {
    if (why)
      *why = "expected a node id before '@', got '" + out.id + "'";
    return std::nullopt;
  }
  auto hp = parse_host_port(trim(text.substr(at + 1)), why);
  if (!hp)
    return std::nullopt;
  out.addr = *hp;
  return out;
}

std::vector<std::string> node_config::raft_voters() const {
  if (join)
    return {};
  if (!voters.empty())
    return voters;
  std::vector<std::string> out{node_id};
  for (auto& p : peers)
    out.push_back(p.id);
  std::sort(out.begin(), out.end());
  return out;
}

std::string check_config(const node_config& cfg) {
  std::vector<std::string> known{cfg.node_id};
  for (auto& p : cfg.peers) {
    if (std::find(known.begin(), known.end(), p.id) != known.end())
      return "key 'peers': node id '" + p.id + "' appears twice (or is this node's own id)";
    known.push_back(p.id);
  }
  if (cfg.join && !cfg.voters.empty())
    return "keys 'join' and 'voters': a joining node learns the voters from the cluster";
  if (cfg.has_role("meta") && !cfg.join) {
    auto voters = cfg.raft_voters();
    if (std::find(voters.begin(), voters.end(), cfg.node_id) == voters.end())
      return "key 'voters': a meta node must be one of the voters it bootstraps with";
    for (auto& v : voters)
      if (std::find(known.begin(), known.end(), v) == known.end())
        return "key 'voters': '" + v + "' is neither this node nor a peer";
  }
  if (cfg.dead_phi <= cfg.suspect_phi)
    return "keys 'suspect_phi' and 'dead_phi': dead_phi must be above suspect_phi";
  return {};
}

bool node_config::has_role(const std::string& role) const {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

std::string set_config_key(node_config& cfg, const std::string& key, const std::string& value) {
  for (auto& spec : key_specs())
    if (key == spec.name) {
      auto why = spec.set(cfg, value);
      return why.empty() ? why : "key '" + key + "': " + why;
    }
  return "unknown key '" + key + "'";
}

const std::vector<config_key_doc>& config_keys() {
  static const std::vector<config_key_doc> docs = [] {
    std::vector<config_key_doc> out;
    for (auto& spec : key_specs())
      out.push_back({spec.name, spec.help});
    return out;
  }();
  return docs;
}

std::string load_config_text(node_config& cfg, const std::string& text, const std::string& origin) {
  toml::table table;
  try {
    table = toml::parse(text, origin);
  } catch (const toml::parse_error& err) {
    std::ostringstream out;
    out << origin << ":" << err.source().begin.line << ": " << err.description();
    return out.str();
  }
  for (auto& [key, node] : table) {
    auto name = std::string{key.str()};
    auto value = toml_to_text(node);
    if (!value)
      return origin + ": key '" + name +
             "': expected a string, a non-negative integer or a list of strings";
    if (auto why = set_config_key(cfg, name, *value); !why.empty())
      return origin + ": " + why;
  }
  return {};
}

std::string load_config_file(node_config& cfg, const std::string& path) {
  std::ifstream in{path};
  if (!in)
    return "cannot read config file '" + path + "'";
  std::stringstream buf;
  buf << in.rdbuf();
  return load_config_text(cfg, buf.str(), path);
}

std::string to_toml(const node_config& cfg) {
  auto list = [](const std::vector<std::string>& xs) {
    toml::array arr;
    for (auto& x : xs)
      arr.push_back(x);
    return arr;
  };
  std::vector<std::string> peers;
  for (auto& p : cfg.peers)
    peers.push_back(p.to_string());
  auto ms = [](std::chrono::milliseconds d) { return std::to_string(d.count()) + "ms"; };
  toml::table t;
  t.insert("node_id", cfg.node_id);
  t.insert("listen", cfg.listen.to_string());
  t.insert("data_dir", cfg.data_dir);
  t.insert("peers", list(peers));
  t.insert("voters", list(cfg.voters));
  t.insert("join", cfg.join);
  t.insert("roles", list(cfg.roles));
  t.insert("metrics", cfg.metrics.to_string());
  t.insert("chunk_size", static_cast<int64_t>(cfg.chunk_size));
  t.insert("replication", static_cast<int64_t>(cfg.replication));
  t.insert("cache_bytes", static_cast<int64_t>(cfg.cache_bytes));
  t.insert("cache_shards", static_cast<int64_t>(cfg.cache_shards));
  t.insert("cache_policy", cfg.cache_policy);
  t.insert("cache_prefault", cfg.cache_prefault);
  t.insert("scheduler_threads", static_cast<int64_t>(cfg.scheduler_threads));
  t.insert("io_threads", static_cast<int64_t>(cfg.io_threads));
  t.insert("request_timeout", ms(cfg.request_timeout));
  t.insert("upload_timeout", ms(cfg.upload_timeout));
  t.insert("failure_domain", cfg.failure_domain);
  t.insert("dead_after", ms(cfg.dead_after));
  t.insert("heartbeat_interval", ms(cfg.heartbeat_interval));
  t.insert("suspect_phi", cfg.suspect_phi);
  t.insert("dead_phi", cfg.dead_phi);
  t.insert("max_in_flight", static_cast<int64_t>(cfg.max_in_flight));
  t.insert("client_rate", cfg.client_rate);
  t.insert("client_burst", cfg.client_burst);
  t.insert("breaker_failures", static_cast<int64_t>(cfg.breaker_failures));
  t.insert("breaker_cool_down", ms(cfg.breaker_cool_down));
  t.insert("repair_interval", ms(cfg.repair_interval));
  t.insert("repair_concurrency", static_cast<int64_t>(cfg.repair_concurrency));
  t.insert("repair_rate", static_cast<int64_t>(cfg.repair_rate));
  t.insert("gc_grace", ms(cfg.gc_grace));
  t.insert("scrub_rate", static_cast<int64_t>(cfg.scrub_rate));
  t.insert("pack_limit", static_cast<int64_t>(cfg.pack_limit));
  t.insert("write_budget", static_cast<int64_t>(cfg.write_budget));
  t.insert("read_budget", static_cast<int64_t>(cfg.read_budget));
  t.insert("write_batches", static_cast<int64_t>(cfg.write_batches));
  t.insert("raft_compact_after", static_cast<int64_t>(cfg.raft_compact_after));
  t.insert("raft_lease_reads", cfg.raft_lease_reads);
  t.insert("log_level", cfg.log_level);
  std::ostringstream out;
  out << t << "\n";
  return out.str();
}

}  // namespace dfs
