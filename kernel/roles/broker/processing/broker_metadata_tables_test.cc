#include "kernel/roles/broker/processing/broker_metadata_tables.h"

#include <fstream>

#include <gtest/gtest.h>

#include "kernel/roles/broker/processing/broker_test_harness.h"

namespace quiver::broker {
namespace {

void WriteFile(const std::filesystem::path& path, const std::string& content) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << content;
}

TEST(BrokerMetadataTablesTest, CorruptTopicsFileFailsStartNamingTheFile) {
  fakes::BrokerHarness h;
  std::filesystem::path file = h.dir() / "config" / "topics.json";
  WriteFile(file, "{\"topicConfigTable\":");
  Status status = h.StartBroker();
  EXPECT_EQ(status, DataLossError("corrupt broker metadata file " + file.string() +
                                  ": invalid JSON at offset 20: Invalid value.; repair or "
                                  "remove it"));
}

TEST(BrokerMetadataTablesTest, WrongFieldTypeInOffsetsFileIsReportedWithItsPath) {
  fakes::BrokerHarness h;
  std::filesystem::path file = h.dir() / "config" / "consumerOffset.json";
  WriteFile(file, R"({"offsetTable":{"T@G":{"0":"x"}}})");
  BrokerMetadataTables tables(h.settings, h.clock);
  EXPECT_EQ(tables.Load(), DataLossError("corrupt broker metadata file " + file.string() +
                                         ": field offsetTable.T@G.0 is not an integer; repair "
                                         "or remove it"));
}

TEST(BrokerMetadataTablesTest, FastjsonOffsetsWithUnquotedKeysLoad) {
  fakes::BrokerHarness h;
  WriteFile(h.dir() / "config" / "consumerOffset.json", R"({"offsetTable":{"T@G":{0:5,1:9}}})");
  BrokerMetadataTables tables(h.settings, h.clock);
  ASSERT_TRUE(tables.Load().ok());
  EXPECT_EQ(tables.consumer_offsets().Query("G", "T", QueueId(1)), 9);
}

TEST(BrokerMetadataTablesTest, ImportReplacesPersistsAndNotifies) {
  fakes::BrokerHarness h;
  h.settings.auto_create_topic = false;
  BrokerMetadataTables tables(h.settings, h.clock);
  ASSERT_TRUE(tables.Load().ok());
  int notified = 0;
  tables.SetTopicsImportedListener([&] { ++notified; });
  BrokerMetadataTables master(h.settings, h.clock);
  TopicConfig topic;
  topic.topic_name = "Shared";
  master.topics().Upsert(topic);
  ASSERT_TRUE(
      tables.Import(MetadataKind::kTopicConfigs, master.Export(MetadataKind::kTopicConfigs)).ok());
  EXPECT_EQ(notified, 1);
  EXPECT_EQ(tables.topics().Find("Shared"), topic);
  EXPECT_EQ(tables.topics().data_version(), master.topics().data_version());

  EXPECT_EQ(tables.Import(MetadataKind::kConsumerOffsets, "[1]"),
            InvalidArgumentError("consumer offsets: the document is not a JSON object"));
  ASSERT_TRUE(
      tables.Import(MetadataKind::kConsumerOffsets, R"({"offsetTable":{"Shared@G":{"3":11}}})")
          .ok());
  ASSERT_TRUE(tables.Import(MetadataKind::kDelayOffsets, R"({"offsetTable":{"1":4}})").ok());

  BrokerMetadataTables reloaded(h.settings, h.clock);
  ASSERT_TRUE(reloaded.Load().ok());
  EXPECT_EQ(reloaded.topics().Find("Shared"), topic);
  EXPECT_EQ(reloaded.consumer_offsets().Query("G", "Shared", QueueId(3)), 11);
  EXPECT_EQ(reloaded.Export(MetadataKind::kDelayOffsets), R"({"offsetTable":{"1":4}})");
}

TEST(BrokerMetadataTablesTest, AtomicSaveLeavesNoTemporaryFile) {
  fakes::BrokerHarness h;
  MetadataStore files(h.dir());
  ASSERT_TRUE(files.Save("topics.json", "{}").ok());
  ASSERT_TRUE(files.Save("topics.json", "{\"a\":1}").ok());
  auto content = files.Load("topics.json");
  ASSERT_TRUE(content.ok());
  EXPECT_EQ(content->value_or(""), "{\"a\":1}");
  EXPECT_FALSE(std::filesystem::exists(h.dir() / "config" / "topics.json.tmp"));
  auto missing = files.Load("absent.json");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
}

}  // namespace
}  // namespace quiver::broker
