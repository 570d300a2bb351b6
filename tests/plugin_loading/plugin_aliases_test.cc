// Every plugin exports exactly one Boost.DLL alias, quiver_plugin_v1 (anchors-style §7.4),
// read from the ELF file with library_info, without loading anything.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "kernel/plugin/plugin_library.h"
#include "plugin_test_support.h"

namespace quiver::kernel {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(PluginAliasesTest, EveryShippedPluginExportsExactlyTheAliasQuiverPluginV1) {
  // Whatever the build has put in build/lib/quiver/plugins by now.
  fs::path shipped_dir = QUIVER_TEST_SHIPPED_PLUGIN_DIR;
  std::vector<fs::path> plugins;
  std::error_code ec;
  for (fs::directory_iterator it(shipped_dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string file_name = it->path().filename().string();
    if (file_name.starts_with("quiver-") && file_name.ends_with(".so"))
      plugins.push_back(it->path());
  }
  if (plugins.empty()) GTEST_SKIP() << "no plugin built in " << shipped_dir << " yet";

  for (const fs::path& plugin : plugins) {
    SCOPED_TRACE(plugin.string());
    StatusOr<std::vector<std::string>> aliases = ExportedAliases(plugin);
    ASSERT_TRUE(aliases.ok()) << aliases.status();
    EXPECT_THAT(*aliases, ElementsAre("quiver_plugin_v1"));
  }
}

// The check above is only as good as ExportedAliases: it must see the one alias of a
// QUIVER_PLUGIN library and none in a library without it.
TEST(PluginAliasesTest, APluginBuiltWithQuiverPluginExportsExactlyOneAlias) {
  StatusOr<std::vector<std::string>> aliases = ExportedAliases(testing::kSamplePlugin);

  ASSERT_TRUE(aliases.ok()) << aliases.status();
  EXPECT_THAT(*aliases, ElementsAre("quiver_plugin_v1"));
}

TEST(PluginAliasesTest, ALibraryWithoutQuiverPluginExportsNoAlias) {
  StatusOr<std::vector<std::string>> aliases = ExportedAliases(QUIVER_TEST_NO_DESCRIPTOR_PLUGIN);

  ASSERT_TRUE(aliases.ok()) << aliases.status();
  EXPECT_THAT(*aliases, IsEmpty());
}

TEST(PluginAliasesTest, ReadingAliasesOfATextFileIsAnInvalidArgument) {
  fs::path garbage = testing::kBrokenDir / "quiver-storage-garbage.so";

  StatusOr<std::vector<std::string>> aliases = ExportedAliases(garbage);

  EXPECT_EQ(aliases.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(aliases.status().message(),
              ::testing::StartsWith("plugin " + garbage.string() + ": cannot read its symbols: "));
}

}  // namespace
}  // namespace quiver::kernel
