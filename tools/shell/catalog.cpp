#include "tools/shell/catalog.hpp"

#include <cxxabi.h>
#include <cstdlib>
#include <map>
#include <memory>
#include <tuple>
#include <typeinfo>
#include <utility>

#include <caf/deep_to_string.hpp>
#include <caf/send.hpp>

#include "messages/errc.hpp"
#include "messages/handles.hpp"
#include "runtime/config.hpp"
#include "tools/output.hpp"

namespace dfs::shell {

namespace {

// --- types: their names, and how to read one from a word -----------------

std::string demangled(const std::type_info& t) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> name{
    abi::__cxa_demangle(t.name(), nullptr, nullptr, &status), std::free};
  std::string out = status == 0 ? name.get() : t.name();
  for (auto prefix : {std::string{"dfs::"}, std::string{"std::"}})
    for (size_t at; (at = out.find(prefix)) != std::string::npos;)
      out.erase(at, prefix.size());
  return out;
}

// A field type the user cannot type in (bytes, actor handles, Raft
// messages): named, never parsed.
template <class T>
struct codec {
  static constexpr bool typeable = false;
  static std::string label() { return demangled(typeid(T)); }
  static bool parse(const std::string&, T&, std::string&) { return false; }
};

template <>
struct codec<std::string> {
  static constexpr bool typeable = true;
  static std::string label() { return "string"; }
  static bool parse(const std::string& word, std::string& out, std::string&) {
    out = word;
    return true;
  }
};

template <>
struct codec<bool> {
  static constexpr bool typeable = true;
  static std::string label() { return "bool"; }
  static bool parse(const std::string& word, bool& out, std::string& why) {
    if (word == "true" || word == "yes" || word == "1")
      out = true;
    else if (word == "false" || word == "no" || word == "0")
      out = false;
    else {
      why = "expected true or false, got '" + word + "'";
      return false;
    }
    return true;
  }
};

// Unsigned and signed integers, the whole word a number in range.
template <class T>
bool parse_integer(const std::string& word, T& out, std::string& why) {
  errno = 0;
  char* end = nullptr;
  if constexpr (std::is_signed_v<T>) {
    long long v = std::strtoll(word.c_str(), &end, 10);
    if (!word.empty() && *end == '\0' && errno == 0 && v >= std::numeric_limits<T>::min() &&
        v <= std::numeric_limits<T>::max()) {
      out = static_cast<T>(v);
      return true;
    }
  } else {
    unsigned long long v = std::strtoull(word.c_str(), &end, 10);
    if (!word.empty() && word[0] != '-' && *end == '\0' && errno == 0 &&
        v <= std::numeric_limits<T>::max()) {
      out = static_cast<T>(v);
      return true;
    }
  }
  why = "expected a number in range, got '" + word + "'";
  return false;
}

#define DFS_INTEGER_CODEC(type, name)                                         \
  template <>                                                                 \
  struct codec<type> {                                                        \
    static constexpr bool typeable = true;                                    \
    static std::string label() { return name; }                               \
    static bool parse(const std::string& word, type& out, std::string& why) { \
      return parse_integer(word, out, why);                                   \
    }                                                                         \
  };
DFS_INTEGER_CODEC(uint32_t, "uint32")
DFS_INTEGER_CODEC(uint64_t, "uint64")
DFS_INTEGER_CODEC(int64_t, "int64")
#undef DFS_INTEGER_CODEC

template <>
struct codec<node_id> {
  static constexpr bool typeable = true;
  static std::string label() { return "node_id"; }
  static bool parse(const std::string& word, node_id& out, std::string& why) {
    if (!valid_node_id(word)) {
      why = "expected a node id (1-64 letters, digits, - or _), got '" + word + "'";
      return false;
    }
    out.value = word;
    return true;
  }
};

template <>
struct codec<chunk_id> {
  static constexpr bool typeable = true;
  static std::string label() { return "chunk_id"; }
  static bool parse(const std::string& word, chunk_id& out, std::string& why) {
    if (!valid_chunk_id(word)) {
      why = "expected a chunk id (32 lowercase hex digits), got '" + word + "'";
      return false;
    }
    out.value = word;
    return true;
  }
};

// Short names for the types whose C++ names are long.
template <class T>
std::string label_of() {
  if constexpr (std::is_same_v<T, byte_buffer>)
    return "bytes";
  else if constexpr (std::is_same_v<T, caf::actor>)
    return "actor";
  else if constexpr (std::is_same_v<T, std::vector<caf::actor>>)
    return "actor[]";
  else if constexpr (std::is_same_v<T, std::vector<std::string>>)
    return "string[]";
  else if constexpr (std::is_same_v<T, replica_actor>)
    return "replica_actor";
  else if constexpr (std::is_same_v<T, std::vector<cache_actor>>)
    return "cache_actor[]";
  else if constexpr (std::is_same_v<T, std::vector<request_context>>)
    return "request_context[]";
  else if constexpr (std::is_same_v<T, std::vector<peer_health>>)
    return "peer_health[]";
  else if constexpr (std::is_same_v<T, std::vector<file_info>>)
    return "file_info[]";
  else if constexpr (std::is_same_v<T, std::vector<actor_entry>>)
    return "actor_entry[]";
  else if constexpr (std::is_same_v<T, ok_atom>)
    return "ok";
  else
    return codec<T>::label();
}

// --- replies, as text -----------------------------------------------------

template <class T>
std::string render(const T& x) {
  if constexpr (std::is_same_v<T, byte_buffer>)
    return std::to_string(x.size()) + " bytes";
  else if constexpr (std::is_same_v<T, file_info>)
    return ctl::to_json(x).dump(2);
  else if constexpr (std::is_same_v<T, std::vector<file_info>>) {
    auto out = nlohmann::json::array();
    for (auto& e : x)
      out.push_back(ctl::to_json(e));
    return out.dump(2);
  } else if constexpr (std::is_same_v<T, node_status>)
    return ctl::to_json(x).dump(2);
  else if constexpr (std::is_same_v<T, ok_atom>)
    return "ok";
  else
    return caf::deep_to_string(x);
}

// --- the walk over a handle's signatures ----------------------------------

// Field names, from the comments in messages/handles.hpp, by
// "kind.atom/fields" (the context counted); types alone where missing.
const std::map<std::string, std::vector<std::string>>& field_names() {
  static const std::map<std::string, std::vector<std::string>> names{
    {"gateway.mkdir/3", {"ctx", "path", "parents"}},
    {"gateway.stat/2", {"ctx", "path"}},
    {"gateway.list/2", {"ctx", "path"}},
    {"gateway.remove/3", {"ctx", "path", "recursive"}},
    {"gateway.move/3", {"ctx", "source", "destination"}},
    {"gateway.open/3", {"ctx", "path", "replication"}},
    {"gateway.write/4", {"ctx", "upload", "index", "bytes"}},
    {"gateway.commit/3", {"ctx", "upload", "size"}},
    {"gateway.abort/2", {"ctx", "upload"}},
    {"gateway.put/4", {"ctx", "path", "replication", "bytes"}},
    {"gateway.read/2", {"ctx", "chunk"}},
    {"gateway.peers/3", {"node", "replica", "shards"}},
    {"gateway.health/1", {"verdicts"}},
    {"raft.propose/2", {"ctx", "command"}},
    {"raft.propose/2:batch", {"contexts", "commands"}},
    {"raft.stat/2", {"ctx", "path"}},
    {"raft.stat/2:batch", {"contexts", "paths"}},
    {"raft.stat/3:batch", {"contexts", "paths", "lead"}},
    {"raft.list/2", {"ctx", "path"}},
    {"raft.raft/1", {"message"}},
    {"raft.peers/2", {"ids", "handles"}},
    {"raft.transfer/1", {"to_node"}},
    {"raft.read_index/2", {"member", "term"}},
    {"raft.snapshot/1", {"piece"}},
    {"raft.members/2", {"op", "node"}},
    {"raft.members/1", {"which"}},
    {"replica.store/4", {"ctx", "chunk", "bytes", "checksum"}},
    {"replica.store/5", {"ctx", "chunk", "bytes", "checksum", "chain"}},
    {"replica.store/3", {"ctx", "batch", "chain"}},
    {"replica.fetch/2", {"ctx", "chunk"}},
    {"replica.slow/1", {"delay_ms"}},
    {"replica.replicate/3", {"ctx", "chunk", "target"}},
    {"replica.remove/3", {"ctx", "chunk", "created_ms"}},
    {"repair.fsck/1", {"ctx"}},
    {"repair.peers/4", {"node", "address", "replica", "repair"}},
    {"repair.health/1", {"verdicts"}},
    {"cache.lookup/2", {"ctx", "chunk"}},
    {"cache.fill/2", {"chunk", "bytes"}},
    {"cache.abandon/1", {"chunk"}},
    {"cache.remove/1", {"chunk"}},
    {"health.heartbeat/1", {"load"}},
    {"health.peers/2", {"node", "monitor"}},
    {"health.remove/1", {"node"}},
  };
  return names;
}

// Messages only nodes send (timers, Raft traffic, peer wiring, verdicts).
bool internal_atom(const std::string& atom) {
  for (auto name : {"tick", "flush", "raft", "peers", "snapshot", "read_index", "heartbeat",
                    "health", "fill", "abandon"})
    if (atom == name)
      return true;
  return false;
}

template <class T>
bool fill_field(T& x, const std::vector<std::string>& words, const request_context& ctx,
                size_t& next, std::string& why) {
  if constexpr (std::is_same_v<T, request_context>) {
    x = ctx;
    return true;
  } else if constexpr (!codec<T>::typeable) {
    why = "a " + label_of<T>() + " cannot be typed in";
    return false;
  } else {
    if (next >= words.size()) {
      why = "too few arguments";
      return false;
    }
    auto& word = words[next++];
    if (!codec<T>::parse(word, x, why)) {
      why = "argument " + std::to_string(next) + ": " + why;
      return false;
    }
    return true;
  }
}

template <class Sig>
struct spec_of;

template <class Atom, class... Ts, class... Os>
struct spec_of<caf::typed_mpi<caf::detail::type_list<Atom, Ts...>, caf::output_tuple<Os...>>> {
  static message_spec make(const std::string& kind) {
    message_spec spec;
    spec.kind = kind;
    spec.atom = caf::to_string(Atom::value);
    spec.internal = internal_atom(spec.atom);
    (spec.fields.push_back(message_field{label_of<Ts>(), label_of<Ts>(), codec<Ts>::typeable,
                                         std::is_same_v<Ts, request_context>}),
     ...);
    for (auto& f : spec.fields)
      if (f.context) {
        f.name = "ctx";
        f.typeable = true;
      }
    auto key = kind + "." + spec.atom + "/" + std::to_string(spec.fields.size());
    if constexpr (sizeof...(Ts) > 0)
      if (std::is_same_v<std::tuple_element_t<0, std::tuple<Ts...>>, std::vector<request_context>>)
        key += ":batch";
    if (auto it = field_names().find(key); it != field_names().end())
      for (size_t i = 0; i < spec.fields.size() && i < it->second.size(); ++i)
        spec.fields[i].name = it->second[i];
    if constexpr (!std::is_same_v<caf::detail::type_list<Os...>, caf::detail::type_list<void>>)
      spec.reply = (label_of<Os>() + ...);
    spec.build = [](const std::vector<std::string>& words,
                    const request_context& ctx) -> caf::expected<caf::message> {
      std::tuple<Ts...> values;
      size_t next = 0;
      std::string why;
      bool ok = std::apply(
        [&](auto&... xs) { return (fill_field(xs, words, ctx, next, why) && ... && true); },
        values);
      if (!ok)
        return make_error(errc::invalid_argument, why);
      if (next != words.size())
        return make_error(errc::invalid_argument, "too many arguments");
      return std::apply([](auto&... xs) { return caf::make_message(Atom::value, xs...); }, values);
    };
    spec.ask = [](caf::scoped_actor& self, const caf::actor& dest,
                  std::chrono::milliseconds timeout,
                  caf::message msg) -> caf::expected<std::string> {
      if constexpr (std::is_same_v<caf::detail::type_list<Os...>, caf::detail::type_list<void>>) {
        caf::anon_send(dest, std::move(msg));
        return std::string{"sent (it answers nothing)"};
      } else {
        caf::expected<std::string> out{caf::error{}};
        self->request(dest, timeout, std::move(msg))
          .receive([&](Os&... reply) { out = (render(reply) + ...); },
                   [&](caf::error& err) { out = std::move(err); });
        return out;
      }
    };
    return spec;
  }
};

template <class... Sigs>
void add_all(std::vector<message_spec>& out, const std::string& kind,
             caf::detail::type_list<Sigs...>) {
  (out.push_back(spec_of<Sigs>::make(kind)), ...);
}

template <class Handle>
void add_kind(std::vector<message_spec>& out, const std::string& kind) {
  add_all(out, kind, typename Handle::signatures{});
}

}  // namespace

std::string message_spec::signature() const {
  std::string out = atom + "(";
  bool first = true;
  for (auto& f : fields) {
    if (f.context)
      continue;
    out += (first ? "" : ", ") + f.name + (f.name == f.type ? "" : ": " + f.type);
    first = false;
  }
  out += ")";
  out += reply.empty() ? "" : " -> " + reply;
  return out;
}

size_t message_spec::typed_fields() const {
  size_t n = 0;
  for (auto& f : fields)
    n += f.context ? 0 : 1;
  return n;
}

const std::vector<message_spec>& catalog() {
  static const std::vector<message_spec> all = [] {
    std::vector<message_spec> out;
    add_kind<node_agent_actor>(out, "agent");
    add_kind<gateway_actor>(out, "gateway");
    add_kind<raft_actor>(out, "raft");
    add_kind<replica_actor>(out, "replica");
    add_kind<repair_actor>(out, "repair");
    add_kind<cache_actor>(out, "cache");
    add_kind<health_actor>(out, "health");
    return out;
  }();
  return all;
}

std::vector<const message_spec*> find_messages(const std::string& kind, const std::string& atom) {
  std::vector<const message_spec*> out;
  for (auto& spec : catalog())
    if ((kind.empty() || spec.kind == kind) && spec.atom == atom)
      out.push_back(&spec);
  return out;
}

}  // namespace dfs::shell
