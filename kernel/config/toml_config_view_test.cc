#include "kernel/config/toml_config_view.h"

#include <chrono>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include <gtest/gtest.h>

namespace quiver::kernel {
namespace {

using namespace std::chrono_literals;

std::shared_ptr<const TomlConfigView> ParseOrDie(std::string_view text,
                                                 std::string name = "test.toml") {
  auto view = TomlConfigView::Parse(text, std::move(name));
  EXPECT_TRUE(view.ok()) << view.status();
  return *view;
}

std::shared_ptr<const TomlConfigView> Sub(const TomlConfigView& view, std::string_view key) {
  auto sub = view.SubTable(key);
  EXPECT_TRUE(sub.ok()) << sub.status();
  return *sub;
}

TEST(TomlConfigViewTest, SyntaxErrorNamesFileLineAndColumn) {
  auto view = TomlConfigView::Parse("role = \"broker\"\nlisten = = 1\n", "broker.toml");
  ASSERT_FALSE(view.ok());
  EXPECT_EQ(view.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(view.status().message(),
            "broker.toml:2:10: Error while parsing value: could not determine value type");
}

TEST(TomlConfigViewTest, MissingFileSaysItCannotBeRead) {
  auto view = TomlConfigView::LoadFile("/nonexistent/quiver/broker.toml");
  ASSERT_FALSE(view.ok());
  EXPECT_EQ(view.status().message(),
            "/nonexistent/quiver/broker.toml: cannot read the file: No such file or directory");
}

TEST(TomlConfigViewTest, LoadFileUsesThePathAsGivenInMessages) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("quiver-config-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto file = dir / "node.toml";
  std::ofstream(file) << "[broker]\nid = \"x\"\n";
  auto root = TomlConfigView::LoadFile(file);
  ASSERT_TRUE(root.ok()) << root.status();
  auto broker = Sub(**root, "broker");
  EXPECT_EQ(broker->GetInt("id", 0).status().message(),
            file.string() + ":2:6: broker.id: expected an integer, found a string (\"x\")");
  std::filesystem::remove_all(dir);
}

TEST(TomlConfigViewTest, TypedGettersReturnValuesAndFallbacks) {
  auto root = ParseOrDie(
      "s = \"text\"\ni = 42\nb = true\nd = \"500ms\"\nz = \"4MiB\"\nl = [\"a:1\", \"b:2\"]\n");
  EXPECT_EQ(*root->GetString("s", "x"), "text");
  EXPECT_EQ(*root->GetInt("i", 0), 42);
  EXPECT_EQ(*root->GetBool("b", false), true);
  EXPECT_EQ(*root->GetDuration("d", 1s), 500ms);
  EXPECT_EQ(*root->GetSize("z", 1), 4u << 20);
  EXPECT_EQ(*root->GetStringList("l", {}), (std::vector<std::string>{"a:1", "b:2"}));
  EXPECT_EQ(*root->GetString("absent", "fallback"), "fallback");
  EXPECT_EQ(*root->GetDuration("absent", 3s), 3s);
  EXPECT_EQ(*root->GetStringList("absent", {"x"}), std::vector<std::string>{"x"});
}

TEST(TomlConfigViewTest, WrongTypeNamesKeyPositionAndWhatWasFound) {
  auto root = ParseOrDie("[registry.nameserver]\naddresses = \"127.0.0.1:9876\"\nport = 1.5\n",
                         "client.toml");
  auto table = Sub(*Sub(*root, "registry"), "nameserver");
  EXPECT_EQ(table->GetStringList("addresses", {}).status().message(),
            "client.toml:2:13: registry.nameserver.addresses: expected an array of strings such "
            "as [\"127.0.0.1:9876\"], found a string (\"127.0.0.1:9876\")");
  EXPECT_EQ(table->GetInt("port", 0).status().message(),
            "client.toml:3:8: registry.nameserver.port: expected an integer, found a float (1.5)");
  EXPECT_EQ(table->GetBool("port", false).status().message(),
            "client.toml:3:8: registry.nameserver.port: expected true or false, found a float "
            "(1.5)");
}

TEST(TomlConfigViewTest, BadDurationSaysWhatADurationLooksLike) {
  auto root = ParseOrDie("[registry.nameserver]\nheartbeat_interval = \"30 sec\"\nscan = 10\n",
                         "broker.toml");
  auto table = Sub(*Sub(*root, "registry"), "nameserver");
  EXPECT_EQ(table->GetDuration("heartbeat_interval", 30s).status().message(),
            "broker.toml:2:22: registry.nameserver.heartbeat_interval: expected a duration such "
            "as \"500ms\" or \"30s\" (an integer and one of ms, s, m, h), found \"30 sec\"");
  EXPECT_EQ(table->GetDuration("scan", 10s).status().message(),
            "broker.toml:3:8: registry.nameserver.scan: expected a duration such as \"500ms\" or "
            "\"30s\" (an integer and one of ms, s, m, h), found an integer (10)");
}

TEST(TomlConfigViewTest, BadSizeSaysWhatASizeLooksLike) {
  auto root = ParseOrDie("segment_size = \"1GB\"\n", "broker.toml");
  EXPECT_EQ(root->GetSize("segment_size", 1).status().message(),
            "broker.toml:1:16: segment_size: expected a size such as \"4MiB\" (an integer and one "
            "of B, KiB, MiB, GiB), found \"1GB\"");
}

TEST(TomlConfigViewTest, ListWithANonStringItemNamesTheIndex) {
  auto root = ParseOrDie("addresses = [\"a:1\", 2]\n");
  EXPECT_EQ(root->GetStringList("addresses", {}).status().message(),
            "test.toml:1:13: addresses: expected an array of strings, found an integer (2) at "
            "index 1");
}

TEST(TomlConfigViewTest, MissingRequiredKeyPointsAtItsTable) {
  auto root = ParseOrDie("role = \"broker\"\n\n[broker]\nid = 0\n", "broker.toml");
  auto broker = Sub(*root, "broker");
  EXPECT_EQ(broker->RequireString("name").status().message(),
            "broker.toml:3:1: broker.name: missing required key (expected a string)");
  EXPECT_EQ(broker->RequireInt("port").status().message(),
            "broker.toml:3:1: broker.port: missing required key (expected an integer)");
  auto absent = Sub(*root, "registry");
  EXPECT_EQ(absent->RequireStringList("addresses").status().message(),
            "broker.toml: registry.addresses: missing required key (expected an array of strings "
            "such as [\"127.0.0.1:9876\"])");
}

TEST(TomlConfigViewTest, TableOfANonTableValueIsAnError) {
  auto root = ParseOrDie("storage = \"commitlog\"\n");
  auto table = root->Table("storage");
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.status().message(),
            "test.toml:1:11: storage: expected a table, found a string (\"commitlog\")");
}

TEST(TomlConfigViewTest, AbsentTableIsAnEmptyViewWithItsPath) {
  auto root = ParseOrDie("role = \"client\"\n");
  auto table = Sub(*Sub(*root, "storage"), "commitlog");
  EXPECT_FALSE(table->Exists());
  EXPECT_EQ(table->Path(), "storage.commitlog");
  EXPECT_EQ(*table->GetSize("segment_size", 7), 7u);
  EXPECT_TRUE(table->CheckAllRead("anything").ok());
}

TEST(TomlConfigViewTest, KeysNobodyReadAreReportedFirstInFileOrder) {
  auto root = ParseOrDie(
      "[storage.commitlog]\nsegment_size = \"1GiB\"\nzflush = \"sync\"\nsegmnet_size = \"1GiB\"\n",
      "broker.toml");
  auto table = Sub(*Sub(*root, "storage"), "commitlog");
  ASSERT_TRUE(table->GetSize("segment_size", 0).ok());
  EXPECT_EQ(table->CheckAllRead("not read by storage plugin \"commitlog\""),
            InvalidArgumentError("broker.toml:3:1: unknown key storage.commitlog.zflush (not read "
                                 "by storage plugin \"commitlog\"); check its spelling"));
  ASSERT_TRUE(table->Has("zflush"));
  EXPECT_EQ(table->CheckAllRead("not read by storage plugin \"commitlog\"").message(),
            "broker.toml:4:1: unknown key storage.commitlog.segmnet_size (not read by storage "
            "plugin \"commitlog\"); check its spelling");
}

TEST(TomlConfigViewTest, ReadsThroughAnotherViewOfTheSameFileCount) {
  auto root = ParseOrDie("[transport.tcp]\nio_threads = 2\n");
  auto first = Sub(*Sub(*root, "transport"), "tcp");
  auto second = Sub(*Sub(*root, "transport"), "tcp");
  ASSERT_TRUE(second->GetInt("io_threads", 1).ok());
  EXPECT_TRUE(first->CheckAllRead("not read").ok());
}

TEST(TomlConfigViewTest, CheckRecursesIntoOpenedSubTablesOnly) {
  auto root = ParseOrDie("[a]\nx = 1\n[a.opened]\ny = 2\n[a.closed]\nz = 3\n");
  auto a = Sub(*root, "a");
  ASSERT_TRUE(a->GetInt("x", 0).ok());
  auto opened = Sub(*a, "opened");
  ASSERT_TRUE(a->Has("closed"));  // read as a whole, never opened: not recursed into
  EXPECT_EQ(a->CheckAllRead("r").message(),
            "test.toml:4:1: unknown key a.opened.y (r); check its spelling");
  ASSERT_TRUE(opened->GetInt("y", 0).ok());
  EXPECT_TRUE(a->CheckAllRead("r").ok());
}

TEST(TomlConfigViewTest, KeysAreListedInFileOrder) {
  auto root = ParseOrDie("zeta = 1\nalpha = 2\n[mid]\n");
  EXPECT_EQ(root->Keys(), (std::vector<std::string>{"zeta", "alpha", "mid"}));
  EXPECT_TRUE(root->IsTable("mid"));
  EXPECT_FALSE(root->IsTable("zeta"));
  EXPECT_EQ(root->KeyPosition("alpha"), "test.toml:2:1");
}

TEST(TomlConfigViewTest, EnumAndRangeHelpersNameTheKey) {
  auto root = ParseOrDie("[log]\nlevel = \"loud\"\n[broker]\ndefault_queues = 0\n");
  EXPECT_EQ(Sub(*root, "log")->GetEnum("level", "info", {"info", "warn"}).status().message(),
            "test.toml:2:9: log.level: expected one of \"info\" | \"warn\", found \"loud\"");
  EXPECT_EQ(Sub(*root, "broker")->GetIntInRange("default_queues", 4, 1, 1024).status().message(),
            "test.toml:4:18: broker.default_queues: expected an integer from 1 to 1024, found 0");
}

}  // namespace
}  // namespace quiver::kernel
