#include "ha_socket.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace quiver::replication::master_slave {
namespace {

constexpr std::size_t kMaxIov = 1024;  // Linux UIO_MAXIOV

std::string ErrnoText() { return std::strerror(errno); }

StatusOr<addrinfo*> Resolve(const std::string& address, bool passive) {
  std::size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == address.size()) {
    return InvalidArgumentError("address \"" + address + "\" is not \"host:port\"");
  }
  std::string host = address.substr(0, colon);
  std::string port = address.substr(colon + 1);
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  if (passive) hints.ai_flags = AI_PASSIVE;
  addrinfo* result = nullptr;
  int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &result);
  if (rc != 0 || result == nullptr) {
    return InvalidArgumentError("cannot resolve \"" + address + "\": " + gai_strerror(rc));
  }
  return result;
}

std::string Format(const sockaddr_in& in) {
  char text[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &in.sin_addr, text, sizeof(text));
  return std::string(text) + ":" + std::to_string(ntohs(in.sin_port));
}

// Waits for `events` on `fd`; false on timeout.
StatusOr<bool> Wait(int fd, short events, std::chrono::milliseconds timeout) {
  pollfd p{fd, events, 0};
  for (;;) {
    int rc = poll(&p, 1, static_cast<int>(timeout.count()));
    if (rc < 0 && errno == EINTR) continue;
    if (rc < 0) return UnavailableError("poll: " + ErrnoText());
    return rc > 0;
  }
}

}  // namespace

Socket& Socket::operator=(Socket&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

Socket::~Socket() {
  if (fd_ >= 0) close(fd_);
}

StatusOr<Socket> Socket::Listen(const std::string& address) {
  QUIVER_ASSIGN_OR_RETURN(addrinfo * info, Resolve(address, true));
  Socket s(socket(info->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!s.valid()) {
    freeaddrinfo(info);
    return UnavailableError("socket: " + ErrnoText());
  }
  int one = 1;
  setsockopt(s.fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  int rc = bind(s.fd_, info->ai_addr, info->ai_addrlen);
  freeaddrinfo(info);
  if (rc != 0) return UnavailableError("cannot bind HA listener " + address + ": " + ErrnoText());
  if (listen(s.fd_, 16) != 0) return UnavailableError("listen " + address + ": " + ErrnoText());
  return s;
}

StatusOr<Socket> Socket::Connect(const std::string& address, std::chrono::milliseconds timeout) {
  QUIVER_ASSIGN_OR_RETURN(addrinfo * info, Resolve(address, false));
  Socket s(socket(info->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!s.valid()) {
    freeaddrinfo(info);
    return UnavailableError("socket: " + ErrnoText());
  }
  int rc = connect(s.fd_, info->ai_addr, info->ai_addrlen);
  freeaddrinfo(info);
  if (rc != 0 && errno != EINPROGRESS) {
    return UnavailableError("connect " + address + ": " + ErrnoText());
  }
  if (rc != 0) {
    QUIVER_ASSIGN_OR_RETURN(bool ready, Wait(s.fd_, POLLOUT, timeout));
    if (!ready) return UnavailableError("connect " + address + ": timed out");
    int error = 0;
    socklen_t len = sizeof(error);
    getsockopt(s.fd_, SOL_SOCKET, SO_ERROR, &error, &len);
    if (error != 0) return UnavailableError("connect " + address + ": " + std::strerror(error));
  }
  int one = 1;
  setsockopt(s.fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return s;
}

StatusOr<Socket> Socket::Accept(std::chrono::milliseconds timeout) const {
  QUIVER_ASSIGN_OR_RETURN(bool ready, Wait(fd_, POLLIN, timeout));
  if (!ready) return DeadlineExceededError("no connection");
  Socket s(accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
  if (!s.valid()) return UnavailableError("accept: " + ErrnoText());
  int one = 1;
  setsockopt(s.fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return s;
}

StatusOr<std::size_t> Socket::Read(std::span<std::uint8_t> buffer,
                                   std::chrono::milliseconds timeout) const {
  QUIVER_ASSIGN_OR_RETURN(bool ready, Wait(fd_, POLLIN, timeout));
  if (!ready) return DeadlineExceededError("nothing to read");
  for (;;) {
    ssize_t n = recv(fd_, buffer.data(), buffer.size(), 0);
    if (n > 0) return static_cast<std::size_t>(n);
    if (n == 0) return UnavailableError("the peer closed the connection");
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return DeadlineExceededError("nothing to read");
    return UnavailableError("recv: " + ErrnoText());
  }
}

Status Socket::Write(const std::vector<std::span<const std::uint8_t>>& parts,
                     std::chrono::milliseconds timeout) const {
  std::vector<iovec> iov;
  iov.reserve(parts.size());
  for (auto part : parts) {
    if (!part.empty()) iov.push_back({const_cast<std::uint8_t*>(part.data()), part.size()});
  }
  std::size_t first = 0;
  while (first < iov.size()) {
    msghdr msg{};
    msg.msg_iov = iov.data() + first;
    msg.msg_iovlen = std::min<std::size_t>(iov.size() - first, kMaxIov);
    ssize_t n = sendmsg(fd_, &msg, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        QUIVER_ASSIGN_OR_RETURN(bool ready, Wait(fd_, POLLOUT, timeout));
        if (!ready)
          return UnavailableError("the peer took nothing for " + std::to_string(timeout.count()) +
                                  " ms");
        continue;
      }
      return UnavailableError("send: " + ErrnoText());
    }
    auto left = static_cast<std::size_t>(n);
    while (first < iov.size() && left >= iov[first].iov_len) {
      left -= iov[first].iov_len;
      ++first;
    }
    if (left > 0) {
      iov[first].iov_base = static_cast<std::uint8_t*>(iov[first].iov_base) + left;
      iov[first].iov_len -= left;
    }
  }
  return Status::Ok();
}

void Socket::Shutdown() const {
  if (fd_ >= 0) shutdown(fd_, SHUT_RDWR);
}

std::string Socket::LocalAddress() const {
  sockaddr_in in{};
  socklen_t len = sizeof(in);
  if (getsockname(fd_, reinterpret_cast<sockaddr*>(&in), &len) != 0) return "";
  return Format(in);
}

std::string Socket::RemoteAddress() const {
  sockaddr_in in{};
  socklen_t len = sizeof(in);
  if (getpeername(fd_, reinterpret_cast<sockaddr*>(&in), &len) != 0) return "";
  return Format(in);
}

}  // namespace quiver::replication::master_slave
