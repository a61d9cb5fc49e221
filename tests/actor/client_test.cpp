#include <gtest/gtest.h>

#include <future>
#include <sstream>
#include <thread>

#include <caf/io/middleman.hpp>

#include "actors/client/client.hpp"
#include "tests/actor/fixture.hpp"

namespace dfs {
namespace {

using testing::pattern;
using testing::test_node;

// Publishes the node's agent on a free loopback port.
uint16_t publish(test_node& node) {
  auto port = node.sys->middleman().publish(node.agent, 0, "127.0.0.1");
  if (!port)
    throw std::runtime_error(node.sys->render(port.error()));
  return *port;
}

std::unique_ptr<client> connect(uint16_t port, size_t window = 4) {
  client_options opts{{host_port{"127.0.0.1", port}}, std::chrono::seconds{10}, window};
  opts.put_window = window;
  auto c = client::connect(opts);
  if (!c)
    throw std::runtime_error(describe(c.error()));
  return std::move(*c);
}

TEST(client, streams_files_through_the_middleman) {
  test_node node;
  auto c = connect(publish(node));
  // One chunk (one request), several (the gateway's 64 KiB chunks refuse
  // a one-request put of up to 4 MiB: the bytes already read are split),
  // and more than the client reads before it knows the chunk size.
  for (size_t size :
       {size_t{0}, size_t{1}, size_t{64 * 1024}, size_t{1000 * 1000}, size_t{(4 << 20) + 100}}) {
    auto data = pattern(size, size + 7);
    std::istringstream in{std::string{data.begin(), data.end()}};
    uint64_t last_progress = 0;
    auto info = c->put(in, "/f", 0, size, [&](uint64_t done, uint64_t) { last_progress = done; });
    ASSERT_TRUE(info) << describe(info.error());
    EXPECT_EQ(info->size, size);
    EXPECT_EQ(info->chunks.size(), (size + node.chunk_size - 1) / node.chunk_size);
    for (auto& chunk : info->chunks)
      EXPECT_LE(chunk.length, node.chunk_size);
    EXPECT_EQ(last_progress, size);
    std::ostringstream out;
    auto got = c->get("/f", out);
    ASSERT_TRUE(got) << describe(got.error());
    EXPECT_EQ(out.str(), std::string(data.begin(), data.end()));
  }
}

TEST(client, writes_refused_by_a_gateway_over_its_memory_budget_are_sent_again) {
  testing::node_options opts;
  opts.write_budget = 2 * opts.chunk_size;   // two chunks in flight at most
  opts.fs = std::make_shared<posix_disk>();  // stores take an fsync each
  test_node node{opts};
  // The gateway refuses a write past its budget at once...
  auto ticket = node.ask<upload_ticket>(node.handles.gateway, open_atom::value, test_node::ctx(),
                                        std::string{"/raw"}, uint32_t{0});
  ASSERT_TRUE(ticket);
  auto& self = *node.self;
  std::vector<decltype(self->request(node.handles.gateway, std::chrono::seconds{5},
                                     write_atom::value, request_context{}, uint64_t{0}, uint64_t{0},
                                     byte_buffer{}))>
    pending;
  // Made first, then sent back to back: the stores (an fsync each, and
  // 50 ms injected at the disk) cannot finish in between.
  ASSERT_TRUE(node.ask<ok_atom>(node.handles.replica, slow_atom::value, uint32_t{50}));
  std::vector<byte_buffer> chunks;
  for (uint64_t i = 0; i < 16; ++i)
    chunks.push_back(pattern(opts.chunk_size, i));
  for (uint64_t i = 0; i < 16; ++i)
    pending.push_back(self->request(node.handles.gateway, std::chrono::seconds{5},
                                    write_atom::value, test_node::ctx(), ticket->upload_id, i,
                                    std::move(chunks[i])));
  int refused = 0;
  for (auto& p : pending)
    p.receive([](chunk_ref&) {},
              [&](caf::error& err) { refused += to_errc(err) == errc::overloaded ? 1 : 0; });
  EXPECT_GE(refused, 1) << "sixteen chunks sent at once find two in flight";
  EXPECT_LE(refused, 14) << "the first two are taken";
  ASSERT_TRUE(node.ask<ok_atom>(node.handles.replica, slow_atom::value, uint32_t{0}));
  // ...and clients send refused writes again after a pause: every put
  // completes, whole.
  auto port = publish(node);
  std::vector<std::future<bool>> puts;
  for (int k = 0; k < 3; ++k)
    puts.push_back(std::async(std::launch::async, [port, k] {
      auto c = connect(port, 4);
      auto data = pattern(1000 * 1000, static_cast<size_t>(k));
      std::istringstream in{std::string{data.begin(), data.end()}};
      auto path = "/p" + std::to_string(k);
      if (!c->put(in, path, 0, data.size()))
        return false;
      std::ostringstream out;
      return c->get(path, out) && out.str() == std::string{data.begin(), data.end()};
    }));
  for (auto& p : puts)
    EXPECT_TRUE(p.get());
}

TEST(client, reads_refused_by_a_gateway_over_its_memory_budget_are_asked_again) {
  testing::node_options opts;
  opts.read_budget = opts.chunk_size;  // one chunk read in flight at most
  opts.fs = std::make_shared<posix_disk>();
  test_node node{opts};
  auto data = pattern(20 * opts.chunk_size + 123, 5);
  ASSERT_TRUE(node.put("/big", data));
  auto info = node.ask<file_info>(node.handles.gateway, stat_atom::value, test_node::ctx(),
                                  std::string{"/big"});
  ASSERT_TRUE(info);
  // Sent back to back, the reads find the first still in flight: each
  // takes at least 50 ms at the disk (injected), so on a busy machine too.
  ASSERT_TRUE(node.ask<ok_atom>(node.handles.replica, slow_atom::value, uint32_t{50}));
  auto& self = *node.self;
  std::vector<decltype(self->request(node.handles.gateway, std::chrono::seconds{5},
                                     read_atom::value, request_context{}, chunk_ref{}))>
    pending;
  for (auto& ref : info->chunks)
    pending.push_back(self->request(node.handles.gateway, std::chrono::seconds{5}, read_atom::value,
                                    test_node::ctx(), ref));
  int refused = 0;
  for (auto& p : pending)
    p.receive([](byte_buffer&) {},
              [&](caf::error& err) { refused += to_errc(err) == errc::overloaded ? 1 : 0; });
  EXPECT_GE(refused, 1);
  ASSERT_TRUE(node.ask<ok_atom>(node.handles.replica, slow_atom::value, uint32_t{0}));
  // A read claiming more than any chunk can hold is refused outright.
  auto huge = info->chunks[0];
  huge.length = UINT64_MAX;
  EXPECT_EQ(
    to_errc(node.ask<byte_buffer>(node.handles.gateway, read_atom::value, test_node::ctx(), huge)
              .error()),
    errc::invalid_argument);
  // Clients ask refused reads again after a pause: with 8 in flight
  // against a budget of one, gets still return the file whole.
  auto port = publish(node);
  std::vector<std::future<bool>> gets;
  for (int k = 0; k < 3; ++k)
    gets.push_back(std::async(std::launch::async, [port, &data] {
      auto c = connect(port, 8);
      std::ostringstream out;
      return c->get("/big", out) && out.str() == std::string{data.begin(), data.end()};
    }));
  for (auto& g : gets)
    EXPECT_TRUE(g.get());
}

TEST(client, an_open_refused_for_too_many_uploads_is_asked_again) {
  test_node node;
  auto& gw = node.handles.gateway;
  // Every upload slot taken (1024 by default)...
  std::vector<uint64_t> open;
  for (;;) {
    auto t = node.ask<upload_ticket>(gw, open_atom::value, test_node::ctx(),
                                     "/u" + std::to_string(open.size()), uint32_t{0});
    if (!t) {
      ASSERT_EQ(to_errc(t.error()), errc::overloaded) << describe(t.error());
      break;
    }
    open.push_back(t->upload_id);
    ASSERT_LT(open.size(), 5000u);
  }
  // ...a chunked put waits for one to free up, then goes through.
  auto port = publish(node);
  auto data = pattern(300000, 3);
  auto put = std::async(std::launch::async, [port, &data] {
    auto c = connect(port);
    std::istringstream in{std::string{data.begin(), data.end()}};
    return bool{c->put(in, "/late", 0, data.size())};
  });
  ASSERT_EQ(put.wait_for(std::chrono::milliseconds{300}), std::future_status::timeout)
    << "the put waits while every slot is taken";
  ASSERT_TRUE(node.ask<ok_atom>(gw, abort_atom::value, test_node::ctx(), open.back()));
  EXPECT_TRUE(put.get());
  EXPECT_EQ(*node.get("/late"), data);
}

TEST(client, error_codes_survive_the_middleman) {
  test_node node;
  auto c = connect(publish(node));
  auto missing = c->stat("/nope");
  ASSERT_FALSE(missing);
  EXPECT_EQ(to_errc(missing.error()), errc::not_found);
  EXPECT_EQ(describe(missing.error()), "not_found: /nope does not exist");
  ASSERT_TRUE(c->mkdir("/d", false));
  std::istringstream in{"x"};
  auto onto_dir = c->put(in, "/d", 0);
  ASSERT_FALSE(onto_dir);
  EXPECT_EQ(to_errc(onto_dir.error()), errc::is_a_directory);
  std::ostringstream out;
  EXPECT_EQ(to_errc(c->get("/d", out).error()), errc::is_a_directory);
  EXPECT_EQ(to_errc(c->remove("/", true)), errc::invalid_argument);
}

TEST(client, an_unreachable_cluster_is_unavailable) {
  auto c = client::connect(client_options{{host_port{"127.0.0.1", 1}}, std::chrono::seconds{2}, 1});
  ASSERT_FALSE(c);
  EXPECT_EQ(to_errc(c.error()), errc::unavailable);
}

TEST(client, status_reports_the_node_and_its_storage) {
  test_node node;
  auto c = connect(publish(node));
  std::istringstream in{std::string(200000, 'z')};
  ASSERT_TRUE(c->put(in, "/z", 0));
  auto st = c->status();
  ASSERT_TRUE(st) << describe(st.error());
  EXPECT_EQ(st->id.value, "n1");
  EXPECT_EQ(st->state, "active");
  EXPECT_EQ(st->chunks, 4u);
  EXPECT_EQ(st->bytes_used, 200000u);
}

TEST(client, a_restarted_node_serves_everything_it_stored) {
  testing::temp_dir data;
  auto opts = testing::node_options{64 * 1024, std::chrono::milliseconds{300000},
                                    std::make_shared<posix_disk>(), data.path()};
  auto content = pattern(500000, 3);
  {
    test_node node{opts};
    auto c = connect(publish(node));
    ASSERT_TRUE(c->mkdir("/keep/deep", true));
    std::istringstream in{std::string{content.begin(), content.end()}};
    ASSERT_TRUE(c->put(in, "/keep/deep/f", 0));
  }
  test_node node{opts};
  auto c = connect(publish(node));
  std::ostringstream out;
  auto info = c->get("/keep/deep/f", out);
  ASSERT_TRUE(info) << describe(info.error());
  EXPECT_EQ(out.str(), std::string(content.begin(), content.end()));
  EXPECT_EQ(c->status()->chunks, 8u);
}

}  // namespace
}  // namespace dfs

namespace dfs {
namespace {

// Handles handed to a remote client must not keep any actor's thread alive
// once the node shuts down (a detached actor referenced from the network
// once made the actor system wait forever).
TEST(client, a_node_shuts_down_promptly_after_serving_remote_clients) {
  // The hang this guards against was a race: repeat to catch it.
  for (int round = 0; round < 10; ++round) {
    auto node = std::make_unique<test_node>();
    {
      auto c = connect(publish(*node));
      auto data = pattern(300000, 1);
      std::istringstream in{std::string{data.begin(), data.end()}};
      ASSERT_TRUE(c->put(in, "/f", 0));
      std::ostringstream out;
      ASSERT_TRUE(c->get("/f", out));
    }
    // Shut down on a detached thread, so a hang fails this test instead of
    // blocking the test binary.
    std::promise<void> stopped;
    auto done = stopped.get_future();
    std::thread{[n = std::move(node), p = std::move(stopped)]() mutable {
      n.reset();
      p.set_value();
    }}.detach();
    ASSERT_EQ(done.wait_for(std::chrono::seconds{10}), std::future_status::ready)
      << "round " << round << ": the node did not shut down within 10 s";
  }
}

}  // namespace
}  // namespace dfs
