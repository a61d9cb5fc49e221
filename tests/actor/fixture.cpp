#include "tests/actor/fixture.hpp"

#include <random>

#include <caf/send.hpp>

#include "actors/meta/service.hpp"
#include "actors/node/agent.hpp"
#include "actors/replica/manager.hpp"

namespace dfs::testing {

test_node::test_node(node_options opts) : chunk_size(opts.chunk_size) {
  auto data_dir = opts.data_dir.empty() ? dir.path() : opts.data_dir;
  fs = opts.fs ? opts.fs : std::make_shared<memory_disk>();
  cfg = std::make_unique<system_config>(2);
  sys = std::make_unique<caf::actor_system>(*cfg);
  self = std::make_unique<caf::scoped_actor>(*sys);
  handles.id = node_id{"n1"};
  auto meta = spawn_meta_service(*sys, data_dir + "/meta.db");
  if (!meta)
    throw std::runtime_error(describe(meta.error()));
  handles.meta = *meta;
  auto replica = spawn_replica_manager(*sys, fs, data_dir + "/chunks", 2);
  if (!replica)
    throw std::runtime_error(describe(replica.error()));
  handles.replica = *replica;
  gateway_config gw;
  gw.self = handles.id;
  gw.chunk_size = opts.chunk_size;
  gw.upload_timeout = opts.upload_timeout;
  gateway_deps deps;
  deps.meta = handles.meta;
  deps.replicas.emplace(handles.id, handles.replica);
  handles.gateway = spawn_gateway(*sys, gw, deps);
  node_status status;
  status.id = handles.id;
  status.roles = {"meta", "storage", "gateway"};
  agent = spawn_node_agent(*sys, handles, status);
}

test_node::~test_node() {
  for (auto& a : {caf::actor_cast<caf::actor>(agent), caf::actor_cast<caf::actor>(handles.gateway),
                  caf::actor_cast<caf::actor>(handles.replica),
                  caf::actor_cast<caf::actor>(handles.meta)})
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  self.reset();
  handles = node_handles{};
  agent = nullptr;
  sys.reset();
}

caf::expected<file_info> test_node::put(const std::string& path, const byte_buffer& data) {
  auto ticket = ask<upload_ticket>(handles.gateway, open_atom::value, ctx(), path, uint32_t{0});
  if (!ticket)
    return ticket.error();
  uint64_t index = 0;
  for (size_t off = 0; off < data.size(); off += ticket->chunk_size) {
    auto end = std::min(data.size(), off + ticket->chunk_size);
    byte_buffer piece(data.begin() + static_cast<std::ptrdiff_t>(off),
                      data.begin() + static_cast<std::ptrdiff_t>(end));
    auto ref = ask<chunk_ref>(handles.gateway, write_atom::value, ctx(), ticket->upload_id, index++,
                              std::move(piece));
    if (!ref)
      return ref.error();
  }
  return ask<file_info>(handles.gateway, commit_atom::value, ctx(), ticket->upload_id,
                        uint64_t{data.size()});
}

caf::expected<byte_buffer> test_node::get(const std::string& path) {
  auto info = ask<file_info>(handles.gateway, stat_atom::value, ctx(), path);
  if (!info)
    return info.error();
  byte_buffer out;
  for (auto& ref : info->chunks) {
    auto piece = ask<byte_buffer>(handles.gateway, read_atom::value, ctx(), ref);
    if (!piece)
      return piece.error();
    out.insert(out.end(), piece->begin(), piece->end());
  }
  return out;
}

byte_buffer pattern(size_t n, uint64_t seed) {
  std::mt19937_64 rng{seed};
  byte_buffer out(n);
  for (auto& b : out)
    b = static_cast<char>(rng());
  return out;
}

}  // namespace dfs::testing
