#pragma once
// Blocking POSIX TCP sockets for the HA channel, private to this plugin.
//
// Why not the SDK transport: the HA stream is RocketMQ's raw framing (§7.2), not remoting
// commands, and the SDK has no raw-socket facility. Why not Boost.Asio: a master has one
// or two slaves, so a thread per direction per slave is cheap, and plain sockets keep the
// plugin free of any dependency beyond the SDK. Every wait has a timeout, so threads notice
// Stop(); Shutdown() wakes a thread blocked in Read/Write at once.
//
// Thread safety: one reader and one writer may use a socket concurrently; Shutdown from any
// thread.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "quiver/status.h"

namespace quiver::replication::master_slave {

class Socket {
 public:
  Socket() = default;
  explicit Socket(int fd) : fd_(fd) {}
  Socket(Socket&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  Socket& operator=(Socket&& other) noexcept;
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  ~Socket();

  bool valid() const { return fd_ >= 0; }
  int fd() const { return fd_; }

  // Binds and listens on "host:port" (port 0 picks a free one).
  static StatusOr<Socket> Listen(const std::string& address);
  static StatusOr<Socket> Connect(const std::string& address, std::chrono::milliseconds timeout);
  // kDeadlineExceeded when nothing arrived within `timeout`.
  StatusOr<Socket> Accept(std::chrono::milliseconds timeout) const;

  // Up to `buffer.size()` bytes; kDeadlineExceeded when nothing arrived in `timeout`,
  // kUnavailable when the peer closed or the socket failed.
  StatusOr<std::size_t> Read(std::span<std::uint8_t> buffer,
                             std::chrono::milliseconds timeout) const;
  // Writes every byte of every span (gathered); kUnavailable on failure or when the peer
  // did not take the bytes within `timeout`.
  Status Write(const std::vector<std::span<const std::uint8_t>>& parts,
               std::chrono::milliseconds timeout) const;

  void Shutdown() const;
  std::string LocalAddress() const;
  std::string RemoteAddress() const;

 private:
  int fd_ = -1;
};

}  // namespace quiver::replication::master_slave
