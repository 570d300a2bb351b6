// The SDK's in-memory transport (quiver/testing/fake_transport.h) keeps the transport
// contract: one completion per request, failures as kUnavailable / kDeadlineExceeded,
// close listeners, and the fault injection tests rely on.
#include "quiver/testing/fake_transport.h"

#include <optional>

#include <gtest/gtest.h>

#include "quiver/protocol/codes.h"
#include "quiver/testing/manual_clock.h"

namespace quiver::testing {
namespace {

using namespace std::chrono_literals;
using protocol::RemotingCommand;

constexpr std::int32_t kEcho = 9000;

class FakeTransportTest : public ::testing::Test {
 protected:
  FakeTransportTest()
      : net_(clock_), server_(net_.CreateServer()), client_(net_.CreateClient("c:1")) {
    server_->RegisterHandler(kEcho, [this](const ConnectionPtr& connection, RemotingCommand request,
                                           Responder responder) {
      last_connection_ = connection;
      RemotingCommand reply = RemotingCommand::ResponseTo(request, 0);
      reply.body = request.body;
      responder.Send(std::move(reply));
    });
    server_->AddCloseListener([this](const ConnectionPtr& c) { closed_.push_back(c->Id()); });
    EXPECT_TRUE(server_->Start("s:1").ok());
  }

  // Invokes kEcho with `text` and returns the completion slot.
  std::shared_ptr<std::optional<StatusOr<RemotingCommand>>> Echo(const std::string& text,
                                                                 Duration timeout = 3s) {
    auto slot = std::make_shared<std::optional<StatusOr<RemotingCommand>>>();
    RemotingCommand request = RemotingCommand::Request(kEcho);
    request.body = BufferList(Buffer::FromString(text));
    client_->InvokeAsync("s:1", std::move(request), timeout,
                         [slot](StatusOr<RemotingCommand> r) { slot->emplace(std::move(r)); });
    return slot;
  }

  ManualClock clock_;
  FakeNetwork net_;
  std::unique_ptr<FakeTransportServer> server_;
  std::unique_ptr<FakeTransportClient> client_;
  ConnectionPtr last_connection_;
  std::vector<std::uint64_t> closed_;
};

TEST_F(FakeTransportTest, NothingIsDeliveredUntilTheNetworkRuns) {
  auto reply = Echo("hello");
  EXPECT_FALSE(reply->has_value());
  net_.RunUntilIdle();
  ASSERT_TRUE(reply->has_value());
  ASSERT_TRUE((*reply)->ok());
  EXPECT_EQ((**reply)->body.ToString(), "hello");
  EXPECT_TRUE((**reply)->is_response());
  EXPECT_EQ(last_connection_->RemoteAddress(), "c:1");
  EXPECT_EQ(net_.RequestsReceived("s:1", kEcho), 1u);
}

TEST_F(FakeTransportTest, UnknownAddressIsRefusedWithUnavailable) {
  std::optional<StatusOr<RemotingCommand>> reply;
  client_->InvokeAsync("nowhere:1", RemotingCommand::Request(kEcho), 3s,
                       [&](StatusOr<RemotingCommand> r) { reply.emplace(std::move(r)); });
  net_.RunUntilIdle();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->status(), UnavailableError("connect to nowhere:1 failed: connection refused"));
}

TEST_F(FakeTransportTest, UnhandledCodeGetsRequestCodeNotSupported) {
  StatusOr<RemotingCommand> reply = client_->InvokeSync("s:1", RemotingCommand::Request(1234), 3s);
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->code, protocol::response_code::kRequestCodeNotSupported);
  EXPECT_EQ(reply->remark, "request type 1234 not supported");
}

TEST_F(FakeTransportTest, DroppedRequestTimesOutOnTheClock) {
  net_.SetDropRequests("s:1", true);
  auto reply = Echo("lost", 3s);
  net_.RunUntilIdle();
  clock_.Advance(2999ms);
  net_.RunUntilIdle();
  EXPECT_FALSE(reply->has_value());
  clock_.Advance(1ms);
  net_.RunUntilIdle();
  ASSERT_TRUE(reply->has_value());
  EXPECT_EQ((*reply)->status(), DeadlineExceededError("request 9000 to s:1 timed out"));
}

TEST_F(FakeTransportTest, DelayedRequestArrivesAfterTheDelay) {
  net_.SetDelay("s:1", 500ms);
  auto reply = Echo("late");
  net_.RunUntilIdle();
  EXPECT_FALSE(reply->has_value());
  clock_.Advance(500ms);
  net_.RunUntilIdle();
  ASSERT_TRUE(reply->has_value());
  EXPECT_TRUE((*reply)->ok());
}

TEST_F(FakeTransportTest, ClosingFailsPendingRequestsAndTellsTheServer) {
  net_.SetDelay("s:1", 1s);
  auto first = Echo("a");
  net_.RunUntilIdle();
  net_.CloseConnections("s:1");
  net_.RunUntilIdle();
  ASSERT_TRUE(first->has_value());
  EXPECT_EQ((*first)->status(), UnavailableError("connection to s:1 reset"));
  ASSERT_EQ(closed_.size(), 1u);
  // The delayed request is lost with the connection; the next one reconnects.
  clock_.Advance(1s);
  net_.SetDelay("s:1", 0s);
  auto second = Echo("b");
  net_.RunUntilIdle();
  ASSERT_TRUE(second->has_value() && (*second)->ok());
  EXPECT_NE(last_connection_->Id(), closed_[0]);
  EXPECT_EQ(net_.RequestsReceived("s:1", kEcho), 1u);
}

TEST_F(FakeTransportTest, DownServerRefusesUntilItIsUpAgain) {
  net_.SetDown("s:1", true);
  auto refused = Echo("x");
  net_.RunUntilIdle();
  ASSERT_TRUE(refused->has_value());
  EXPECT_EQ((*refused)->status().code(), StatusCode::kUnavailable);
  net_.SetDown("s:1", false);
  auto accepted = Echo("y");
  net_.RunUntilIdle();
  ASSERT_TRUE(accepted->has_value() && (*accepted)->ok());
}

TEST_F(FakeTransportTest, ServerCanInvokeTheClientOverTheSameConnection) {
  client_->RegisterHandler(
      40, [](const ConnectionPtr& c, RemotingCommand request, Responder responder) {
        RemotingCommand reply = RemotingCommand::ResponseTo(request, 0, c->RemoteAddress());
        responder.Send(std::move(reply));
      });
  Echo("hi");
  net_.RunUntilIdle();
  ASSERT_TRUE(last_connection_);
  std::optional<StatusOr<RemotingCommand>> reply;
  last_connection_->InvokeAsync(RemotingCommand::Request(40), 3s,
                                [&](StatusOr<RemotingCommand> r) { reply.emplace(std::move(r)); });
  net_.RunUntilIdle();
  ASSERT_TRUE(reply.has_value() && reply->ok());
  EXPECT_EQ((*reply)->remark, "s:1");
}

TEST_F(FakeTransportTest, ServerStopClosesConnectionsAndFreesTheAddress) {
  Echo("hi");
  net_.RunUntilIdle();
  server_->Stop();
  net_.RunUntilIdle();
  EXPECT_EQ(closed_.size(), 1u);
  EXPECT_FALSE(last_connection_->IsOpen());
  auto other = net_.CreateServer();
  EXPECT_TRUE(other->Start("s:1").ok());
  EXPECT_EQ(net_.CreateServer()->Start("s:1"),
            UnavailableError("cannot bind s:1: address already in use"));
}

TEST_F(FakeTransportTest, InvokeSyncWaitsOnTheDispatchThread) {
  net_.StartDispatchThread();
  RemotingCommand request = RemotingCommand::Request(kEcho);
  request.body = BufferList(Buffer::FromString("sync"));
  StatusOr<RemotingCommand> reply = client_->InvokeSync("s:1", std::move(request), 3s);
  net_.StopDispatchThread();
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->body.ToString(), "sync");
}

}  // namespace
}  // namespace quiver::testing
