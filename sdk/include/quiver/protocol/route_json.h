#pragma once
// JSON bodies of the name-server protocol (rocketmq-protocol.md §3.1–3.3, §3.5), shared by
// the registry plugins, the broker and the client library.
//
// Encoders write standard JSON (every object key quoted, brokerAddrs keys too) with the
// field names of RocketMQ's Java classes. Decoders accept what Java name servers and
// brokers write: fastjson's unquoted integer map keys (`"brokerAddrs":{0:"a:1"}`), the
// pre-4.9 spelling `topicSynFlag`, null or missing optional fields, and unknown fields
// (ignored, as Java does). Malformed input returns kInvalidArgument naming what was
// wrong ("TopicRouteData: queueDatas[0].readQueueNums: expected an integer"); decoders
// never abort and never recurse on the input's nesting depth.
//
// Thread safety: pure functions.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "quiver/export.h"
#include "quiver/route.h"
#include "quiver/status.h"

namespace quiver {
inline namespace v1 {
namespace protocol {

// REGISTER_BROKER's body (§3.2): the broker's topic table and its data version
// (`topicConfigSerializeWrapper`), plus the filter servers (always empty in Quiver).
struct RegisterBrokerBody {
  std::map<std::string, TopicConfig> topic_config_table;  // topic name -> config
  DataVersion data_version;
  std::vector<std::string> filter_server_list;
  friend bool operator==(const RegisterBrokerBody&, const RegisterBrokerBody&) = default;
};

// {"queueDatas":[...],"brokerDatas":[...],"filterServerTable":{}}; "orderTopicConf" is
// omitted (fastjson omits nulls).
QUIVER_SDK_API std::string EncodeTopicRouteData(const TopicRouteData& route);
// Keeps the order of the arrays as received.
QUIVER_SDK_API StatusOr<TopicRouteData> DecodeTopicRouteData(std::string_view json);

// {"brokerAddrTable":{name:BrokerData},"clusterAddrTable":{cluster:[names]}}.
QUIVER_SDK_API std::string EncodeClusterInfo(const ClusterInfo& info);
QUIVER_SDK_API StatusOr<ClusterInfo> DecodeClusterInfo(std::string_view json);

// {"topicConfigSerializeWrapper":{"topicConfigTable":{...},"dataVersion":{...}},
//  "filterServerList":[]}. On decode, a TopicConfig without topicName takes its map key.
QUIVER_SDK_API std::string EncodeRegisterBrokerBody(const RegisterBrokerBody& body);
QUIVER_SDK_API StatusOr<RegisterBrokerBody> DecodeRegisterBrokerBody(std::string_view json);

// {"topicList":[...]}; on decode "brokerAddr" and other fields are ignored.
QUIVER_SDK_API std::string EncodeTopicList(const std::vector<std::string>& topics);
QUIVER_SDK_API StatusOr<std::vector<std::string>> DecodeTopicList(std::string_view json);

// {"stateVersion":0,"timestamp":1700000000000,"counter":12}; 4.x omits stateVersion.
QUIVER_SDK_API std::string EncodeDataVersion(const DataVersion& version);
QUIVER_SDK_API StatusOr<DataVersion> DecodeDataVersion(std::string_view json);

}  // namespace protocol
}  // namespace v1
}  // namespace quiver
