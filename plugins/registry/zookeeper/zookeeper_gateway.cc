#include "zookeeper_gateway.h"

#include <string>

#include "quiver/protocol/codes.h"
#include "quiver/protocol/route_json.h"

namespace quiver::registry::zookeeper {
namespace {

namespace code = protocol::request_code;
namespace response = protocol::response_code;

RemotingCommand WithBody(const RemotingCommand& request, std::string body) {
  RemotingCommand reply = RemotingCommand::ResponseTo(request, response::kSuccess);
  reply.body = BufferList(Buffer::FromString(std::move(body)));
  return reply;
}

constexpr const char* kRefused =
    " refused: this name server is a route gateway over ZooKeeper ([registry] plugin = "
    "\"zookeeper\"); brokers register in ZooKeeper themselves: give the broker [registry] "
    "plugin = \"zookeeper\" and [registry.zookeeper] ensemble";

}  // namespace

ZookeeperGateway::ZookeeperGateway(PluginContext& context, ZookeeperConfig config)
    : context_(context), tree_(BrokerTree::Make(context, std::move(config), "route gateway")) {}

ZookeeperGateway::~ZookeeperGateway() { Stop(); }

Status ZookeeperGateway::Start() {
  if (context_.transport_server == nullptr) {
    return FailedPreconditionError(
        "registry.zookeeper: the route gateway needs the node's transport server");
  }
  if (started_) return FailedPreconditionError("registry.zookeeper: gateway already started");
  started_ = true;
  QUIVER_RETURN_IF_ERROR(tree_->Start());
  std::shared_ptr<BrokerTree> tree = tree_;
  for (std::int32_t request_code :
       {code::kRegisterBroker, code::kUnregisterBroker, code::kGetRouteinfoByTopic,
        code::kGetBrokerClusterInfo, code::kGetAllTopicListFromNameserver,
        code::kDeleteTopicInNamesrv, code::kGetTopicsByCluster, code::kQueryDataVersion}) {
    context_.transport_server->RegisterHandler(
        request_code, [tree](const ConnectionPtr&, RemotingCommand request, Responder responder) {
          responder.Send(Answer(*tree->Snapshot(), request));
        });
  }
  return Status::Ok();
}

void ZookeeperGateway::Stop() { tree_->Stop(); }

RemotingCommand ZookeeperGateway::Answer(const BrokerSnapshot& brokers,
                                         const RemotingCommand& request) {
  switch (request.code) {
    case code::kGetRouteinfoByTopic: {
      StatusOr<std::string> topic = request.RequireExt("topic");
      if (!topic.ok()) {
        return RemotingCommand::ResponseTo(request, response::kSystemError,
                                           topic.status().message());
      }
      std::optional<TopicRouteData> route = BuildRoute(brokers, *topic);
      if (!route) {
        return RemotingCommand::ResponseTo(
            request, response::kTopicNotExist,
            "No topic route info in name server for the topic: " + *topic);
      }
      return WithBody(request, protocol::EncodeTopicRouteData(*route));
    }
    case code::kGetBrokerClusterInfo:
      return WithBody(request, protocol::EncodeClusterInfo(BuildClusterInfo(brokers)));
    case code::kGetAllTopicListFromNameserver:
      return WithBody(request, protocol::EncodeTopicList(BuildTopicList(brokers)));
    case code::kGetTopicsByCluster: {
      StatusOr<std::string> cluster = request.RequireExt("cluster");
      if (!cluster.ok()) {
        return RemotingCommand::ResponseTo(request, response::kSystemError,
                                           cluster.status().message());
      }
      BrokerSnapshot in_cluster;
      for (const auto& [path, r] : brokers) {
        if (r.identity.cluster == *cluster) in_cluster.emplace(path, r);
      }
      return WithBody(request, protocol::EncodeTopicList(BuildTopicList(in_cluster)));
    }
    case code::kRegisterBroker:
      return RemotingCommand::ResponseTo(request, response::kSystemError,
                                         std::string("REGISTER_BROKER") + kRefused);
    case code::kUnregisterBroker:
      return RemotingCommand::ResponseTo(request, response::kSystemError,
                                         std::string("UNREGISTER_BROKER") + kRefused);
    case code::kDeleteTopicInNamesrv:
      return RemotingCommand::ResponseTo(request, response::kSystemError,
                                         std::string("DELETE_TOPIC_IN_NAMESRV") + kRefused);
    case code::kQueryDataVersion:
      return RemotingCommand::ResponseTo(request, response::kSystemError,
                                         std::string("QUERY_DATA_VERSION") + kRefused);
    default:
      return RemotingCommand::ResponseTo(
          request, response::kRequestCodeNotSupported,
          "request type " + std::to_string(request.code) + " not supported");
  }
}

}  // namespace quiver::registry::zookeeper
