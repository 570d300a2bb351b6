// `quiver consume`: reads a topic for a group (pull by default; --push: group consumption
// with rebalance; --broadcast: every member reads everything), optionally printing bodies
// (--print) or one JSON object per message (--json), and commits.

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <chrono>
#include <map>
#include <mutex>
#include <ostream>
#include <set>
#include <thread>

#include "quiver/client/pull_consumer.h"
#include "quiver/client/push_consumer.h"
#include "tools/cli_common.h"
#include "tools/client_commands.h"

namespace quiver::tools {

using namespace internal;

std::string EscapeBody(const std::string& body) {
  std::string out;
  out.reserve(body.size());
  for (char c : body) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string MessageJson(const client::MessageExt& m) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  auto str = [&w](const std::string& s) {
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  };
  w.StartObject();
  w.Key("topic");
  str(m.topic);
  w.Key("brokerName");
  str(m.queue.broker_name);
  w.Key("queueId");
  w.Int(m.queue.queue_id);
  w.Key("queueOffset");
  w.Int64(m.queue_offset.value());
  w.Key("msgId");
  str(m.msg_id);
  w.Key("keys");
  w.StartArray();
  for (const std::string& k : m.keys) str(k);
  w.EndArray();
  w.Key("tags");
  str(m.tags);
  w.Key("reconsumeTimes");
  w.Int(m.reconsume_times);
  w.Key("properties");
  w.StartObject();
  for (const auto& [k, v] : m.properties) {
    str(k);
    str(v);
  }
  w.EndObject();
  w.Key("body");
  str(m.body);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

namespace {

struct ConsumeArgs {
  std::string topic, group, subscription = "*";
  long long count = 0;
  bool limited_count = false, limited_time = false;
  std::chrono::steady_clock::time_point deadline;
  bool print = false, json = false, from_beginning = false;
  bool broadcast = false, orderly = false;
  int threads = 1;
};

void PrintMessage(const ConsumeArgs& a, const client::MessageExt& m, std::ostream& out) {
  if (a.json) {
    out << MessageJson(m) << "\n";
  } else if (a.print) {
    out << EscapeBody(m.body) << "\n";
  }
}

std::string AssignmentText(const std::vector<client::MessageQueue>& queues) {
  std::string text = std::to_string(queues.size()) + " queues:";
  for (const client::MessageQueue& mq : queues) {
    text += " " + mq.topic + "/" + mq.broker_name + "/" + std::to_string(mq.queue_id);
  }
  return text;
}

// --push / --broadcast: a PushConsumer whose listener prints. A message beyond --count is
// held by its listener until shutdown begins: the consumer then ignores its result, so the
// group's offset never passes a message this process did not print.
int RunPushConsume(const ConsumeArgs& a, std::shared_ptr<client::ClientRuntime> runtime,
                   std::ostream& out, std::ostream& err, const std::atomic<bool>* interrupted) {
  client::PushConsumer consumer(
      std::move(runtime),
      {.group = a.group,
       .message_model =
           a.broadcast ? client::MessageModel::kBroadcasting : client::MessageModel::kClustering,
       .consume_from_where = a.from_beginning ? client::ConsumeFromWhere::kFirstOffset
                                              : client::ConsumeFromWhere::kLastOffset,
       .consume_threads = a.threads});
  std::mutex mu;
  long long received = 0;
  // True when printed; false when beyond --count (the caller then waits for shutdown).
  auto take = [&](const std::vector<client::MessageExt>& batch) {
    std::lock_guard lock(mu);
    if (a.limited_count && received + static_cast<long long>(batch.size()) > a.count) {
      return false;
    }
    received += static_cast<long long>(batch.size());
    for (const client::MessageExt& m : batch) PrintMessage(a, m, out);
    out.flush();
    return true;
  };
  auto hold = [&consumer] {
    while (consumer.Running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  };
  Status s = consumer.Subscribe(a.topic, a.subscription);
  if (s.ok() && a.orderly) {
    s = consumer.RegisterListener([&](const std::vector<client::MessageExt>& batch) {
      if (!take(batch)) hold();
      return client::OrderlyConsumeResult::kSuccess;
    });
  } else if (s.ok()) {
    s = consumer.RegisterListener([&](const std::vector<client::MessageExt>& batch) {
      if (!take(batch)) hold();
      return client::ConsumeResult::kSuccess;
    });
  }
  if (s.ok()) s = consumer.Start();
  if (!s.ok()) {
    err << "error: " << s.ToString() << "\n";
    return s.code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailed;
  }
  std::string last_assignment;
  for (;;) {
    // The topic's queues (the group's %RETRY% queues are an implementation detail here).
    std::vector<client::MessageQueue> queues = consumer.Assignment();
    std::erase_if(queues, [&](const client::MessageQueue& mq) { return mq.topic != a.topic; });
    const std::string assignment = AssignmentText(queues);
    if (assignment != last_assignment) {
      err << "assignment: " << assignment << "\n";
      err.flush();
      last_assignment = assignment;
    }
    if (interrupted != nullptr && interrupted->load()) break;
    {
      std::lock_guard lock(mu);
      if (a.limited_count && received >= a.count) break;
    }
    if (a.limited_time && std::chrono::steady_clock::now() >= a.deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  consumer.Shutdown();
  std::lock_guard lock(mu);
  err << "received " << received << " messages from " << a.topic << " for group " << a.group
      << "\n";
  return a.limited_count && received < a.count ? kExitFailed : kExitOk;
}

}  // namespace

int RunConsume(const std::vector<std::string>& args, const RuntimeFactory& factory,
               std::ostream& out, std::ostream& err, const std::atomic<bool>* interrupted) {
  CLI::App app{"quiver consume: read a topic as a consumer group", "quiver consume"};
  ConnectionFlags flags;
  flags.AddTo(app);
  std::string topic, group;
  long long count = 0;
  double timeout_seconds = 0;
  bool print = false, from_beginning = false;
  app.add_option("-t,--topic", topic, "topic")->required();
  app.add_option("-g,--group", group, "consumer group")->required();
  auto* count_opt =
      app.add_option("--count", count, "stop after N messages")->check(CLI::PositiveNumber);
  auto* timeout_opt = app.add_option("--timeout", timeout_seconds, "stop after SECONDS")
                          ->check(CLI::NonNegativeNumber);
  app.add_flag("--print", print, "print one body per line on stdout");
  app.add_flag("--from-beginning", from_beginning,
               "a group without offsets starts at the first message");
  ConsumeArgs a;
  app.add_option("-s,--subscription", a.subscription,
                 "tag expression: \"*\" (default) or \"TagA || TagB\"");
  bool push = false;
  app.add_flag("--json", a.json,
               "print one JSON object per message (topic, brokerName, queueId, queueOffset, "
               "msgId, keys, tags, reconsumeTimes, properties, body)");
  app.add_flag("--push", push,
               "push consumption: the group's queues are divided among its members "
               "(rebalance); assignment changes are reported on stderr");
  app.add_flag("--broadcast", a.broadcast,
               "broadcasting push consumption: every member reads every queue; offsets are "
               "kept in ~/.quiver/offsets/<client id>/<group>/offsets.json");
  app.add_flag("--orderly", a.orderly,
               "with --push: orderly consumption (queues locked on their broker, one thread "
               "per queue)");
  app.add_option("--threads", a.threads,
                 "with --push/--broadcast: consume threads (default 1, which keeps each queue's "
                 "order in the output)")
      ->check(CLI::PositiveNumber);
  if (auto exit = Parse(app, args, out, err)) return *exit;
  if (a.orderly && !push && !a.broadcast) {
    err << "error: --orderly needs --push\n";
    return kExitUsage;
  }

  int exit_code = kExitOk;
  std::shared_ptr<client::ClientRuntime> runtime = MakeRuntime(flags, factory, err, exit_code);
  if (!runtime) return exit_code;
  if (push || a.broadcast) {
    a.topic = topic;
    a.group = group;
    a.count = count;
    a.limited_count = !count_opt->empty();
    a.limited_time = !timeout_opt->empty();
    a.deadline = std::chrono::steady_clock::now() +
                 std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                     std::chrono::duration<double>(timeout_seconds));
    a.print = print;
    a.from_beginning = from_beginning;
    // A copy: the runtime must outlive the consumer and be released on this thread.
    return RunPushConsume(a, runtime, out, err, interrupted);
  }
  client::PullConsumer consumer(
      runtime, {.group = group,
                .consume_from_where = from_beginning ? client::ConsumeFromWhere::kFirstOffset
                                                     : client::ConsumeFromWhere::kLastOffset});
  if (Status s = consumer.Subscribe(topic, a.subscription); !s.ok()) {
    err << "error: " << s.ToString() << "\n";
    return kExitFailed;
  }
  if (Status s = consumer.Start(); !s.ok()) {
    err << "error: " << s.ToString() << "\n";
    return kExitFailed;
  }

  const bool limited_count = !count_opt->empty();
  const bool limited_time = !timeout_opt->empty();
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                            std::chrono::duration<double>(timeout_seconds));
  long long received = 0;
  int result = kExitOk;
  for (;;) {
    if (interrupted != nullptr && interrupted->load()) break;
    if (limited_count && received >= count) break;
    auto now = std::chrono::steady_clock::now();
    if (limited_time && now >= deadline) break;
    Duration wait = std::chrono::milliseconds(500);
    if (limited_time) wait = std::min<Duration>(wait, deadline - now);
    StatusOr<std::vector<client::MessageExt>> batch = consumer.Poll(wait);
    if (!batch.ok()) {
      err << "error: " << batch.status().ToString() << "\n";
      result = kExitFailed;
      break;
    }
    // Messages beyond --count are handed back: their queues rewind to the first one not
    // printed, so the committed offsets never skip them.
    std::map<client::MessageQueue, QueueOffset> rewind;
    for (client::MessageExt& m : *batch) {
      if (limited_count && received >= count) {
        rewind.try_emplace(m.queue, m.queue_offset);
        continue;
      }
      ++received;
      if (a.json) {
        out << MessageJson(m) << "\n";
      } else if (print) {
        out << EscapeBody(m.body) << "\n";
      }
    }
    out.flush();
    for (const auto& [queue, offset] : rewind)
      consumer.Seek(queue, offset).IgnoreError();  // assigned
  }
  consumer.Shutdown();
  err << "received " << received << " messages from " << topic << " for group " << group << "\n";
  if (result == kExitOk && limited_count && received < count) result = kExitFailed;
  return result;
}

}  // namespace quiver::tools
