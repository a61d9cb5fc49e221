#include <gtest/gtest.h>

#include "runtime/config.hpp"

namespace dfs {
namespace {

TEST(node_config, a_full_file_sets_every_key) {
  node_config cfg;
  auto why = load_config_text(cfg, R"(
node_id = "store-7"
listen = "0.0.0.0:7300"
data_dir = "/srv/dfs"
peers = ["n2@10.0.0.2:7100", "n3@10.0.0.3:7100"]
voters = ["store-7", "n2"]
roles = ["storage", "monitor"]
metrics = "127.0.0.1:9300"
chunk_size = "8MiB"
replication = 3
cache_bytes = "1GiB"
scheduler_threads = 4
io_threads = 3
request_timeout = "5s"
upload_timeout = "2m"
log_level = "debug"
)");
  ASSERT_EQ(why, "");
  EXPECT_EQ(cfg.node_id, "store-7");
  EXPECT_EQ(cfg.listen.host, "0.0.0.0");
  EXPECT_EQ(cfg.listen.port, 7300);
  ASSERT_EQ(cfg.peers.size(), 2u);
  EXPECT_EQ(cfg.peers[1].id, "n3");
  EXPECT_EQ(cfg.peers[1].addr.to_string(), "10.0.0.3:7100");
  EXPECT_EQ(cfg.voters, (std::vector<std::string>{"store-7", "n2"}));
  EXPECT_EQ(cfg.roles, (std::vector<std::string>{"storage", "monitor"}));
  EXPECT_EQ(cfg.chunk_size, 8u << 20);
  EXPECT_EQ(cfg.replication, 3u);
  EXPECT_EQ(cfg.cache_bytes, 1ull << 30);
  EXPECT_EQ(cfg.request_timeout, std::chrono::seconds{5});
  EXPECT_EQ(cfg.upload_timeout, std::chrono::minutes{2});
  EXPECT_FALSE(cfg.has_role("gateway"));
}

TEST(node_config, unknown_keys_and_bad_values_name_the_key) {
  struct bad_case {
    const char* text;
    const char* key;
  };
  for (auto c :
       {bad_case{"nodeid = \"x\"", "nodeid"}, bad_case{"replication = 0", "replication"},
        bad_case{"replication = 99", "replication"},
        bad_case{"chunk_size = \"3 bananas\"", "chunk_size"},
        bad_case{"chunk_size = 1", "chunk_size"}, bad_case{"listen = \"nope\"", "listen"},
        bad_case{"listen = \"h:99999\"", "listen"}, bad_case{"roles = [\"chef\"]", "roles"},
        bad_case{"roles = []", "roles"}, bad_case{"node_id = \"a/b\"", "node_id"},
        bad_case{"request_timeout = \"soon\"", "request_timeout"},
        bad_case{"log_level = \"loud\"", "log_level"}, bad_case{"replication = -1", "replication"},
        bad_case{"replication = true", "replication"},
        bad_case{"peers = [\"127.0.0.1:7100\"]", "peers"},
        bad_case{"peers = [\"a b@127.0.0.1:7100\"]", "peers"},
        bad_case{"peers = [\"n2@127.0.0.1\"]", "peers"},
        bad_case{"voters = [\"n/2\"]", "voters"}}) {
    node_config cfg;
    auto why = load_config_text(cfg, c.text, "test.toml");
    EXPECT_NE(why.find(std::string{"'"} + c.key + "'"), std::string::npos)
      << c.text << " -> " << why;
  }
}

TEST(node_config, a_syntax_error_names_the_line) {
  node_config cfg;
  auto why = load_config_text(cfg, "node_id = \"a\"\nlisten = \n", "broken.toml");
  EXPECT_NE(why.find("broken.toml:2"), std::string::npos) << why;
}

TEST(node_config, overrides_replace_file_values) {
  node_config cfg;
  ASSERT_EQ(load_config_text(cfg, "replication = 2"), "");
  ASSERT_EQ(set_config_key(cfg, "replication", "3"), "");
  EXPECT_EQ(cfg.replication, 3u);
  EXPECT_NE(set_config_key(cfg, "bogus", "1"), "");
}

TEST(node_config, rendered_toml_loads_back_to_the_same_config) {
  node_config cfg;
  cfg.node_id = "n9";
  cfg.data_dir = "/tmp/with \"quotes\" and \\ backslash";
  cfg.peers = {peer_address{"n2", host_port{"127.0.0.1", 7101}}};
  cfg.voters = {"n9", "n2"};
  cfg.roles = {"meta", "gateway", "storage"};
  cfg.chunk_size = 1 << 20;
  cfg.request_timeout = std::chrono::milliseconds{1500};
  node_config back;
  ASSERT_EQ(load_config_text(back, to_toml(cfg)), "");
  EXPECT_EQ(back.node_id, cfg.node_id);
  EXPECT_EQ(back.data_dir, cfg.data_dir);
  ASSERT_EQ(back.peers.size(), 1u);
  EXPECT_EQ(back.peers[0].to_string(), "n2@127.0.0.1:7101");
  EXPECT_EQ(back.voters, cfg.voters);
  EXPECT_EQ(back.roles, cfg.roles);
  EXPECT_EQ(back.chunk_size, cfg.chunk_size);
  EXPECT_EQ(back.request_timeout, cfg.request_timeout);
}

TEST(node_config, the_raft_group_defaults_to_this_node_and_every_peer) {
  node_config cfg;
  cfg.node_id = "n1";
  EXPECT_EQ(cfg.raft_voters(), (std::vector<std::string>{"n1"}));
  ASSERT_EQ(set_config_key(cfg, "peers", "n2@127.0.0.1:7102, n3@127.0.0.1:7103"), "");
  EXPECT_EQ(cfg.raft_voters(), (std::vector<std::string>{"n1", "n2", "n3"}));  // sorted
  EXPECT_EQ(check_config(cfg), "");
}

TEST(node_config, inconsistent_peers_and_voters_are_refused) {
  auto check = [](const std::string& peers, const std::string& voters) {
    node_config cfg;
    cfg.node_id = "n1";
    EXPECT_EQ(set_config_key(cfg, "peers", peers), "");
    if (!voters.empty()) {
      EXPECT_EQ(set_config_key(cfg, "voters", voters), "");
    }
    return check_config(cfg);
  };
  EXPECT_NE(check("n1@127.0.0.1:7102", "").find("'peers'"), std::string::npos);
  EXPECT_NE(check("n2@127.0.0.1:7102,n2@127.0.0.1:7103", "").find("twice"), std::string::npos);
  EXPECT_NE(check("n2@127.0.0.1:7102", "n2").find("'voters'"), std::string::npos);
  EXPECT_NE(check("n2@127.0.0.1:7102", "n1,n9").find("'n9'"), std::string::npos);
  EXPECT_EQ(check("n2@127.0.0.1:7102", "n1"), "");
}

TEST(node_config, sizes_and_durations_parse_with_units) {
  EXPECT_EQ(parse_bytes("4MiB"), 4u << 20);
  EXPECT_EQ(parse_bytes("64 KiB"), 64u << 10);
  EXPECT_EQ(parse_bytes("10MB"), 10000000u);
  EXPECT_EQ(parse_bytes("123"), 123u);
  EXPECT_FALSE(parse_bytes("MiB"));
  EXPECT_FALSE(parse_bytes("99999999999TiB"));
  EXPECT_EQ(parse_duration("250ms"), std::chrono::milliseconds{250});
  EXPECT_EQ(parse_duration("2h"), std::chrono::hours{2});
  EXPECT_FALSE(parse_duration("2"));
}

TEST(config, the_example_file_is_valid_and_shows_the_defaults) {
  node_config example;
  ASSERT_EQ(load_config_file(example, std::string{DFS_CONFIG_DIR} + "/node.toml"), "");
  node_config defaults;
  EXPECT_EQ(to_toml(example), to_toml(defaults));
}

TEST(config, health_and_admission_keys_are_checked) {
  node_config cfg;
  EXPECT_EQ(set_config_key(cfg, "suspect_phi", "3.5"), "");
  EXPECT_EQ(cfg.suspect_phi, 3.5);
  EXPECT_NE(set_config_key(cfg, "suspect_phi", "-1"), "");
  EXPECT_NE(set_config_key(cfg, "dead_phi", "ten"), "");
  EXPECT_EQ(set_config_key(cfg, "dead_phi", "3"), "");
  EXPECT_NE(check_config(cfg), "") << "dead_phi must be above suspect_phi";
  EXPECT_EQ(set_config_key(cfg, "heartbeat_interval", "250ms"), "");
  EXPECT_NE(set_config_key(cfg, "heartbeat_interval", "1ms"), "");
  EXPECT_NE(set_config_key(cfg, "max_in_flight", "0"), "");
  EXPECT_EQ(set_config_key(cfg, "client_rate", "100"), "");
  node_config back;
  cfg.dead_phi = 12;
  ASSERT_EQ(load_config_text(back, to_toml(cfg)), "");
  EXPECT_EQ(back.suspect_phi, 3.5);
  EXPECT_EQ(back.client_rate, 100);
  EXPECT_EQ(back.heartbeat_interval, std::chrono::milliseconds{250});
}

}  // namespace
}  // namespace dfs
