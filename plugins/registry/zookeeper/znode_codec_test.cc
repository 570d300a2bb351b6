#include "znode_codec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace quiver::registry::zookeeper {
namespace {

BrokerRegistration Sample() {
  BrokerRegistration r;
  r.identity.cluster = "DefaultCluster";
  r.identity.broker_name = "broker-a";
  r.identity.broker_id = BrokerId(1);
  r.identity.address = "127.0.0.1:10911";
  r.identity.ha_address = "127.0.0.1:10912";
  r.identity.role = BrokerRole::kSlave;
  TopicConfig t;
  t.topic_name = "Orders";
  t.read_queue_nums = 8;
  t.write_queue_nums = 6;
  t.order = true;
  r.topics["Orders"] = t;
  r.data_version = DataVersion{0, 1700000000000, 7};
  r.max_physical_offset = 123456;
  return r;
}

TEST(ZnodeCodecTest, RegistrationRoundTrips) {
  const BrokerRegistration r = Sample();
  StatusOr<BrokerRegistration> back = DecodeBrokerZnode(EncodeBrokerZnode(r));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->identity.cluster, r.identity.cluster);
  EXPECT_EQ(back->identity.broker_name, r.identity.broker_name);
  EXPECT_EQ(back->identity.broker_id, r.identity.broker_id);
  EXPECT_EQ(back->identity.address, r.identity.address);
  EXPECT_EQ(back->identity.ha_address, r.identity.ha_address);
  EXPECT_EQ(back->identity.role, r.identity.role);
  EXPECT_EQ(back->topics, r.topics);
  EXPECT_EQ(back->data_version, r.data_version);
  EXPECT_EQ(back->max_physical_offset, r.max_physical_offset);
}

TEST(ZnodeCodecTest, MalformedDataIsAnErrorNamingTheFieldNeverACrash) {
  struct Case {
    std::string data;
    std::string error;
  };
  for (const Case& c : std::vector<Case>{
           {"", "broker znode: empty data"},
           {"{", "broker znode: not JSON (error at byte 1)"},
           {"[1,2]", "broker znode: expected a JSON object"},
           {R"({"brokerName":"b"})", "broker znode: cluster: missing"},
           {R"({"cluster":1})", "broker znode: cluster: expected a string"},
           {R"({"cluster":"c","brokerName":"b","brokerId":"0"})",
            "broker znode: brokerId: expected an integer"},
           {R"({"cluster":"c","brokerName":"b","brokerId":-1})",
            "broker znode: brokerId: expected 0 or more"},
           {R"({"cluster":"c","brokerName":"b","brokerId":0,"brokerAddr":"a:1",)"
            R"("haServerAddr":"","role":"LEADER"})",
            "broker znode: role: expected ASYNC_MASTER, SYNC_MASTER or SLAVE, found \"LEADER\""},
           {R"({"cluster":"c","brokerName":"b","brokerId":0,"brokerAddr":"a:1",)"
            R"("haServerAddr":"","role":"SLAVE","maxPhysicalOffset":0})",
            "broker znode: registerBrokerBody: expected an object"},
       }) {
    EXPECT_EQ(DecodeBrokerZnode(c.data).status(), InvalidArgumentError(c.error)) << c.data;
  }
}

TEST(ZnodeCodecTest, DeeplyNestedOrTruncatedDataDoesNotCrash) {
  EXPECT_EQ(DecodeBrokerZnode(std::string(100000, '[')).status().code(),
            StatusCode::kInvalidArgument);
  const std::string good = EncodeBrokerZnode(Sample());
  for (std::size_t n = 0; n < good.size(); ++n) {
    EXPECT_FALSE(DecodeBrokerZnode(good.substr(0, n)).ok()) << n;
  }
}

TEST(ZnodeCodecTest, BadTopicTableIsReportedWithItsContext) {
  Status s = DecodeBrokerZnode(
                 R"({"cluster":"c","brokerName":"b","brokerId":0,"brokerAddr":"a:1",)"
                 R"("haServerAddr":"","role":"SLAVE","maxPhysicalOffset":0,)"
                 R"("registerBrokerBody":{"topicConfigSerializeWrapper":{"topicConfigTable":)"
                 R"({"T":{"readQueueNums":"x"}}}}})")
                 .status();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), ::testing::StartsWith("broker znode: registerBrokerBody: "));
}

TEST(ZnodeCodecTest, PathsAreLocatedByDepth) {
  BrokerIdentity id;
  id.cluster = "C";
  id.broker_name = "b";
  id.broker_id = BrokerId(2);
  EXPECT_EQ(BrokerZnodePath("/q", id), "/q/C/brokers/b/2");
  std::optional<ZnodeLocation> at = Locate("/q", "/q/C/brokers/b/2");
  ASSERT_TRUE(at);
  EXPECT_EQ(at->depth, 4);
  EXPECT_EQ(at->cluster, "C");
  EXPECT_EQ(at->group, "b");
  EXPECT_EQ(at->id, "2");
  EXPECT_EQ(Locate("/q", "/q")->depth, 0);
  EXPECT_EQ(Locate("/q", "/q/C")->depth, 1);
  EXPECT_FALSE(Locate("/q", "/qq/C"));
  EXPECT_FALSE(Locate("/q", "/q/C/other/b"));
  EXPECT_FALSE(Locate("/q", "/q/C/brokers/b/2/x"));
  EXPECT_FALSE(Locate("/q", "/q//x"));
}

TEST(ZnodeCodecTest, NamesThatCannotBePathSegmentsAreRejected) {
  EXPECT_TRUE(ValidateSegment("broker name", "broker-a").ok());
  for (const char* bad : {"", ".", "..", "a/b", "a\nb"}) {
    EXPECT_EQ(ValidateSegment("broker name", bad).code(), StatusCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace quiver::registry::zookeeper
