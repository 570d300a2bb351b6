#include "tcp_client.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include "address.h"
#include "connection.h"
#include "io_pool.h"
#include "quiver/units.h"

namespace quiver::transport::tcp {

namespace asio = boost::asio;
using asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

namespace {

constexpr Duration kFirstBackoff = std::chrono::milliseconds(100);

struct Waiter {
  RemotingCommand request;
  TimePoint deadline;
  Duration timeout;       // as given, for error messages
  ResponseCallback done;  // empty for one-way requests
  bool oneway = false;
};

// One connect in progress; lives on the endpoint's I/O thread.
struct ConnectAttempt {
  explicit ConnectAttempt(asio::io_context& context)
      : socket(context), timer(context), resolver(context) {}
  tcp::socket socket;
  asio::steady_timer timer;
  tcp::resolver resolver;
  bool finished = false;
  bool timed_out = false;
};

struct Endpoint {
  enum class State { kIdle, kConnecting, kConnected, kDown };
  Endpoint(std::string a, std::size_t i) : address(std::move(a)), index(i) {}
  const std::string address;
  const std::size_t index;  // I/O context
  // Guarded by Core::mu_.
  State state = State::kIdle;
  std::shared_ptr<TcpConnection> connection;
  std::shared_ptr<ConnectAttempt> attempt;
  std::vector<Waiter> waiters;
  TimePoint down_until{};
  Duration backoff = Duration::zero();
  std::string last_error;
};

std::string Millis(Duration d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count()) + "ms";
}

}  // namespace

class TcpClient::Core : public std::enable_shared_from_this<Core> {
 public:
  Core(TcpConfig config, std::shared_ptr<spdlog::logger> logger)
      : config_(config), logger_(std::move(logger)), pool_(IoPool::Create(config.io_threads)) {
    pool_->Start();
  }

  void RegisterHandler(std::int32_t code, RequestHandler handler) {
    std::lock_guard lock(mu_);
    if (frozen_handlers_) {
      logger_->error("RegisterHandler({}) after the first invocation is ignored", code);
      return;
    }
    (*handlers_)[code] = std::move(handler);
  }

  // Sends `waiter` to `address`, connecting first if needed. Returns the error it failed
  // with at once (its callback, if any, is then completed on an I/O thread), or OK.
  Status Submit(const std::string& address, Waiter waiter) {
    std::shared_ptr<Endpoint> endpoint;
    std::shared_ptr<TcpConnection> connection;
    Status failure;
    bool start_connect = false;
    {
      std::lock_guard lock(mu_);
      if (stopped_) {
        failure = UnavailableError("transport client is stopped");
      } else {
        if (!frozen_handlers_) frozen_handlers_ = handlers_;
        auto& slot = endpoints_[address];
        if (!slot) slot = std::make_shared<Endpoint>(address, pool_->NextIndex());
        endpoint = slot;
        const TimePoint now = SteadyClock::now();
        if (endpoint->state == Endpoint::State::kConnected) {
          connection = endpoint->connection;
        } else if (endpoint->state == Endpoint::State::kDown && now < endpoint->down_until) {
          failure = UnavailableError(address + " is marked down after a failed connect (" +
                                     endpoint->last_error + "); next attempt in " +
                                     Millis(endpoint->down_until - now));
        } else if (endpoint->waiters.size() >= static_cast<std::size_t>(config_.max_in_flight)) {
          failure = ResourceExhaustedError(
              "too many requests waiting for the connection to " + address + ": " +
              std::to_string(endpoint->waiters.size()) + " (max_in_flight)");
        } else {
          if (endpoint->state != Endpoint::State::kConnecting) {
            endpoint->state = Endpoint::State::kConnecting;
            start_connect = true;
          }
          endpoint->waiters.push_back(std::move(waiter));
        }
      }
    }
    if (connection) {
      if (waiter.oneway) {
        connection->InvokeOneway(std::move(waiter.request));
      } else {
        connection->InvokeUntil(std::move(waiter.request), waiter.deadline, waiter.timeout,
                                std::move(waiter.done));
      }
      return Status::Ok();
    }
    if (!failure.ok()) {
      if (waiter.done) {
        CompleteOnIoThread(endpoint ? endpoint->index : 0, std::move(waiter.done), failure);
      }
      return failure;
    }
    if (start_connect) StartConnect(endpoint);
    return Status::Ok();
  }

  void CloseConnection(const std::string& address) {
    std::shared_ptr<TcpConnection> connection;
    {
      std::lock_guard lock(mu_);
      auto it = endpoints_.find(address);
      if (it != endpoints_.end()) connection = it->second->connection;
    }
    if (connection) connection->Close();
  }

  void Stop() {
    std::vector<std::shared_ptr<TcpConnection>> connections;
    std::vector<Waiter> waiters;
    {
      std::lock_guard lock(mu_);
      if (stopped_) return;
      stopped_ = true;
      for (auto& [address, endpoint] : endpoints_) {
        if (endpoint->connection) connections.push_back(endpoint->connection);
        for (Waiter& w : endpoint->waiters) waiters.push_back(std::move(w));
        endpoint->waiters.clear();
      }
    }
    const Status stopped = UnavailableError("transport client stopped");
    for (Waiter& w : waiters) {
      if (w.done) w.done(stopped);
    }
    for (auto& connection : connections) connection->Close();
    pool_->Stop();
    // The other I/O threads are joined: finish here what they did not get to.
    std::vector<std::shared_ptr<ConnectAttempt>> attempts;
    {
      std::lock_guard lock(mu_);
      connections.clear();  // including any opened while stopping
      for (auto& [address, endpoint] : endpoints_) {
        if (endpoint->attempt) attempts.push_back(endpoint->attempt);
        if (endpoint->connection) connections.push_back(endpoint->connection);
      }
    }
    for (auto& attempt : attempts) {
      boost::system::error_code ignored;
      attempt->timer.cancel();
      attempt->resolver.cancel();
      attempt->socket.close(ignored);
    }
    for (auto& connection : connections) connection->CloseNow("transport client stopped");
    pool_->DrainStopped();
  }

 private:
  void CompleteOnIoThread(std::size_t index, ResponseCallback done, Status status) {
    auto task = [done = std::move(done), status = std::move(status)]() mutable {
      done(std::move(status));
    };
    if (!pool_->Post(index, std::move(task))) task();  // stopped: no I/O thread left
  }

  void StartConnect(const std::shared_ptr<Endpoint>& endpoint) {
    auto task = [self = shared_from_this(), endpoint] { self->Connect(endpoint); };
    if (!pool_->Post(endpoint->index, std::move(task))) {
      FailWaiters(endpoint, UnavailableError("transport client stopped"));
    }
  }

  // On the endpoint's I/O thread.
  void Connect(const std::shared_ptr<Endpoint>& endpoint) {
    StatusOr<HostPort> host_port = SplitHostPort(endpoint->address);
    if (!host_port.ok()) {
      {
        std::lock_guard lock(mu_);
        endpoint->state = Endpoint::State::kIdle;
      }
      FailWaiters(endpoint, host_port.status());
      return;
    }
    auto attempt = std::make_shared<ConnectAttempt>(pool_->context(endpoint->index));
    {
      std::lock_guard lock(mu_);
      if (stopped_) return;  // Stop() failed the waiters
      endpoint->attempt = attempt;
    }
    attempt->timer.expires_after(config_.connect_timeout);
    attempt->timer.async_wait([attempt](const boost::system::error_code& error) {
      if (error || attempt->finished) return;
      attempt->timed_out = true;
      boost::system::error_code ignored;
      attempt->resolver.cancel();
      attempt->socket.close(ignored);
    });
    auto on_connect = [self = shared_from_this(), endpoint, attempt](
                          const boost::system::error_code& error, const auto&) {
      self->OnConnect(endpoint, attempt, error);
    };
    boost::system::error_code error;
    const asio::ip::address address = asio::ip::make_address(host_port->host, error);
    if (!error) {
      std::vector<tcp::endpoint> targets{tcp::endpoint(address, host_port->port)};
      asio::async_connect(attempt->socket, targets, on_connect);
      return;
    }
    attempt->resolver.async_resolve(
        host_port->host, std::to_string(host_port->port),
        [self = shared_from_this(), endpoint, attempt, on_connect](
            const boost::system::error_code& error, tcp::resolver::results_type results) {
          if (error) {
            self->OnConnect(endpoint, attempt, error);
            return;
          }
          asio::async_connect(attempt->socket, results, on_connect);
        });
  }

  void OnConnect(const std::shared_ptr<Endpoint>& endpoint,
                 const std::shared_ptr<ConnectAttempt>& attempt,
                 const boost::system::error_code& error) {
    if (attempt->finished) return;
    attempt->finished = true;
    attempt->timer.cancel();
    std::shared_ptr<TcpConnection> connection;
    std::vector<Waiter> waiters;
    std::string reason;
    {
      std::lock_guard lock(mu_);
      endpoint->attempt.reset();
      if (stopped_) {
        boost::system::error_code ignored;
        attempt->socket.close(ignored);
        return;  // Stop() failed the waiters
      }
      if (error) {
        reason = attempt->timed_out ? "connect timed out after " + Millis(config_.connect_timeout)
                                    : error.message();
        endpoint->backoff = endpoint->backoff == Duration::zero()
                                ? std::min(kFirstBackoff, config_.reconnect_backoff_max)
                                : std::min(endpoint->backoff * 2, config_.reconnect_backoff_max);
        endpoint->state = Endpoint::State::kDown;
        endpoint->down_until = SteadyClock::now() + endpoint->backoff;
        endpoint->last_error = reason;
      } else {
        TcpConnection::Options options;
        options.max_frame_size = config_.max_frame_size;
        options.idle_timeout = config_.idle_timeout;
        options.max_in_flight = static_cast<std::size_t>(config_.max_in_flight);
        connection = std::make_shared<TcpConnection>(
            pool_, endpoint->index, std::move(attempt->socket), next_id_++, options,
            frozen_handlers_, opaque_counter_,
            [weak = weak_from_this(), endpoint](const std::shared_ptr<TcpConnection>& closed) {
              if (auto self = weak.lock()) self->OnClosed(endpoint, closed);
            },
            logger_);
        endpoint->state = Endpoint::State::kConnected;
        endpoint->connection = connection;
        endpoint->backoff = Duration::zero();
      }
      waiters.swap(endpoint->waiters);
    }
    if (!connection) {
      logger_->warn("cannot connect to {}: {}; marked down for {}", endpoint->address, reason,
                    Millis(endpoint->backoff));
      const Status status =
          UnavailableError("cannot connect to " + endpoint->address + ": " + reason);
      for (Waiter& w : waiters) {
        if (w.done) w.done(status);
      }
      return;
    }
    logger_->debug("connected to {}", endpoint->address);
    connection->Start();
    const TimePoint now = SteadyClock::now();
    for (Waiter& w : waiters) {
      if (w.oneway) {
        connection->InvokeOneway(std::move(w.request));
      } else if (w.deadline <= now) {
        w.done(DeadlineExceededError("no connection to " + endpoint->address +
                                     " before the request's deadline"));
      } else {
        connection->InvokeUntil(std::move(w.request), w.deadline, w.timeout, std::move(w.done));
      }
    }
  }

  void OnClosed(const std::shared_ptr<Endpoint>& endpoint,
                const std::shared_ptr<TcpConnection>& connection) {
    std::lock_guard lock(mu_);
    if (endpoint->connection == connection) {
      endpoint->connection.reset();
      endpoint->state = Endpoint::State::kIdle;
    }
  }

  void FailWaiters(const std::shared_ptr<Endpoint>& endpoint, const Status& status) {
    std::vector<Waiter> waiters;
    {
      std::lock_guard lock(mu_);
      waiters.swap(endpoint->waiters);
    }
    for (Waiter& w : waiters) {
      if (w.done) w.done(status);
    }
  }

  const TcpConfig config_;
  const std::shared_ptr<spdlog::logger> logger_;
  const std::shared_ptr<IoPool> pool_;
  const std::shared_ptr<std::atomic<std::int32_t>> opaque_counter_ =
      std::make_shared<std::atomic<std::int32_t>>(1);

  std::mutex mu_;
  bool stopped_ = false;  // guarded by mu_
  std::shared_ptr<HandlerMap> handlers_ = std::make_shared<HandlerMap>();
  std::shared_ptr<const HandlerMap> frozen_handlers_;  // set at the first invocation
  std::unordered_map<std::string, std::shared_ptr<Endpoint>> endpoints_;
  std::uint64_t next_id_ = 1;  // guarded by mu_
};

TcpClient::TcpClient(TcpConfig config, std::shared_ptr<spdlog::logger> logger)
    : core_(std::make_shared<Core>(config, std::move(logger))) {}

TcpClient::~TcpClient() { core_->Stop(); }

void TcpClient::InvokeAsync(const std::string& address, RemotingCommand request, Duration timeout,
                            ResponseCallback done) {
  Waiter waiter{std::move(request), SteadyClock::now() + timeout, timeout, std::move(done), false};
  core_->Submit(address, std::move(waiter)).IgnoreError();  // reported through `done`
}

StatusOr<RemotingCommand> TcpClient::InvokeSync(const std::string& address, RemotingCommand request,
                                                Duration timeout) {
  if (IoPool::OnAnyPoolThread()) {
    return FailedPreconditionError(
        "InvokeSync called on a transport I/O thread, which would block the thread that "
        "delivers responses; use InvokeAsync");
  }
  struct Result {
    std::mutex mu;
    std::condition_variable cv;
    std::optional<StatusOr<RemotingCommand>> value;
  };
  auto result = std::make_shared<Result>();
  InvokeAsync(address, std::move(request), timeout, [result](StatusOr<RemotingCommand> response) {
    std::lock_guard lock(result->mu);
    result->value.emplace(std::move(response));
    result->cv.notify_all();
  });
  std::unique_lock lock(result->mu);
  result->cv.wait(lock, [&] { return result->value.has_value(); });
  return std::move(*result->value);
}

Status TcpClient::InvokeOneway(const std::string& address, RemotingCommand request) {
  Waiter waiter{std::move(request), TimePoint::max(), Duration::zero(), nullptr, true};
  return core_->Submit(address, std::move(waiter));
}

void TcpClient::RegisterHandler(std::int32_t request_code, RequestHandler handler) {
  core_->RegisterHandler(request_code, std::move(handler));
}

void TcpClient::CloseConnection(const std::string& address) { core_->CloseConnection(address); }

void TcpClient::Stop() { core_->Stop(); }

}  // namespace quiver::transport::tcp
