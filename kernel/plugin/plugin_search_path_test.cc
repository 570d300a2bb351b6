#include "kernel/plugin/plugin_search_path.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace quiver::kernel {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;

// A fresh directory per test under the system temp dir, removed afterwards.
class PluginSearchPathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
    root_ = fs::temp_directory_path() /
            ("quiver-search-path-" + std::string(info->name()) + "-" + std::to_string(getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  fs::path root_;
};

TEST_F(PluginSearchPathTest, OrderIsConfigThenEnvironmentThenExecutableThenCompiledDirs) {
  PluginSearchPathInputs inputs;
  inputs.config_dirs = {"/etc/quiver/plugins"};
  inputs.env_plugin_path = "/env/a:/env/b";
  inputs.executable = "/opt/quiver/bin/quiver";
  inputs.compiled_dirs = {"/build/lib/quiver/plugins", "/usr/local/lib/quiver/plugins"};

  EXPECT_THAT(
      BuildPluginSearchPath(inputs),
      ElementsAre("/etc/quiver/plugins", "/env/a", "/env/b", "/opt/quiver/lib/quiver/plugins",
                  "/build/lib/quiver/plugins", "/usr/local/lib/quiver/plugins"));
}

TEST_F(PluginSearchPathTest, EmptyEnvironmentEntriesAreSkipped) {
  PluginSearchPathInputs inputs;
  inputs.env_plugin_path = "::/env/a::/env/b:";

  EXPECT_THAT(BuildPluginSearchPath(inputs), ElementsAre("/env/a", "/env/b"));
}

TEST_F(PluginSearchPathTest, SpellingsOfOneDirectoryAreListedOnceAtTheirFirstPlace) {
  PluginSearchPathInputs inputs;
  inputs.config_dirs = {"/x/plugins/", "/x/./plugins"};
  inputs.env_plugin_path = "/x/other/../plugins";
  inputs.executable = "/x/bin/quiver";
  inputs.compiled_dirs = {"/x/lib/quiver/plugins", "/x/lib/quiver/plugins/"};

  EXPECT_THAT(BuildPluginSearchPath(inputs), ElementsAre("/x/plugins", "/x/lib/quiver/plugins"));
}

TEST_F(PluginSearchPathTest, SymlinkToAnEarlierDirectoryIsListedOnce) {
  fs::create_directories(root_ / "real");
  fs::create_directory_symlink(root_ / "real", root_ / "link");
  PluginSearchPathInputs inputs;
  inputs.config_dirs = {root_ / "real", root_ / "link"};

  EXPECT_THAT(BuildPluginSearchPath(inputs), ElementsAre(root_ / "real"));
}

TEST_F(PluginSearchPathTest, RelativeDirectoriesAreMadeAbsolute) {
  PluginSearchPathInputs inputs;
  inputs.config_dirs = {"relative/plugins"};

  EXPECT_THAT(BuildPluginSearchPath(inputs),
              ElementsAre((fs::current_path() / "relative/plugins").lexically_normal()));
}

TEST_F(PluginSearchPathTest, WithoutExecutableOnlyTheOtherPartsRemain) {
  PluginSearchPathInputs inputs;
  inputs.compiled_dirs = {"/usr/lib/quiver/plugins"};

  EXPECT_THAT(BuildPluginSearchPath(inputs), ElementsAre("/usr/lib/quiver/plugins"));
}

TEST_F(PluginSearchPathTest, ProcessInputsReadTheEnvironmentAndProcSelfExe) {
  const char* saved = std::getenv("QUIVER_PLUGIN_PATH");
  std::string saved_value = saved != nullptr ? saved : "";
  setenv("QUIVER_PLUGIN_PATH", "/from/env", 1);

  PluginSearchPathInputs inputs = ProcessPluginSearchPathInputs({"/from/config"});

  if (saved != nullptr) {
    setenv("QUIVER_PLUGIN_PATH", saved_value.c_str(), 1);
  } else {
    unsetenv("QUIVER_PLUGIN_PATH");
  }
  EXPECT_THAT(inputs.config_dirs, ElementsAre("/from/config"));
  EXPECT_EQ(inputs.env_plugin_path, "/from/env");
  ASSERT_TRUE(inputs.executable.has_value());
  EXPECT_EQ(inputs.executable->filename(), "quiver_kernel_test");
  EXPECT_EQ(inputs.compiled_dirs.size(), 2u);
}

}  // namespace
}  // namespace quiver::kernel
