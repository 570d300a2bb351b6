// `quiver bench peers`: NATS JetStream (libnats) and Redis Streams (hiredis) run the peer
// equivalents of the standard workloads, each server started here on loopback in the
// bench's temp dir and stopped by PID. Built only with QUIVER_BENCH_PEERS (CMake option,
// ON when libnats and hiredis are found); otherwise PeersAvailable() is false.

#include "tools/bench.h"

#ifdef QUIVER_BENCH_PEERS

#include <hiredis/hiredis.h>
#include <nats/nats.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <ostream>
#include <string>
#include <thread>

namespace quiver::tools::bench {

namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

struct PeerSet {
  pid_t nats_pid = -1;
  int nats_port = 0;
  pid_t redis_everysec_pid = -1;
  int redis_everysec_port = 0;
  pid_t redis_always_pid = -1;
  int redis_always_port = 0;
  ~PeerSet() {
    StopProcess(nats_pid);
    StopProcess(redis_everysec_pid);
    StopProcess(redis_always_pid);
  }
};

bool PeersAvailable() { return true; }

namespace {

std::uint64_t ElapsedNs(SteadyClock::time_point since) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now() - since).count();
}

double Seconds(SteadyClock::time_point since) {
  return std::chrono::duration<double>(SteadyClock::now() - since).count();
}

// ---- NATS JetStream ----

struct Nats {
  natsConnection* nc = nullptr;
  jsCtx* js = nullptr;
  std::atomic<std::uint64_t> errors{0};
  ~Nats() {
    if (js != nullptr) jsCtx_Destroy(js);
    if (nc != nullptr) natsConnection_Destroy(nc);
  }
};

void NatsAckHandler(jsCtx*, natsMsg* msg, jsPubAck*, jsPubAckErr* pae, void* closure) {
  if (pae != nullptr) static_cast<Nats*>(closure)->errors++;
  natsMsg_Destroy(msg);
}

Status NatsConnect(Nats& n, int port) {
  const std::string url = "nats://127.0.0.1:" + std::to_string(port);
  if (natsStatus s = natsConnection_ConnectTo(&n.nc, url.c_str()); s != NATS_OK) {
    return Status(StatusCode::kUnavailable, "nats connect " + url + ": " + natsStatus_GetText(s));
  }
  jsOptions o;
  jsOptions_Init(&o);
  o.PublishAsync.MaxPending = 1000;  // the peer equivalent of W1's window
  o.PublishAsync.AckHandler = NatsAckHandler;
  o.PublishAsync.AckHandlerClosure = &n;
  if (natsStatus s = natsConnection_JetStream(&n.js, n.nc, &o); s != NATS_OK) {
    return Status(StatusCode::kUnavailable,
                  std::string("nats jetstream: ") + natsStatus_GetText(s));
  }
  return Status::Ok();
}

// A fresh file-storage stream with one replica, subject bench.NAME.
Status NatsStream(Nats& n, const std::string& name) {
  jsErrCode jerr = static_cast<jsErrCode>(0);
  js_DeleteStream(n.js, name.c_str(), nullptr, &jerr);
  jsStreamConfig cfg;
  jsStreamConfig_Init(&cfg);
  const std::string subject = "bench." + name;
  const char* subjects[] = {subject.c_str()};
  cfg.Name = name.c_str();
  cfg.Subjects = subjects;
  cfg.SubjectsLen = 1;
  cfg.Storage = js_FileStorage;
  cfg.Replicas = 1;
  jsStreamInfo* si = nullptr;
  if (natsStatus s = js_AddStream(&si, n.js, &cfg, nullptr, &jerr); s != NATS_OK) {
    return Status(StatusCode::kUnavailable, "nats add stream " + name + ": " +
                                                natsStatus_GetText(s) + " (" +
                                                std::to_string(static_cast<int>(jerr)) + ")");
  }
  jsStreamInfo_Destroy(si);
  return Status::Ok();
}

BenchResult NatsPublishAsync(Nats& n, const std::string& name, std::size_t size, std::int64_t count,
                             pid_t pid) {
  BenchResult r;
  r.workload = name;
  r.system = "nats-jetstream";
  const std::string stream = "B" + name;
  if (Status s = NatsStream(n, stream); !s.ok()) {
    r.errors = 1;
    r.note = "failed: " + s.ToString();
    return r;
  }
  const std::string subject = "bench." + stream;
  const std::string body(size, 'n');
  n.errors = 0;
  const double cpu = ProcessCpuSeconds(pid);
  const auto start = SteadyClock::now();
  for (std::int64_t i = 0; i < count; ++i) {
    if (js_PublishAsync(n.js, subject.c_str(), body.data(), static_cast<int>(body.size()),
                        nullptr) != NATS_OK) {
      n.errors++;
    }
  }
  jsPubOptions po;
  jsPubOptions_Init(&po);
  po.MaxWait = 60000;
  if (js_PublishAsyncComplete(n.js, &po) != NATS_OK) n.errors++;
  r.seconds = Seconds(start);
  r.server_cpu_s = ProcessCpuSeconds(pid) - cpu;
  r.errors = n.errors.load();
  r.msgs = count - std::min<std::uint64_t>(r.errors, count);
  r.bytes = r.msgs * size;
  r.note = "js_PublishAsync, MaxPending 1000, file store (fsync on its 2 min timer)";
  return r;
}

BenchResult NatsPublishSync(Nats& n, const std::string& name, std::int64_t count, pid_t pid) {
  BenchResult r;
  r.workload = name;
  r.system = "nats-jetstream";
  const std::string stream = "B" + name;
  if (Status s = NatsStream(n, stream); !s.ok()) {
    r.errors = 1;
    r.note = "failed: " + s.ToString();
    return r;
  }
  const std::string subject = "bench." + stream;
  const std::string body(1024, 'n');
  const double cpu = ProcessCpuSeconds(pid);
  const auto start = SteadyClock::now();
  for (std::int64_t i = 0; i < count; ++i) {
    const auto t0 = SteadyClock::now();
    jsPubAck* pa = nullptr;
    jsErrCode jerr = static_cast<jsErrCode>(0);
    if (js_Publish(&pa, n.js, subject.c_str(), body.data(), static_cast<int>(body.size()), nullptr,
                   &jerr) == NATS_OK) {
      r.latency->Record(ElapsedNs(t0));
      ++r.msgs;
      r.bytes += body.size();
    } else {
      ++r.errors;
    }
    jsPubAck_Destroy(pa);
  }
  r.seconds = Seconds(start);
  r.server_cpu_s = ProcessCpuSeconds(pid) - cpu;
  r.note = "js_Publish, one in flight";
  return r;
}

BenchResult NatsCatchUp(Nats& n, std::int64_t count, pid_t pid) {
  BenchResult fill = NatsPublishAsync(n, "W4", 1024, count, pid);
  BenchResult r;
  r.workload = "W4";
  r.system = "nats-jetstream";
  if (fill.errors > 0) {
    r.errors = fill.errors;
    r.note = "fill failed: " + fill.note;
    return r;
  }
  jsSubOptions so;
  jsSubOptions_Init(&so);
  so.Config.AckPolicy = js_AckNone;
  so.Config.DeliverPolicy = js_DeliverAll;
  natsSubscription* sub = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  if (js_PullSubscribe(&sub, n.js, "bench.BW4", "bench-w4", nullptr, &so, &jerr) != NATS_OK) {
    r.errors = 1;
    r.note = "failed: pull subscribe";
    return r;
  }
  const double cpu = ProcessCpuSeconds(pid);
  const auto start = SteadyClock::now();
  while (r.msgs < static_cast<std::uint64_t>(count)) {
    natsMsgList list{};
    const natsStatus s = natsSubscription_Fetch(&list, sub, 1000, 5000, &jerr);
    if (s != NATS_OK && list.Count == 0) {
      ++r.errors;
      break;
    }
    for (int i = 0; i < list.Count; ++i) r.bytes += natsMsg_GetDataLength(list.Msgs[i]);
    r.msgs += list.Count;
    natsMsgList_Destroy(&list);
  }
  r.seconds = Seconds(start);
  r.server_cpu_s = ProcessCpuSeconds(pid) - cpu;
  natsSubscription_Destroy(sub);
  r.note = "pull subscription, Fetch 1000, no acks";
  return r;
}

// ---- Redis Streams ----

struct Redis {
  redisContext* c = nullptr;
  ~Redis() {
    if (c != nullptr) redisFree(c);
  }
};

Status RedisConnect(Redis& r, int port) {
  r.c = redisConnect("127.0.0.1", port);
  if (r.c == nullptr || r.c->err != 0) {
    return Status(StatusCode::kUnavailable, "redis connect 127.0.0.1:" + std::to_string(port) +
                                                ": " +
                                                (r.c != nullptr ? r.c->errstr : "out of memory"));
  }
  return Status::Ok();
}

void RedisDel(Redis& r, const std::string& key) {
  if (auto* reply = static_cast<redisReply*>(redisCommand(r.c, "DEL %s", key.c_str())))
    freeReplyObject(reply);
}

// XADD pipelined `window` at a time (append `window` commands, read their replies).
BenchResult RedisPipelined(Redis& redis, const std::string& name, const std::string& system,
                           std::int64_t count, int window, pid_t pid) {
  BenchResult r;
  r.workload = name;
  r.system = system;
  const std::string key = "bench:" + name;
  RedisDel(redis, key);
  const std::string body(1024, 'r');
  const double cpu = ProcessCpuSeconds(pid);
  const auto start = SteadyClock::now();
  for (std::int64_t sent = 0; sent < count && r.errors == 0;) {
    const std::int64_t n = std::min<std::int64_t>(window, count - sent);
    for (std::int64_t i = 0; i < n; ++i) {
      redisAppendCommand(redis.c, "XADD %s * d %b", key.c_str(), body.data(), body.size());
    }
    for (std::int64_t i = 0; i < n; ++i) {
      void* reply = nullptr;
      if (redisGetReply(redis.c, &reply) != REDIS_OK ||
          static_cast<redisReply*>(reply)->type == REDIS_REPLY_ERROR) {
        ++r.errors;
      } else {
        ++r.msgs;
        r.bytes += body.size();
      }
      if (reply != nullptr) freeReplyObject(reply);
    }
    sent += n;
  }
  r.seconds = Seconds(start);
  r.server_cpu_s = ProcessCpuSeconds(pid) - cpu;
  r.note = "XADD pipelined " + std::to_string(window);
  return r;
}

BenchResult RedisOneAtATime(Redis& redis, const std::string& name, const std::string& system,
                            std::int64_t count, pid_t pid) {
  BenchResult r;
  r.workload = name;
  r.system = system;
  const std::string key = "bench:" + name;
  RedisDel(redis, key);
  const std::string body(1024, 'r');
  const double cpu = ProcessCpuSeconds(pid);
  const auto start = SteadyClock::now();
  for (std::int64_t i = 0; i < count; ++i) {
    const auto t0 = SteadyClock::now();
    auto* reply = static_cast<redisReply*>(
        redisCommand(redis.c, "XADD %s * d %b", key.c_str(), body.data(), body.size()));
    if (reply == nullptr || reply->type == REDIS_REPLY_ERROR) {
      ++r.errors;
    } else {
      r.latency->Record(ElapsedNs(t0));
      ++r.msgs;
      r.bytes += body.size();
    }
    if (reply != nullptr) freeReplyObject(reply);
    if (redis.c->err != 0) break;
  }
  r.seconds = Seconds(start);
  r.server_cpu_s = ProcessCpuSeconds(pid) - cpu;
  r.note = "XADD, one in flight";
  return r;
}

BenchResult RedisCatchUp(Redis& redis, std::int64_t count, pid_t pid) {
  BenchResult fill = RedisPipelined(redis, "W4", "redis-everysec", count, 1000, pid);
  BenchResult r;
  r.workload = "W4";
  r.system = "redis-everysec";
  if (fill.errors > 0) {
    r.errors = fill.errors;
    r.note = "fill failed";
    return r;
  }
  std::string last = "0-0";
  const double cpu = ProcessCpuSeconds(pid);
  const auto start = SteadyClock::now();
  while (r.msgs < static_cast<std::uint64_t>(count)) {
    auto* reply = static_cast<redisReply*>(
        redisCommand(redis.c, "XREAD COUNT 1000 STREAMS bench:W4 %s", last.c_str()));
    // [[key, [[id, [field, value]], ...]]]
    if (reply == nullptr || reply->type != REDIS_REPLY_ARRAY || reply->elements == 0) {
      ++r.errors;
      if (reply != nullptr) freeReplyObject(reply);
      break;
    }
    redisReply* entries = reply->element[0]->element[1];
    for (std::size_t i = 0; i < entries->elements; ++i) {
      redisReply* entry = entries->element[i];
      r.bytes += entry->element[1]->element[1]->len;
      if (i + 1 == entries->elements) last = entry->element[0]->str;
    }
    r.msgs += entries->elements;
    freeReplyObject(reply);
  }
  r.seconds = Seconds(start);
  r.server_cpu_s = ProcessCpuSeconds(pid) - cpu;
  r.note = "XREAD COUNT 1000 from 0";
  return r;
}

Status StartRedis(const std::string& dir, const std::string& fsync, int& port, pid_t& pid) {
  port = FreePort();
  const std::string data = (fs::path(dir) / ("redis-" + fsync)).string();
  fs::create_directories(data);
  QUIVER_ASSIGN_OR_RETURN(pid, Spawn({"redis-server", "--bind", "127.0.0.1", "--port",
                                      std::to_string(port), "--dir", data, "--appendonly", "yes",
                                      "--appendfsync", fsync, "--save", "", "--daemonize", "no"},
                                     data + ".log"));
  if (!WaitListening(port, 20000)) {
    return Status(StatusCode::kUnavailable,
                  "redis-server (appendfsync " + fsync + ") not listening; see " + data + ".log");
  }
  return Status::Ok();
}

}  // namespace

StatusOr<std::shared_ptr<PeerSet>> StartPeers(const std::string& dir, std::ostream& err) {
  auto peers = std::make_shared<PeerSet>();
  peers->nats_port = FreePort();
  const std::string nats_dir = (fs::path(dir) / "nats").string();
  QUIVER_ASSIGN_OR_RETURN(peers->nats_pid,
                          Spawn({"nats-server", "-js", "-a", "127.0.0.1", "-p",
                                 std::to_string(peers->nats_port), "-sd", nats_dir},
                                nats_dir + ".log"));
  if (!WaitListening(peers->nats_port, 20000)) {
    return Status(StatusCode::kUnavailable,
                  "nats-server not listening (is it installed?); see " + nats_dir + ".log");
  }
  QUIVER_RETURN_IF_ERROR(
      StartRedis(dir, "everysec", peers->redis_everysec_port, peers->redis_everysec_pid));
  QUIVER_RETURN_IF_ERROR(
      StartRedis(dir, "always", peers->redis_always_port, peers->redis_always_pid));
  err << "bench: peers nats-server :" << peers->nats_port
      << ", redis-server everysec :" << peers->redis_everysec_port
      << ", always :" << peers->redis_always_port << "\n";
  return peers;
}

void RunPeerWorkload(const std::string& id, PeerSet& peers, const Scale& scale,
                     std::vector<BenchResult>& results, std::ostream& err) {
  auto failed = [&](const std::string& system, const Status& s) {
    BenchResult r;
    r.workload = id;
    r.system = system;
    r.errors = 1;
    r.note = "failed: " + s.ToString();
    err << "[" << id << "/" << system << "] " << r.note << "\n";
    results.push_back(std::move(r));
  };
  const bool nats_workload = id == "W1" || id == "W3" || id == "W4";
  const bool redis_workload = id == "W1" || id == "W2" || id == "W3" || id == "W4";
  if (nats_workload) {
    Nats n;
    if (Status s = NatsConnect(n, peers.nats_port); !s.ok()) {
      failed("nats-jetstream", s);
    } else if (id == "W1") {
      results.push_back(
          NatsPublishAsync(n, "W1", 1024, scale.Count(500'000, 20'000), peers.nats_pid));
    } else if (id == "W3") {
      results.push_back(NatsPublishSync(n, "W3", scale.Count(20'000, 1'000), peers.nats_pid));
    } else {
      results.push_back(NatsCatchUp(n, scale.Count(1'000'000, 20'000), peers.nats_pid));
    }
  }
  if (redis_workload) {
    Redis everysec, always;
    if (Status s = RedisConnect(everysec, peers.redis_everysec_port); !s.ok()) {
      failed("redis-everysec", s);
      return;
    }
    if (Status s = RedisConnect(always, peers.redis_always_port); !s.ok()) {
      failed("redis-always", s);
      return;
    }
    if (id == "W1") {
      results.push_back(RedisPipelined(everysec, "W1", "redis-everysec",
                                       scale.Count(500'000, 20'000), 1000,
                                       peers.redis_everysec_pid));
    } else if (id == "W2") {
      results.push_back(RedisPipelined(always, "W2", "redis-always", scale.Count(100'000, 5'000),
                                       64, peers.redis_always_pid));
      results.push_back(RedisOneAtATime(always, "W2.latency", "redis-always",
                                        scale.Count(3'000, 300), peers.redis_always_pid));
    } else if (id == "W3") {
      results.push_back(RedisOneAtATime(everysec, "W3", "redis-everysec",
                                        scale.Count(20'000, 1'000), peers.redis_everysec_pid));
    } else {
      results.push_back(
          RedisCatchUp(everysec, scale.Count(1'000'000, 20'000), peers.redis_everysec_pid));
    }
  }
}

}  // namespace quiver::tools::bench

#else  // !QUIVER_BENCH_PEERS

namespace quiver::tools::bench {

struct PeerSet {};
bool PeersAvailable() { return false; }
StatusOr<std::shared_ptr<PeerSet>> StartPeers(const std::string&, std::ostream&) {
  return Status(StatusCode::kFailedPrecondition, "built without QUIVER_BENCH_PEERS");
}
void RunPeerWorkload(const std::string&, PeerSet&, const Scale&, std::vector<BenchResult>&,
                     std::ostream&) {}

}  // namespace quiver::tools::bench

#endif
