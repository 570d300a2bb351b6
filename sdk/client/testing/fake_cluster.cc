#include "fake_cluster.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <algorithm>

#include "quiver/message.h"
#include "quiver/protocol/codes.h"
#include "quiver/protocol/heartbeat_json.h"
#include "quiver/protocol/message_record.h"

namespace quiver::inline v1::client::testing {

namespace rc = protocol::response_code;
namespace req = protocol::request_code;

// ---- ThreadExecutor --------------------------------------------------------------------

ThreadExecutor::ThreadExecutor() {
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    for (;;) {
      cv_.wait(lock, [this] { return stop_ || !tasks_.empty(); });
      if (tasks_.empty()) return;
      std::function<void()> task = std::move(tasks_.front());
      tasks_.pop_front();
      lock.unlock();
      task();
      lock.lock();
    }
  });
}

ThreadExecutor::~ThreadExecutor() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void ThreadExecutor::Post(std::function<void()> fn) {
  {
    std::lock_guard lock(mu_);
    tasks_.push_back(std::move(fn));
  }
  cv_.notify_all();
}

// ---- FakeTransport ---------------------------------------------------------------------

void FakeTransport::SetHandler(const std::string& address, Handler handler) {
  std::lock_guard lock(mu_);
  handlers_[address] = std::move(handler);
}

void FakeTransport::SetFault(const std::string& address, Status error) {
  std::lock_guard lock(mu_);
  if (error.ok()) {
    faults_.erase(address);
  } else {
    faults_[address] = std::move(error);
  }
}

std::vector<FakeTransport::Sent> FakeTransport::Requests() const {
  std::lock_guard lock(mu_);
  return sent_;
}

std::vector<FakeTransport::Sent> FakeTransport::RequestsWithCode(std::int32_t code) const {
  std::vector<Sent> out;
  for (Sent& s : Requests()) {
    if (s.request.code == code) out.push_back(std::move(s));
  }
  return out;
}

StatusOr<RemotingCommand> FakeTransport::Dispatch(const std::string& address,
                                                  RemotingCommand request, bool oneway) {
  Handler handler;
  {
    std::lock_guard lock(mu_);
    sent_.push_back(Sent{address, request, oneway});
    auto fault = faults_.find(address);
    if (fault != faults_.end()) return fault->second;
    auto it = handlers_.find(address);
    if (it == handlers_.end()) return UnavailableError("connect to " + address + " failed");
    handler = it->second;
  }
  RemotingCommand response = handler(request);
  response.flag |= protocol::kFlagResponse;
  response.opaque = request.opaque;
  return response;
}

void FakeTransport::InvokeAsync(const std::string& address, RemotingCommand request,
                                Duration timeout, ResponseCallback done) {
  done(Dispatch(address, std::move(request), false));
}

StatusOr<RemotingCommand> FakeTransport::InvokeSync(const std::string& address,
                                                    RemotingCommand request, Duration timeout) {
  return Dispatch(address, std::move(request), false);
}

Status FakeTransport::InvokeOneway(const std::string& address, RemotingCommand request) {
  StatusOr<RemotingCommand> r = Dispatch(address, std::move(request), true);
  return r.ok() ? Status::Ok() : r.status();
}

// ---- FakeDiscovery ---------------------------------------------------------------------

void FakeDiscovery::SetRoute(const std::string& topic, const TopicRouteData& route) {
  std::vector<RouteListener> listeners;
  {
    std::lock_guard lock(mu_);
    routes_[topic] = route;
    for (auto& [id, entry] : listeners_) {
      if (entry.first == topic) listeners.push_back(entry.second);
    }
  }
  for (RouteListener& l : listeners) l(topic, route);
}

void FakeDiscovery::SetClusterInfo(ClusterInfo info) {
  std::lock_guard lock(mu_);
  cluster_info_ = std::move(info);
}

void FakeDiscovery::GetRoute(const std::string& topic, RouteCallback done) {
  StatusOr<TopicRouteData> result =
      NotFoundError("No topic route info in name server for the topic: " + topic);
  Executor* executor = nullptr;
  {
    std::lock_guard lock(mu_);
    auto it = routes_.find(topic);
    if (it != routes_.end()) result = it->second;
    executor = route_executor_;
  }
  if (executor != nullptr) {
    executor->Post([done = std::move(done), result = std::move(result)]() mutable {
      done(std::move(result));
    });
    return;
  }
  done(std::move(result));
}

void FakeDiscovery::AnswerRoutesOn(Executor* executor) {
  std::lock_guard lock(mu_);
  route_executor_ = executor;
}

std::uint64_t FakeDiscovery::Subscribe(const std::string& topic, RouteListener listener) {
  std::lock_guard lock(mu_);
  const std::uint64_t id = next_id_++;
  listeners_[id] = {topic, std::move(listener)};
  return id;
}

void FakeDiscovery::Unsubscribe(std::uint64_t subscription) {
  std::lock_guard lock(mu_);
  listeners_.erase(subscription);
}

std::size_t FakeDiscovery::subscription_count() const {
  std::lock_guard lock(mu_);
  return listeners_.size();
}

void FakeDiscovery::GetClusterInfo(std::function<void(StatusOr<ClusterInfo>)> done) {
  ClusterInfo info;
  {
    std::lock_guard lock(mu_);
    info = cluster_info_;
  }
  done(std::move(info));
}

void FakeDiscovery::GetTopicList(std::function<void(StatusOr<std::vector<std::string>>)> done) {
  std::vector<std::string> topics;
  {
    std::lock_guard lock(mu_);
    for (const auto& [topic, route] : routes_) topics.push_back(topic);
  }
  done(std::move(topics));
}

// ---- FakeBroker ------------------------------------------------------------------------

namespace {
HostAddress ParseHost(const std::string& address) {
  HostAddress host;
  const auto colon = address.rfind(':');
  std::string ip = address.substr(0, colon);
  host.port = std::stoi(address.substr(colon + 1));
  std::size_t start = 0;
  for (int i = 0; i < 4; ++i) {
    std::size_t dot = ip.find('.', start);
    host.ip.push_back(static_cast<std::uint8_t>(std::stoi(ip.substr(start, dot - start))));
    start = dot + 1;
  }
  return host;
}

std::int32_t ReadInt32(const std::uint8_t* p) {
  return static_cast<std::int32_t>((std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) |
                                   (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]});
}

RemotingCommand Answer(const RemotingCommand& request, std::int32_t code,
                       std::optional<std::string> remark = std::nullopt) {
  return RemotingCommand::ResponseTo(request, code, std::move(remark));
}
}  // namespace

FakeBroker::FakeBroker(std::string name, std::string address, ManualClock& clock)
    : name_(std::move(name)), address_(std::move(address)), clock_(clock) {}

FakeTransport::Handler FakeBroker::AsHandler() {
  return [this](const RemotingCommand& request) { return Handle(request); };
}

void FakeBroker::CreateTopic(const std::string& topic, int queues) {
  std::lock_guard lock(mu_);
  topics_[topic].resize(static_cast<std::size_t>(queues));
}

FakeBroker::Queue* FakeBroker::FindQueue(const std::string& topic, std::int64_t queue_id) {
  auto it = topics_.find(topic);
  if (it == topics_.end() || queue_id < 0 ||
      queue_id >= static_cast<std::int64_t>(it->second.size())) {
    return nullptr;
  }
  return &it->second[static_cast<std::size_t>(queue_id)];
}

std::int64_t FakeBroker::AppendLocked(const std::string& topic, int queue_id, std::int32_t flag,
                                      const std::string& body, const std::string& properties) {
  Queue* queue = FindQueue(topic, queue_id);
  Message m;
  m.topic = topic;
  m.queue_id = QueueId(queue_id);
  m.flag = flag;
  m.born_timestamp_ms = clock_.WallMillis();
  m.born_host = ParseHost("127.0.0.1:5000");
  m.store_host = ParseHost(address_);
  m.properties = properties;
  m.body = Buffer::CopyOf(body);
  const std::size_t size = *protocol::EncodedRecordSize(m);
  std::vector<std::uint8_t> record(size);
  const std::int64_t offset = queue->base + static_cast<std::int64_t>(queue->records.size());
  protocol::EncodeRecord(m, CommitLogOffset(physical_offset_), QueueOffset(offset),
                         clock_.WallMillis(), record.data());
  physical_offset_ += static_cast<std::int64_t>(size);
  queue->records.push_back(std::move(record));
  stored_.push_back(Stored{topic, queue_id, flag, body, properties});
  return offset;
}

std::int64_t FakeBroker::Append(const std::string& topic, int queue_id, const std::string& body,
                                const std::string& tags) {
  std::string properties;
  if (!tags.empty()) properties = *protocol::EncodeProperties({{"TAGS", tags}});
  std::lock_guard lock(mu_);
  return AppendLocked(topic, queue_id, 0, body, properties);
}

std::int64_t FakeBroker::AppendWithProperties(const std::string& topic, int queue_id,
                                              const std::string& body,
                                              std::map<std::string, std::string> properties) {
  std::string encoded = *protocol::EncodeProperties(
      std::vector<protocol::Property>(properties.begin(), properties.end()));
  std::lock_guard lock(mu_);
  return AppendLocked(topic, queue_id, 0, body, encoded);
}

void FakeBroker::DeleteBelow(const std::string& topic, int queue_id, std::int64_t min_offset) {
  std::lock_guard lock(mu_);
  Queue* q = FindQueue(topic, queue_id);
  const std::int64_t drop =
      std::min<std::int64_t>(min_offset - q->base, static_cast<std::int64_t>(q->records.size()));
  q->records.erase(q->records.begin(), q->records.begin() + drop);
  q->base += drop;
  q->min_offset = q->base;
}

void FakeBroker::CorruptBodyCrc(const std::string& topic, int queue_id, std::int64_t offset) {
  std::lock_guard lock(mu_);
  Queue* q = FindQueue(topic, queue_id);
  q->records.at(static_cast<std::size_t>(offset - q->base))[protocol::kBodyCrcPosition + 3] ^= 1;
}

void FakeBroker::FailNextSends(int count, std::int32_t code) {
  std::lock_guard lock(mu_);
  failures_left_ = count;
  failure_code_ = code;
}

void FakeBroker::SetCommittedOffset(const std::string& group, const std::string& topic,
                                    int queue_id, std::int64_t offset) {
  std::lock_guard lock(mu_);
  offsets_[{group, topic, queue_id}] = offset;
}

std::optional<std::int64_t> FakeBroker::CommittedOffset(const std::string& group,
                                                        const std::string& topic,
                                                        int queue_id) const {
  std::lock_guard lock(mu_);
  auto it = offsets_.find({group, topic, queue_id});
  if (it == offsets_.end()) return std::nullopt;
  return it->second;
}

void FakeBroker::SetRuntimeInfo(std::map<std::string, std::string> table) {
  std::lock_guard lock(mu_);
  runtime_info_ = std::move(table);
}

std::vector<FakeBroker::Stored> FakeBroker::Messages(const std::string& topic) const {
  std::lock_guard lock(mu_);
  std::vector<Stored> out;
  for (const Stored& s : stored_) {
    if (s.topic == topic) out.push_back(s);
  }
  return out;
}

std::map<std::string, int> FakeBroker::Topics() const {
  std::lock_guard lock(mu_);
  std::map<std::string, int> out;
  for (const auto& [topic, queues] : topics_) out[topic] = static_cast<int>(queues.size());
  return out;
}

std::vector<std::string> FakeBroker::heartbeats() const {
  std::lock_guard lock(mu_);
  return heartbeats_;
}

RemotingCommand FakeBroker::HandleSend(const RemotingCommand& request) {
  const std::string topic = request.FindExt("b") ? *request.FindExt("b") : "";
  const std::int64_t queue_id = request.GetExtInt("e", -1).value_or(-1);
  if (failures_left_ > 0) {
    --failures_left_;
    return Answer(request, failure_code_, "injected");
  }
  if (FindQueue(topic, queue_id) == nullptr) {
    return Answer(request, rc::kTopicNotExist, "topic[" + topic + "] not exist");
  }
  std::vector<std::int64_t> offsets;
  std::vector<std::string> ids;
  auto record_id = [&](std::int64_t phys) {
    HostAddress host = ParseHost(address_);
    std::string id;
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::vector<std::uint8_t> bytes = host.ip;
    for (int s = 24; s >= 0; s -= 8) bytes.push_back(static_cast<std::uint8_t>(host.port >> s));
    for (int s = 56; s >= 0; s -= 8) bytes.push_back(static_cast<std::uint8_t>(phys >> s));
    for (std::uint8_t b : bytes) {
      id.push_back(kHex[b >> 4]);
      id.push_back(kHex[b & 0xF]);
    }
    return id;
  };
  const std::vector<std::uint8_t> body = request.body.Flatten();
  if (request.code == req::kSendBatchMessage) {
    std::size_t pos = 0;
    while (pos < body.size()) {
      if (body.size() - pos < 20) return Answer(request, rc::kMessageIllegal, "torn batch");
      const std::int32_t total = ReadInt32(&body[pos]);
      const std::int32_t flag = ReadInt32(&body[pos + 12]);
      const std::int32_t body_len = ReadInt32(&body[pos + 16]);
      const std::size_t props_at = pos + 20 + static_cast<std::size_t>(body_len);
      const std::size_t props_len = (std::size_t{body[props_at]} << 8) | body[props_at + 1];
      std::string msg_body(reinterpret_cast<const char*>(&body[pos + 20]), body_len);
      std::string props(reinterpret_cast<const char*>(&body[props_at + 2]), props_len);
      if (props_at + 2 + props_len != pos + static_cast<std::size_t>(total)) {
        return Answer(request, rc::kMessageIllegal, "batch entry size mismatch");
      }
      const std::int64_t phys = physical_offset_;
      offsets.push_back(AppendLocked(topic, static_cast<int>(queue_id), flag, msg_body, props));
      ids.push_back(record_id(phys));
      pos += static_cast<std::size_t>(total);
    }
  } else {
    const std::int64_t phys = physical_offset_;
    offsets.push_back(AppendLocked(topic, static_cast<int>(queue_id),
                                   static_cast<std::int32_t>(request.GetExtInt("h", 0).value_or(0)),
                                   std::string(body.begin(), body.end()),
                                   request.FindExt("i") ? *request.FindExt("i") : ""));
    ids.push_back(record_id(phys));
  }
  RemotingCommand response = Answer(request, rc::kSuccess);
  std::string joined;
  for (const std::string& id : ids) joined += (joined.empty() ? "" : ",") + id;
  response.SetExt("msgId", joined);
  response.SetExt("queueId", queue_id);
  response.SetExt("queueOffset", offsets.front());
  return response;
}

RemotingCommand FakeBroker::HandlePull(const RemotingCommand& request) {
  const std::string topic = *request.FindExt("topic");
  Queue* q = FindQueue(topic, request.GetExtInt("queueId", -1).value_or(-1));
  if (q == nullptr) return Answer(request, rc::kTopicNotExist, "no topic " + topic);
  const std::int64_t offset = request.GetExtInt("queueOffset", 0).value_or(0);
  const std::int64_t max = q->base + static_cast<std::int64_t>(q->records.size());
  const std::int64_t max_nums = request.GetExtInt("maxMsgNums", 32).value_or(32);
  RemotingCommand response = Answer(request, rc::kSuccess);
  response.SetExt("minOffset", q->min_offset);
  response.SetExt("maxOffset", max);
  response.SetExt("suggestWhichBrokerId", std::int64_t{0});
  if (offset < q->min_offset || offset > max) {
    response.code = rc::kPullOffsetMoved;
    response.SetExt("nextBeginOffset", offset < q->min_offset ? q->min_offset : max);
    return response;
  }
  if (offset == max) {
    response.code = rc::kPullNotFound;
    response.SetExt("nextBeginOffset", offset);
    return response;
  }
  std::int64_t next = offset;
  for (; next < max && next - offset < max_nums; ++next) {
    response.body.Append(Buffer::CopyOf(
        std::span<const std::uint8_t>(q->records[static_cast<std::size_t>(next - q->base)])));
  }
  response.SetExt("nextBeginOffset", next);
  return response;
}

RemotingCommand FakeBroker::Handle(const RemotingCommand& request) {
  std::lock_guard lock(mu_);
  switch (request.code) {
    case req::kSendMessageV2:
    case req::kSendBatchMessage:
      return HandleSend(request);
    case req::kPullMessage:
      return HandlePull(request);
    case req::kHeartBeat: {
      heartbeats_.push_back(request.body.ToString());
      StatusOr<protocol::HeartbeatData> data = protocol::DecodeHeartbeatData(heartbeats_.back());
      if (data.ok()) {
        for (const auto& c : data->consumer_data_set) {
          consumers_[c.group_name].insert(data->client_id);
        }
      }
      return Answer(request, rc::kSuccess);
    }
    case req::kUnregisterClient: {
      auto group = request.FindExt("consumerGroup");
      auto client = request.FindExt("clientID");
      if (group && client) consumers_[*group].erase(*client);
      return Answer(request, rc::kSuccess);
    }
    case req::kGetConsumerListByGroup: {
      auto group = request.FindExt("consumerGroup");
      auto it = consumers_.find(group ? *group : "");
      if (it == consumers_.end() || it->second.empty()) {
        return Answer(request, rc::kSystemError, "no consumer for this group");
      }
      RemotingCommand response = Answer(request, rc::kSuccess);
      response.body = BufferList(Buffer::FromString(protocol::EncodeConsumerIdList(
          std::vector<std::string>(it->second.begin(), it->second.end()))));
      return response;
    }
    case req::kLockBatchMq:
    case req::kUnlockBatchMq: {
      rapidjson::Document doc;
      const std::string body = request.body.ToString();
      doc.Parse(body.c_str());
      if (doc.HasParseError() || !doc.IsObject()) {
        return Answer(request, rc::kSystemError, "bad lock body");
      }
      const std::string group = doc["consumerGroup"].GetString();
      const std::string client = doc["clientId"].GetString();
      rapidjson::StringBuffer buffer;
      rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
      w.StartObject();
      w.Key("lockOKMQSet");
      w.StartArray();
      for (const auto& mq : doc["mqSet"].GetArray()) {
        auto key = std::make_tuple(group, std::string(mq["topic"].GetString()),
                                   mq["queueId"].GetInt());
        if (request.code == req::kUnlockBatchMq) {
          if (locks_[key] == client) locks_.erase(key);
          continue;
        }
        std::string& holder = locks_[key];
        if (!holder.empty() && holder != client) continue;
        holder = client;
        w.StartObject();
        w.Key("topic");
        w.String(mq["topic"].GetString());
        w.Key("brokerName");
        w.String(mq["brokerName"].GetString());
        w.Key("queueId");
        w.Int(mq["queueId"].GetInt());
        w.EndObject();
      }
      w.EndArray();
      w.EndObject();
      RemotingCommand response = Answer(request, rc::kSuccess);
      if (request.code == req::kLockBatchMq) {
        response.body = BufferList(Buffer::FromString(buffer.GetString()));
      }
      return response;
    }
    case req::kConsumerSendMsgBack:
      sent_back_.push_back(SentBack{
          request.FindExt("group") ? *request.FindExt("group") : "",
          request.GetExtInt("offset", -1).value_or(-1),
          request.GetExtInt("delayLevel", 0).value_or(0),
          request.FindExt("originTopic") ? *request.FindExt("originTopic") : ""});
      return Answer(request, rc::kSuccess);
    case req::kUpdateAndCreateTopic: {
      const std::string topic = *request.FindExt("topic");
      topics_[topic].resize(
          static_cast<std::size_t>(request.GetExtInt("writeQueueNums", 8).value_or(8)));
      return Answer(request, rc::kSuccess);
    }
    case req::kGetBrokerRuntimeInfo: {
      rapidjson::StringBuffer buffer;
      rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
      w.StartObject();
      w.Key("table");
      w.StartObject();
      for (const auto& [k, v] : runtime_info_) {
        w.Key(k.c_str());
        w.String(v.c_str());
      }
      w.EndObject();
      w.EndObject();
      RemotingCommand response = Answer(request, rc::kSuccess);
      response.body = BufferList(Buffer::FromString(buffer.GetString()));
      return response;
    }
    default:
      break;
  }
  // Per-queue requests.
  const std::string topic = request.FindExt("topic") ? *request.FindExt("topic") : "";
  const std::int64_t queue_id = request.GetExtInt("queueId", -1).value_or(-1);
  Queue* q = FindQueue(topic, queue_id);
  if (q == nullptr) return Answer(request, rc::kTopicNotExist, "no queue " + topic);
  const std::int64_t max = q->base + static_cast<std::int64_t>(q->records.size());
  RemotingCommand response = Answer(request, rc::kSuccess);
  switch (request.code) {
    case req::kGetMinOffset:
      response.SetExt("offset", q->min_offset);
      return response;
    case req::kGetMaxOffset:
      response.SetExt("offset", max);
      return response;
    case req::kSearchOffsetByTimestamp: {
      const std::int64_t ts = request.GetExtInt("timestamp", 0).value_or(0);
      std::int64_t found = max;
      for (std::size_t i = 0; i < q->records.size(); ++i) {
        auto record = protocol::DecodeRecord(q->records[i]);
        if (record->store_timestamp_ms >= ts) {
          found = q->base + static_cast<std::int64_t>(i);
          break;
        }
      }
      response.SetExt("offset", found);
      return response;
    }
    case req::kQueryConsumerOffset: {
      auto it =
          offsets_.find({*request.FindExt("consumerGroup"), topic, static_cast<int>(queue_id)});
      if (it != offsets_.end()) {
        response.SetExt("offset", it->second);
      } else if (q->min_offset == 0) {
        response.SetExt("offset", std::int64_t{0});  // RocketMQ 4.x: offset 0 still present
      } else {
        return Answer(request, rc::kQueryNotFound, "Not found, V3_0_6_SNAPSHOT maybe");
      }
      return response;
    }
    case req::kUpdateConsumerOffset:
      offsets_[{*request.FindExt("consumerGroup"), topic, static_cast<int>(queue_id)}] =
          request.GetExtInt("commitOffset", 0).value_or(0);
      return response;
    default:
      return Answer(request, rc::kRequestCodeNotSupported, "not supported by FakeBroker");
  }
}

std::set<std::string> FakeBroker::ConsumerIds(const std::string& group) const {
  std::lock_guard lock(mu_);
  auto it = consumers_.find(group);
  return it == consumers_.end() ? std::set<std::string>{} : it->second;
}

void FakeBroker::AddConsumer(const std::string& group, const std::string& client_id) {
  std::lock_guard lock(mu_);
  consumers_[group].insert(client_id);
}

void FakeBroker::RemoveConsumer(const std::string& group, const std::string& client_id) {
  std::lock_guard lock(mu_);
  consumers_[group].erase(client_id);
}

std::vector<FakeBroker::SentBack> FakeBroker::sent_back() const {
  std::lock_guard lock(mu_);
  return sent_back_;
}

std::string FakeBroker::LockHolder(const std::string& group, const std::string& topic,
                                   int queue_id) const {
  std::lock_guard lock(mu_);
  auto it = locks_.find({group, topic, queue_id});
  return it == locks_.end() ? "" : it->second;
}

// ---- FakeRuntime / FakeCluster ---------------------------------------------------------

FakeRuntime::FakeRuntime(FakeTransport& transport, FakeDiscovery& discovery, ManualClock& clock,
                         Executor& executor, std::string client_id)
    : transport_(transport),
      discovery_(discovery),
      clock_(clock),
      executor_(executor),
      client_id_(std::move(client_id)) {
  logger_ = std::make_shared<spdlog::logger>("client-test",
                                             std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger_->set_level(spdlog::level::err);
}

FakeCluster::FakeCluster(int brokers) {
  ClusterInfo info;
  for (int i = 0; i < brokers; ++i) {
    const std::string name = std::string("broker-") + static_cast<char>('a' + i);
    const std::string address = "10.0.0." + std::to_string(i + 1) + ":10911";
    brokers_.push_back(std::make_unique<FakeBroker>(name, address, clock));
    transport.SetHandler(address, brokers_.back()->AsHandler());
    info.broker_addr_table[name] = BrokerData{"DefaultCluster", name, {{0, address}}};
    info.cluster_addr_table["DefaultCluster"].push_back(name);
  }
  discovery.SetClusterInfo(std::move(info));
}

void FakeCluster::CreateTopic(const std::string& topic, int queues) {
  for (auto& b : brokers_) b->CreateTopic(topic, queues);
  PublishRoute(topic);
}

void FakeCluster::PublishRoute(const std::string& topic) {
  TopicRouteData route;
  for (auto& b : brokers_) {
    auto topics = b->Topics();
    auto it = topics.find(topic);
    if (it == topics.end()) continue;
    route.queue_datas.push_back(QueueData{b->name(), it->second, it->second, perm::kReadWrite, 0});
    route.broker_datas.push_back(BrokerData{"DefaultCluster", b->name(), {{0, b->address()}}});
  }
  discovery.SetRoute(topic, route);
}

std::shared_ptr<ClientRuntime> FakeCluster::NewRuntime() {
  return std::make_shared<FakeRuntime>(transport, discovery, clock, executor_);
}

std::shared_ptr<ClientRuntime> FakeCluster::NewRuntime(const std::string& client_id) {
  return std::make_shared<FakeRuntime>(transport, discovery, clock, executor_, client_id);
}

}  // namespace quiver::inline v1::client::testing
