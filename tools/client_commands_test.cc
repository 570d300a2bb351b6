#include "tools/client_commands.h"

#include <gtest/gtest.h>

#include <sstream>

#include "quiver/protocol/codes.h"
#include "testing/fake_cluster.h"

namespace quiver::tools {
namespace {

using client::testing::FakeCluster;

struct CommandRun {
  int exit_code;
  std::string out;
  std::string err;
};

class ClientCommandsTest : public ::testing::Test {
 protected:
  RuntimeFactory Factory() {
    return [this](const client::ClientOptions& options)
               -> StatusOr<std::shared_ptr<client::ClientRuntime>> {
      last_options_ = options;
      return cluster_.NewRuntime();
    };
  }
  CommandRun Admin(std::vector<std::string> args) {
    std::ostringstream out, err;
    int code = RunAdmin(args, Factory(), out, err);
    return {code, out.str(), err.str()};
  }
  CommandRun Produce(std::vector<std::string> args) {
    std::ostringstream out, err;
    int code = RunProduce(args, Factory(), out, err);
    return {code, out.str(), err.str()};
  }
  CommandRun Consume(std::vector<std::string> args) {
    std::ostringstream out, err;
    int code = RunConsume(args, Factory(), out, err);
    return {code, out.str(), err.str()};
  }

  FakeCluster cluster_{1};
  client::ClientOptions last_options_;
};

TEST_F(ClientCommandsTest, ProduceBodyWithCountNumbersTheMessages) {
  cluster_.CreateTopic("T", 2);
  CommandRun r = Produce({"-n", "127.0.0.1:9876;127.0.0.2:9876", "-t", "T", "--count", "3",
                          "--body", "hi", "--tag", "TagA"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "sent 3/3 messages to T (sync)\n");
  EXPECT_EQ(last_options_.namesrv_addresses,
            (std::vector<std::string>{"127.0.0.1:9876", "127.0.0.2:9876"}));
  auto stored = cluster_.broker(0).Messages("T");
  ASSERT_EQ(stored.size(), 3u);
  std::set<std::string> bodies;
  for (auto& s : stored) bodies.insert(s.body);
  EXPECT_EQ(bodies, (std::set<std::string>{"hi-0", "hi-1", "hi-2"}));
}

TEST_F(ClientCommandsTest, ProduceSizeSendsPrintableBytesAsync) {
  cluster_.CreateTopic("T", 1);
  CommandRun r =
      Produce({"-n", "x:1", "-t", "T", "--count", "2", "--size", "100", "--mode", "async"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto stored = cluster_.broker(0).Messages("T");
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored[0].body.size(), 100u);
  for (char c : stored[0].body) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)));
}

TEST_F(ClientCommandsTest, ProduceDelayLevelSetsTheDelayProperty) {
  cluster_.CreateTopic("T", 1);
  CommandRun r = Produce({"-n", "x:1", "-t", "T", "--body", "b", "--delay-level", "3"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto stored = cluster_.broker(0).Messages("T");
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_NE(stored[0].properties.find("DELAY\x01" "3\x02"), std::string::npos);
  EXPECT_EQ(Produce({"-n", "x:1", "-t", "T", "--delay-level", "0"}).exit_code, 2);
}

TEST_F(ClientCommandsTest, ProduceExitsOneWhenAMessageIsNotAcknowledged) {
  cluster_.CreateTopic("T", 1);
  cluster_.broker(0).FailNextSends(3, protocol::response_code::kSystemBusy);
  CommandRun r = Produce({"-n", "x:1", "-t", "T", "--count", "2", "--body", "b"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("sent 1/2 messages to T (sync)"), std::string::npos) << r.err;
}

TEST_F(ClientCommandsTest, UsageErrorsExitTwoWithOneLine) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"-n", "x:1", "-t", "T", "--size", "10", "--body", "b"},
           {"-t", "T"},
           {"-n", "x:1", "-t", "T", "--mode", "fast"},
           {"-n", "x:1", "--config", "c.toml", "-t", "T"}}) {
    CommandRun r = Produce(args);
    EXPECT_EQ(r.exit_code, 2) << args.back();
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
  CommandRun c = Consume({"-n", "x:1", "-t", "T"});  // no group
  EXPECT_EQ(c.exit_code, 2);
  CommandRun a = Admin({"updateTopic", "-n", "x:1", "-t", "T"});  // neither -b nor -c
  EXPECT_EQ(a.exit_code, 2);
  EXPECT_EQ(a.err, "error: updateTopic needs -b BROKER_ADDR or -c CLUSTER\n");
  EXPECT_EQ(Admin({"noSuchCommand"}).exit_code, 2);
}

TEST_F(ClientCommandsTest, ConfigErrorFromTheFactoryExitsTwo) {
  std::ostringstream out, err;
  RuntimeFactory factory =
      [](const client::ClientOptions&) -> StatusOr<std::shared_ptr<client::ClientRuntime>> {
    return InvalidArgumentError("c.toml:1:1: unknown key role2");
  };
  EXPECT_EQ(RunProduce({"--config", "c.toml", "-t", "T"}, factory, out, err), 2);
  EXPECT_EQ(err.str(), "error: INVALID_ARGUMENT: c.toml:1:1: unknown key role2\n");
}

TEST_F(ClientCommandsTest, ConsumePrintEscapesAndCommits) {
  cluster_.CreateTopic("T", 1);
  cluster_.broker(0).Append("T", 0, "a\nb");
  cluster_.broker(0).Append("T", 0, "c\\d");
  cluster_.broker(0).Append("T", 0, "left");
  CommandRun r =
      Consume({"-n", "x:1", "-t", "T", "-g", "CG", "--count", "2", "--timeout", "10", "--print"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "a\\nb\nc\\\\d\n");
  // The third message was not printed, so the group did not commit past it.
  EXPECT_EQ(cluster_.broker(0).CommittedOffset("CG", "T", 0), 2);
  CommandRun next =
      Consume({"-n", "x:1", "-t", "T", "-g", "CG", "--count", "1", "--timeout", "10", "--print"});
  EXPECT_EQ(next.out, "left\n");
}

TEST_F(ClientCommandsTest, ConsumePushPrintsJsonAndNeverCommitsPastWhatItPrinted) {
  cluster_.CreateTopic("T", 1);
  cluster_.broker(0).Append("T", 0, "one", "TagA");
  cluster_.broker(0).Append("T", 0, "skip", "TagB");
  cluster_.broker(0).Append("T", 0, "two\n", "TagA");
  cluster_.broker(0).Append("T", 0, "left", "TagA");
  CommandRun r = Consume({"-n", "x:1", "-t", "T", "-g", "CG", "--count", "2", "--timeout", "10",
                          "--push", "--json", "-s", "TagA"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "{\"topic\":\"T\",\"brokerName\":\"broker-a\",\"queueId\":0,\"queueOffset\":0,"
            "\"msgId\":\"0A00000100002A9F0000000000000000\",\"keys\":[],\"tags\":\"TagA\","
            "\"reconsumeTimes\":0,\"properties\":{},\"body\":\"one\"}\n"
            "{\"topic\":\"T\",\"brokerName\":\"broker-a\",\"queueId\":0,\"queueOffset\":2,"
            "\"msgId\":\"0A00000100002A9F00000000000000D3\",\"keys\":[],\"tags\":\"TagA\","
            "\"reconsumeTimes\":0,\"properties\":{},\"body\":\"two\\n\"}\n");
  EXPECT_NE(r.err.find("assignment: 1 queues: T/broker-a/0"), std::string::npos) << r.err;
  // "left" was held, not printed: the offset stops before it.
  EXPECT_EQ(cluster_.broker(0).CommittedOffset("CG", "T", 0), 3);
  CommandRun next = Consume({"-n", "x:1", "-t", "T", "-g", "CG", "--count", "1", "--timeout",
                             "10", "--push", "--print"});
  EXPECT_EQ(next.exit_code, 0) << next.err;
  EXPECT_EQ(next.out, "left\n");
}

TEST_F(ClientCommandsTest, ConsumeOrderlyWithoutPushIsAUsageError) {
  CommandRun r = Consume({"-n", "x:1", "-t", "T", "-g", "CG", "--orderly"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "error: --orderly needs --push\n");
}

TEST_F(ClientCommandsTest, ConsumeExitsOneWhenFewerThanCountArrived) {
  cluster_.CreateTopic("T", 1);
  cluster_.broker(0).Append("T", 0, "only");
  CommandRun r = Consume({"-n", "x:1", "-t", "T", "-g", "CG", "--count", "2", "--timeout", "0.3"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("received 1 messages from T for group CG"), std::string::npos);
}

TEST(EscapeBodyTest, EscapesBackslashAndNewlineOnly) {
  EXPECT_EQ(EscapeBody("a\\n\nb\t"), "a\\\\n\\nb\t");
}

TEST_F(ClientCommandsTest, AdminUpdateTopicToCluster) {
  CommandRun r =
      Admin({"updateTopic", "-n", "x:1", "-c", "DefaultCluster", "-t", "T", "-r", "4", "-w", "4"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "create topic to 10.0.0.1:10911 success.\n"
            "TopicConfig [topicName=T, readQueueNums=4, writeQueueNums=4, perm=RW-, "
            "topicFilterType=SINGLE_TAG, topicSysFlag=0, order=false]\n");
  EXPECT_EQ(cluster_.broker(0).Topics().at("T"), 4);
}

TEST_F(ClientCommandsTest, AdminTopicStatusLayout) {
  cluster_.CreateTopic("T", 2);
  cluster_.broker(0).Append("T", 1, "x");
  CommandRun r = Admin({"topicStatus", "-n", "x:1", "-t", "T"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::string header, q0, q1;
  std::getline(lines, header);
  std::getline(lines, q0);
  std::getline(lines, q1);
  // mqadmin: "%-32s  %-4s  %-20s  %-20s    %s".
  auto pad = [](std::string text, std::size_t width) {
    text.resize(std::max(width, text.size()), ' ');
    return text;
  };
  EXPECT_EQ(header, pad("#Broker Name", 32) + "  " + pad("#QID", 4) + "  " +
                        pad("#Min Offset", 20) + "  " + pad("#Max Offset", 20) +
                        "    #Last Updated");
  const std::string q0_prefix =
      pad("broker-a", 32) + "  " + pad("0", 4) + "  " + pad("0", 20) + "  " + pad("0", 20) + "    ";
  EXPECT_EQ(q0, q0_prefix);  // empty queue: no last update
  const std::string q1_prefix =
      pad("broker-a", 32) + "  " + pad("1", 4) + "  " + pad("0", 20) + "  " + pad("1", 20) + "    ";
  EXPECT_EQ(q1.substr(0, q1_prefix.size()), q1_prefix);
  EXPECT_EQ(q1.size(), q1_prefix.size() + 23u);  // yyyy-MM-dd HH:mm:ss,SSS
}

TEST_F(ClientCommandsTest, AdminConsumerProgressLayout) {
  cluster_.CreateTopic("T", 1);
  cluster_.broker(0).Append("T", 0, "x");
  cluster_.broker(0).Append("T", 0, "y");
  cluster_.broker(0).SetCommittedOffset("CG", "T", 0, 1);
  CommandRun r = Admin({"consumerProgress", "-n", "x:1", "-g", "CG"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  char row[512];
  std::snprintf(row, sizeof row, "%-64s  %-32s  %-4d  %-20d  %-20d  %-20s %-20d  %s\n", "T",
                "broker-a", 0, 2, 1, "N/A", 1, "N/A");
  EXPECT_NE(r.out.find(row), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nDiff Total: 1\n"), std::string::npos) << r.out;
}

TEST_F(ClientCommandsTest, AdminBrokerStatusRouteAndLists) {
  cluster_.CreateTopic("T", 1);
  cluster_.broker(0).SetRuntimeInfo({{"putTps", "1.5 1.0 1.0"}, {"brokerVersionDesc", "V4_9_4"}});
  CommandRun b = Admin({"brokerStatus", "-n", "x:1", "-b", "10.0.0.1:10911"});
  EXPECT_EQ(b.exit_code, 0) << b.err;
  EXPECT_EQ(b.out,
            "brokerVersionDesc               : V4_9_4\n"
            "putTps                          : 1.5 1.0 1.0\n");
  CommandRun t = Admin({"topicList", "--config", "client.toml"});
  EXPECT_EQ(t.out, "T\n");
  EXPECT_EQ(last_options_.config_file, "client.toml");
  CommandRun route = Admin({"topicRoute", "-n", "x:1", "-t", "T"});
  EXPECT_NE(route.out.find("\"brokerAddrs\": {\n\t\t\t\t\"0\": \"10.0.0.1:10911\""),
            std::string::npos)
      << route.out;
  CommandRun missing = Admin({"topicRoute", "-n", "x:1", "-t", "NOPE"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.err,
            "error: NOT_FOUND: No topic route info in name server for the topic: NOPE\n");
  CommandRun clusters = Admin({"clusterList", "-n", "x:1"});
  EXPECT_NE(clusters.out.find(
                "DefaultCluster    broker-a                0     10.0.0.1:10911         V4_9_4"),
            std::string::npos)
      << clusters.out;
  EXPECT_NE(clusters.out.find("     1.50(0,0ms)"), std::string::npos) << clusters.out;
}

}  // namespace
}  // namespace quiver::tools
