#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

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

}  // namespace
}  // namespace dfs
