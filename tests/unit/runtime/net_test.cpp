#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "runtime/metrics.hpp"
#include "runtime/net.hpp"

namespace dfs {
namespace {

// A loopback listener on a free port (closed again by the destructor).
struct listener {
  int fd = -1;
  uint16_t port = 0;
  listener() {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    ::listen(fd, 4);
    socklen_t len = sizeof(addr);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
  }
  ~listener() { ::close(fd); }
};

TEST(probe_tcp, a_listening_port_answers_and_a_closed_one_is_refused) {
  uint16_t closed_port = 0;
  {
    listener l;
    EXPECT_EQ(probe_tcp("127.0.0.1", l.port, std::chrono::milliseconds{1000}), "");
    closed_port = l.port;
  }
  auto why = probe_tcp("127.0.0.1", closed_port, std::chrono::milliseconds{1000});
  EXPECT_NE(why, "");
}

TEST(http_get, reads_a_page_and_reports_what_went_wrong) {
  metrics_endpoint endpoint;
  endpoint.route("/hello", [] { return http_reply{200, "hello\n"}; });
  endpoint.route("/broken", [] { return http_reply{503, "down\n"}; });
  uint16_t port = 0;
  for (int attempt = 0; attempt < 20 && port == 0; ++attempt) {
    listener probe;  // a port that was free a moment ago
    auto p = probe.port;
    ::close(probe.fd);
    probe.fd = -1;
    if (endpoint.start("127.0.0.1:" + std::to_string(p)).empty())
      port = p;
  }
  ASSERT_NE(port, 0);
  std::string why;
  auto page = http_get("127.0.0.1", port, "/hello", std::chrono::milliseconds{2000}, why);
  ASSERT_TRUE(page) << why;
  EXPECT_EQ(*page, "hello\n");
  EXPECT_FALSE(http_get("127.0.0.1", port, "/broken", std::chrono::milliseconds{2000}, why));
  EXPECT_NE(why.find("503"), std::string::npos) << why;
  // A listener that never answers: the deadline holds.
  listener silent;
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(http_get("127.0.0.1", silent.port, "/", std::chrono::milliseconds{300}, why));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds{3});
  EXPECT_NE(why.find("no complete answer"), std::string::npos) << why;
}

}  // namespace
}  // namespace dfs
