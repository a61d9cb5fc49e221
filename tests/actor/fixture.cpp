#include "tests/actor/fixture.hpp"

#include <random>

#include <caf/send.hpp>

#include "actors/node/agent.hpp"
#include "actors/node/node.hpp"

namespace dfs::testing {

test_node::test_node(node_options opts) : chunk_size(opts.chunk_size) {
  node_config node_cfg;
  node_cfg.data_dir = opts.data_dir.empty() ? dir.path() : opts.data_dir;
  node_cfg.roles = {"meta", "storage", "gateway"};
  node_cfg.chunk_size = opts.chunk_size;
  node_cfg.upload_timeout = opts.upload_timeout;
  node_cfg.write_budget = opts.write_budget;
  node_cfg.read_budget = opts.read_budget;
  node_cfg.max_in_flight = opts.max_in_flight;
  node_cfg.client_rate = opts.client_rate;
  node_cfg.client_burst = opts.client_burst;
  if (opts.cache_bytes > 0) {
    node_cfg.roles.push_back("cache");
    node_cfg.cache_bytes = opts.cache_bytes;
    node_cfg.cache_shards = 2;
  }
  fs = opts.fs ? opts.fs : std::make_shared<memory_disk>();
  cfg = std::make_unique<system_config>(2);
  sys = std::make_unique<caf::actor_system>(*cfg);
  self = std::make_unique<caf::scoped_actor>(*sys);
  auto spawned = spawn_node(*sys, node_cfg, fs, nullptr);
  if (!spawned)
    throw std::runtime_error(describe(spawned.error()));
  handles = *spawned;
  agent = spawn_node_agent(*sys, handles, static_status(node_cfg));
}

test_node::~test_node() {
  caf::anon_send_exit(agent, caf::exit_reason::user_shutdown);
  stop_node(handles);
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

}  // namespace dfs::testing
