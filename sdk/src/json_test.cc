#include "quiver/protocol/json.h"

#include <gtest/gtest.h>

#include <string>

namespace quiver::protocol {
namespace {

TEST(NormalizeFastjsonTest, BareIntegerKeysAreQuoted) {
  EXPECT_EQ(NormalizeFastjson(R"({0:"a"})"), R"({"0":"a"})");
  EXPECT_EQ(NormalizeFastjson(R"({0:"127.0.0.1:10911",1:"127.0.0.1:10921"})"),
            R"({"0":"127.0.0.1:10911","1":"127.0.0.1:10921"})");
}

TEST(NormalizeFastjsonTest, NestedRouteDataIsNormalized) {
  // The shape of a legacy TopicRouteData body (rocketmq-protocol.md §3.1).
  std::string legacy = R"({"brokerDatas":[{"brokerAddrs":{0:"10.0.0.1:10911",2:"10.0.0.2:10911"},)"
                       R"("brokerName":"broker-a","cluster":"DefaultCluster"}],"queueDatas":[]})";
  std::string standard =
      R"({"brokerDatas":[{"brokerAddrs":{"0":"10.0.0.1:10911","2":"10.0.0.2:10911"},)"
      R"("brokerName":"broker-a","cluster":"DefaultCluster"}],"queueDatas":[]})";
  EXPECT_EQ(NormalizeFastjson(legacy), standard);
}

TEST(NormalizeFastjsonTest, NegativeKeysAndWhitespaceAroundKeysAreHandled) {
  EXPECT_EQ(NormalizeFastjson("{ -1 : \"a\" ,\n\t12\r:\"b\"}"),
            "{ \"-1\" : \"a\" ,\n\t\"12\"\r:\"b\"}");
}

TEST(NormalizeFastjsonTest, TextInsideStringsIsNeverRewritten) {
  EXPECT_EQ(NormalizeFastjson(R"({"a":"{0:1}"})"), R"({"a":"{0:1}"})");
  EXPECT_EQ(NormalizeFastjson(R"({"a\"{0:":",1:"})"), R"({"a\"{0:":",1:"})");
  EXPECT_EQ(NormalizeFastjson(R"({"a\\",0:"b"})"), R"({"a\\","0":"b"})");
}

TEST(NormalizeFastjsonTest, NumbersThatAreValuesStayUnquoted) {
  EXPECT_EQ(NormalizeFastjson(R"({"a":0,"b":[1,-2,3],"c":1.5})"),
            R"({"a":0,"b":[1,-2,3],"c":1.5})");
  EXPECT_EQ(NormalizeFastjson("[0,1]"), "[0,1]");
}

TEST(NormalizeFastjsonTest, ValidJsonComesBackByteForByte) {
  std::string valid =
      R"({"code":105,"extFields":{"topic":"T"},"flag":0,"language":"JAVA","opaque":7,)"
      R"("serializeTypeCurrentRPC":"JSON","version":479})";
  EXPECT_EQ(NormalizeFastjson(valid), valid);
}

TEST(NormalizeFastjsonTest, NonIntegerBareKeysAndBrokenInputAreLeftForTheParser) {
  EXPECT_EQ(NormalizeFastjson("{1.5:\"a\"}"), "{1.5:\"a\"}");
  EXPECT_EQ(NormalizeFastjson("{1e3:\"a\"}"), "{1e3:\"a\"}");
  EXPECT_EQ(NormalizeFastjson("{-:\"a\"}"), "{-:\"a\"}");
  EXPECT_EQ(NormalizeFastjson("{\"unterminated"), "{\"unterminated");
  EXPECT_EQ(NormalizeFastjson("{\"a\\"), "{\"a\\");
  EXPECT_EQ(NormalizeFastjson("{0"), "{0");
  EXPECT_EQ(NormalizeFastjson(""), "");
}

}  // namespace
}  // namespace quiver::protocol
