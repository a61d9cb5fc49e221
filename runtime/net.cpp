#include "runtime/net.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace dfs {

namespace {

// A TCP connection to host:port made within `timeout`: a non-blocking
// socket, or -1 with the reason in `why`.
int connect_within(const std::string& host, uint16_t port, std::chrono::milliseconds timeout,
                   std::string& why) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  auto service = std::to_string(port);
  if (int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0) {
    why = std::string{"cannot resolve "} + host + ": " + ::gai_strerror(rc);
    return -1;
  }
  why = "no address";
  for (auto* ai = found; ai; ai = ai->ai_next) {
    int fd =
      ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      why = std::strerror(errno);
      continue;
    }
    int rc = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      rc = ::poll(&p, 1, static_cast<int>(timeout.count()));
      if (rc == 0) {
        why = "no answer within " + std::to_string(timeout.count()) + " ms";
        rc = -1;
      } else if (rc > 0) {
        int err = 0;
        socklen_t len = sizeof(err);
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        rc = err == 0 ? 0 : -1;
        if (err != 0)
          why = std::strerror(err);
      } else {
        why = std::strerror(errno);
      }
    } else if (rc != 0) {
      why = std::strerror(errno);
    }
    if (rc == 0) {
      ::freeaddrinfo(found);
      return fd;
    }
    ::close(fd);
  }
  ::freeaddrinfo(found);
  return -1;
}

}  // namespace

std::string probe_tcp(const std::string& host, uint16_t port, std::chrono::milliseconds timeout) {
  std::string why;
  int fd = connect_within(host, port, timeout, why);
  if (fd < 0)
    return why;
  ::close(fd);
  return {};
}

std::optional<std::string> http_get(const std::string& host, uint16_t port, const std::string& path,
                                    std::chrono::milliseconds timeout, std::string& why) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto left_ms = [&] {
    return static_cast<int>(std::max<int64_t>(
      0, std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                               std::chrono::steady_clock::now())
           .count()));
  };
  int fd = connect_within(host, port, timeout, why);
  if (fd < 0)
    return std::nullopt;
  std::string request = "GET " + path + " HTTP/1.0\r\nHost: " + host + "\r\n\r\n";
  std::string reply;
  size_t sent = 0;
  bool ok = false;
  while (true) {
    pollfd p{fd, static_cast<short>(sent < request.size() ? POLLOUT : POLLIN), 0};
    int rc = ::poll(&p, 1, left_ms());
    if (rc <= 0) {
      why = rc == 0 ? "no complete answer within " + std::to_string(timeout.count()) + " ms"
                    : std::strerror(errno);
      break;
    }
    if (sent < request.size()) {
      auto n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
      if (n < 0 && errno != EAGAIN) {
        why = std::strerror(errno);
        break;
      }
      sent += n > 0 ? static_cast<size_t>(n) : 0;
      continue;
    }
    char buf[16384];
    auto n = ::recv(fd, buf, sizeof(buf), 0);
    if (n == 0) {
      ok = true;
      break;
    }
    if (n < 0 && errno != EAGAIN) {
      why = std::strerror(errno);
      break;
    }
    if (n > 0)
      reply.append(buf, static_cast<size_t>(n));
    if (reply.size() > (64u << 20)) {
      why = "answer larger than 64 MiB";
      break;
    }
  }
  ::close(fd);
  if (!ok)
    return std::nullopt;
  auto head_end = reply.find("\r\n\r\n");
  if (reply.rfind("HTTP/", 0) != 0 || head_end == std::string::npos) {
    why = "not an HTTP answer";
    return std::nullopt;
  }
  auto status = reply.substr(0, reply.find("\r\n"));
  if (status.find(" 200") == std::string::npos) {
    why = status;
    return std::nullopt;
  }
  return reply.substr(head_end + 4);
}

}  // namespace dfs
