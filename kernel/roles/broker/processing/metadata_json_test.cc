#include "kernel/roles/broker/processing/metadata_json.h"

#include <gtest/gtest.h>

namespace quiver::broker {
namespace {

TEST(MetadataJsonTest, FastjsonIntegerKeysParseAndDataVersionRoundTrips) {
  auto doc = ParseJsonObject(
      R"({"offsetTable":{0:5},"dataVersion":{"stateVersion":3,"timestamp":17,"counter":9}})");
  ASSERT_TRUE(doc.ok()) << doc.status();
  DataVersion read;
  ASSERT_TRUE(ReadDataVersion(*doc, read).ok());
  EXPECT_EQ(read, (DataVersion{3, 17, 9}));

  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  WriteDataVersion(w, read);
  w.EndObject();
  EXPECT_STREQ(buffer.GetString(),
               R"({"dataVersion":{"stateVersion":3,"timestamp":17,"counter":9}})");
}

TEST(MetadataJsonTest, AbsentDataVersionLeavesTheDefault) {
  auto doc = ParseJsonObject("{}");
  ASSERT_TRUE(doc.ok());
  DataVersion read{1, 2, 3};
  ASSERT_TRUE(ReadDataVersion(*doc, read).ok());
  EXPECT_EQ(read, (DataVersion{1, 2, 3}));
}

TEST(MetadataJsonTest, BadInputNamesWhatIsWrong) {
  EXPECT_EQ(ParseJsonObject("[1]", "body").status(),
            InvalidArgumentError("the body is not a JSON object"));
  EXPECT_EQ(ParseJsonObject("{\"a\":").status().code(), StatusCode::kInvalidArgument);
  DataVersion read;
  auto not_object = ParseJsonObject(R"({"dataVersion":5})");
  EXPECT_EQ(ReadDataVersion(*not_object, read),
            InvalidArgumentError("field dataVersion is not an object"));
  auto bad_counter = ParseJsonObject(R"({"dataVersion":{"counter":"x"}})");
  EXPECT_EQ(ReadDataVersion(*bad_counter, read),
            InvalidArgumentError("field dataVersion.counter is not an integer"));
}

}  // namespace
}  // namespace quiver::broker
