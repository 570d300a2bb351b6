#include "tcp_server.h"

#include <atomic>
#include <exception>
#include <mutex>
#include <unordered_map>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include "address.h"
#include "connection.h"
#include "io_pool.h"

namespace quiver::transport::tcp {

namespace asio = boost::asio;
using asio::ip::tcp;

class TcpServer::Core : public std::enable_shared_from_this<Core> {
 public:
  Core(TcpConfig config, std::shared_ptr<spdlog::logger> logger)
      : config_(config), logger_(std::move(logger)) {}

  void RegisterHandler(std::int32_t code, RequestHandler handler) {
    std::lock_guard lock(mu_);
    if (started_) {
      logger_->error("RegisterHandler({}) after Start() is ignored", code);
      return;
    }
    (*handlers_)[code] = std::move(handler);
  }

  void AddCloseListener(ConnectionListener listener) {
    std::lock_guard lock(mu_);
    if (started_) {
      logger_->error("AddCloseListener after Start() is ignored");
      return;
    }
    listeners_.push_back(std::move(listener));
  }

  Status Start(const std::string& listen) {
    {
      std::lock_guard lock(mu_);
      if (started_ || stopping_) {
        return FailedPreconditionError("transport server already started (listening on " +
                                       local_address_ + ")");
      }
    }
    QUIVER_ASSIGN_OR_RETURN(HostPort host_port, SplitHostPort(listen));
    auto pool = IoPool::Create(config_.io_threads);
    auto acceptor = std::make_unique<tcp::acceptor>(pool->context(0));
    boost::system::error_code error;
    tcp::endpoint endpoint;
    asio::ip::address address = asio::ip::make_address(host_port.host, error);
    if (!error) {
      endpoint = tcp::endpoint(address, host_port.port);
    } else {
      tcp::resolver resolver(pool->context(0));
      auto results = resolver.resolve(host_port.host, std::to_string(host_port.port),
                                      tcp::resolver::passive, error);
      if (error || results.empty()) {
        return UnavailableError("cannot listen on " + listen + ": cannot resolve \"" +
                                host_port.host + "\": " + error.message());
      }
      endpoint = results.begin()->endpoint();
    }
    auto fail = [&](const char* step) {
      return UnavailableError("cannot listen on " + listen + ": " + step + ": " + error.message());
    };
    acceptor->open(endpoint.protocol(), error);
    if (error) return fail("open");
    acceptor->set_option(tcp::acceptor::reuse_address(true), error);
    if (error) return fail("SO_REUSEADDR");
    acceptor->bind(endpoint, error);
    if (error) return fail("bind");
    acceptor->listen(asio::socket_base::max_listen_connections, error);
    if (error) return fail("listen");
    tcp::endpoint bound = acceptor->local_endpoint(error);
    if (error) return fail("local address");

    {
      std::lock_guard lock(mu_);
      started_ = true;
      local_address_ = FormatEndpoint(bound);
      frozen_handlers_ = handlers_;
      pool_ = pool;
      acceptor_ = std::move(acceptor);
      accept_retry_ = std::make_unique<asio::steady_timer>(pool->context(0));
    }
    pool->Start();
    pool->Post(0, [self = shared_from_this()] { self->Accept(); });
    logger_->info("listening on {}", local_address_);
    return Status::Ok();
  }

  std::string LocalAddress() const {
    std::lock_guard lock(mu_);
    return local_address_;
  }

  std::size_t ConnectionCount() const {
    std::lock_guard lock(mu_);
    return connections_.size();
  }

  void Stop() {
    std::shared_ptr<IoPool> pool;
    std::vector<std::shared_ptr<TcpConnection>> connections;
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      stopping_ = true;
      if (!started_) return;
      pool = pool_;
      for (auto& [id, connection] : connections_) connections.push_back(connection);
    }
    pool->Post(0, [self = shared_from_this()] { self->CloseAcceptor(); });
    for (auto& connection : connections) connection->Close();
    pool->Stop();
    // The I/O threads are joined (or, for the caller's own, busy with this call): close here
    // whatever they did not get to, so every close listener fires before Stop returns.
    CloseAcceptor();
    {
      std::lock_guard lock(mu_);
      connections.clear();
      for (auto& [id, connection] : connections_) connections.push_back(connection);
    }
    for (auto& connection : connections) connection->CloseNow("server stopped");
    pool->DrainStopped();
    logger_->info("stopped listening on {}", local_address_);
  }

 private:
  void CloseAcceptor() {
    boost::system::error_code ignored;
    if (acceptor_) acceptor_->close(ignored);
    if (accept_retry_) accept_retry_->cancel();
  }

  void Accept() {
    const std::size_t index = pool_->NextIndex();
    acceptor_->async_accept(pool_->context(index),
                            [self = shared_from_this(), index](
                                const boost::system::error_code& error, tcp::socket socket) {
                              self->OnAccept(error, index, std::move(socket));
                            });
  }

  void OnAccept(const boost::system::error_code& error, std::size_t index, tcp::socket socket) {
    if (error == asio::error::operation_aborted || !acceptor_->is_open()) return;
    if (error) {
      // Usually out of file descriptors: pause instead of spinning on the error.
      logger_->warn("accept on {} failed: {}; retrying in 100ms", local_address_, error.message());
      accept_retry_->expires_after(std::chrono::milliseconds(100));
      accept_retry_->async_wait([self = shared_from_this()](const boost::system::error_code& e) {
        if (!e) self->Accept();
      });
      return;
    }
    Accept();
    std::shared_ptr<TcpConnection> connection;
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;  // the socket closes as it goes out of scope
      if (connections_.size() >= static_cast<std::size_t>(config_.max_connections)) {
        boost::system::error_code ignored;
        auto peer = socket.remote_endpoint(ignored);
        logger_->warn("refusing connection from {}: max_connections ({}) reached",
                      ignored ? std::string("(unknown peer)") : FormatEndpoint(peer),
                      config_.max_connections);
        socket.close(ignored);
        return;
      }
      TcpConnection::Options options;
      options.max_frame_size = config_.max_frame_size;
      options.idle_timeout = config_.idle_timeout;
      options.max_in_flight = static_cast<std::size_t>(config_.max_in_flight);
      const std::uint64_t id = next_id_++;
      connection = std::make_shared<TcpConnection>(
          pool_, index, std::move(socket), id, options, frozen_handlers_, opaque_counter_,
          [weak = weak_from_this()](const std::shared_ptr<TcpConnection>& closed) {
            if (auto self = weak.lock()) self->OnClosed(closed);
          },
          logger_);
      connections_.emplace(id, connection);
    }
    logger_->debug("accepted connection {} from {}", connection->Id(), connection->RemoteAddress());
    connection->Start();
  }

  void OnClosed(const std::shared_ptr<TcpConnection>& connection) {
    {
      std::lock_guard lock(mu_);
      connections_.erase(connection->Id());
    }
    // listeners_ is immutable once started.
    const ConnectionPtr as_connection = connection;
    for (const ConnectionListener& listener : listeners_) {
      try {
        listener(as_connection);
      } catch (const std::exception& e) {
        logger_->error("close listener threw: {}", e.what());
      } catch (...) {
        logger_->error("close listener threw a non-standard exception");
      }
    }
  }

  const TcpConfig config_;
  const std::shared_ptr<spdlog::logger> logger_;
  const std::shared_ptr<std::atomic<std::int32_t>> opaque_counter_ =
      std::make_shared<std::atomic<std::int32_t>>(1);

  mutable std::mutex mu_;
  bool started_ = false;       // guarded by mu_
  bool stopping_ = false;      // guarded by mu_
  std::string local_address_;  // guarded by mu_; fixed once started
  std::shared_ptr<HandlerMap> handlers_ = std::make_shared<HandlerMap>();
  std::shared_ptr<const HandlerMap> frozen_handlers_;
  std::vector<ConnectionListener> listeners_;
  std::unordered_map<std::uint64_t, std::shared_ptr<TcpConnection>> connections_;
  std::uint64_t next_id_ = 1;  // guarded by mu_

  // Set by Start() and fixed afterwards; the acceptor is used on context 0 only.
  std::shared_ptr<IoPool> pool_;
  std::unique_ptr<tcp::acceptor> acceptor_;
  std::unique_ptr<asio::steady_timer> accept_retry_;
};

TcpServer::TcpServer(TcpConfig config, std::shared_ptr<spdlog::logger> logger)
    : core_(std::make_shared<Core>(config, std::move(logger))) {}

TcpServer::~TcpServer() { core_->Stop(); }

void TcpServer::RegisterHandler(std::int32_t request_code, RequestHandler handler) {
  core_->RegisterHandler(request_code, std::move(handler));
}

void TcpServer::AddCloseListener(ConnectionListener listener) {
  core_->AddCloseListener(std::move(listener));
}

Status TcpServer::Start(const std::string& listen) { return core_->Start(listen); }

std::string TcpServer::LocalAddress() const { return core_->LocalAddress(); }

void TcpServer::Stop() { core_->Stop(); }

std::size_t TcpServer::ConnectionCount() const { return core_->ConnectionCount(); }

}  // namespace quiver::transport::tcp
