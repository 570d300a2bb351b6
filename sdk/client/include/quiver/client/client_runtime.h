#pragma once
// What the client library runs on: a transport client, a route discovery, a clock, an
// executor, a logger, the client id and the request timeout (DESIGN.md §3: the kernel's
// client role loads the transport and registry plugins and hands this bundle over).
//
// Ownership: producers, consumers and admins hold a shared_ptr to the runtime, so it
// outlives every client object built on it and every callback they leave in flight.
// Threading: every accessor may be called from any thread; the objects returned follow
// their own SDK contracts (transport.h, registry.h, clock.h, executor.h).

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "quiver/client/export.h"
#include "quiver/clock.h"
#include "quiver/executor.h"
#include "quiver/registry.h"
#include "quiver/transport.h"

namespace spdlog {
class logger;
}

namespace quiver {
inline namespace v1 {
namespace client {

class QUIVER_CLIENT_API ClientRuntime {
 public:
  ClientRuntime();
  ClientRuntime(const ClientRuntime&) = delete;
  ClientRuntime& operator=(const ClientRuntime&) = delete;
  virtual ~ClientRuntime();

  virtual TransportClient& transport() = 0;
  virtual Discovery& discovery() = 0;
  virtual Clock& clock() = 0;
  virtual Executor& executor() = 0;
  virtual spdlog::logger& logger() = 0;
  // "ip@instance" (RocketMQ's clientID); its ip part also seeds message ids (UNIQ_KEY).
  virtual std::string client_id() const = 0;
  // Timeout of one request (RocketMQ's mqClientApiTimeout / sendMsgTimeout, 3 s).
  virtual Duration request_timeout() const = 0;

  // NOTIFY_CONSUMER_IDS_CHANGED (broker -> client, rocketmq-protocol.md §2.4) fan-out.
  // A runtime registers a transport handler for code 40 before its first invocation
  // (TransportClient::RegisterHandler's REQUIRES) and calls NotifyConsumerIdsChanged with
  // the request's consumerGroup; push consumers listen here and rebalance at once.
  // Listeners run on the notifying thread (a transport I/O thread): they must not block.
  // Thread safety: any thread; a listener removed is not called after Remove returns.
  using ConsumerIdsChangedListener = std::function<void(const std::string& group)>;
  std::uint64_t AddConsumerIdsChangedListener(ConsumerIdsChangedListener listener);
  void RemoveConsumerIdsChangedListener(std::uint64_t id);
  void NotifyConsumerIdsChanged(const std::string& group);

 private:
  struct Listeners;
  std::shared_ptr<Listeners> listeners_;
};

// How the client encodes the headers of its hot-path requests (SEND_MESSAGE_V2,
// SEND_BATCH_MESSAGE, PULL_MESSAGE): RocketMQ's compact binary header
// (serializeTypeCurrentRPC = ROCKETMQ; no JSON to write or parse on either side) or JSON.
// Brokers answer in the request's encoding (RocketMQ 4.x and Quiver accept both).
enum class HeaderEncoding { kBinary, kJson };

// How a command-line tool asks for a runtime: name-server addresses (`-n "a:p;b:p"`,
// already split) or a client TOML file (`--config`), exactly one of the two.
struct ClientOptions {
  std::vector<std::string> namesrv_addresses;
  std::string config_file;
  std::string instance_name;  // "" = the runtime's default (host@pid)
  Duration request_timeout = std::chrono::seconds(3);
};

}  // namespace client
}  // namespace v1
}  // namespace quiver
