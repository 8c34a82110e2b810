// A TCP proxy on 127.0.0.1 in front of the server that can lose responses: in "drop"
// mode it forwards each request to the server, waits until the server starts answering
// (the push is committed by then), and closes the client's connection without passing a
// byte of the answer on: the device sees a dropped connection after the commit.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace trailpack::faults {

class LossyProxy {
 public:
  explicit LossyProxy(unsigned short upstream_port);
  ~LossyProxy();
  LossyProxy(const LossyProxy&) = delete;
  LossyProxy& operator=(const LossyProxy&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  void drop_responses(bool drop) { drop_ = drop; }
  /// Responses the proxy swallowed so far.
  int dropped() const { return dropped_; }

 private:
  void accept_loop();
  void relay(int client);

  unsigned short upstream_;
  unsigned short port_ = 0;
  int listen_fd_ = -1;
  std::atomic<bool> drop_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<int> dropped_{0};
  std::thread acceptor_;
  std::vector<std::thread> relays_;
};

}  // namespace trailpack::faults
