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

TopicConfig Topic(const std::string& name) {
  TopicConfig config;
  config.topic_name = name;
  return config;
}

// A topic created on the hot path: in memory at once, on disk from the persist timer.
void CreateDeferred(BrokerMetadataTables& tables, const std::string& name) {
  ASSERT_TRUE(tables.topics().CreateIfAbsent(Topic(name)).second);
  ASSERT_TRUE(tables.PersistTopics(TopicsWrite::kDeferred).ok());
}

// What a restarted broker would load from the directory.
std::size_t TopicsOnDisk(const BrokerSettings& settings, Clock& clock) {
  BrokerMetadataTables reloaded(settings, clock);
  EXPECT_TRUE(reloaded.Load().ok());
  return reloaded.topics().Snapshot().size();
}

TEST(BrokerMetadataTablesTest, ManyDeferredCreationsAreWrittenOncePerInterval) {
  fakes::BrokerHarness h;
  h.settings.auto_create_topic = false;
  BrokerMetadataTables tables(h.settings, h.clock, std::chrono::seconds(1));
  ASSERT_TRUE(tables.Load().ok());
  for (int i = 0; i < 1000; ++i) CreateDeferred(tables, "T" + std::to_string(i));
  EXPECT_EQ(tables.topics_writes(), 0u);
  EXPECT_FALSE(std::filesystem::exists(h.dir() / "config" / "topics.json"));

  h.clock.Advance(std::chrono::seconds(1));
  EXPECT_EQ(tables.topics_writes(), 1u);
  EXPECT_EQ(TopicsOnDisk(h.settings, h.clock), 1000u);
  // Nothing changed since: later ticks write nothing.
  h.clock.Advance(std::chrono::seconds(5));
  EXPECT_EQ(tables.topics_writes(), 1u);
  CreateDeferred(tables, "Late");
  h.clock.Advance(std::chrono::seconds(1));
  EXPECT_EQ(tables.topics_writes(), 2u);
  EXPECT_EQ(TopicsOnDisk(h.settings, h.clock), 1001u);
}

TEST(BrokerMetadataTablesTest, StopWritesTheChangesStillDeferred) {
  fakes::BrokerHarness h;
  h.settings.auto_create_topic = false;
  {
    BrokerMetadataTables tables(h.settings, h.clock, std::chrono::hours(1));
    ASSERT_TRUE(tables.Load().ok());
    CreateDeferred(tables, "A");
    CreateDeferred(tables, "B");
    EXPECT_TRUE(tables.Stop().ok());
    EXPECT_EQ(tables.topics_writes(), 1u);
    EXPECT_EQ(TopicsOnDisk(h.settings, h.clock), 2u);
    // The timer is gone: a change after Stop waits for the destructor.
    CreateDeferred(tables, "C");
    h.clock.Advance(std::chrono::hours(2));
    EXPECT_EQ(tables.topics_writes(), 1u);
  }
  EXPECT_EQ(TopicsOnDisk(h.settings, h.clock), 3u);
}

TEST(BrokerMetadataTablesTest, ImmediateWriteIsOnDiskWhenItReturnsAndNotRepeated) {
  fakes::BrokerHarness h;
  h.settings.auto_create_topic = false;
  BrokerMetadataTables tables(h.settings, h.clock, std::chrono::seconds(1));
  ASSERT_TRUE(tables.Load().ok());
  ASSERT_TRUE(tables.topics().Upsert(Topic("Admin")));
  ASSERT_TRUE(tables.PersistTopics(TopicsWrite::kNow).ok());
  EXPECT_EQ(tables.topics_writes(), 1u);
  EXPECT_EQ(TopicsOnDisk(h.settings, h.clock), 1u);
  h.clock.Advance(std::chrono::seconds(3));
  EXPECT_TRUE(tables.Stop().ok());
  EXPECT_EQ(tables.topics_writes(), 1u);
}

TEST(BrokerMetadataTablesTest, FailedDeferredWriteIsReportedAndRetriedAtTheNextTick) {
  fakes::BrokerHarness h;
  h.settings.auto_create_topic = false;
  BrokerMetadataTables tables(h.settings, h.clock, std::chrono::seconds(1));
  ASSERT_TRUE(tables.Load().ok());
  // A file where the config directory should be: every write fails.
  std::filesystem::path config = h.dir() / "config";
  WriteFile(config, "not a directory");
  ASSERT_TRUE(tables.topics().CreateIfAbsent(Topic("T")).second);
  EXPECT_TRUE(tables.PersistTopics(TopicsWrite::kDeferred).ok());
  h.clock.Advance(std::chrono::seconds(1));
  Status failed = tables.PersistTopics(TopicsWrite::kDeferred);
  EXPECT_EQ(failed.code(), StatusCode::kInternal);
  EXPECT_NE(failed.message().find("cannot create " + config.string()), std::string::npos)
      << failed.ToString();
  EXPECT_EQ(tables.topics_writes(), 0u);

  std::filesystem::remove(config);
  h.clock.Advance(std::chrono::seconds(1));
  EXPECT_TRUE(tables.PersistTopics(TopicsWrite::kDeferred).ok());
  EXPECT_EQ(tables.topics_writes(), 1u);
  EXPECT_EQ(TopicsOnDisk(h.settings, h.clock), 1u);
}

TEST(BrokerMetadataTablesTest, TablesThatFailedToLoadDoNotReplaceTheFileOnStop) {
  fakes::BrokerHarness h;
  std::filesystem::path file = h.dir() / "config" / "topics.json";
  WriteFile(file, "{\"topicConfigTable\":");
  {
    BrokerMetadataTables tables(h.settings, h.clock);
    ASSERT_EQ(tables.Load().code(), StatusCode::kDataLoss);
    tables.topics().Upsert(Topic("T"));
  }
  std::ifstream in(file);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "{\"topicConfigTable\":");
}

}  // namespace
}  // namespace quiver::broker
