#include "nameserver_server.h"

#include <span>
#include <string>

#include <spdlog/logger.h>

#include "quiver/protocol/codes.h"
#include "quiver/protocol/message_record.h"
#include "quiver/protocol/route_json.h"

namespace quiver::registry::nameserver {
namespace {

namespace code = protocol::request_code;
namespace response = protocol::response_code;

RemotingCommand Error(const RemotingCommand& request, std::int32_t response_code,
                      std::string remark) {
  return RemotingCommand::ResponseTo(request, response_code, std::move(remark));
}

RemotingCommand Success(const RemotingCommand& request) {
  return RemotingCommand::ResponseTo(request, response::kSuccess);
}

RemotingCommand SuccessWithBody(const RemotingCommand& request, std::string body) {
  RemotingCommand reply = Success(request);
  reply.body = BufferList(Buffer::FromString(std::move(body)));
  return reply;
}

// The fields every broker-identifying request carries (§2.2: 103, 104, 322).
struct BrokerFields {
  std::string broker_name;
  std::string broker_addr;
  std::string cluster;
  std::int64_t broker_id = 0;
};

StatusOr<BrokerFields> ReadBrokerFields(const RemotingCommand& request) {
  BrokerFields f;
  QUIVER_ASSIGN_OR_RETURN(f.broker_name, request.RequireExt("brokerName"));
  QUIVER_ASSIGN_OR_RETURN(f.broker_addr, request.RequireExt("brokerAddr"));
  QUIVER_ASSIGN_OR_RETURN(f.cluster, request.RequireExt("clusterName"));
  QUIVER_ASSIGN_OR_RETURN(f.broker_id, request.RequireExtInt("brokerId"));
  return f;
}

StatusOr<BrokerRegistrationRequest> ReadRegistration(const RemotingCommand& request,
                                                     const ConnectionPtr& connection) {
  QUIVER_ASSIGN_OR_RETURN(BrokerFields f, ReadBrokerFields(request));
  BrokerRegistrationRequest r;
  r.broker_name = std::move(f.broker_name);
  r.broker_addr = std::move(f.broker_addr);
  r.cluster = std::move(f.cluster);
  r.broker_id = f.broker_id;
  QUIVER_ASSIGN_OR_RETURN(r.ha_server_addr, request.RequireExt("haServerAddr"));
  QUIVER_ASSIGN_OR_RETURN(bool compressed, request.GetExtBool("compressed", false));
  QUIVER_ASSIGN_OR_RETURN(std::int64_t body_crc, request.GetExtInt("bodyCrc32", 0));
  std::string body = request.body.ToString();
  if (body_crc != 0) {
    std::int32_t actual = protocol::BodyCrc(std::span<const std::uint8_t>(
        reinterpret_cast<const std::uint8_t*>(body.data()), body.size()));
    if (actual != body_crc) return InvalidArgumentError("crc32 not match");
  }
  if (compressed) {
    return UnimplementedError(
        "compressed registration is not supported; set compressedRegister=false on the broker");
  }
  if (!body.empty()) {
    QUIVER_ASSIGN_OR_RETURN(protocol::RegisterBrokerBody decoded,
                            protocol::DecodeRegisterBrokerBody(body));
    r.topics = std::move(decoded.topic_config_table);
    r.data_version = decoded.data_version;
  }
  r.connection_id = connection ? connection->Id() : 0;
  return r;
}

}  // namespace

NameserverServer::NameserverServer(PluginContext& context, NameserverConfig config)
    : core_(std::make_shared<Core>()) {
  core_->context = &context;
  core_->config = std::move(config);
}

NameserverServer::~NameserverServer() { Stop(); }

Status NameserverServer::Start() {
  PluginContext& context = *core_->context;
  if (context.transport_server == nullptr) {
    return FailedPreconditionError(
        "registry.nameserver: the name-server facet needs the node's transport server");
  }
  if (started_) return FailedPreconditionError("registry.nameserver: already started");
  started_ = true;
  std::shared_ptr<Core> core = core_;
  for (std::int32_t request_code :
       {code::kRegisterBroker, code::kUnregisterBroker, code::kGetRouteinfoByTopic,
        code::kGetBrokerClusterInfo, code::kGetAllTopicListFromNameserver,
        code::kDeleteTopicInNamesrv, code::kGetTopicsByCluster, code::kQueryDataVersion}) {
    context.transport_server->RegisterHandler(
        request_code,
        [core](const ConnectionPtr& connection, RemotingCommand request, Responder responder) {
          responder.Send(Dispatch(*core, connection, request));
        });
  }
  context.transport_server->AddCloseListener([core](const ConnectionPtr& connection) {
    for (const std::string& addr : core->table->RemoveConnection(connection->Id())) {
      if (core->context->logger) {
        core->context->logger->info("broker {} removed: its connection {} closed", addr,
                                    connection->RemoteAddress());
      }
    }
  });
  scan_timer_ = context.clock->RunEvery(core->config.scan_interval, [core] { Scan(*core); });
  return Status::Ok();
}

void NameserverServer::Stop() {
  if (scan_timer_) {
    scan_timer_->Cancel();
    scan_timer_.reset();
  }
}

void NameserverServer::Handle(const ConnectionPtr& connection, RemotingCommand request,
                              Responder responder) {
  responder.Send(Dispatch(*core_, connection, request));
}

void NameserverServer::Scan(Core& core) {
  std::vector<std::string> expired =
      core.table->RemoveExpired(core.context->clock->Now(), core.config.broker_expiry);
  for (const std::string& addr : expired) {
    if (core.context->logger) {
      core.context->logger->warn(
          "broker {} removed: no registration for more than {} s", addr,
          std::chrono::duration_cast<std::chrono::seconds>(core.config.broker_expiry).count());
    }
  }
}

RemotingCommand NameserverServer::Dispatch(Core& core, const ConnectionPtr& connection,
                                           const RemotingCommand& request) {
  RouteTable& table = *core.table;
  switch (request.code) {
    case code::kRegisterBroker: {
      StatusOr<BrokerRegistrationRequest> r = ReadRegistration(request, connection);
      if (!r.ok()) return Error(request, response::kSystemError, r.status().message());
      RegistrationReply result = table.RegisterBroker(*r, core.context->clock->Now());
      if (result.ignored && core.context->logger) {
        core.context->logger->warn(
            "registration of {} ignored: another address holds broker id {} of {} with a "
            "newer state version",
            r->broker_addr, r->broker_id, r->broker_name);
      }
      RemotingCommand reply = Success(request);
      if (!result.master_addr.empty()) reply.SetExt("masterAddr", result.master_addr);
      if (!result.ha_server_addr.empty()) reply.SetExt("haServerAddr", result.ha_server_addr);
      return reply;
    }
    case code::kUnregisterBroker: {
      StatusOr<BrokerFields> f = ReadBrokerFields(request);
      if (!f.ok()) return Error(request, response::kSystemError, f.status().message());
      table.UnregisterBroker(f->cluster, f->broker_addr, f->broker_name, f->broker_id);
      if (core.context->logger) {
        core.context->logger->info("broker {} ({} id {}) unregistered", f->broker_addr,
                                   f->broker_name, f->broker_id);
      }
      return Success(request);
    }
    case code::kGetRouteinfoByTopic: {
      StatusOr<std::string> topic = request.RequireExt("topic");
      if (!topic.ok()) return Error(request, response::kSystemError, topic.status().message());
      std::optional<TopicRouteData> route = table.GetRoute(*topic);
      if (!route) {
        return Error(request, response::kTopicNotExist,
                     "No topic route info in name server for the topic: " + *topic);
      }
      return SuccessWithBody(request, protocol::EncodeTopicRouteData(*route));
    }
    case code::kGetBrokerClusterInfo:
      return SuccessWithBody(request, protocol::EncodeClusterInfo(table.GetClusterInfo()));
    case code::kGetAllTopicListFromNameserver:
      return SuccessWithBody(request, protocol::EncodeTopicList(table.GetAllTopics()));
    case code::kGetTopicsByCluster: {
      StatusOr<std::string> cluster = request.RequireExt("cluster");
      if (!cluster.ok()) {
        return Error(request, response::kSystemError, cluster.status().message());
      }
      return SuccessWithBody(request,
                             protocol::EncodeTopicList(table.GetTopicsByCluster(*cluster)));
    }
    case code::kDeleteTopicInNamesrv: {
      StatusOr<std::string> topic = request.RequireExt("topic");
      if (!topic.ok()) return Error(request, response::kSystemError, topic.status().message());
      const std::string* cluster = request.FindExt("clusterName");
      table.DeleteTopic(*topic, cluster ? *cluster : std::string());
      return Success(request);
    }
    case code::kQueryDataVersion: {
      StatusOr<BrokerFields> f = ReadBrokerFields(request);
      if (!f.ok()) return Error(request, response::kSystemError, f.status().message());
      StatusOr<DataVersion> version = protocol::DecodeDataVersion(request.body.ToString());
      if (!version.ok()) {
        return Error(request, response::kSystemError, version.status().message());
      }
      DataVersionCheck check =
          table.QueryDataVersion(f->broker_addr, *version, core.context->clock->Now());
      RemotingCommand reply = Success(request);
      reply.SetExt("changed", check.changed ? "true" : "false");
      if (check.current) {
        reply.body = BufferList(Buffer::FromString(protocol::EncodeDataVersion(*check.current)));
      }
      return reply;
    }
    default:
      return Error(request, response::kRequestCodeNotSupported,
                   "request type " + std::to_string(request.code) + " not supported");
  }
}

}  // namespace quiver::registry::nameserver
