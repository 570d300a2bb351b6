#pragma once
// An in-memory transport for deterministic tests: TransportServers and TransportClients
// that live in one process and talk through a FakeNetwork instead of sockets.
//
//   testing::ManualClock clock;                 // any Clock; timeouts and delays use it
//   testing::FakeNetwork net(clock);
//   auto server = net.CreateServer();           // a TransportServer
//   server->RegisterHandler(105, handler);
//   ASSERT_TRUE(server->Start("ns1:9876").ok());  // any unique "host:port"
//   auto client = net.CreateClient("client-1:50000");  // a TransportClient
//   client->InvokeAsync("ns1:9876", request, 3s, done);
//   net.RunUntilIdle();                         // delivers the request and the response
//
// Delivery model: nothing happens inside the call that causes it. Every delivery (request
// to a handler, response to a callback, close notification, failure) is queued and runs
// when the test calls RunUntilIdle() (or on the dispatch thread after
// StartDispatchThread()). Timeouts and delays are timers on the Clock: they queue their
// delivery when the clock fires them, so a test advances its manual clock and then runs
// the network. Requests and responses keep their order per network (FIFO).
//
// Fault injection, per server address: SetDown (connections close at once and new ones
// are refused with kUnavailable), SetDropRequests (requests vanish; callers time out),
// SetDelay (requests arrive `delay` later on the clock), CloseConnections (the peer sees
// the close; pending requests fail with kUnavailable), and a client's own
// CloseConnection. Connections are per (client, server address) and are re-established
// on the next invocation after a close, with a new id.
//
// What it does not model: bytes and framing (commands are passed as values, bodies
// shared), the frame size limit, one-way requests reaching a handler without a responder
// (a one-way request gets a Responder whose Send does nothing, as the contract says).
//
// Thread safety: every method may be called from any thread; one mutex guards the
// network; callbacks never run with it held. InvokeSync may be called only while another
// thread runs the network (StartDispatchThread) or from the test thread, where it runs
// the network itself until the response arrives; it returns kDeadlineExceeded if the
// network goes idle without one (a manual clock does not advance by itself).
// Ownership: the network must outlive every server and client it created, and the clock
// must outlive the network.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "quiver/clock.h"
#include "quiver/protocol/codes.h"
#include "quiver/protocol/remoting_command.h"
#include "quiver/status.h"
#include "quiver/transport.h"

namespace quiver::testing {

class FakeNetwork;

namespace fake_transport_internal {

// Handlers of one endpoint (a server, or a client for server-initiated requests).
struct Endpoint {
  std::string address;
  std::map<std::int32_t, RequestHandler> handlers;
  std::vector<ConnectionListener> close_listeners;
  bool running = false;
};

struct Link;
struct NetworkState;

// One side of a connection as a handler sees it. `to_server` says which way InvokeAsync
// goes: the client's view sends to the server, the server's view to the client.
class FakeConnection final : public Connection {
 public:
  FakeConnection(std::shared_ptr<NetworkState> net, std::weak_ptr<Link> link, bool to_server,
                 std::uint64_t id, std::string remote_address)
      : net_(std::move(net)),
        link_(std::move(link)),
        to_server_(to_server),
        id_(id),
        remote_address_(std::move(remote_address)) {}
  std::uint64_t Id() const override;
  std::string RemoteAddress() const override;
  bool IsOpen() const override;
  void InvokeAsync(RemotingCommand request, Duration timeout, ResponseCallback done) override;
  void InvokeOneway(RemotingCommand request) override;
  void Close() override;

 private:
  std::shared_ptr<NetworkState> net_;
  std::weak_ptr<Link> link_;
  bool to_server_;
  std::uint64_t id_;  // kept: valid after the link is gone, as the contract requires
  std::string remote_address_;
};

// A connection between a client endpoint and a server endpoint.
struct Link {
  std::uint64_t id = 0;
  std::string client_address;
  std::string server_address;
  std::shared_ptr<Endpoint> client;
  std::shared_ptr<Endpoint> server;
  bool open = true;
  std::shared_ptr<FakeConnection> server_view;  // what server handlers receive
  std::shared_ptr<FakeConnection> client_view;  // what client handlers receive
};

struct LinkFaults {
  bool down = false;
  bool drop_requests = false;
  Duration delay{0};
};

struct Pending {
  ResponseCallback done;
  TimerPtr timer;
  std::uint64_t link_id = 0;
};

struct NetworkState : std::enable_shared_from_this<NetworkState> {
  explicit NetworkState(Clock& c) : clock(c) {}

  Clock& clock;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::function<void()>> tasks;
  std::map<std::string, std::shared_ptr<Endpoint>> servers;  // by listen address
  std::map<std::string, LinkFaults> faults;                  // by server address
  std::map<std::uint64_t, std::shared_ptr<Link>> links;      // open links by id
  // (client endpoint, server address) -> open link
  std::map<std::pair<const Endpoint*, std::string>, std::shared_ptr<Link>> link_by_pair;
  std::map<std::int32_t, Pending> pending;  // by opaque
  std::vector<TimerPtr> delay_timers;
  std::map<std::pair<std::string, std::int32_t>, std::size_t> received;  // (server, code)
  std::uint64_t next_link_id = 0;
  std::int32_t next_opaque = 0;
  bool stopping = false;

  // REQUIRES: mu held.
  void Enqueue(std::function<void()> task) {
    tasks.push_back(std::move(task));
    cv.notify_all();
  }

  // REQUIRES: mu held. Fails every pending request of `link_id`, queues the server's
  // close listeners, forgets the link.
  void CloseLinkLocked(const std::shared_ptr<Link>& link, const std::string& why) {
    if (!link->open) return;
    link->open = false;
    links.erase(link->id);
    auto key = std::make_pair(link->client.get(), link->server_address);
    auto it = link_by_pair.find(key);
    if (it != link_by_pair.end() && it->second == link) link_by_pair.erase(it);
    for (auto p = pending.begin(); p != pending.end();) {
      if (p->second.link_id == link->id) {
        auto entry = std::make_shared<Pending>(std::move(p->second));
        p = pending.erase(p);
        Enqueue([entry, why] { entry->done(UnavailableError(why)); });
      } else {
        ++p;
      }
    }
    std::vector<ConnectionListener> listeners = link->server->close_listeners;
    ConnectionPtr view = link->server_view;
    for (ConnectionListener& l : listeners) {
      Enqueue([l, view] { l(view); });
    }
  }

  // Completes the pending request `opaque` (if still pending) with `result`.
  void Complete(std::int32_t opaque, StatusOr<RemotingCommand> result) {
    Pending entry;
    {
      std::lock_guard lock(mu);
      auto it = pending.find(opaque);
      if (it == pending.end()) return;
      entry = std::move(it->second);
      pending.erase(it);
    }
    entry.done(std::move(result));
  }

  // Delivers `request` over `link` to the endpoint on the other side. Runs as a task.
  void Deliver(std::shared_ptr<Link> link, bool to_server, RemotingCommand request) {
    RequestHandler handler;
    ConnectionPtr view;
    {
      std::lock_guard lock(mu);
      if (!link->open) return;  // lost with the connection; its caller already failed
      std::shared_ptr<Endpoint>& target = to_server ? link->server : link->client;
      if (!target->running) return;
      auto h = target->handlers.find(request.code);
      if (h != target->handlers.end()) handler = h->second;
      view = to_server ? link->server_view : link->client_view;
      if (to_server) ++received[{link->server_address, request.code}];
    }
    const bool oneway = request.is_oneway();
    const std::int32_t opaque = request.opaque;
    std::weak_ptr<NetworkState> weak = weak_from_this();
    std::weak_ptr<Link> weak_link = link;
    Responder responder([weak, weak_link, opaque, oneway](RemotingCommand response) {
      if (oneway) return;
      std::shared_ptr<NetworkState> self = weak.lock();
      if (!self) return;
      response.opaque = opaque;
      response.flag |= protocol::kFlagResponse;
      std::lock_guard lock(self->mu);
      std::shared_ptr<Link> l = weak_link.lock();
      if (!l || !l->open) return;  // the response is lost with the connection
      self->Enqueue([self, opaque, response = std::move(response)]() mutable {
        self->Complete(opaque, std::move(response));
      });
    });
    if (!handler) {
      responder.Send(RemotingCommand::ResponseTo(
          request, protocol::response_code::kRequestCodeNotSupported,
          "request type " + std::to_string(request.code) + " not supported"));
      return;
    }
    handler(view, std::move(request), std::move(responder));
  }

  // Sends `request` over an open `link` (REQUIRES: mu held). `done` is null for one-way.
  void SendLocked(const std::shared_ptr<Link>& link, bool to_server, RemotingCommand request,
                  Duration timeout, ResponseCallback done) {
    if (done) {
      std::int32_t opaque = ++next_opaque;
      if (next_opaque == INT32_MAX) next_opaque = 0;
      request.opaque = opaque;
      request.flag &= ~protocol::kFlagOneway;
      std::weak_ptr<NetworkState> weak = weak_from_this();
      std::string what = "request " + std::to_string(request.code) + " to " +
                         (to_server ? link->server_address : link->client_address) + " timed out";
      Pending& p = pending[opaque];
      p.done = std::move(done);
      p.link_id = link->id;
      p.timer = clock.RunAfter(timeout, [weak, opaque, what] {
        std::shared_ptr<NetworkState> self = weak.lock();
        if (!self) return;
        std::lock_guard lock(self->mu);
        self->Enqueue(
            [self, opaque, what] { self->Complete(opaque, DeadlineExceededError(what)); });
      });
    } else {
      request.flag |= protocol::kFlagOneway;
    }
    LinkFaults f = to_server ? faults[link->server_address] : LinkFaults{};
    if (f.drop_requests) return;
    auto self = shared_from_this();
    auto deliver = [self, link, to_server, request = std::move(request)]() mutable {
      self->Deliver(link, to_server, std::move(request));
    };
    if (f.delay > Duration::zero()) {
      std::weak_ptr<NetworkState> weak = weak_from_this();
      auto task = std::make_shared<decltype(deliver)>(std::move(deliver));
      delay_timers.push_back(clock.RunAfter(f.delay, [weak, task] {
        std::shared_ptr<NetworkState> s = weak.lock();
        if (!s) return;
        std::lock_guard lock(s->mu);
        s->Enqueue([task] { (*task)(); });
      }));
    } else {
      Enqueue(std::move(deliver));
    }
  }
};

inline std::uint64_t FakeConnection::Id() const { return id_; }
inline std::string FakeConnection::RemoteAddress() const { return remote_address_; }
inline bool FakeConnection::IsOpen() const {
  std::lock_guard lock(net_->mu);
  std::shared_ptr<Link> l = link_.lock();
  return l && l->open;
}
inline void FakeConnection::InvokeAsync(RemotingCommand request, Duration timeout,
                                        ResponseCallback done) {
  std::lock_guard lock(net_->mu);
  std::shared_ptr<Link> l = link_.lock();
  if (!l || !l->open) {
    net_->Enqueue([done = std::move(done)] { done(UnavailableError("connection closed")); });
    return;
  }
  net_->SendLocked(l, to_server_, std::move(request), timeout, std::move(done));
}
inline void FakeConnection::InvokeOneway(RemotingCommand request) {
  std::lock_guard lock(net_->mu);
  std::shared_ptr<Link> l = link_.lock();
  if (!l || !l->open) return;
  net_->SendLocked(l, to_server_, std::move(request), Duration::zero(), nullptr);
}
inline void FakeConnection::Close() {
  std::lock_guard lock(net_->mu);
  std::shared_ptr<Link> l = link_.lock();
  if (l) net_->CloseLinkLocked(l, "connection closed");
}

}  // namespace fake_transport_internal

class FakeTransportServer final : public TransportServer {
 public:
  explicit FakeTransportServer(std::shared_ptr<fake_transport_internal::NetworkState> net)
      : net_(std::move(net)), self_(std::make_shared<fake_transport_internal::Endpoint>()) {}
  ~FakeTransportServer() override { Stop(); }

  void RegisterHandler(std::int32_t request_code, RequestHandler handler) override {
    std::lock_guard lock(net_->mu);
    self_->handlers[request_code] = std::move(handler);
  }
  void AddCloseListener(ConnectionListener listener) override {
    std::lock_guard lock(net_->mu);
    self_->close_listeners.push_back(std::move(listener));
  }
  // kUnavailable when another running server has the address.
  Status Start(const std::string& listen) override {
    std::lock_guard lock(net_->mu);
    if (net_->servers.count(listen) != 0) {
      return UnavailableError("cannot bind " + listen + ": address already in use");
    }
    self_->address = listen;
    self_->running = true;
    net_->servers[listen] = self_;
    return Status::Ok();
  }
  std::string LocalAddress() const override {
    std::lock_guard lock(net_->mu);
    return self_->address;
  }
  // Closes every connection (close listeners are queued, and run at the next
  // RunUntilIdle), stops receiving.
  void Stop() override {
    std::lock_guard lock(net_->mu);
    if (!self_->running) return;
    self_->running = false;
    net_->servers.erase(self_->address);
    std::vector<std::shared_ptr<fake_transport_internal::Link>> to_close;
    for (auto& [id, link] : net_->links) {
      if (link->server == self_) to_close.push_back(link);
    }
    for (auto& link : to_close) net_->CloseLinkLocked(link, "server stopped");
  }

 private:
  std::shared_ptr<fake_transport_internal::NetworkState> net_;
  std::shared_ptr<fake_transport_internal::Endpoint> self_;
};

class FakeTransportClient final : public TransportClient {
 public:
  FakeTransportClient(std::shared_ptr<fake_transport_internal::NetworkState> net,
                      std::string local_address)
      : net_(std::move(net)), self_(std::make_shared<fake_transport_internal::Endpoint>()) {
    self_->address = std::move(local_address);
    self_->running = true;
  }
  ~FakeTransportClient() override { Stop(); }

  void InvokeAsync(const std::string& address, RemotingCommand request, Duration timeout,
                   ResponseCallback done) override {
    std::lock_guard lock(net_->mu);
    std::shared_ptr<fake_transport_internal::Link> link;
    Status refused = ConnectLocked(address, link);
    if (!refused.ok()) {
      net_->Enqueue([done = std::move(done), refused] { done(refused); });
      return;
    }
    net_->SendLocked(link, /*to_server=*/true, std::move(request), timeout, std::move(done));
  }

  StatusOr<RemotingCommand> InvokeSync(const std::string& address, RemotingCommand request,
                                       Duration timeout) override {
    auto result = std::make_shared<std::optional<StatusOr<RemotingCommand>>>();
    auto mu = std::make_shared<std::mutex>();
    auto cv = std::make_shared<std::condition_variable>();
    InvokeAsync(address, std::move(request), timeout,
                [result, mu, cv](StatusOr<RemotingCommand> r) {
                  std::lock_guard lock(*mu);
                  result->emplace(std::move(r));
                  cv->notify_all();
                });
    bool dispatching;
    {
      std::lock_guard lock(net_->mu);
      dispatching = dispatch_thread_running_ != nullptr && *dispatch_thread_running_;
    }
    if (!dispatching) {
      // Run the network here; stop when the answer is in or nothing is left to run.
      while (true) {
        {
          std::lock_guard lock(*mu);
          if (result->has_value()) break;
        }
        if (!RunOne()) break;
      }
      std::lock_guard lock(*mu);
      if (!result->has_value()) {
        return DeadlineExceededError("request to " + address +
                                     ": the fake network went idle without a response");
      }
      return std::move(**result);
    }
    std::unique_lock lock(*mu);
    cv->wait(lock, [&] { return result->has_value(); });
    return std::move(**result);
  }

  Status InvokeOneway(const std::string& address, RemotingCommand request) override {
    std::lock_guard lock(net_->mu);
    std::shared_ptr<fake_transport_internal::Link> link;
    QUIVER_RETURN_IF_ERROR(ConnectLocked(address, link));
    net_->SendLocked(link, /*to_server=*/true, std::move(request), Duration::zero(), nullptr);
    return Status::Ok();
  }

  void RegisterHandler(std::int32_t request_code, RequestHandler handler) override {
    std::lock_guard lock(net_->mu);
    self_->handlers[request_code] = std::move(handler);
  }

  void CloseConnection(const std::string& address) override {
    std::lock_guard lock(net_->mu);
    auto it = net_->link_by_pair.find({self_.get(), address});
    if (it == net_->link_by_pair.end()) return;
    std::shared_ptr<fake_transport_internal::Link> link = it->second;
    net_->CloseLinkLocked(link, "connection to " + address + " closed");
  }

  void Stop() override {
    std::lock_guard lock(net_->mu);
    if (!self_->running) return;
    self_->running = false;
    std::vector<std::shared_ptr<fake_transport_internal::Link>> to_close;
    for (auto& [id, link] : net_->links) {
      if (link->client == self_) to_close.push_back(link);
    }
    for (auto& link : to_close) net_->CloseLinkLocked(link, "client stopped");
  }

  const std::string& local_address() const { return self_->address; }

 private:
  friend class FakeNetwork;

  // REQUIRES: net_->mu held.
  Status ConnectLocked(const std::string& address,
                       std::shared_ptr<fake_transport_internal::Link>& out) {
    if (!self_->running) return UnavailableError("client stopped");
    auto existing = net_->link_by_pair.find({self_.get(), address});
    if (existing != net_->link_by_pair.end()) {
      out = existing->second;
      return Status::Ok();
    }
    auto server = net_->servers.find(address);
    if (server == net_->servers.end() || !server->second->running || net_->faults[address].down) {
      return UnavailableError("connect to " + address + " failed: connection refused");
    }
    auto link = std::make_shared<fake_transport_internal::Link>();
    link->id = ++net_->next_link_id;
    link->client_address = self_->address;
    link->server_address = address;
    link->client = self_;
    link->server = server->second;
    link->server_view = std::make_shared<fake_transport_internal::FakeConnection>(
        net_, link, /*to_server=*/false, link->id, link->client_address);
    link->client_view = std::make_shared<fake_transport_internal::FakeConnection>(
        net_, link, /*to_server=*/true, link->id, link->server_address);
    net_->links[link->id] = link;
    net_->link_by_pair[{self_.get(), address}] = link;
    out = link;
    return Status::Ok();
  }

  // Runs one queued task; false when there was none.
  bool RunOne() {
    std::function<void()> task;
    {
      std::lock_guard lock(net_->mu);
      if (net_->tasks.empty()) return false;
      task = std::move(net_->tasks.front());
      net_->tasks.pop_front();
    }
    task();
    return true;
  }

  std::shared_ptr<fake_transport_internal::NetworkState> net_;
  std::shared_ptr<fake_transport_internal::Endpoint> self_;
  const bool* dispatch_thread_running_ = nullptr;
};

class FakeNetwork {
 public:
  explicit FakeNetwork(Clock& clock)
      : net_(std::make_shared<fake_transport_internal::NetworkState>(clock)) {}
  FakeNetwork(const FakeNetwork&) = delete;
  FakeNetwork& operator=(const FakeNetwork&) = delete;
  ~FakeNetwork() {
    StopDispatchThread();
    std::deque<std::function<void()>> tasks;
    std::map<std::int32_t, fake_transport_internal::Pending> pending;
    std::vector<TimerPtr> timers;
    std::map<std::uint64_t, std::shared_ptr<fake_transport_internal::Link>> links;
    std::map<std::pair<const fake_transport_internal::Endpoint*, std::string>,
             std::shared_ptr<fake_transport_internal::Link>>
        link_by_pair;
    {
      std::lock_guard lock(net_->mu);
      tasks.swap(net_->tasks);
      pending.swap(net_->pending);
      timers.swap(net_->delay_timers);
      links.swap(net_->links);
      link_by_pair.swap(net_->link_by_pair);
      for (auto& [id, link] : links) link->open = false;
    }
    // Destroyed outside the lock (callbacks may own objects that call back in); dropping
    // the links breaks the network -> link -> connection view -> network cycle.
  }

  std::unique_ptr<FakeTransportServer> CreateServer() {
    return std::make_unique<FakeTransportServer>(net_);
  }
  // `local_address` is what servers see as the client's RemoteAddress().
  std::unique_ptr<FakeTransportClient> CreateClient(std::string local_address) {
    auto client = std::make_unique<FakeTransportClient>(net_, std::move(local_address));
    client->dispatch_thread_running_ = &dispatch_running_;
    return client;
  }

  // Runs queued deliveries, including those they queue, until none is left. Returns how
  // many ran. Aborts after `limit` tasks (a livelock in the code under test).
  std::size_t RunUntilIdle(std::size_t limit = 1000000) {
    std::size_t ran = 0;
    while (true) {
      std::function<void()> task;
      {
        std::lock_guard lock(net_->mu);
        if (net_->tasks.empty()) return ran;
        task = std::move(net_->tasks.front());
        net_->tasks.pop_front();
      }
      task();
      QUIVER_CHECK_MSG(++ran < limit, "FakeNetwork::RunUntilIdle: livelock");
    }
  }

  // Runs deliveries on a thread of the network's own until StopDispatchThread (or the
  // destructor). For tests of blocking calls (InvokeSync, a Stop that waits).
  void StartDispatchThread() {
    std::lock_guard lock(net_->mu);
    if (dispatch_running_) return;
    dispatch_running_ = true;
    net_->stopping = false;
    dispatcher_ = std::thread([net = net_] {
      std::unique_lock lock(net->mu);
      while (true) {
        net->cv.wait(lock, [&] { return net->stopping || !net->tasks.empty(); });
        if (net->stopping) return;
        std::function<void()> task = std::move(net->tasks.front());
        net->tasks.pop_front();
        lock.unlock();
        task();
        task = nullptr;
        lock.lock();
      }
    });
  }
  void StopDispatchThread() {
    {
      std::lock_guard lock(net_->mu);
      if (!dispatch_running_) return;
      net_->stopping = true;
      net_->cv.notify_all();
    }
    dispatcher_.join();
    std::lock_guard lock(net_->mu);
    dispatch_running_ = false;
  }

  // Down: closes every connection to `server_address` now and refuses new ones.
  void SetDown(const std::string& server_address, bool down) {
    std::lock_guard lock(net_->mu);
    net_->faults[server_address].down = down;
    if (down) CloseLinksToLocked(server_address, "connection to " + server_address + " lost");
  }
  // Requests to `server_address` are lost (their callers time out on the clock).
  void SetDropRequests(const std::string& server_address, bool drop) {
    std::lock_guard lock(net_->mu);
    net_->faults[server_address].drop_requests = drop;
  }
  // Requests to `server_address` arrive `delay` later (on the clock).
  void SetDelay(const std::string& server_address, Duration delay) {
    std::lock_guard lock(net_->mu);
    net_->faults[server_address].delay = delay;
  }
  // Closes every open connection to `server_address`, as a broken socket would: both
  // sides are told, pending requests fail with kUnavailable.
  void CloseConnections(const std::string& server_address) {
    std::lock_guard lock(net_->mu);
    CloseLinksToLocked(server_address, "connection to " + server_address + " reset");
  }

  // How many requests with `code` the server at `server_address` received.
  std::size_t RequestsReceived(const std::string& server_address, std::int32_t code) const {
    std::lock_guard lock(net_->mu);
    auto it = net_->received.find({server_address, code});
    return it == net_->received.end() ? 0 : it->second;
  }
  // Open connections to `server_address`.
  std::size_t OpenConnections(const std::string& server_address) const {
    std::lock_guard lock(net_->mu);
    std::size_t n = 0;
    for (const auto& [id, link] : net_->links) n += link->server_address == server_address;
    return n;
  }

 private:
  void CloseLinksToLocked(const std::string& server_address, const std::string& why) {
    std::vector<std::shared_ptr<fake_transport_internal::Link>> to_close;
    for (auto& [id, link] : net_->links) {
      if (link->server_address == server_address) to_close.push_back(link);
    }
    for (auto& link : to_close) net_->CloseLinkLocked(link, why);
  }

  std::shared_ptr<fake_transport_internal::NetworkState> net_;
  std::thread dispatcher_;
  bool dispatch_running_ = false;
};

}  // namespace quiver::testing
