#include "lossy_proxy.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace trailpack::faults {

LossyProxy::LossyProxy(unsigned short upstream_port) : upstream_(upstream_port) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  const int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(listen_fd_, 64) != 0)
    throw std::runtime_error("proxy: cannot listen");
  socklen_t len = sizeof a;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
  port_ = ntohs(a.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

LossyProxy::~LossyProxy() {
  stopping_ = true;
  ::shutdown(listen_fd_, SHUT_RDWR);
  ::close(listen_fd_);
  acceptor_.join();
  for (auto& t : relays_) t.join();
}

void LossyProxy::accept_loop() {
  while (!stopping_) {
    const int c = ::accept(listen_fd_, nullptr, nullptr);
    if (c < 0) return;
    relays_.emplace_back([this, c] { relay(c); });
  }
}

void LossyProxy::relay(int client) {
  const int up = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(upstream_);
  if (::connect(up, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(up);
    ::close(client);
    return;
  }
  char buf[65536];
  pollfd fds[2] = {{client, POLLIN, 0}, {up, POLLIN, 0}};
  while (!stopping_) {
    if (::poll(fds, 2, 200) < 0) break;
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      const ssize_t n = ::read(client, buf, sizeof buf);
      if (n <= 0) break;
      if (::send(up, buf, static_cast<std::size_t>(n), MSG_NOSIGNAL) != n) break;
    }
    if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
      const ssize_t n = ::read(up, buf, sizeof buf);
      if (n <= 0) break;
      if (drop_) {
        // The server has answered, so the request was handled; the device never hears it.
        ++dropped_;
        break;
      }
      if (::send(client, buf, static_cast<std::size_t>(n), MSG_NOSIGNAL) != n) break;
    }
  }
  ::shutdown(client, SHUT_RDWR);
  ::close(client);
  ::close(up);
}

}  // namespace trailpack::faults
