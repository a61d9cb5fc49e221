#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include <caf/send.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/replica/manager.hpp"
#include "runtime/checksum.hpp"
#include "tests/actor/fixture.hpp"

namespace dfs {
namespace {

using testing::pattern;
using testing::test_node;

errc code_of(const caf::error& err) {
  return to_errc(err);
}

template <class T>
errc code_of(const caf::expected<T>& x) {
  return x ? errc::ok : to_errc(x.error());
}

TEST(gateway, files_of_every_size_round_trip) {
  test_node node;
  for (size_t size : {size_t{0}, size_t{1}, size_t{65536}, size_t{65537}, size_t{300000}}) {
    auto path = "/f" + std::to_string(size);
    auto data = pattern(size, size);
    auto info = node.put(path, data);
    ASSERT_TRUE(info) << describe(info.error());
    EXPECT_EQ(info->size, size);
    EXPECT_EQ(info->chunks.size(), (size + node.chunk_size - 1) / node.chunk_size);
    auto back = node.get(path);
    ASSERT_TRUE(back) << describe(back.error());
    EXPECT_EQ(*back, data);
  }
}

TEST(gateway, an_overwrite_is_a_new_version_with_new_content) {
  test_node node;
  ASSERT_TRUE(node.put("/f", pattern(1000, 1)));
  auto second = node.put("/f", pattern(70000, 2));
  ASSERT_TRUE(second);
  EXPECT_EQ(second->version, 2u);
  EXPECT_EQ(*node.get("/f"), pattern(70000, 2));
}

TEST(gateway, a_small_file_goes_in_one_request) {
  test_node node;
  auto& gw = node.handles.gateway;
  auto put = [&](std::string path, byte_buffer data, uint32_t replication = 0) {
    return node.ask<file_info>(gw, put_atom::value, test_node::ctx(), std::move(path), replication,
                               std::move(data));
  };
  auto first = put("/small", pattern(5000, 1));
  ASSERT_TRUE(first) << describe(first.error());
  EXPECT_EQ(first->size, 5000u);
  ASSERT_EQ(first->chunks.size(), 1u);
  EXPECT_EQ(*node.get("/small"), pattern(5000, 1));
  auto again = put("/small", pattern(10, 2));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->version, 2u);
  EXPECT_EQ(*node.get("/small"), pattern(10, 2));
  auto empty = put("/empty", {});
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->size, 0u);
  EXPECT_TRUE(empty->chunks.empty());
  ASSERT_TRUE(
    node.ask<file_info>(gw, mkdir_atom::value, test_node::ctx(), std::string{"/d"}, false));
  EXPECT_EQ(code_of(put("/d", pattern(10, 3))), errc::is_a_directory);
  EXPECT_EQ(code_of(put("/", pattern(10, 3))), errc::is_a_directory);
  EXPECT_EQ(code_of(put("/a/../b", pattern(10, 3))), errc::invalid_path);
  EXPECT_EQ(code_of(put("/nodir/f", pattern(10, 3))), errc::not_found);
  EXPECT_EQ(code_of(put("/big", pattern(node.chunk_size + 1, 3))), errc::too_large);
  EXPECT_EQ(code_of(put("/r", pattern(10, 3), 17)), errc::invalid_argument);
  EXPECT_EQ(code_of(put("/r", pattern(10, 3), 2)), errc::unavailable) << "one storage node";
  for (auto* p : {"/big", "/r", "/nodir/f"})
    EXPECT_EQ(code_of(node.ask<file_info>(gw, stat_atom::value, test_node::ctx(), std::string{p})),
              errc::not_found)
      << p << ": a refused put leaves nothing";
}

TEST(gateway, a_file_is_invisible_until_its_commit) {
  test_node node;
  auto& gw = node.handles.gateway;
  auto ticket =
    node.ask<upload_ticket>(gw, open_atom::value, test_node::ctx(), std::string{"/f"}, uint32_t{0});
  ASSERT_TRUE(ticket);
  ASSERT_TRUE(node.ask<chunk_ref>(gw, write_atom::value, test_node::ctx(), ticket->upload_id,
                                  uint64_t{0}, pattern(10, 1)));
  EXPECT_EQ(code_of(node.ask<file_info>(gw, stat_atom::value, test_node::ctx(), std::string{"/f"})),
            errc::not_found);
  ASSERT_TRUE(
    node.ask<file_info>(gw, commit_atom::value, test_node::ctx(), ticket->upload_id, uint64_t{10}));
  EXPECT_TRUE(node.ask<file_info>(gw, stat_atom::value, test_node::ctx(), std::string{"/f"}));
}

TEST(gateway, bad_uploads_are_refused_with_clear_errors) {
  test_node node;
  auto& gw = node.handles.gateway;
  auto ctx = test_node::ctx;
  EXPECT_EQ(code_of(node.ask<chunk_ref>(gw, write_atom::value, ctx(), uint64_t{999}, uint64_t{0},
                                        pattern(10, 1))),
            errc::not_found);
  auto ticket =
    node.ask<upload_ticket>(gw, open_atom::value, ctx(), std::string{"/f"}, uint32_t{0});
  ASSERT_TRUE(ticket);
  auto id = ticket->upload_id;
  EXPECT_EQ(code_of(node.ask<chunk_ref>(gw, write_atom::value, ctx(), id, uint64_t{0},
                                        pattern(node.chunk_size + 1, 1))),
            errc::too_large);
  EXPECT_EQ(
    code_of(node.ask<chunk_ref>(gw, write_atom::value, ctx(), id, uint64_t{0}, byte_buffer{})),
    errc::invalid_argument);
  ASSERT_TRUE(node.ask<chunk_ref>(gw, write_atom::value, ctx(), id, uint64_t{1}, pattern(10, 1)));
  // Chunk 0 is missing.
  EXPECT_EQ(code_of(node.ask<file_info>(gw, commit_atom::value, ctx(), id, uint64_t{10})),
            errc::invalid_argument);
  auto t2 = node.ask<upload_ticket>(gw, open_atom::value, ctx(), std::string{"/g"}, uint32_t{0});
  ASSERT_TRUE(
    node.ask<chunk_ref>(gw, write_atom::value, ctx(), t2->upload_id, uint64_t{0}, pattern(10, 1)));
  EXPECT_EQ(
    code_of(node.ask<file_info>(gw, commit_atom::value, ctx(), t2->upload_id, uint64_t{11})),
    errc::invalid_argument);
  EXPECT_EQ(
    code_of(node.ask<upload_ticket>(gw, open_atom::value, ctx(), std::string{"/g"}, uint32_t{2})),
    errc::unavailable)
    << "replication 2 cannot be met by one storage node";
}

TEST(gateway, impossible_targets_fail_at_open) {
  test_node node;
  auto& gw = node.handles.gateway;
  auto ctx = test_node::ctx;
  ASSERT_TRUE(node.ask<file_info>(gw, mkdir_atom::value, ctx(), std::string{"/d"}, false));
  ASSERT_TRUE(node.put("/file", pattern(5, 1)));
  auto open = [&](const std::string& path) {
    return code_of(node.ask<upload_ticket>(gw, open_atom::value, ctx(), path, uint32_t{0}));
  };
  EXPECT_EQ(open("/d"), errc::is_a_directory);
  EXPECT_EQ(open("/"), errc::is_a_directory);
  EXPECT_EQ(open("/missing/f"), errc::not_found);
  EXPECT_EQ(open("/file/f"), errc::not_a_directory);
  EXPECT_EQ(open("relative"), errc::invalid_path);
  EXPECT_EQ(open("/a/../b"), errc::invalid_path);
  EXPECT_EQ(open(std::string{"/nul\0byte", 9}), errc::invalid_path);
  EXPECT_EQ(open("/" + std::string(300, 'x')), errc::too_large);
  // A factor past the limit, or above the cluster's storage nodes (one).
  EXPECT_EQ(
    code_of(node.ask<upload_ticket>(gw, open_atom::value, ctx(), std::string{"/r"}, uint32_t{17})),
    errc::invalid_argument);
  EXPECT_EQ(
    code_of(node.ask<upload_ticket>(gw, open_atom::value, ctx(), std::string{"/r"}, uint32_t{2})),
    errc::unavailable);
}

TEST(gateway, namespace_operations_and_their_errors) {
  test_node node;
  auto& gw = node.handles.gateway;
  auto ctx = test_node::ctx;
  auto mkdir = [&](std::string p, bool parents) {
    return code_of(node.ask<file_info>(gw, mkdir_atom::value, ctx(), p, parents));
  };
  auto rm = [&](std::string p, bool recursive) {
    return code_of(node.ask<ok_atom>(gw, remove_atom::value, ctx(), p, recursive));
  };
  auto mv = [&](std::string a, std::string b) {
    return node.ask<file_info>(gw, move_atom::value, ctx(), a, b);
  };
  EXPECT_EQ(mkdir("/a/b", false), errc::not_found);
  EXPECT_EQ(mkdir("/a/b", true), errc::ok);
  EXPECT_EQ(mkdir("/a", false), errc::already_exists);
  ASSERT_TRUE(node.put("/a/b/f", pattern(3, 1)));
  EXPECT_EQ(rm("/a", false), errc::not_empty);
  auto moved = mv("/a/b/f", "/a");  // into the directory
  ASSERT_TRUE(moved) << describe(moved.error());
  EXPECT_EQ(moved->path, "/a/f");
  EXPECT_EQ(code_of(mv("/a", "/a/b/inside")), errc::invalid_argument);
  EXPECT_EQ(code_of(mv("/nope", "/x")), errc::not_found);
  auto list = node.ask<std::vector<file_info>>(gw, list_atom::value, ctx(), std::string{"/a"});
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].path, "/a/b");
  EXPECT_EQ((*list)[1].path, "/a/f");
  EXPECT_EQ(rm("/a", true), errc::ok);
  EXPECT_EQ(rm("/a", true), errc::not_found);
  EXPECT_EQ(rm("/", true), errc::invalid_argument);
  EXPECT_EQ(
    code_of(node.ask<std::vector<file_info>>(gw, list_atom::value, ctx(), std::string{"x"})),
    errc::invalid_path);
}

TEST(gateway, a_get_answers_a_small_file_whole_and_a_larger_one_with_its_record) {
  testing::node_options opts;
  opts.cache_bytes = 1 << 20;
  opts.max_in_flight = 4;
  test_node node{opts};
  auto& gw = node.handles.gateway;
  auto get = [&](const std::string& path) {
    return node.ask<file_data>(gw, get_atom::value, test_node::ctx(), path);
  };
  auto small = pattern(5000, 1);
  ASSERT_TRUE(node.put("/small", small));
  ASSERT_TRUE(node.put("/empty", {}));
  ASSERT_TRUE(node.put("/large", pattern(3 * 64 * 1024 + 7, 2)));
  // Many times, past the admission limit of 4 in flight: each get is
  // counted once, and done when answered.
  for (int i = 0; i < 20; ++i) {
    auto got = get("/small");
    ASSERT_TRUE(got) << describe(got.error());
    EXPECT_TRUE(got->complete);
    EXPECT_EQ(got->data, small);
    EXPECT_EQ(got->info.size, small.size());
  }
  auto empty = get("/empty");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->complete);
  EXPECT_TRUE(empty->data.empty());
  auto large = get("/large");
  ASSERT_TRUE(large);
  EXPECT_FALSE(large->complete) << "the reader fetches the chunks";
  EXPECT_TRUE(large->data.empty());
  EXPECT_EQ(large->info.chunks.size(), 4u);
  ASSERT_TRUE(
    node.ask<file_info>(gw, mkdir_atom::value, test_node::ctx(), std::string{"/dir"}, false));
  auto dir = get("/dir");
  ASSERT_TRUE(dir);
  EXPECT_EQ(dir->info.kind, entry_kind::directory);
  EXPECT_FALSE(dir->complete);
  EXPECT_EQ(code_of(get("/nope")), errc::not_found);
  EXPECT_EQ(code_of(get("/a/../b")), errc::invalid_path);
}

TEST(gateway, a_corrupt_replica_is_reported_never_returned) {
  auto fs = std::make_shared<memory_disk>();
  test_node node{testing::node_options{64 * 1024, std::chrono::milliseconds{300000}, fs, {}}};
  ASSERT_TRUE(node.put("/f", pattern(1000, 1)));
  auto info = node.ask<file_info>(node.handles.gateway, stat_atom::value, test_node::ctx(),
                                  std::string{"/f"});
  ASSERT_TRUE(info);
  // A small chunk: the only record of the node's one pack, the last byte
  // of which is the chunk's last.
  auto packs = node.dir.path() + "/chunks/packs";
  auto names = fs->list_files(packs);
  ASSERT_EQ(names.size(), 1u);
  auto file = packs + "/" + names[0];
  byte_buffer raw;
  ASSERT_TRUE(fs->read_file(file, raw).ok());
  ASSERT_TRUE(fs->flip_bit(file, raw.size() - 1));
  auto back = node.get("/f");
  ASSERT_FALSE(back);
  EXPECT_EQ(code_of(back.error()), errc::corrupt);
  // The only copy was dropped as corrupt: a get of the whole file fails
  // too, with no data.
  EXPECT_EQ(code_of(node.ask<file_data>(node.handles.gateway, get_atom::value, test_node::ctx(),
                                        std::string{"/f"})),
            errc::not_found);
}

TEST(gateway, a_full_disk_fails_the_put_and_changes_nothing) {
  auto fs = std::make_shared<memory_disk>(100 * 1024);
  test_node node{testing::node_options{64 * 1024, std::chrono::milliseconds{300000}, fs, {}}};
  ASSERT_TRUE(node.put("/small", pattern(1000, 1)));
  auto big = node.put("/big", pattern(300000, 2));
  ASSERT_FALSE(big);
  EXPECT_EQ(code_of(big.error()), errc::no_space);
  EXPECT_EQ(code_of(node.ask<file_info>(node.handles.gateway, stat_atom::value, test_node::ctx(),
                                        std::string{"/big"})),
            errc::not_found);
  EXPECT_EQ(*node.get("/small"), pattern(1000, 1));
}

TEST(gateway, requests_past_their_deadline_are_refused) {
  test_node node;
  auto ctx = test_node::ctx();
  ctx.deadline_ms = now_ms() - 1;
  EXPECT_EQ(code_of(node.ask<file_info>(node.handles.gateway, mkdir_atom::value, ctx,
                                        std::string{"/late"}, false)),
            errc::timeout);
  EXPECT_EQ(code_of(node.ask<file_info>(node.handles.gateway, stat_atom::value, test_node::ctx(),
                                        std::string{"/late"})),
            errc::not_found);
}

TEST(gateway, idle_uploads_expire) {
  test_node node{testing::node_options{64 * 1024, std::chrono::milliseconds{200}, nullptr, {}}};
  auto& gw = node.handles.gateway;
  auto ticket =
    node.ask<upload_ticket>(gw, open_atom::value, test_node::ctx(), std::string{"/f"}, uint32_t{0});
  ASSERT_TRUE(ticket);
  std::this_thread::sleep_for(std::chrono::milliseconds{800});
  EXPECT_EQ(code_of(node.ask<chunk_ref>(gw, write_atom::value, test_node::ctx(), ticket->upload_id,
                                        uint64_t{0}, pattern(10, 1))),
            errc::not_found);
}

TEST(gateway, reads_of_malformed_or_unknown_chunks_fail_cleanly) {
  test_node node;
  chunk_ref bad;
  bad.id.value = "../../etc/passwd";
  bad.replicas = {node_id{"n1"}};
  EXPECT_EQ(
    code_of(node.ask<byte_buffer>(node.handles.gateway, read_atom::value, test_node::ctx(), bad)),
    errc::invalid_argument);
  chunk_ref unknown;
  unknown.id.value = std::string(32, 'f');
  unknown.length = 1;
  unknown.replicas = {node_id{"n1"}};
  EXPECT_EQ(code_of(node.ask<byte_buffer>(node.handles.gateway, read_atom::value, test_node::ctx(),
                                          unknown)),
            errc::not_found);
  unknown.replicas = {node_id{"n7"}};
  EXPECT_EQ(code_of(node.ask<byte_buffer>(node.handles.gateway, read_atom::value, test_node::ctx(),
                                          unknown)),
            errc::unavailable);
}

// A replica manager's config: its directory, one I/O thread.
replica_config replica_at(std::string dir) {
  replica_config c;
  c.dir = std::move(dir);
  c.io_threads = 1;
  return c;
}

// A storage node that takes every request and never answers: a paused or
// wedged process, whose connection stays open. With `reads_only`, it
// answers status requests (a node whose disk hangs on reads), and counts
// the reads it takes in `fetches`.
replica_actor::behavior_type silent_replica_with(replica_actor::pointer self, bool reads_only,
                                                 std::shared_ptr<std::atomic<int>> fetches) {
  using store_rp = caf::typed_response_promise<ok_atom>;
  return {
    [=](store_atom, const request_context&, const chunk_id&, const byte_buffer&,
        uint64_t) -> store_rp { return self->make_response_promise<ok_atom>(); },
    [=](store_atom, const request_context&, const chunk_id&, const byte_buffer&, uint64_t,
        const std::vector<caf::actor>&) -> caf::typed_response_promise<chain_outcome> {
      return self->make_response_promise<chain_outcome>();
    },
    [=](store_atom, const request_context&, const chunk_batch&,
        const std::vector<caf::actor>&) -> caf::typed_response_promise<chain_outcome> {
      return self->make_response_promise<chain_outcome>();
    },
    [=](fetch_atom, const request_context&,
        const chunk_id&) -> caf::typed_response_promise<byte_buffer> {
      if (fetches)
        ++*fetches;
      return self->make_response_promise<byte_buffer>();
    },
    [=](status_atom) -> caf::typed_response_promise<replica_stats> {
      auto rp = self->make_response_promise<replica_stats>();
      if (reads_only)
        rp.deliver(replica_stats{});
      return rp;
    },
    [=](slow_atom, uint32_t) -> store_rp { return self->make_response_promise<ok_atom>(); },
    [=](replicate_atom, const request_context&, const chunk_id&, const caf::actor&) -> store_rp {
      return self->make_response_promise<ok_atom>();
    },
    [=](remove_atom, const request_context&, const chunk_id&, int64_t) -> store_rp {
      return self->make_response_promise<ok_atom>();
    },
    [=](inventory_atom) -> caf::typed_response_promise<chunk_inventory> {
      return self->make_response_promise<chunk_inventory>();
    },
    [](tick_atom) {},
  };
}

replica_actor::behavior_type silent_replica(replica_actor::pointer self) {
  return silent_replica_with(self, false, nullptr);
}

// A gateway's storage peers beyond its own node (n1): n2, a working
// replica manager, and n3 and n4, which take every request and never
// answer (with `reads_only`, they answer status requests; n3 counts the
// fetches it takes in `fetches`). Stopped however the test ends, since
// the actor system waits for them.
struct storage_peers {
  replica_actor n2, n3, n4;
  storage_peers(test_node& node, bool reads_only,
                std::shared_ptr<std::atomic<int>> fetches = nullptr) {
    auto second = spawn_replica_manager(*node.sys, std::make_shared<memory_disk>(),
                                        replica_at(node.dir.path() + "/n2"));
    if (!second)
      throw std::runtime_error("no second replica manager: " + describe(second.error()));
    n2 = *second;
    n3 = node.sys->spawn(silent_replica_with, reads_only, std::move(fetches));
    n4 = node.sys->spawn(silent_replica_with, reads_only, nullptr);
    auto& gw = node.handles.gateway;
    caf::anon_send(gw, peers_atom::value, node_id{"n2"}, n2, std::vector<cache_actor>{});
    caf::anon_send(gw, peers_atom::value, node_id{"n3"}, n3, std::vector<cache_actor>{});
    caf::anon_send(gw, peers_atom::value, node_id{"n4"}, n4, std::vector<cache_actor>{});
  }
  ~storage_peers() {
    for (auto& a : {n2, n3, n4})
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  }
};

TEST(gateway, a_silent_storage_node_is_written_around_and_read_last) {
  test_node node;
  auto& gw = node.handles.gateway;
  storage_peers peers{node, false};
  auto ctx = context_with_timeout(std::chrono::seconds{20});
  auto put = [&](std::string path, byte_buffer data) {
    return blocking_call<file_info>(*node.self, gw, std::chrono::seconds{20}, put_atom::value, ctx,
                                    std::move(path), uint32_t{3}, std::move(data));
  };
  // The first write may go to n3 before the gateway sees it is silent: it
  // ends with the two copies it has, a majority, once n3 is given up.
  auto started = std::chrono::steady_clock::now();
  auto first = put("/a", pattern(5000, 1));
  ASSERT_TRUE(first) << describe(first.error());
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds{10});
  ASSERT_EQ(first->chunks.size(), 1u);
  auto replicas = first->chunks[0].replicas;
  std::sort(replicas.begin(), replicas.end());
  EXPECT_EQ(replicas, (std::vector<node_id>{node_id{"n1"}, node_id{"n2"}}));
  // Later writes leave n3 and n4 out from the start, promptly.
  started = std::chrono::steady_clock::now();
  auto later = put("/b", pattern(7000, 2));
  ASSERT_TRUE(later) << describe(later.error());
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds{2});
  // A read whose record lists the silent node first still answers at once.
  auto ref = later->chunks[0];
  ref.replicas = {node_id{"n3"}, node_id{"n2"}};
  started = std::chrono::steady_clock::now();
  auto back = blocking_call<byte_buffer>(*node.self, gw, std::chrono::seconds{20}, read_atom::value,
                                         ctx, ref);
  ASSERT_TRUE(back) << describe(back.error());
  EXPECT_EQ(*back, pattern(7000, 2));
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds{2});
  // With n2 gone too, three storage nodes remain but only one answers:
  // short of a majority of three, refused.
  caf::anon_send(gw, peers_atom::value, node_id{"n2"}, replica_actor{}, std::vector<cache_actor>{});
  auto short_of_quorum = put("/c", pattern(100, 3));
  ASSERT_FALSE(short_of_quorum);
  EXPECT_EQ(code_of(short_of_quorum.error()), errc::unavailable);
  EXPECT_NE(describe(short_of_quorum.error()).find("needs at least 2"), std::string::npos)
    << describe(short_of_quorum.error());
}

TEST(gateway, a_read_from_a_replica_that_does_not_answer_is_hedged_to_the_next) {
  test_node node;
  auto& gw = node.handles.gateway;
  auto fetches = std::make_shared<std::atomic<int>>(0);
  storage_peers peers{node, true, fetches};
  auto data = pattern(6000, 7);
  auto id = chunk_id{"0123456789abcdef0123456789abcdef"};
  auto stored = node.ask<ok_atom>(peers.n2, store_atom::value, node.ctx(), id, data,
                                  chunk_checksum(data.data(), data.size()));
  ASSERT_TRUE(stored) << describe(stored.error());
  chunk_ref ref;
  ref.id = id;
  ref.length = data.size();
  ref.checksum = chunk_checksum(data.data(), data.size());
  ref.replicas = {node_id{"n3"}, node_id{"n2"}};
  // The router sends some of these to n3 first (every twentieth order
  // tries a node it has no figure for): each still answers promptly, from
  // n2, where without a hedge it would wait for its deadline.
  for (int i = 0; i < 25; ++i) {
    auto started = std::chrono::steady_clock::now();
    auto back = blocking_call<byte_buffer>(*node.self, gw, std::chrono::seconds{10},
                                           read_atom::value, node.ctx(), ref);
    ASSERT_TRUE(back) << describe(back.error());
    EXPECT_EQ(*back, data);
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds{1000});
  }
  EXPECT_GE(fetches->load(), 1);
  // With no copy answering, the read ends at its deadline, with a timeout,
  // once each of its hedged tries has.
  ref.replicas = {node_id{"n3"}, node_id{"n4"}};
  auto started = std::chrono::steady_clock::now();
  auto none =
    blocking_call<byte_buffer>(*node.self, gw, std::chrono::seconds{10}, read_atom::value,
                               context_with_timeout(std::chrono::milliseconds{1500}), ref);
  auto took = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(none);
  EXPECT_EQ(code_of(none.error()), errc::timeout) << describe(none.error());
  EXPECT_GE(took, std::chrono::milliseconds{1000});
  EXPECT_LT(took, std::chrono::milliseconds{5000});
}

// A memory disk with faults in its writes, for the two below.
using faulty_disk = testing::delegating_disk;

// A disk whose writes fail (a broken device that still reports room).
class failing_disk final : public faulty_disk {
public:
  disk_status write_parts(const std::string& path,
                          std::initializer_list<const_slice> parts) override {
    if (healed)
      return faulty_disk::write_parts(path, parts);
    return {errc::io_error, "injected write failure: " + path};
  }
  disk_status write_at(const std::string& path, uint64_t offset,
                       std::initializer_list<const_slice> parts) override {
    if (healed)
      return faulty_disk::write_at(path, offset, parts);
    return {errc::io_error, "injected write failure: " + path};
  }
  std::atomic<bool> healed{false};
};

// A disk whose writes hang until released (a stuck device: the node
// still answers status requests from memory, so it never looks silent).
class stuck_disk final : public faulty_disk {
public:
  disk_status write_parts(const std::string& path,
                          std::initializer_list<const_slice> parts) override {
    hang();
    return faulty_disk::write_parts(path, parts);
  }
  disk_status write_at(const std::string& path, uint64_t offset,
                       std::initializer_list<const_slice> parts) override {
    hang();
    return faulty_disk::write_at(path, offset, parts);
  }
  void hang() {
    for (int i = 0; i < 1000 && !released; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds{10});
  }
  std::atomic<bool> released{false};
};

// A replica manager on `fs` in the node's directory `name`.
replica_actor replica_manager_at(test_node& node, std::shared_ptr<disk> fs,
                                 const std::string& name) {
  auto r =
    spawn_replica_manager(*node.sys, std::move(fs), replica_at(node.dir.path() + "/" + name));
  if (!r)
    throw std::runtime_error(describe(r.error()));
  return *r;
}

// A storage node `name` on `fs` that the node's gateway can write to.
replica_actor storage_node(test_node& node, const std::string& name, std::shared_ptr<disk> fs) {
  auto r = replica_manager_at(node, std::move(fs), name);
  caf::anon_send(node.handles.gateway, peers_atom::value, node_id{name}, r,
                 std::vector<cache_actor>{});
  return r;
}

TEST(replica_chain, each_node_stores_and_passes_on_and_the_answer_names_every_outcome) {
  test_node node;
  auto spawn = [&](std::shared_ptr<disk> fs, const std::string& name) {
    return replica_manager_at(node, std::move(fs), name);
  };
  auto a = spawn(std::make_shared<memory_disk>(), "a");
  auto b = spawn(std::make_shared<failing_disk>(), "b");
  auto c = spawn(std::make_shared<memory_disk>(), "c");
  auto silent = node.sys->spawn(silent_replica);
  auto data = pattern(3000, 9);
  auto sum = chunk_checksum(data.data(), data.size());
  chunk_id id{std::string(32, 'a')};
  auto as_actor = [](auto h) { return caf::actor_cast<caf::actor>(h); };
  // a -> b (its disk fails) -> c: b's failure does not stop the chain.
  auto out = node.ask<chain_outcome>(a, store_atom::value, test_node::ctx(), id, data, sum,
                                     std::vector<caf::actor>{as_actor(b), as_actor(c)});
  ASSERT_TRUE(out) << describe(out.error());
  ASSERT_EQ(out->results.size(), 3u);
  EXPECT_FALSE(out->results[0]);
  EXPECT_EQ(code_of(out->results[1]), errc::io_error);
  EXPECT_FALSE(out->results[2]);
  for (auto& r : {a, c})
    EXPECT_EQ(node.ask<byte_buffer>(r, fetch_atom::value, test_node::ctx(), id).value(), data);
  // a -> silent -> c: the silent hop and what follows it fail by the
  // hop's deadline, within the time a was given.
  chunk_id id2{std::string(32, 'b')};
  auto ctx = context_with_timeout(std::chrono::seconds{6});
  auto started = std::chrono::steady_clock::now();
  out = blocking_call<chain_outcome>(*node.self, a, std::chrono::seconds{6}, store_atom::value, ctx,
                                     id2, data, sum,
                                     std::vector<caf::actor>{as_actor(silent), as_actor(c)});
  ASSERT_TRUE(out) << describe(out.error());
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds{6});
  EXPECT_FALSE(out->results[0]);
  EXPECT_TRUE(out->results[1]);
  EXPECT_TRUE(out->results[2]);
  // a -> c -> stuck (its disk hangs; it answers nothing in time): each
  // node waits less than the one before it, so a learns that c stored
  // the chunk and only the stuck node failed, before a's own deadline.
  auto stuck_fs = std::make_shared<stuck_disk>();
  auto stuck = spawn(stuck_fs, "stuck");
  chunk_id id4{std::string(32, 'd')};
  started = std::chrono::steady_clock::now();
  out = blocking_call<chain_outcome>(*node.self, a, std::chrono::seconds{6}, store_atom::value,
                                     context_with_timeout(std::chrono::seconds{6}), id4, data, sum,
                                     std::vector<caf::actor>{as_actor(c), as_actor(stuck)});
  stuck_fs->released = true;
  ASSERT_TRUE(out) << describe(out.error());
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds{6});
  EXPECT_FALSE(out->results[0]);
  EXPECT_FALSE(out->results[1]) << "c stored it and said so in time";
  EXPECT_TRUE(out->results[2]);
  caf::anon_send_exit(stuck, caf::exit_reason::user_shutdown);
  // Bad bytes are refused at every node.
  chunk_id id3{std::string(32, 'c')};
  out = node.ask<chain_outcome>(a, store_atom::value, test_node::ctx(), id3, data, sum + 1,
                                std::vector<caf::actor>{as_actor(c)});
  ASSERT_TRUE(out);
  EXPECT_TRUE(out->results[0]);
  EXPECT_TRUE(out->results[1]);
  for (auto h : {a, b, c})
    caf::anon_send_exit(h, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(silent, caf::exit_reason::user_shutdown);
}

TEST(gateway, a_chain_broken_in_the_middle_ends_with_the_copies_that_were_made) {
  test_node node;
  auto& gw = node.handles.gateway;
  auto broken = storage_node(node, "n2", std::make_shared<failing_disk>());
  auto good = storage_node(node, "n3", std::make_shared<memory_disk>());
  // Every chain is n1 (this node) first; n2 fails its own store and n3
  // still gets the chunk. No fourth node replaces n2: two of three.
  for (int i = 0; i < 4; ++i) {
    auto path = "/f" + std::to_string(i);
    auto info = node.ask<file_info>(gw, put_atom::value, test_node::ctx(), path, uint32_t{3},
                                    pattern(4000 + i, i));
    ASSERT_TRUE(info) << describe(info.error());
    auto replicas = info->chunks.at(0).replicas;
    std::sort(replicas.begin(), replicas.end());
    EXPECT_EQ(replicas, (std::vector<node_id>{node_id{"n1"}, node_id{"n3"}}));
    EXPECT_EQ(*node.get(path), pattern(4000 + i, i));
  }
  caf::anon_send_exit(broken, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(good, caf::exit_reason::user_shutdown);
}

TEST(replica_chain, a_batch_goes_along_the_chain_and_each_node_answers_for_all_of_it) {
  test_node node;
  auto spawn = [&](std::shared_ptr<disk> fs, const std::string& name) {
    return replica_manager_at(node, std::move(fs), name);
  };
  auto a = spawn(std::make_shared<memory_disk>(), "a");
  auto b = spawn(std::make_shared<failing_disk>(), "b");
  auto c = spawn(std::make_shared<memory_disk>(), "c");
  auto as_actor = [](auto h) { return caf::actor_cast<caf::actor>(h); };
  chunk_batch batch;
  for (char x : std::string{"123"}) {
    batch.ids.push_back(chunk_id{std::string(32, x)});
    batch.data.push_back(pattern(1000 + x, x));
    batch.checksums.push_back(chunk_checksum(batch.data.back().data(), batch.data.back().size()));
  }
  auto out = node.ask<chain_outcome>(a, store_atom::value, test_node::ctx(), batch,
                                     std::vector<caf::actor>{as_actor(b), as_actor(c)});
  ASSERT_TRUE(out) << describe(out.error());
  ASSERT_EQ(out->results.size(), 3u);
  EXPECT_FALSE(out->results[0]);
  EXPECT_EQ(code_of(out->results[1]), errc::io_error);
  EXPECT_FALSE(out->results[2]);
  for (auto& r : {a, c})
    for (size_t i = 0; i < batch.ids.size(); ++i)
      EXPECT_EQ(node.ask<byte_buffer>(r, fetch_atom::value, test_node::ctx(), batch.ids[i]).value(),
                batch.data[i]);
  // A batch naming a chunk twice is refused at every node.
  auto twice = batch;
  twice.ids[1] = twice.ids[0];
  out = node.ask<chain_outcome>(a, store_atom::value, test_node::ctx(), twice,
                                std::vector<caf::actor>{as_actor(c)});
  ASSERT_TRUE(out);
  EXPECT_EQ(code_of(out->results[0]), errc::invalid_argument);
  EXPECT_EQ(code_of(out->results[1]), errc::invalid_argument);
  for (auto h : {a, b, c})
    caf::anon_send_exit(h, caf::exit_reason::user_shutdown);
}

TEST(gateway, small_puts_at_once_go_in_batches_and_a_batch_failed_at_one_node_keeps_the_others) {
  test_node node;
  auto& gw = node.handles.gateway;
  auto broken = std::make_shared<failing_disk>();
  auto n2 = storage_node(node, "n2", broken);
  auto n3 = storage_node(node, "n3", std::make_shared<memory_disk>());
  // `count` one-request puts sent at once, without waiting for answers:
  // prefix + i, with replication rf(i) and content pattern(size(i), i).
  auto send_puts = [&](const std::string& prefix, int count, auto rf, auto size) {
    std::vector<caf::response_handle<caf::blocking_actor, caf::detail::type_list<file_info>, true>>
      handles;
    for (int i = 0; i < count; ++i)
      handles.push_back((*node.self)
                          ->request(gw, std::chrono::seconds{10}, put_atom::value, test_node::ctx(),
                                    prefix + std::to_string(i), uint32_t(rf(i)),
                                    pattern(size(i), i)));
    return handles;
  };
  // 40 puts sent at once: they queue behind the batches in flight. n2
  // fails every store, so each batch fails there: each chunk keeps its
  // copies on n1 and n3, and no node replaces n2.
  auto put_all = [&](const std::string& prefix, std::vector<node_id> expected) {
    auto handles = send_puts(
      prefix, 40, [](int) { return 3; }, [](int i) { return 2000 + i; });
    int stored = 0;
    for (auto& h : handles)
      h.receive(
        [&](file_info& info) {
          auto replicas = info.chunks.at(0).replicas;
          std::sort(replicas.begin(), replicas.end());
          EXPECT_EQ(replicas, expected);
          ++stored;
        },
        [&](caf::error& err) { ADD_FAILURE() << describe(err); });
    EXPECT_EQ(stored, 40);
    for (int i = 0; i < 40; ++i)
      EXPECT_EQ(*node.get(prefix + std::to_string(i)), pattern(2000 + i, i));
  };
  put_all("/broken", {node_id{"n1"}, node_id{"n3"}});
  // n2 heals: every batch is stored whole on all three.
  broken->healed = true;
  put_all("/healed", {node_id{"n1"}, node_id{"n2"}, node_id{"n3"}});
  // Replications 1 and 3 interleaved: separate batches, each served.
  auto mixed = send_puts(
    "/mixed", 30, [](int i) { return i % 2 ? 3 : 1; }, [](int i) { return 100 + i; });
  for (int i = 0; i < 30; ++i)
    mixed[i].receive(
      [&](file_info& info) { EXPECT_EQ(info.chunks.at(0).replicas.size(), i % 2 ? 3u : 1u); },
      [&](caf::error& err) { ADD_FAILURE() << describe(err); });
  caf::anon_send_exit(n2, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(n3, caf::exit_reason::user_shutdown);
}

TEST(gateway, a_stuck_node_in_a_chain_times_out_before_the_nodes_that_waited_for_it) {
  test_node node;
  auto& gw = node.handles.gateway;
  auto stuck = std::make_shared<stuck_disk>();
  auto slow = storage_node(node, "n2", stuck);
  auto good = storage_node(node, "n3", std::make_shared<memory_disk>());
  // Wherever the stuck node is in the chain, the nodes before it hear of
  // its failure before their own deadlines: the write ends with the two
  // good copies, well within the client's deadline.
  auto ctx = context_with_timeout(std::chrono::seconds{6});
  auto started = std::chrono::steady_clock::now();
  auto info = blocking_call<file_info>(*node.self, gw, std::chrono::seconds{8}, put_atom::value,
                                       ctx, std::string{"/f"}, uint32_t{3}, pattern(5000, 1));
  stuck->released = true;
  ASSERT_TRUE(info) << describe(info.error());
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds{6});
  auto replicas = info->chunks.at(0).replicas;
  std::sort(replicas.begin(), replicas.end());
  EXPECT_EQ(replicas, (std::vector<node_id>{node_id{"n1"}, node_id{"n3"}}));
  caf::anon_send_exit(slow, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(good, caf::exit_reason::user_shutdown);
}

TEST(gateway, past_its_in_flight_limit_it_refuses_at_once_and_admits_again_after) {
  testing::node_options opts;
  opts.max_in_flight = 2;
  test_node node{opts};
  auto& gw = node.handles.gateway;
  auto info = node.put("/f", pattern(3000, 1));
  ASSERT_TRUE(info) << describe(info.error());
  auto ref = info->chunks.at(0);
  // Every fetch now takes 400 ms: two reads fill the gateway.
  ASSERT_TRUE(node.ask<ok_atom>(node.handles.replica, slow_atom::value, uint32_t{400}));
  auto& self = *node.self;
  auto slow1 = self->request(gw, std::chrono::seconds{5}, read_atom::value, test_node::ctx(), ref);
  auto slow2 = self->request(gw, std::chrono::seconds{5}, read_atom::value, test_node::ctx(), ref);
  auto started = std::chrono::steady_clock::now();
  auto third = node.ask<file_info>(gw, stat_atom::value, test_node::ctx(), std::string{"/f"});
  auto took = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(third);
  EXPECT_EQ(to_errc(third.error()), errc::overloaded);
  EXPECT_NE(describe(third.error()).find("retry after"), std::string::npos)
    << describe(third.error());
  EXPECT_LT(took, std::chrono::milliseconds{200}) << "refused at once, not queued";
  int served = 0;
  for (auto* h : {&slow1, &slow2})
    h->receive([&](byte_buffer& data) { served += data.size() == 3000; },
               [&](caf::error& err) { ADD_FAILURE() << describe(err); });
  EXPECT_EQ(served, 2);
  ASSERT_TRUE(node.ask<ok_atom>(node.handles.replica, slow_atom::value, uint32_t{0}));
  EXPECT_TRUE(node.ask<file_info>(gw, stat_atom::value, test_node::ctx(), std::string{"/f"}))
    << "admitted again once the load is gone";
  auto status = node.ask<gateway_status>(gw, status_atom::value);
  ASSERT_TRUE(status);
  EXPECT_EQ(status->rejected, 1u);
  EXPECT_EQ(status->in_flight, 0u);
}

TEST(gateway, limits_each_client_to_its_rate) {
  testing::node_options opts;
  opts.client_rate = 1;
  opts.client_burst = 5;
  test_node node{opts};
  auto& gw = node.handles.gateway;
  auto as = [](const char* client) {
    auto ctx = test_node::ctx();
    ctx.client_id = client;
    return ctx;
  };
  for (int i = 0; i < 5; ++i)
    EXPECT_TRUE(node.ask<file_info>(gw, stat_atom::value, as("greedy"), std::string{"/"}));
  auto refused = node.ask<file_info>(gw, stat_atom::value, as("greedy"), std::string{"/"});
  ASSERT_FALSE(refused);
  EXPECT_EQ(to_errc(refused.error()), errc::overloaded);
  EXPECT_NE(describe(refused.error()).find("client rate limit"), std::string::npos);
  EXPECT_TRUE(node.ask<file_info>(gw, stat_atom::value, as("polite"), std::string{"/"}))
    << "another client is not held back";
}

TEST(meta_service, malformed_commands_are_rejected) {
  test_node node;
  EXPECT_EQ(code_of(node.ask<file_info>(node.handles.meta, propose_atom::value, test_node::ctx(),
                                        std::string{"\xff\xff\xff garbage"})),
            errc::invalid_argument);
  EXPECT_EQ(code_of(node.ask<file_info>(node.handles.meta, propose_atom::value, test_node::ctx(),
                                        std::string{})),
            errc::invalid_argument)
    << "a command without an operation";
}

}  // namespace
}  // namespace dfs
