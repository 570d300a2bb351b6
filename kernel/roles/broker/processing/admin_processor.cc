#include "kernel/roles/broker/processing/admin_processor.h"

#include <chrono>
#include <map>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "quiver/protocol/codes.h"

namespace quiver::broker {

namespace rc = protocol::response_code;
namespace req = protocol::request_code;
using protocol::RemotingCommand;

namespace {

std::string RuntimeText(Duration up) {
  std::int64_t s = std::chrono::duration_cast<std::chrono::seconds>(up).count();
  return "[ " + std::to_string(s / 86400) + " days, " + std::to_string(s / 3600 % 24) + " hours, " +
         std::to_string(s / 60 % 60) + " minutes, " + std::to_string(s % 60) + " seconds ]";
}

const char* RoleName(BrokerRole role) {
  switch (role) {
    case BrokerRole::kAsyncMaster:
      return "ASYNC_MASTER";
    case BrokerRole::kSyncMaster:
      return "SYNC_MASTER";
    case BrokerRole::kSlave:
      return "SLAVE";
  }
  return "UNKNOWN";
}

}  // namespace

std::string AdminProcessor::RuntimeInfoJson() const {
  BrokerStats::Snapshot stats = context_.stats.Get(context_.clock.WallMillis());
  StoreStats store = context_.store.Stats();
  std::map<std::string, std::string> table{
      {"brokerVersion", std::to_string(protocol::kProtocolVersion)},
      {"brokerVersionDesc", "V4_9_4"},
      {"msgPutTotalTodayNow", std::to_string(stats.put_total)},
      {"msgGetTotalTodayNow", std::to_string(stats.get_total)},
      {"msgPutTotalTodayMorning", std::to_string(stats.put_total - stats.put_today)},
      {"msgGetTotalTodayMorning", std::to_string(stats.get_total - stats.get_today)},
      {"commitLogMaxOffset", std::to_string(store.max_physical_offset.value())},
      {"commitLogMinOffset", std::to_string(store.min_physical_offset.value())},
      {"commitLogFlushedOffset", std::to_string(store.flushed_physical_offset.value())},
      {"topicQueueCount", std::to_string(store.topic_queue_count)},
      {"runtime", RuntimeText(context_.clock.Now() - started_)},
      {"brokerRole",
       context_.replicator.Role() == ReplicaRole::kMaster
           ? RoleName(context_.settings.role == BrokerRole::kSlave ? BrokerRole::kAsyncMaster
                                                                   : context_.settings.role)
           : "SLAVE"},
      {"producerGroupCount", std::to_string(context_.clients.ProducerGroups().size())},
      {"consumerGroupCount", std::to_string(context_.clients.ConsumerGroups().size())},
  };
  // Replication (master): how far the most advanced slave is behind, as RocketMQ's
  // slaveFallBehindMuch (bytes), and how many slaves are connected. Absent without slaves.
  std::vector<ReplicaStatus> replicas = context_.replicator.Replicas();
  if (!replicas.empty()) {
    std::int64_t behind = replicas.front().lag_bytes;
    for (const ReplicaStatus& r : replicas) behind = std::min(behind, r.lag_bytes);
    table["slaveFallBehindMuch"] = std::to_string(behind);
    table["haSlaveCount"] = std::to_string(replicas.size());
  }
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("table");
  w.StartObject();
  for (const auto& [key, value] : table) {
    w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
    w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  }
  w.EndObject();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

void AdminProcessor::Register(TransportServer& server) {
  auto dump = [this](std::int32_t code, std::function<std::string()> body) {
    return [this, body = std::move(body)](const ConnectionPtr&, RemotingCommand request,
                                          Responder responder) {
      RemotingCommand response = Reply(request, rc::kSuccess);
      response.body.Append(Buffer::FromString(body()));
      responder.Send(std::move(response));
    };
  };
  server.RegisterHandler(req::kGetBrokerRuntimeInfo,
                         dump(req::kGetBrokerRuntimeInfo, [this] { return RuntimeInfoJson(); }));
  server.RegisterHandler(req::kGetAllConsumerOffset, dump(req::kGetAllConsumerOffset, [this] {
                           return context_.metadata.consumer_offsets().ExportJson();
                         }));
  server.RegisterHandler(req::kGetAllDelayOffset, dump(req::kGetAllDelayOffset, [this] {
                           return context_.metadata.delay_offsets().ExportJson();
                         }));
}

}  // namespace quiver::broker
