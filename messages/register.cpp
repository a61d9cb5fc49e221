#include "messages/register.hpp"

#include "messages/errc.hpp"
#include "messages/handles.hpp"

namespace dfs {

static_assert(caf::detail::is_byte_sequence<byte_buffer>::value,
              "CAF must move a byte_buffer as one raw block (runtime/bytes.hpp)");

void register_messages(caf::actor_system_config& cfg) {
  cfg.add_message_type<byte_buffer>("dfs::byte_buffer");
  cfg.add_message_type<node_id>("dfs::node_id");
  cfg.add_message_type<chunk_id>("dfs::chunk_id");
  cfg.add_message_type<request_context>("dfs::request_context");
  cfg.add_message_type<chunk_ref>("dfs::chunk_ref");
  cfg.add_message_type<file_info>("dfs::file_info");
  cfg.add_message_type<file_data>("dfs::file_data");
  cfg.add_message_type<upload_ticket>("dfs::upload_ticket");
  cfg.add_message_type<node_status>("dfs::node_status");
  cfg.add_message_type<replica_stats>("dfs::replica_stats");
  cfg.add_message_type<chunk_inventory>("dfs::chunk_inventory");
  cfg.add_message_type<chain_outcome>("dfs::chain_outcome");
  cfg.add_message_type<chunk_batch>("dfs::chunk_batch");
  cfg.add_message_type<node_report>("dfs::node_report");
  cfg.add_message_type<fsck_report>("dfs::fsck_report");
  cfg.add_message_type<repair_actor>("dfs::repair_actor");
  cfg.add_message_type<node_handles>("dfs::node_handles");
  cfg.add_message_type<raft_entry_msg>("dfs::raft_entry_msg");
  cfg.add_message_type<raft_msg>("dfs::raft_msg");
  cfg.add_message_type<raft_status>("dfs::raft_status");
  cfg.add_message_type<batch_results>("dfs::batch_results");
  cfg.add_message_type<raft_actor>("dfs::raft_actor");
  cfg.add_message_type<meta_actor>("dfs::meta_actor");
  cfg.add_message_type<replica_actor>("dfs::replica_actor");
  cfg.add_message_type<gateway_actor>("dfs::gateway_actor");
  cfg.add_message_type<cache_actor>("dfs::cache_actor");
  cfg.add_message_type<std::vector<cache_actor>>("std::vector<dfs::cache_actor>");
  cfg.add_message_type<cache_lookup>("dfs::cache_lookup");
  cfg.add_message_type<cache_shard_stats>("dfs::cache_shard_stats");
  cfg.add_message_type<node_agent_actor>("dfs::node_agent_actor");
  cfg.add_message_type<actor_entry>("dfs::actor_entry");
  cfg.add_message_type<std::vector<actor_entry>>("std::vector<dfs::actor_entry>");
  cfg.add_message_type<health_actor>("dfs::health_actor");
  cfg.add_message_type<node_load>("dfs::node_load");
  cfg.add_message_type<peer_health>("dfs::peer_health");
  cfg.add_message_type<std::vector<peer_health>>("std::vector<dfs::peer_health>");
  cfg.add_message_type<route_status>("dfs::route_status");
  cfg.add_message_type<gateway_status>("dfs::gateway_status");
  cfg.add_message_type<health_report>("dfs::health_report");
  cfg.add_error_category(errc_category, [](uint8_t code, caf::atom_value, const caf::message& ctx) {
    std::string out = "dfs: ";
    out += to_string(static_cast<errc>(code));
    if (ctx.match_elements<std::string>()) {
      out += " (";
      out += ctx.get_as<std::string>(0);
      out += ")";
    }
    return out;
  });
}

}  // namespace dfs
