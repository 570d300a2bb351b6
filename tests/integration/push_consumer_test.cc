// Push consumers in real processes (issue 6): `quiver consume --push/--broadcast` members of
// one group over two broker groups, rebalance on membership changes (join, kill -9),
// exactly-once in a clean run, per-queue order, retries to the DLQ, tag filtering.
//
// Consumers run as child processes writing `--json` lines to a file each; the test reads
// the files. Every wait is a condition with a deadline.

#include <fcntl.h>
#include <rapidjson/document.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <mutex>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "cluster_fixture.h"
#include "quiver/client/push_consumer.h"
#include "quiver/protocol/codes.h"

namespace quiver::integration {
namespace {

constexpr const char* kQuiverBinary = QUIVER_BINARY;

// A `quiver ...` child process whose stdout and stderr go to files.
class Background {
 public:
  Background(const std::vector<std::string>& args, const std::filesystem::path& out,
             const std::filesystem::path& err, const std::map<std::string, std::string>& env)
      : out_(out), err_(err) {
    pid_ = fork();
    if (pid_ < 0) std::abort();
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      int o = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int e = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(o, 1);
      dup2(e, 2);
      for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
      std::vector<std::string> argv{kQuiverBinary};
      argv.insert(argv.end(), args.begin(), args.end());
      std::vector<char*> c;
      for (std::string& a : argv) c.push_back(a.data());
      c.push_back(nullptr);
      execv(c[0], c.data());
      _exit(127);
    }
  }
  ~Background() {
    if (!reaped_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;

  pid_t pid() const { return pid_; }
  void Signal(int signal_number) const { kill(pid_, signal_number); }
  // Exit status, or -1 (killed by a signal, or still running at the deadline: then killed).
  int Wait(std::chrono::milliseconds deadline) {
    const auto end = Clock::now() + deadline;
    int status = 0;
    while (waitpid(pid_, &status, WNOHANG) == 0) {
      if (Clock::now() >= end) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
        reaped_ = true;
        return -1;
      }
      std::this_thread::sleep_for(10ms);
    }
    reaped_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  std::vector<std::string> OutLines() const { return Lines(out_); }
  std::string Err() const {
    std::ifstream in(err_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  // Queues of the last "assignment:" line on stderr (nullopt before the first).
  std::optional<std::set<std::string>> Assignment() const {
    std::optional<std::set<std::string>> last;
    for (const std::string& line : Lines(err_)) {
      if (line.rfind("assignment: ", 0) != 0) continue;
      std::istringstream words(line.substr(line.find(':', 12) + 1));
      std::set<std::string> queues;
      for (std::string q; words >> q;) queues.insert(q);
      last = queues;
    }
    return last;
  }

 private:
  static std::vector<std::string> Lines(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }
  pid_t pid_ = -1;
  bool reaped_ = false;
  std::filesystem::path out_, err_;
};

// One consumed message, from a `--json` line.
struct Consumed {
  std::string queue;  // brokerName/queueId
  std::int64_t offset = 0;
  std::string body;
  std::string topic;
  std::string tags;
  int reconsume_times = 0;
};

std::vector<Consumed> Parse(const std::vector<std::string>& lines) {
  std::vector<Consumed> out;
  for (const std::string& line : lines) {
    rapidjson::Document d;
    d.Parse(line.c_str());
    if (d.HasParseError() || !d.IsObject()) continue;  // a line cut by kill -9
    out.push_back(Consumed{
        std::string(d["brokerName"].GetString()) + "/" + std::to_string(d["queueId"].GetInt()),
        d["queueOffset"].GetInt64(), d["body"].GetString(), d["topic"].GetString(),
        d["tags"].GetString(), d["reconsumeTimes"].GetInt()});
  }
  return out;
}

class PushConsumerIntegrationTest : public ClusterTest {
 protected:
  // A name server, broker-a and broker-b, and `topic` with 4 queues on each (8 in all).
  void StartCluster(const std::string& topic, const BrokerOptions& extra = {}) {
    StartNameServer();
    BrokerOptions a = extra;
    a.name = "broker-a";
    StartBroker(a);
    BrokerOptions b = extra;
    b.name = "broker-b";
    StartBroker(b);
    CreateTopic(topic, 4, 2);
  }

  Background& Consume(const std::vector<std::string>& extra_args, const std::string& group,
                      const std::string& topic) {
    const int n = static_cast<int>(members_.size());
    std::vector<std::string> args{"consume", "-n",     NamesrvList(),      "-t",        topic, "-g",
                                  group,     "--json", "--from-beginning", "--timeout", "90"};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    std::filesystem::create_directories(dir() / "home");
    members_.push_back(std::make_unique<Background>(
        args, dir() / ("consumer-" + std::to_string(n) + ".out"),
        dir() / ("consumer-" + std::to_string(n) + ".err"),
        std::map<std::string, std::string>{{"HOME", (dir() / "home").string()}}));
    return *members_.back();
  }

  // True when the live members' last assignments are non-empty, disjoint and cover
  // `queues` queues.
  bool Settled(const std::vector<Background*>& live, std::size_t queues) {
    std::set<std::string> all;
    std::size_t total = 0;
    for (Background* m : live) {
      auto a = m->Assignment();
      if (!a || a->empty()) return false;
      total += a->size();
      all.insert(a->begin(), a->end());
    }
    return total == queues && all.size() == queues;
  }

  std::size_t TotalLines(const std::vector<Background*>& members) {
    std::size_t n = 0;
    for (Background* m : members) n += m->OutLines().size();
    return n;
  }

  // SIGINT (clean stop: offsets committed, UNREGISTER_CLIENT) and expect exit 0.
  void StopAll(const std::vector<Background*>& members) {
    for (Background* m : members) m->Signal(SIGINT);
    for (Background* m : members) EXPECT_EQ(m->Wait(30s), 0) << m->Err();
  }

  std::string Describe(const std::vector<Background*>& members) {
    std::string text;
    for (Background* m : members) text += "--- member stderr:\n" + m->Err();
    return text;
  }

  std::vector<std::unique_ptr<Background>> members_;
};

TEST_F(PushConsumerIntegrationTest,
       ThreeMembersShareEightQueuesAndConsumeTwentyThousandMessagesExactlyOnceInOrder) {
  StartCluster("PushT");
  std::vector<Background*> m;
  for (int i = 0; i < 3; ++i) m.push_back(&Consume({"--push"}, "PG", "PushT"));
  ASSERT_TRUE(WaitUntil(30s, [&] { return Settled(m, 8); })) << Describe(m);

  const auto start = Clock::now();
  CommandResult produced = Quiver({"produce", "-n", NamesrvList(), "-t", "PushT", "--count",
                                   "20000", "--body", "m", "--mode", "async"},
                                  60s);
  ASSERT_EQ(produced.status, 0) << produced.err;
  ASSERT_TRUE(WaitUntil(50s, [&] { return TotalLines(m) >= 20000; })) << TotalLines(m) << " lines\n"
                                                                      << Describe(m);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  StopAll(m);

  std::map<std::string, int> seen;
  std::map<std::string, std::vector<std::string>> where;  // body -> member/queue@offset
  for (std::size_t i = 0; i < m.size(); ++i) {
    Background* member = m[i];
    std::map<std::string, std::int64_t> last;  // per queue, in this member's output
    for (const Consumed& c : Parse(member->OutLines())) {
      ++seen[c.body];
      where[c.body].push_back(std::to_string(i) + ":" + c.queue + "@" + std::to_string(c.offset));
      auto it = last.find(c.queue);
      if (it != last.end()) {
        EXPECT_GT(c.offset, it->second) << "order broken in " << c.queue;
      }
      last[c.queue] = c.offset;
    }
  }
  EXPECT_EQ(seen.size(), 20000u);
  int duplicates = 0;
  for (const auto& [body, n] : seen) duplicates += n - 1;
  EXPECT_EQ(duplicates, 0);
  int shown = 0;
  for (const auto& [body, places] : where) {
    if (places.size() < 2 || ++shown > 5) continue;
    std::string text;
    for (const std::string& p : places) text += " " + p;
    ADD_FAILURE() << body << " delivered at" << text;
  }
  std::printf(
      "[ figures  ] 20000 messages, 3 push members, 8 queues: produced and consumed in "
      "%.1f s (%.0f msg/s), duplicates %d\n",
      seconds, 20000 / seconds, duplicates);
}

TEST_F(PushConsumerIntegrationTest, MemberKilledMidRunHandsItsQueuesOverAndNoMessageIsLost) {
  StartCluster("KillT");
  std::vector<Background*> m;
  for (int i = 0; i < 3; ++i) m.push_back(&Consume({"--push"}, "KG", "KillT"));
  ASSERT_TRUE(WaitUntil(30s, [&] { return Settled(m, 8); })) << Describe(m);

  Background producer({"produce", "-n", NamesrvList(), "-t", "KillT", "--count", "20000", "--body",
                       "k", "--mode", "async"},
                      dir() / "producer.out", dir() / "producer.err", {});
  ASSERT_TRUE(WaitUntil(30s, [&] { return m[1]->OutLines().size() >= 500; })) << Describe(m);
  m[1]->Signal(SIGKILL);
  const auto killed = Clock::now();
  EXPECT_EQ(m[1]->Wait(10s), -1);
  std::vector<Background*> survivors{m[0], m[2]};
  ASSERT_TRUE(WaitUntil(40s, [&] { return Settled(survivors, 8); })) << Describe(m);
  const double takeover = std::chrono::duration<double>(Clock::now() - killed).count();
  EXPECT_EQ(producer.Wait(60s), 0);

  auto distinct = [&] {
    std::set<std::string> bodies;
    for (Background* member : m) {
      for (const Consumed& c : Parse(member->OutLines())) bodies.insert(c.body);
    }
    return bodies.size();
  };
  ASSERT_TRUE(WaitUntil(50s, [&] { return distinct() >= 20000; })) << distinct() << " distinct\n"
                                                                   << Describe(m);
  StopAll(survivors);
  std::size_t lines = 0;
  for (Background* member : m) lines += Parse(member->OutLines()).size();
  EXPECT_EQ(distinct(), 20000u);
  std::printf(
      "[ figures  ] kill -9 of one of 3 members: its queues taken over after %.1f s; "
      "%zu deliveries for 20000 messages (%zu duplicates)\n",
      takeover, lines, lines - 20000);
}

TEST_F(PushConsumerIntegrationTest, MemberAddedTakesItsShareOnTheNotificationWellBefore20s) {
  StartCluster("JoinT");
  std::vector<Background*> m;
  for (int i = 0; i < 2; ++i) m.push_back(&Consume({"--push"}, "JG", "JoinT"));
  ASSERT_TRUE(WaitUntil(30s, [&] { return Settled(m, 8); })) << Describe(m);
  const auto joined = Clock::now();
  m.push_back(&Consume({"--push"}, "JG", "JoinT"));
  ASSERT_TRUE(WaitUntil(20s, [&] { return Settled(m, 8); })) << Describe(m);
  const double seconds = std::chrono::duration<double>(Clock::now() - joined).count();
  // The periodic rebalance runs every 20 s: only NOTIFY_CONSUMER_IDS_CHANGED makes the old
  // members give queues up this fast (the new process's own start is included).
  EXPECT_LT(seconds, 10.0);
  std::printf("[ figures  ] third member joined: group rebalanced in %.2f s (periodic: 20 s)\n",
              seconds);
  StopAll(m);
}

TEST_F(PushConsumerIntegrationTest, BroadcastingMembersEachReceiveEveryMessage) {
  StartCluster("CastT");
  std::vector<Background*> m;
  for (int i = 0; i < 2; ++i) m.push_back(&Consume({"--broadcast"}, "BG", "CastT"));
  ASSERT_TRUE(WaitUntil(30s, [&] {
    for (Background* member : m) {
      auto a = member->Assignment();
      if (!a || a->size() != 8) return false;
    }
    return true;
  })) << Describe(m);
  CommandResult produced =
      Quiver({"produce", "-n", NamesrvList(), "-t", "CastT", "--count", "1000", "--body", "b"});
  ASSERT_EQ(produced.status, 0) << produced.err;
  ASSERT_TRUE(WaitUntil(30s, [&] {
    return m[0]->OutLines().size() >= 1000 && m[1]->OutLines().size() >= 1000;
  })) << Describe(m);
  StopAll(m);
  for (Background* member : m) {
    std::set<std::string> bodies;
    for (const Consumed& c : Parse(member->OutLines())) bodies.insert(c.body);
    EXPECT_EQ(bodies.size(), 1000u);
  }
  // Offsets are local files, one per member.
  int files = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir() / "home")) {
    if (e.path().filename() == "offsets.json") ++files;
  }
  EXPECT_EQ(files, 2);
}

TEST_F(PushConsumerIntegrationTest, TagSubscriptionDeliversOnlyMatchingTags) {
  StartCluster("TagT");
  for (const char* tag : {"TagA", "TagB", "TagC"}) {
    CommandResult r = Quiver({"produce", "-n", NamesrvList(), "-t", "TagT", "--count", "100",
                              "--body", tag, "--tag", tag});
    ASSERT_EQ(r.status, 0) << r.err;
  }
  Background& c = Consume({"--push", "-s", "TagA || TagC", "--count", "200"}, "TG", "TagT");
  EXPECT_EQ(c.Wait(40s), 0) << c.Err();
  std::map<std::string, int> tags;
  for (const Consumed& m : Parse(c.OutLines())) ++tags[m.tags];
  EXPECT_EQ(tags, (std::map<std::string, int>{{"TagA", 100}, {"TagC", 100}}));
}

TEST_F(PushConsumerIntegrationTest, OrderedMessagesByKeyKeepTheirOrderAcrossARebalance) {
  StartCluster("OrderT");
  std::vector<Background*> m;
  for (int i = 0; i < 2; ++i) m.push_back(&Consume({"--push", "--orderly"}, "OG", "OrderT"));
  ASSERT_TRUE(WaitUntil(30s, [&] { return Settled(m, 8); })) << Describe(m);

  client::Producer producer(NewRuntime(), {.group = "OPG"});
  ASSERT_TRUE(producer.Start().ok());
  constexpr int kKeys = 16;
  constexpr int kPerKey = 150;
  auto send = [&](int from, int to) {
    for (int seq = from; seq < to; ++seq) {
      for (int k = 0; k < kKeys; ++k) {
        const std::string key = "key" + std::to_string(k);
        StatusOr<client::SendResult> r =
            producer.Send(client::Message("OrderT", "", key, key + ":" + std::to_string(seq)),
                          client::SelectByKeyHash(key));
        ASSERT_TRUE(r.ok()) << r.status().ToString();
      }
    }
  };
  send(0, kPerKey / 2);
  // A third member joins while messages flow: queues (and their broker locks) move.
  m.push_back(&Consume({"--push", "--orderly"}, "OG", "OrderT"));
  send(kPerKey / 2, kPerKey);
  ASSERT_TRUE(WaitUntil(40s, [&] { return Settled(m, 8); })) << Describe(m);

  auto distinct = [&] {
    std::set<std::string> bodies;
    for (Background* member : m) {
      for (const Consumed& c : Parse(member->OutLines())) bodies.insert(c.body);
    }
    return bodies.size();
  };
  ASSERT_TRUE(WaitUntil(50s, [&] { return distinct() >= kKeys * kPerKey; })) << distinct() << "\n"
                                                                             << Describe(m);
  StopAll(m);
  // Within each member every key's messages arrive in send order.
  std::size_t lines = 0;
  for (Background* member : m) {
    std::map<std::string, int> last;
    for (const Consumed& c : Parse(member->OutLines())) {
      ++lines;
      const std::string key = c.body.substr(0, c.body.find(':'));
      const int seq = std::stoi(c.body.substr(c.body.find(':') + 1));
      auto it = last.find(key);
      if (it != last.end()) {
        EXPECT_GT(seq, it->second) << key << " out of order";
      }
      last[key] = seq;
    }
  }
  EXPECT_EQ(distinct(), static_cast<std::size_t>(kKeys * kPerKey));
  std::printf("[ figures  ] orderly, 3rd member joined mid-run: %zu deliveries for %d messages\n",
              lines, kKeys * kPerKey);
}

TEST_F(PushConsumerIntegrationTest, RetryLaterRedeliversThroughTheRetryTopicThenTheDlq) {
  BrokerOptions fast;
  fast.broker_extra =
      "delay_levels = \"50ms 50ms 50ms 50ms 50ms 50ms 50ms 50ms 50ms 50ms 50ms 50ms 50ms "
      "50ms 50ms 50ms 50ms 50ms\"";
  StartCluster("RetryT", fast);
  std::mutex mu;
  std::vector<client::MessageExt> deliveries;
  client::PushConsumer consumer(NewRuntime(),
                                {.group = "RG",
                                 .consume_from_where = client::ConsumeFromWhere::kFirstOffset,
                                 .max_reconsume_times = 2});
  ASSERT_TRUE(consumer.Subscribe("RetryT", "*").ok());
  ASSERT_TRUE(consumer
                  .RegisterListener([&](const std::vector<client::MessageExt>& batch) {
                    std::lock_guard lock(mu);
                    deliveries.insert(deliveries.end(), batch.begin(), batch.end());
                    return batch[0].body == "fail" ? client::ConsumeResult::kRetryLater
                                                   : client::ConsumeResult::kSuccess;
                  })
                  .ok());
  ASSERT_TRUE(consumer.Start().ok());
  client::Producer producer(NewRuntime(), {.group = "RPG"});
  ASSERT_TRUE(producer.Start().ok());
  ASSERT_TRUE(producer.Send(client::Message("RetryT", "TagR", "rk", "fail")).ok());
  ASSERT_TRUE(producer.Send(client::Message("RetryT", "TagR", "rk", "ok")).ok());
  auto fails = [&] {
    std::lock_guard lock(mu);
    std::vector<int> times;
    for (const client::MessageExt& d : deliveries) {
      if (d.body == "fail") times.push_back(d.reconsume_times);
    }
    return times;
  };
  ASSERT_TRUE(WaitUntil(40s, [&] { return fails().size() >= 3; }))
      << "deliveries of the failing message: " << fails().size();
  EXPECT_EQ(fails(), (std::vector<int>{0, 1, 2}));
  {
    std::lock_guard lock(mu);
    for (const client::MessageExt& d : deliveries) {
      EXPECT_EQ(d.topic, "RetryT");  // retried ones too: RETRY_TOPIC restored
      EXPECT_EQ(d.tags, "TagR");
    }
  }
  // After 2 retries the broker moved it to %DLQ%RG (write-only, as RocketMQ's DLQ: its
  // queue offsets show it).
  auto dlq_messages = [&] {
    long total = 0;
    for (int broker : {1, 2}) {  // node 0 is the name server
      RawConnection connection(Address(broker));
      protocol::RemotingCommand request =
          protocol::RemotingCommand::Request(protocol::request_code::kGetMaxOffset);
      request.SetExt("topic", "%DLQ%RG");
      request.SetExt("queueId", std::int64_t{0});
      StatusOr<protocol::RemotingCommand> r = connection.Call(std::move(request));
      if (!r.ok() || r->code != protocol::response_code::kSuccess) continue;
      total += r->GetExtInt("offset", 0).value_or(0);
    }
    return total;
  };
  EXPECT_TRUE(WaitUntil(20s, [&] { return dlq_messages() == 1; })) << dlq_messages();
  consumer.Shutdown();
  EXPECT_EQ(fails().size(), 3u);  // no fourth delivery
}

}  // namespace
}  // namespace quiver::integration
