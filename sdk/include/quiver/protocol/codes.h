#pragma once
// RocketMQ request and response codes (rocketmq-protocol.md §2).

#include <cstdint>

namespace quiver {
inline namespace v1 {
namespace protocol {

namespace request_code {
inline constexpr std::int32_t kSendMessage = 10;
inline constexpr std::int32_t kPullMessage = 11;
inline constexpr std::int32_t kQueryMessage = 12;
inline constexpr std::int32_t kQueryConsumerOffset = 14;
inline constexpr std::int32_t kUpdateConsumerOffset = 15;
inline constexpr std::int32_t kUpdateAndCreateTopic = 17;
inline constexpr std::int32_t kGetAllTopicConfig = 21;
inline constexpr std::int32_t kGetBrokerRuntimeInfo = 28;
inline constexpr std::int32_t kSearchOffsetByTimestamp = 29;
inline constexpr std::int32_t kGetMaxOffset = 30;
inline constexpr std::int32_t kGetMinOffset = 31;
inline constexpr std::int32_t kGetEarliestMsgStoretime = 32;
inline constexpr std::int32_t kViewMessageById = 33;
inline constexpr std::int32_t kHeartBeat = 34;
inline constexpr std::int32_t kUnregisterClient = 35;
inline constexpr std::int32_t kConsumerSendMsgBack = 36;
inline constexpr std::int32_t kEndTransaction = 37;
inline constexpr std::int32_t kGetConsumerListByGroup = 38;
inline constexpr std::int32_t kCheckTransactionState = 39;
inline constexpr std::int32_t kNotifyConsumerIdsChanged = 40;
inline constexpr std::int32_t kLockBatchMq = 41;
inline constexpr std::int32_t kUnlockBatchMq = 42;
inline constexpr std::int32_t kGetAllConsumerOffset = 43;
inline constexpr std::int32_t kGetAllDelayOffset = 45;
inline constexpr std::int32_t kPutKvConfig = 100;
inline constexpr std::int32_t kGetKvConfig = 101;
inline constexpr std::int32_t kDeleteKvConfig = 102;
inline constexpr std::int32_t kRegisterBroker = 103;
inline constexpr std::int32_t kUnregisterBroker = 104;
inline constexpr std::int32_t kGetRouteinfoByTopic = 105;
inline constexpr std::int32_t kGetBrokerClusterInfo = 106;
inline constexpr std::int32_t kUpdateAndCreateSubscriptionGroup = 200;
inline constexpr std::int32_t kGetAllSubscriptionGroupConfig = 201;
inline constexpr std::int32_t kGetConsumerConnectionList = 203;
inline constexpr std::int32_t kGetAllTopicListFromNameserver = 206;
inline constexpr std::int32_t kGetConsumeStats = 208;
inline constexpr std::int32_t kDeleteTopicInBroker = 215;
inline constexpr std::int32_t kDeleteTopicInNamesrv = 216;
inline constexpr std::int32_t kGetTopicsByCluster = 224;
inline constexpr std::int32_t kSendMessageV2 = 310;
inline constexpr std::int32_t kSendBatchMessage = 320;
inline constexpr std::int32_t kQueryDataVersion = 322;
}  // namespace request_code

namespace response_code {
inline constexpr std::int32_t kSuccess = 0;
inline constexpr std::int32_t kSystemError = 1;
inline constexpr std::int32_t kSystemBusy = 2;
inline constexpr std::int32_t kRequestCodeNotSupported = 3;
inline constexpr std::int32_t kFlushDiskTimeout = 10;
inline constexpr std::int32_t kSlaveNotAvailable = 11;
inline constexpr std::int32_t kFlushSlaveTimeout = 12;
inline constexpr std::int32_t kMessageIllegal = 13;
inline constexpr std::int32_t kServiceNotAvailable = 14;
inline constexpr std::int32_t kVersionNotSupported = 15;
inline constexpr std::int32_t kNoPermission = 16;
inline constexpr std::int32_t kTopicNotExist = 17;
inline constexpr std::int32_t kTopicExistAlready = 18;
inline constexpr std::int32_t kPullNotFound = 19;
inline constexpr std::int32_t kPullRetryImmediately = 20;
inline constexpr std::int32_t kPullOffsetMoved = 21;
inline constexpr std::int32_t kQueryNotFound = 22;
inline constexpr std::int32_t kSubscriptionParseFailed = 23;
inline constexpr std::int32_t kSubscriptionNotExist = 24;
inline constexpr std::int32_t kSubscriptionNotLatest = 25;
inline constexpr std::int32_t kSubscriptionGroupNotExist = 26;
inline constexpr std::int32_t kInvalidParameter = 29;
inline constexpr std::int32_t kConsumerNotOnline = 206;
}  // namespace response_code

}  // namespace protocol
}  // namespace v1
}  // namespace quiver
