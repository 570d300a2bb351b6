#pragma once
// Shared by the plugin-loading tests: where the test plugins are, whether a library is
// loaded, and a clean QUIVER_PLUGIN_PATH.

#include <dlfcn.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

namespace quiver::kernel::testing {

inline const std::filesystem::path kBrokenDir = QUIVER_TEST_BROKEN_DIR;
inline const std::filesystem::path kGoodDir = QUIVER_TEST_GOOD_DIR;
inline const std::filesystem::path kShadowDir = QUIVER_TEST_SHADOW_DIR;
inline const std::filesystem::path kDuplicateDir = QUIVER_TEST_DUPLICATE_DIR;
inline const std::filesystem::path kSamplePlugin = QUIVER_TEST_SAMPLE_PLUGIN;

// True while `file` is mapped in this process (dlopen with RTLD_NOLOAD loads nothing).
inline bool IsLoaded(const std::filesystem::path& file) {
  void* handle = dlopen(file.c_str(), RTLD_NOW | RTLD_NOLOAD);
  if (handle == nullptr) return false;
  dlclose(handle);  // balance the reference RTLD_NOLOAD took
  return true;
}

// Clears QUIVER_PLUGIN_PATH for a test (so the developer's environment cannot leak in)
// and restores it afterwards.
class PluginPathEnvTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const char* old = std::getenv("QUIVER_PLUGIN_PATH"); old != nullptr) saved_ = old;
    unsetenv("QUIVER_PLUGIN_PATH");
  }
  void TearDown() override {
    if (saved_.has_value()) {
      setenv("QUIVER_PLUGIN_PATH", saved_->c_str(), 1);
    } else {
      unsetenv("QUIVER_PLUGIN_PATH");
    }
  }

 private:
  std::optional<std::string> saved_;
};

}  // namespace quiver::kernel::testing
