// `quiver admin`: mqadmin's subcommands, flags and output layouts (ecosystem.md §1.2).

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <cstdio>
#include <algorithm>
#include <ctime>
#include <optional>
#include <ostream>

#include "quiver/client/admin.h"
#include "tools/cli_common.h"
#include "tools/client_commands.h"

namespace quiver::tools {

namespace {

using namespace internal;

std::string Printf(const char* format, auto... args) {
  char buffer[1024];
  std::snprintf(buffer, sizeof buffer, format, args...);
  return buffer;
}

// UtilAll.formatDate(date, "yyyy-MM-dd HH:mm:ss,SSS"), local time.
std::string FormatDate(std::int64_t ms) {
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  localtime_r(&seconds, &tm);
  return Printf("%04d-%02d-%02d %02d:%02d:%02d,%03d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
}

// PermName.perm2String: "RW-" style.
std::string PermString(std::int32_t p) {
  std::string s = "---";
  if (p & perm::kRead) s[0] = 'R';
  if (p & perm::kWrite) s[1] = 'W';
  if (p & perm::kInherit) s[2] = 'X';
  return s;
}

std::string TopicConfigString(const TopicConfig& c) {
  return "TopicConfig [topicName=" + c.topic_name +
         ", readQueueNums=" + std::to_string(c.read_queue_nums) +
         ", writeQueueNums=" + std::to_string(c.write_queue_nums) + ", perm=" + PermString(c.perm) +
         ", topicFilterType=" + c.topic_filter_type +
         ", topicSysFlag=" + std::to_string(c.topic_sys_flag) +
         ", order=" + (c.order ? "true" : "false") + "]";
}

// TopicRouteData as mqadmin prints it (fastjson pretty, fields in alphabetical order).
std::string RouteJson(const TopicRouteData& route) {
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buffer);
  w.SetIndent('\t', 1);
  w.StartObject();
  w.Key("brokerDatas");
  w.StartArray();
  for (const BrokerData& b : route.broker_datas) {
    w.StartObject();
    w.Key("brokerAddrs");
    w.StartObject();
    for (const auto& [id, address] : b.broker_addrs) {
      w.Key(std::to_string(id).c_str());
      w.String(address.c_str());
    }
    w.EndObject();
    w.Key("brokerName");
    w.String(b.broker_name.c_str());
    w.Key("cluster");
    w.String(b.cluster.c_str());
    w.EndObject();
  }
  w.EndArray();
  w.Key("filterServerTable");
  w.StartObject();
  w.EndObject();
  w.Key("queueDatas");
  w.StartArray();
  for (const QueueData& q : route.queue_datas) {
    w.StartObject();
    w.Key("brokerName");
    w.String(q.broker_name.c_str());
    w.Key("perm");
    w.Int(q.perm);
    w.Key("readQueueNums");
    w.Int(q.read_queue_nums);
    w.Key("topicSysFlag");
    w.Int(q.topic_sys_flag);
    w.Key("writeQueueNums");
    w.Int(q.write_queue_nums);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return buffer.GetString();
}

int Fail(std::ostream& err, const Status& status) {
  err << "error: " << status.ToString() << "\n";
  return kExitFailed;
}

std::string Get(const std::map<std::string, std::string>& table, const std::string& key,
                const std::string& fallback) {
  auto it = table.find(key);
  return it == table.end() || it->second.empty() ? fallback : it->second;
}

double FirstNumber(const std::string& text) {
  try {
    return std::stod(text.substr(0, text.find(' ')));
  } catch (...) {
    return 0;
  }
}

}  // namespace

int RunAdmin(const std::vector<std::string>& args, const RuntimeFactory& factory, std::ostream& out,
             std::ostream& err) {
  CLI::App app{"quiver admin: cluster administration (mqadmin's subcommands)", "quiver admin"};
  app.require_subcommand(1);
  ConnectionFlags flags;

  TopicConfig config;
  config.read_queue_nums = 8;
  config.write_queue_nums = 8;
  config.perm = perm::kReadWrite;
  std::string cluster, broker, topic, group, order = "false";
  auto* update = app.add_subcommand("updateTopic", "create or update a topic");
  flags.AddTo(*update);
  auto* ub = update->add_option("-b,--brokerAddr", broker, "broker address");
  auto* uc = update->add_option("-c,--clusterName", cluster, "cluster name");
  ub->excludes(uc);
  update->add_option("-t,--topic", config.topic_name, "topic")->required();
  update->add_option("-r,--readQueueNums", config.read_queue_nums, "read queues (8)");
  update->add_option("-w,--writeQueueNums", config.write_queue_nums, "write queues (8)");
  update->add_option("-p,--perm", config.perm, "2 write, 4 read, 6 both");
  update->add_option("-o,--order", order, "true|false")->check(CLI::IsMember({"true", "false"}));

  auto* route = app.add_subcommand("topicRoute", "print a topic's route");
  flags.AddTo(*route);
  route->add_option("-t,--topic", topic, "topic")->required();

  auto* list = app.add_subcommand("topicList", "list topics");
  flags.AddTo(*list);

  auto* clusters = app.add_subcommand("clusterList", "list brokers by cluster");
  flags.AddTo(*clusters);
  clusters->add_option("-c,--clusterName", cluster, "only this cluster");

  auto* status = app.add_subcommand("topicStatus", "min/max offsets of a topic's queues");
  flags.AddTo(*status);
  status->add_option("-t,--topic", topic, "topic")->required();

  auto* progress = app.add_subcommand("consumerProgress", "a consumer group's lag");
  flags.AddTo(*progress);
  progress->add_option("-g,--groupName", group, "consumer group")->required();
  progress->add_option("-t,--topicName", topic, "only this topic");

  auto* broker_status = app.add_subcommand("brokerStatus", "a broker's runtime KV table");
  flags.AddTo(*broker_status);
  broker_status->add_option("-b,--brokerAddr", broker, "broker address")->required();

  if (auto exit = Parse(app, args, out, err)) return *exit;
  if (update->parsed() && broker.empty() && cluster.empty()) {
    err << "error: updateTopic needs -b BROKER_ADDR or -c CLUSTER\n";
    return kExitUsage;
  }
  int exit_code = kExitOk;
  std::shared_ptr<client::ClientRuntime> runtime = MakeRuntime(flags, factory, err, exit_code);
  if (!runtime) return exit_code;
  client::Admin admin(runtime);

  if (update->parsed()) {
    config.order = order == "true";
    if (!broker.empty()) {
      Status s = admin.CreateOrUpdateTopic(broker, config);
      if (!s.ok()) return Fail(err, s);
      out << "create topic to " << broker << " success.\n";
    } else {
      auto addresses = admin.CreateOrUpdateTopicInCluster(cluster, config);
      if (!addresses.ok()) return Fail(err, addresses.status());
      for (const std::string& a : *addresses) out << "create topic to " << a << " success.\n";
    }
    out << TopicConfigString(config) << "\n";
    return kExitOk;
  }
  if (route->parsed()) {
    auto r = admin.GetTopicRoute(topic);
    if (!r.ok()) return Fail(err, r.status());
    out << RouteJson(*r) << "\n";
    return kExitOk;
  }
  if (list->parsed()) {
    auto topics = admin.GetTopicList();
    if (!topics.ok()) return Fail(err, topics.status());
    for (const std::string& t : *topics) out << t << "\n";
    return kExitOk;
  }
  if (clusters->parsed()) {
    auto info = admin.GetClusterInfo();
    if (!info.ok()) return Fail(err, info.status());
    // #Lag (Quiver's, after RocketMQ's columns): replication lag in commit-log bytes; on a
    // slave the master's commitLogMaxOffset minus its own, on a master its
    // slaveFallBehindMuch (the most advanced slave), "-" without slaves.
    out << Printf("%-16s  %-22s  %-4s  %-22s %-16s %19s %19s %10s %5s %6s %10s\n",
                  "#Cluster Name", "#Broker Name", "#BID", "#Addr", "#Version", "#InTPS(LOAD)",
                  "#OutTPS(LOAD)", "#PCWait(ms)", "#Hour", "#SPACE", "#Lag");
    const auto now_ms = static_cast<std::int64_t>(std::time(nullptr)) * 1000;
    for (const auto& [cluster_name, names] : info->cluster_addr_table) {
      if (!cluster.empty() && cluster_name != cluster) continue;
      std::vector<std::string> sorted = names;
      std::sort(sorted.begin(), sorted.end());
      for (const std::string& name : sorted) {
        auto b = info->broker_addr_table.find(name);
        if (b == info->broker_addr_table.end()) continue;
        std::optional<double> master_max;  // the master's commitLogMaxOffset
        for (const auto& [id, address] : b->second.broker_addrs) {
          std::map<std::string, std::string> kv;
          auto table = admin.GetBrokerRuntimeInfo(address);
          if (table.ok()) kv = *table;
          std::string lag = "-";
          if (id == 0) {
            if (table.ok()) master_max = FirstNumber(Get(kv, "commitLogMaxOffset", "0"));
            lag = Get(kv, "slaveFallBehindMuch", "-");
          } else if (master_max && table.ok()) {
            lag = Printf("%.0f", std::max(0.0, *master_max - FirstNumber(Get(
                                                                 kv, "commitLogMaxOffset", "0"))));
          }
          const double in = FirstNumber(Get(kv, "putTps", "0"));
          const double out_tps = FirstNumber(Get(kv, "getTransferedTps", "0"));
          const std::int64_t earliest =
              static_cast<std::int64_t>(FirstNumber(Get(kv, "earliestMessageTimeStamp", "0")));
          const double hours = earliest > 0 ? (now_ms - earliest) / 3600.0 / 1000.0 : 0;
          out << Printf(
              "%-16s  %-22s  %-4s  %-22s %-16s %19s %19s %10s %5s %6s %10s\n", cluster_name.c_str(),
              name.c_str(), std::to_string(id).c_str(), address.c_str(),
              Get(kv, "brokerVersionDesc", "").c_str(),
              Printf("%9.2f(%s,%sms)", in, Get(kv, "sendThreadPoolQueueSize", "0").c_str(),
                     Get(kv, "sendThreadPoolQueueHeadWaitTimeMills", "0").c_str())
                  .c_str(),
              Printf("%9.2f(%s,%sms)", out_tps, Get(kv, "pullThreadPoolQueueSize", "0").c_str(),
                     Get(kv, "pullThreadPoolQueueHeadWaitTimeMills", "0").c_str())
                  .c_str(),
              Get(kv, "pageCacheLockTimeMills", "0").c_str(), Printf("%2.2f", hours).c_str(),
              Printf("%.4f", FirstNumber(Get(kv, "commitLogDiskRatio", "0"))).c_str(),
              lag.c_str());
        }
      }
    }
    return kExitOk;
  }
  if (status->parsed()) {
    auto rows = admin.GetTopicStatus(topic);
    if (!rows.ok()) return Fail(err, rows.status());
    out << Printf("%-32s  %-4s  %-20s  %-20s    %s\n", "#Broker Name", "#QID", "#Min Offset",
                  "#Max Offset", "#Last Updated");
    for (const client::QueueStatus& q : *rows) {
      const std::string last = q.last_update_ms > 0 ? FormatDate(q.last_update_ms) : "";
      out << Printf("%-32s  %-4d  %-20lld  %-20lld    %s\n", q.queue.broker_name.c_str(),
                    q.queue.queue_id, static_cast<long long>(q.min_offset),
                    static_cast<long long>(q.max_offset), last.c_str());
    }
    return kExitOk;
  }
  if (progress->parsed()) {
    auto rows = admin.GetConsumerProgress(group, topic);
    if (!rows.ok()) return Fail(err, rows.status());
    out << Printf("%-64s  %-32s  %-4s  %-20s  %-20s  %-20s %-20s  %s\n", "#Topic", "#Broker Name",
                  "#QID", "#Broker Offset", "#Consumer Offset", "#Client IP", "#Diff", "#LastTime");
    long long total = 0;
    for (const client::ConsumerQueueProgress& p : *rows) {
      total += p.diff();
      out << Printf("%-64s  %-32s  %-4d  %-20lld  %-20lld  %-20s %-20lld  %s\n",
                    p.queue.topic.c_str(), p.queue.broker_name.c_str(), p.queue.queue_id,
                    static_cast<long long>(p.broker_offset),
                    static_cast<long long>(p.consumer_offset),
                    p.client_id.empty() ? "N/A" : p.client_id.c_str(),
                    static_cast<long long>(p.diff()),
                    p.last_timestamp_ms > 0 ? FormatDate(p.last_timestamp_ms).c_str() : "N/A");
    }
    out << "\n";
    out << "Diff Total: " << total << "\n";
    return kExitOk;
  }
  if (broker_status->parsed()) {
    auto table = admin.GetBrokerRuntimeInfo(broker);
    if (!table.ok()) return Fail(err, table.status());
    for (const auto& [k, v] : *table) out << Printf("%-32s: %s\n", k.c_str(), v.c_str());
    return kExitOk;
  }
  err << "error: unknown admin subcommand\n";
  return kExitUsage;
}

}  // namespace quiver::tools
