// Loopback tests of the tcp transport: a real server and client on 127.0.0.1, port 0.
#include <sys/socket.h>
#include <sys/time.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "quiver/protocol/codec.h"
#include "quiver/protocol/codes.h"
#include "quiver/testing/map_config_view.h"
#include "tcp_client.h"
#include "tcp_config.h"
#include "tcp_server.h"
#include "transport_factory.h"

namespace quiver::transport::tcp {
namespace {

using namespace std::chrono_literals;
using protocol::response_code::kRequestCodeNotSupported;
using protocol::response_code::kSuccess;
using protocol::response_code::kSystemError;

constexpr std::int32_t kEcho = 1;
constexpr std::int32_t kHang = 2;
constexpr auto kWait = 10s;  // upper bound of any wait; tests finish far sooner

// Counts events and lets a test wait, with a deadline, until enough happened.
class Counter {
 public:
  void Add(int n = 1) {
    std::lock_guard lock(mu_);
    count_ += n;
    cv_.notify_all();
  }
  bool WaitFor(int at_least, std::chrono::nanoseconds timeout = kWait) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return count_ >= at_least; });
  }
  int count() const {
    std::lock_guard lock(mu_);
    return count_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  int count_ = 0;
};

RemotingCommand MakeRequest(std::int32_t code, std::string body = {}) {
  RemotingCommand request;
  request.code = code;
  if (!body.empty()) request.body = BufferList(Buffer::FromString(std::move(body)));
  return request;
}

RemotingCommand MakeResponse(std::int32_t code, std::string body = {}) {
  RemotingCommand response;
  response.code = code;
  if (!body.empty()) response.body = BufferList(Buffer::FromString(std::move(body)));
  return response;
}

void Echo(const ConnectionPtr&, RemotingCommand request, Responder responder) {
  RemotingCommand response = MakeResponse(kSuccess);
  response.body = request.body;
  responder.Send(std::move(response));
}

std::shared_ptr<spdlog::logger> TestLogger() {
  auto logger = std::make_shared<spdlog::logger>("transport.tcp",
                                                 std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger->set_level(spdlog::level::warn);
  return logger;
}

// A blocking socket for feeding the server raw bytes; reads give up after 5 s.
class RawSocket {
 public:
  explicit RawSocket(const std::string& address) : socket_(io_) {
    auto colon = address.rfind(':');
    boost::asio::ip::tcp::endpoint endpoint(
        boost::asio::ip::make_address(address.substr(0, colon)),
        static_cast<std::uint16_t>(std::stoi(address.substr(colon + 1))));
    socket_.connect(endpoint);
    timeval tv{5, 0};
    setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  }
  void Write(const std::vector<std::uint8_t>& bytes) {
    boost::asio::write(socket_, boost::asio::buffer(bytes));
  }
  void WriteFrame(const RemotingCommand& command) {
    Write(protocol::EncodeFrame(command).Flatten());
  }
  // The next frame, or the error that ended the stream (eof when the server closed).
  StatusOr<RemotingCommand> ReadFrame() {
    std::uint8_t prefix[4];
    boost::system::error_code error;
    boost::asio::read(socket_, boost::asio::buffer(prefix), error);
    if (error) return UnavailableError(error == boost::asio::error::eof ? "eof" : error.message());
    std::uint32_t length = (std::uint32_t{prefix[0]} << 24) | (std::uint32_t{prefix[1]} << 16) |
                           (std::uint32_t{prefix[2]} << 8) | prefix[3];
    std::vector<std::uint8_t> frame(length);
    boost::asio::read(socket_, boost::asio::buffer(frame), error);
    if (error) return UnavailableError(error.message());
    return protocol::DecodeFrameBody(Buffer::FromVector(std::move(frame)));
  }

 private:
  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
};

std::vector<std::uint8_t> BigEndian32(std::uint32_t v) {
  return {static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
          static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
}

class TcpTransportTest : public ::testing::Test {
 protected:
  TcpTransportTest() { config_.io_threads = 2; }

  // Creates (not starts) the server, so that a test can register handlers first.
  TcpServer& NewServer() {
    server_ = std::make_unique<TcpServer>(server_config_, logger_);
    return *server_;
  }
  void StartServer() {
    Status status = server_->Start("127.0.0.1:0");
    ASSERT_TRUE(status.ok()) << status;
    address_ = server_->LocalAddress();
  }
  // Stops the server and the clients, so that no handler or callback runs after the test's
  // locals are gone. Declare one after the locals that handlers capture.
  struct StopGuard {
    TcpTransportTest* test;
    ~StopGuard() {
      if (test->server_) test->server_->Stop();
      for (auto& client : test->clients_) client->Stop();
    }
  };

  TcpClient& NewClient() {
    clients_.push_back(std::make_unique<TcpClient>(config_, logger_));
    return *clients_.back();
  }

  std::shared_ptr<spdlog::logger> logger_ = TestLogger();
  TcpConfig config_;         // for clients
  TcpConfig server_config_;  // for the server
  std::unique_ptr<TcpServer> server_;
  std::vector<std::unique_ptr<TcpClient>> clients_;
  std::string address_;
};

TEST_F(TcpTransportTest, EchoRoundTripsOverLoopback) {
  NewServer().RegisterHandler(kEcho, Echo);
  StartServer();
  EXPECT_EQ(address_.rfind("127.0.0.1:", 0), 0u);
  EXPECT_NE(address_, "127.0.0.1:0");
  TcpClient& client = NewClient();
  RemotingCommand request = MakeRequest(kEcho, "hello");
  request.SetExt("topic", std::string("T"));
  StatusOr<RemotingCommand> response = client.InvokeSync(address_, std::move(request), 5s);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->code, kSuccess);
  EXPECT_TRUE(response->is_response());
  EXPECT_EQ(response->body.ToString(), "hello");
}

TEST_F(TcpTransportTest, TenThousandConcurrentAsyncInvokesAreAllAnsweredCorrectly) {
  NewServer().RegisterHandler(kEcho, Echo);
  StartServer();
  TcpClient& client = NewClient();
  constexpr int kCount = 10000;
  Counter done;
  std::atomic<int> correct{0};
  std::mutex errors_mu;
  std::vector<std::string> errors;
  StopGuard guard{this};
  for (int i = 0; i < kCount; ++i) {
    std::string body = "request-" + std::to_string(i);
    client.InvokeAsync(address_, MakeRequest(kEcho, body), 20s,
                       [&, body](StatusOr<RemotingCommand> response) {
                         if (response.ok() && response->body.ToString() == body) {
                           correct.fetch_add(1);
                         } else {
                           std::lock_guard lock(errors_mu);
                           errors.push_back(response.ok() ? response->body.ToString()
                                                          : response.status().ToString());
                         }
                         done.Add();
                       });
  }
  ASSERT_TRUE(done.WaitFor(kCount, 30s)) << done.count();
  EXPECT_EQ(correct.load(), kCount);
  EXPECT_TRUE(errors.empty()) << errors.front();
}

// Responses completed on other threads go through the connection's outbox and are written
// many per write, small parts copied together and large bodies written in place: every
// response must still arrive whole and with its own body.
TEST_F(TcpTransportTest, ResponsesFromOtherThreadsMixingSmallAndLargeBodiesArriveIntact) {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::pair<std::string, Responder>> queued;
  bool stopping = false;
  NewServer().RegisterHandler(
      kHang, [&](const ConnectionPtr&, RemotingCommand request, Responder responder) {
        std::lock_guard lock(mu);
        queued.emplace_back(request.body.ToString(), std::move(responder));
        cv.notify_one();
      });
  StartServer();
  std::vector<std::thread> answerers;
  for (int t = 0; t < 3; ++t) {
    answerers.emplace_back([&] {
      std::unique_lock lock(mu);
      while (true) {
        cv.wait(lock, [&] { return stopping || !queued.empty(); });
        if (queued.empty()) return;
        auto [body, responder] = std::move(queued.back());
        queued.pop_back();
        lock.unlock();
        responder.Send(MakeResponse(kSuccess, body));
        lock.lock();
      }
    });
  }
  TcpClient& client = NewClient();
  constexpr int kCount = 2000;
  Counter done;
  std::atomic<int> correct{0};
  StopGuard guard{this};
  for (int i = 0; i < kCount; ++i) {
    // Every 7th body is larger than a coalesced part (4 KiB), the rest are small.
    std::string body = std::to_string(i) + std::string(i % 7 == 0 ? 9000 + i : i % 50, 'x');
    client.InvokeAsync(address_, MakeRequest(kHang, body), 20s,
                       [&, body](StatusOr<RemotingCommand> response) {
                         if (response.ok() && response->body.ToString() == body) correct.fetch_add(1);
                         done.Add();
                       });
  }
  const bool all_done = done.WaitFor(kCount, 30s);
  {
    std::lock_guard lock(mu);
    stopping = true;
    cv.notify_all();
  }
  for (std::thread& t : answerers) t.join();
  ASSERT_TRUE(all_done) << done.count();
  EXPECT_EQ(correct.load(), kCount);
}

TEST_F(TcpTransportTest, AHandlerThatNeverAnswersTimesOutWithDeadlineExceeded) {
  std::vector<Responder> kept;  // never answered; touched on the one connection's thread
  StopGuard guard{this};
  NewServer().RegisterHandler(kHang, [&](const ConnectionPtr&, RemotingCommand, Responder r) {
    kept.push_back(std::move(r));
  });
  StartServer();
  TcpClient& client = NewClient();
  StatusOr<RemotingCommand> response = client.InvokeSync(address_, MakeRequest(kHang), 100ms);
  EXPECT_EQ(response.status(), DeadlineExceededError("no response from " + address_ +
                                                     " within 100ms (request code 2, opaque 1)"));
  server_->Stop();
}

TEST_F(TcpTransportTest, OnewayRequestRunsTheHandlerAndGetsNoResponse) {
  Counter handled;
  std::atomic<bool> saw_oneway_flag{false};
  StopGuard guard{this};
  NewServer().RegisterHandler(
      7, [&](const ConnectionPtr&, RemotingCommand request, Responder responder) {
        saw_oneway_flag = request.is_oneway();
        responder.Send(MakeResponse(kSuccess, "must not be sent"));
        handled.Add();
      });
  server_->RegisterHandler(kEcho, Echo);
  StartServer();

  // Through the client: OK and the handler runs with the one-way flag.
  TcpClient& client = NewClient();
  ASSERT_TRUE(client.InvokeOneway(address_, MakeRequest(7)).ok());
  ASSERT_TRUE(handled.WaitFor(1));
  EXPECT_TRUE(saw_oneway_flag);

  // On a raw socket: the first frame back answers the request sent after the one-way one,
  // so nothing was written for the one-way request.
  RawSocket raw(address_);
  RemotingCommand oneway = MakeRequest(7);
  oneway.opaque = 100;
  oneway.flag = protocol::kFlagOneway;
  raw.WriteFrame(oneway);
  RemotingCommand echo = MakeRequest(kEcho, "after");
  echo.opaque = 101;
  raw.WriteFrame(echo);
  StatusOr<RemotingCommand> first = raw.ReadFrame();
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->opaque, 101);
  EXPECT_EQ(first->body.ToString(), "after");
  EXPECT_EQ(handled.count(), 2);
}

TEST_F(TcpTransportTest, ServerRestartedOnTheSamePortServesTheReconnectedClient) {
  NewServer().RegisterHandler(kEcho, Echo);
  StartServer();
  TcpClient& client = NewClient();
  ASSERT_TRUE(client.InvokeSync(address_, MakeRequest(kEcho, "one"), 5s).ok());
  server_->Stop();
  server_.reset();

  // While the server is away: requests fail with kUnavailable, never hang.
  StatusOr<RemotingCommand> down = client.InvokeSync(address_, MakeRequest(kEcho, "x"), 5s);
  EXPECT_EQ(down.status().code(), StatusCode::kUnavailable) << down.status();

  NewServer().RegisterHandler(kEcho, Echo);
  ASSERT_TRUE(server_->Start(address_).ok());
  // The address may still be marked down for its back-off (100 ms after one failure):
  // retry until the deadline; every failure in between must be kUnavailable.
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  StatusOr<RemotingCommand> response = UnavailableError("not tried");
  while (std::chrono::steady_clock::now() < deadline) {
    response = client.InvokeSync(address_, MakeRequest(kEcho, "two"), 5s);
    if (response.ok()) break;
    ASSERT_EQ(response.status().code(), StatusCode::kUnavailable) << response.status();
  }
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->body.ToString(), "two");
}

TEST_F(TcpTransportTest, ResponsesMayGoOutOfOrder) {
  std::mutex mu;
  std::vector<std::pair<std::string, Responder>> held;
  NewServer().RegisterHandler(
      kHang, [&](const ConnectionPtr&, RemotingCommand request, Responder responder) {
        std::lock_guard lock(mu);
        held.emplace_back(request.body.ToString(), std::move(responder));
        if (held.size() == 2) {
          // Answer the second request first, from another thread.
          auto answers = std::move(held);
          std::thread([answers = std::move(answers)] {
            answers[1].second.Send(MakeResponse(kSuccess, answers[1].first));
            answers[0].second.Send(MakeResponse(kSuccess, answers[0].first));
          }).detach();
        }
      });
  StartServer();
  TcpClient& client = NewClient();
  std::mutex order_mu;
  std::vector<std::string> order;
  Counter done;
  StopGuard guard{this};
  for (std::string body : {"first", "second"}) {
    client.InvokeAsync(address_, MakeRequest(kHang, body), 5s,
                       [&, body](StatusOr<RemotingCommand> response) {
                         std::lock_guard lock(order_mu);
                         order.push_back(response.ok() && response->body.ToString() == body
                                             ? body
                                             : "wrong: " + response.status().ToString());
                         done.Add();
                       });
  }
  ASSERT_TRUE(done.WaitFor(2));
  EXPECT_EQ(order, (std::vector<std::string>{"second", "first"}));
}

TEST_F(TcpTransportTest, ServerHandlerCanInvokeTheClientOverTheSameConnection) {
  constexpr std::int32_t kAsk = 5;
  NewServer().RegisterHandler(
      kAsk, [](const ConnectionPtr& connection, RemotingCommand, Responder responder) {
        connection->InvokeAsync(
            MakeRequest(protocol::request_code::kNotifyConsumerIdsChanged, "ping"), 5s,
            [responder](StatusOr<RemotingCommand> answer) {
              responder.Send(answer.ok()
                                 ? MakeResponse(kSuccess, "client said " + answer->body.ToString())
                                 : MakeResponse(kSystemError, answer.status().ToString()));
            });
      });
  StartServer();
  TcpClient& client = NewClient();
  client.RegisterHandler(
      protocol::request_code::kNotifyConsumerIdsChanged,
      [](const ConnectionPtr&, RemotingCommand request, Responder responder) {
        responder.Send(MakeResponse(kSuccess, "pong to " + request.body.ToString()));
      });
  StatusOr<RemotingCommand> response = client.InvokeSync(address_, MakeRequest(kAsk), 5s);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->code, kSuccess);
  EXPECT_EQ(response->body.ToString(), "client said pong to ping");
}

TEST_F(TcpTransportTest, AnUnknownCodeGetsRequestCodeNotSupported) {
  NewServer();
  StartServer();
  StatusOr<RemotingCommand> response = NewClient().InvokeSync(address_, MakeRequest(999), 5s);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->code, kRequestCodeNotSupported);
  EXPECT_EQ(response->remark, " request type 999 not supported");
}

TEST_F(TcpTransportTest, AnOversizedFrameClosesItsConnectionAndTheServerKeepsServing) {
  server_config_.max_frame_size = 1024;
  Counter closed;
  StopGuard guard{this};
  NewServer().RegisterHandler(kEcho, Echo);
  server_->AddCloseListener([&](const ConnectionPtr&) { closed.Add(); });
  StartServer();
  TcpClient& big = NewClient();
  StatusOr<RemotingCommand> refused =
      big.InvokeSync(address_, MakeRequest(kEcho, std::string(4096, 'x')), 5s);
  EXPECT_EQ(refused.status().code(), StatusCode::kUnavailable) << refused.status();
  EXPECT_TRUE(closed.WaitFor(1));

  StatusOr<RemotingCommand> ok = NewClient().InvokeSync(address_, MakeRequest(kEcho, "ok"), 5s);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->body.ToString(), "ok");
}

TEST_F(TcpTransportTest, AMalformedHeaderGetsSystemErrorAndTheConnectionStaysUsable) {
  NewServer().RegisterHandler(kEcho, Echo);
  StartServer();
  RawSocket raw(address_);
  const std::string header = "{not json";
  std::vector<std::uint8_t> frame = BigEndian32(4 + header.size());
  for (std::uint8_t b : BigEndian32(header.size())) frame.push_back(b);
  frame.insert(frame.end(), header.begin(), header.end());
  raw.Write(frame);
  StatusOr<RemotingCommand> error = raw.ReadFrame();
  ASSERT_TRUE(error.ok()) << error.status();
  EXPECT_EQ(error->code, kSystemError);
  EXPECT_TRUE(error->is_response());
  ASSERT_TRUE(error->remark.has_value());
  EXPECT_EQ(error->remark->rfind("JSON header is not valid JSON", 0), 0u) << *error->remark;

  RemotingCommand echo = MakeRequest(kEcho, "still here");
  echo.opaque = 9;
  raw.WriteFrame(echo);
  StatusOr<RemotingCommand> response = raw.ReadFrame();
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->opaque, 9);
  EXPECT_EQ(response->body.ToString(), "still here");
}

TEST_F(TcpTransportTest, UndelimitableGarbageClosesTheConnectionAndTheServerKeepsServing) {
  NewServer().RegisterHandler(kEcho, Echo);
  StartServer();
  RawSocket raw(address_);
  raw.Write({0x00, 0x00, 0x00, 0x01, 'g', 'a', 'r', 'b', 'a', 'g', 'e'});  // length 1 < 4
  EXPECT_EQ(raw.ReadFrame().status(), UnavailableError("eof"));

  RawSocket random(address_);
  random.Write({0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03});  // negative length
  EXPECT_EQ(random.ReadFrame().status(), UnavailableError("eof"));

  StatusOr<RemotingCommand> ok = NewClient().InvokeSync(address_, MakeRequest(kEcho, "ok"), 5s);
  ASSERT_TRUE(ok.ok()) << ok.status();
}

TEST_F(TcpTransportTest, RequestsBeyondMaxInFlightFailFastWithResourceExhausted) {
  config_.max_in_flight = 2;
  std::mutex mu;
  std::vector<Responder> held;
  NewServer().RegisterHandler(kEcho, Echo);
  server_->RegisterHandler(kHang, [&](const ConnectionPtr&, RemotingCommand, Responder r) {
    std::lock_guard lock(mu);
    held.push_back(std::move(r));
  });
  StartServer();
  TcpClient& client = NewClient();
  ASSERT_TRUE(client.InvokeSync(address_, MakeRequest(kEcho), 5s).ok());  // connected

  Counter done;
  std::vector<Status> results(3);
  StopGuard guard{this};
  for (int i = 0; i < 3; ++i) {
    client.InvokeAsync(address_, MakeRequest(kHang), 30s,
                       [&, i](StatusOr<RemotingCommand> response) {
                         results[i] = response.status();
                         done.Add();
                       });
  }
  ASSERT_TRUE(done.WaitFor(1));
  EXPECT_EQ(results[2], ResourceExhaustedError("too many requests in flight to " + address_ +
                                               ": 2 (max_in_flight)"));
  EXPECT_EQ(done.count(), 1);
  server_->Stop();  // the two held requests now fail
  ASSERT_TRUE(done.WaitFor(3));
  EXPECT_EQ(results[0].code(), StatusCode::kUnavailable);
  EXPECT_EQ(results[1].code(), StatusCode::kUnavailable);
}

TEST_F(TcpTransportTest, AnIdleConnectionIsClosedAfterIdleTimeout) {
  server_config_.idle_timeout = 200ms;
  Counter closed;
  StopGuard guard{this};
  NewServer().RegisterHandler(kEcho, Echo);
  server_->AddCloseListener([&](const ConnectionPtr&) { closed.Add(); });
  StartServer();
  TcpClient& client = NewClient();
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(client.InvokeSync(address_, MakeRequest(kEcho), 5s).ok());
  ASSERT_TRUE(closed.WaitFor(1));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 200ms);
  EXPECT_EQ(server_->ConnectionCount(), 0u);
  // The client reconnects on its next request (retrying if it has not seen the close yet).
  StatusOr<RemotingCommand> again = client.InvokeSync(address_, MakeRequest(kEcho), 5s);
  if (!again.ok()) again = client.InvokeSync(address_, MakeRequest(kEcho), 5s);
  EXPECT_TRUE(again.ok()) << again.status();
}

TEST_F(TcpTransportTest, ConnectionsBeyondMaxConnectionsAreClosedAtOnce) {
  server_config_.max_connections = 1;
  NewServer().RegisterHandler(kEcho, Echo);
  StartServer();
  TcpClient& first = NewClient();
  ASSERT_TRUE(first.InvokeSync(address_, MakeRequest(kEcho), 5s).ok());
  TcpClient& second = NewClient();
  StatusOr<RemotingCommand> refused = second.InvokeSync(address_, MakeRequest(kEcho), 5s);
  ASSERT_EQ(refused.status().code(), StatusCode::kUnavailable) << refused.status();
  EXPECT_EQ(refused.status().message().rfind("connection to " + address_ + " closed: ", 0), 0u)
      << refused.status();
  EXPECT_EQ(server_->ConnectionCount(), 1u);
  EXPECT_TRUE(first.InvokeSync(address_, MakeRequest(kEcho), 5s).ok());
}

TEST_F(TcpTransportTest, TheCloseListenerFiresOncePerConnection) {
  Counter closed;
  std::mutex mu;
  ConnectionPtr seen;
  NewServer().RegisterHandler(
      kEcho, [&](const ConnectionPtr& connection, RemotingCommand request, Responder responder) {
        {
          std::lock_guard lock(mu);
          seen = connection;
        }
        Echo(connection, std::move(request), std::move(responder));
      });
  std::atomic<std::uint64_t> closed_id{0};
  server_->AddCloseListener([&](const ConnectionPtr& connection) {
    closed_id = connection->Id();
    closed.Add();
  });
  StartServer();
  TcpClient& client = NewClient();
  ASSERT_TRUE(client.InvokeSync(address_, MakeRequest(kEcho), 5s).ok());
  client.CloseConnection(address_);
  ASSERT_TRUE(closed.WaitFor(1));
  std::lock_guard lock(mu);
  ASSERT_NE(seen, nullptr);
  EXPECT_EQ(closed_id.load(), seen->Id());
  EXPECT_FALSE(seen->IsOpen());
  seen->Close();  // again, locally: no second event
  Counter failed;
  Status status;
  StopGuard guard{this};
  seen->InvokeAsync(MakeRequest(kEcho), 1s, [&](StatusOr<RemotingCommand> r) {
    status = r.status();
    failed.Add();
  });
  ASSERT_TRUE(failed.WaitFor(1));
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  server_->Stop();
  EXPECT_EQ(closed.count(), 1);
}

TEST_F(TcpTransportTest, PendingRequestsFailWithUnavailableWhenTheServerDies) {
  std::mutex mu;
  std::vector<Responder> held;
  Counter arrived;
  NewServer().RegisterHandler(kHang, [&](const ConnectionPtr&, RemotingCommand, Responder r) {
    std::lock_guard lock(mu);
    held.push_back(std::move(r));
    arrived.Add();
  });
  StartServer();
  TcpClient& client = NewClient();
  Counter done;
  std::vector<Status> results(3);
  StopGuard guard{this};
  for (int i = 0; i < 3; ++i) {
    client.InvokeAsync(address_, MakeRequest(kHang), 30s,
                       [&, i](StatusOr<RemotingCommand> response) {
                         results[i] = response.status();
                         done.Add();
                       });
  }
  ASSERT_TRUE(arrived.WaitFor(3));
  server_->Stop();
  ASSERT_TRUE(done.WaitFor(3));
  for (const Status& s : results) {
    EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s;
    EXPECT_EQ(s.message().rfind("connection to " + address_ + " closed: ", 0), 0u) << s;
  }
}

TEST_F(TcpTransportTest, StartingOnAPortInUseFailsWithUnavailableNamingTheAddress) {
  NewServer();
  StartServer();
  TcpServer second(server_config_, logger_);
  EXPECT_EQ(second.Start(address_),
            UnavailableError("cannot listen on " + address_ + ": bind: Address already in use"));
}

TEST_F(TcpTransportTest, AMalformedListenAddressIsInvalidArgument) {
  TcpServer server(server_config_, logger_);
  EXPECT_EQ(server.Start("127.0.0.1"),
            InvalidArgumentError("invalid address \"127.0.0.1\": expected host:port with a port "
                                 "from 0 to 65535"));
}

TEST_F(TcpTransportTest, AFailedConnectMarksTheAddressDownAndLaterRequestsFailFast) {
  NewServer();
  StartServer();
  server_->Stop();  // nothing listens on address_ any more
  TcpClient& client = NewClient();
  StatusOr<RemotingCommand> first = client.InvokeSync(address_, MakeRequest(kEcho), 5s);
  EXPECT_EQ(first.status(),
            UnavailableError("cannot connect to " + address_ + ": Connection refused"));
  StatusOr<RemotingCommand> second = client.InvokeSync(address_, MakeRequest(kEcho), 5s);
  ASSERT_EQ(second.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(second.status().message().rfind(
                address_ + " is marked down after a failed connect (Connection refused); "
                           "next attempt in ",
                0),
            0u)
      << second.status();
}

TEST_F(TcpTransportTest, InvokeSyncOnAnIoThreadFailsWithFailedPrecondition) {
  TcpClient& client = NewClient();
  NewServer().RegisterHandler(kEcho, Echo);
  server_->RegisterHandler(kHang, [&](const ConnectionPtr&, RemotingCommand, Responder r) {
    StatusOr<RemotingCommand> nested = client.InvokeSync(address_, MakeRequest(kEcho), 1s);
    r.Send(MakeResponse(kSuccess, nested.status().ToString()));
  });
  StartServer();
  StatusOr<RemotingCommand> response = client.InvokeSync(address_, MakeRequest(kHang), 5s);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->body.ToString(),
            "FAILED_PRECONDITION: InvokeSync called on a transport I/O thread, which would block "
            "the thread that delivers responses; use InvokeAsync");
}

TEST_F(TcpTransportTest, StopFromAHandlerOnAnIoThreadDoesNotDeadlock) {
  Counter stopped;
  Counter closed;
  StopGuard guard{this};
  NewServer().RegisterHandler(kHang, [&](const ConnectionPtr&, RemotingCommand, Responder) {
    server_->Stop();
    stopped.Add();
  });
  server_->AddCloseListener([&](const ConnectionPtr&) { closed.Add(); });
  StartServer();
  TcpClient& client = NewClient();
  StatusOr<RemotingCommand> response = client.InvokeSync(address_, MakeRequest(kHang), 5s);
  EXPECT_EQ(response.status().code(), StatusCode::kUnavailable) << response.status();
  ASSERT_TRUE(stopped.WaitFor(1));
  ASSERT_TRUE(closed.WaitFor(1));
  server_.reset();
  EXPECT_EQ(closed.count(), 1);
}

TEST_F(TcpTransportTest, StopIsIdempotentAndLaterInvokesFailWithUnavailable) {
  TcpClient& client = NewClient();
  client.Stop();
  client.Stop();
  EXPECT_EQ(client.InvokeSync("127.0.0.1:1", MakeRequest(kEcho), 1s).status(),
            UnavailableError("transport client is stopped"));
  EXPECT_EQ(client.InvokeOneway("127.0.0.1:1", MakeRequest(kEcho)),
            UnavailableError("transport client is stopped"));
}

TEST_F(TcpTransportTest, TheFactoryReadsItsTableAndRejectsBadValues) {
  TcpTransportFactory factory;
  PluginContext context;
  context.logger = logger_;
  context.config = std::make_shared<testing::MapConfigView>(
      "transport.tcp", std::map<std::string, std::string>{{"io_threads", "1"}});
  auto server = factory.CreateServer(context);
  ASSERT_TRUE(server.ok()) << server.status();
  auto client = factory.CreateClient(context);
  ASSERT_TRUE(client.ok()) << client.status();
  ASSERT_TRUE((*server)->Start("127.0.0.1:0").ok());
  (*server)->RegisterHandler(kEcho, Echo);  // after Start: ignored, so the code is unknown
  StatusOr<RemotingCommand> response =
      (*client)->InvokeSync((*server)->LocalAddress(), MakeRequest(kEcho), 5s);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->code, kRequestCodeNotSupported);

  context.config = std::make_shared<testing::MapConfigView>(
      "transport.tcp", std::map<std::string, std::string>{{"max_connections", "0"}});
  EXPECT_EQ(factory.CreateServer(context).status(),
            InvalidArgumentError(
                "test.toml: transport.tcp.max_connections: expected an integer from 1 to 1000000, "
                "found 0"));
}

}  // namespace
}  // namespace quiver::transport::tcp
