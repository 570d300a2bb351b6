// PluginHost against deliberately broken plugins: one test per way a plugin file can be
// refused, each asserting the exact code and the message (file, expected, found, fix).
#include "kernel/plugin/plugin_host.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "plugin_test_support.h"
#include "quiver/replication.h"
#include "quiver/storage.h"
#include "quiver/transport.h"
#include "quiver/version.h"

namespace quiver::kernel {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using testing::IsLoaded;
using testing::kBrokenDir;
using testing::kDuplicateDir;
using testing::kGoodDir;
using testing::kShadowDir;
using ::testing::Not;
using ::testing::StartsWith;

class PluginHostTest : public testing::PluginPathEnvTest {
 protected:
  static std::string Broken(const std::string& file) { return (kBrokenDir / file).string(); }
};

Status LoadStatus(PluginHost& host, PluginKind kind, std::string_view name) {
  return host.LoadFactory(kind, name).status();
}

TEST_F(PluginHostTest, MissingFileIsNotFoundAndTheMessageListsEveryDirectorySearched) {
  PluginHost host({kBrokenDir});
  std::string dirs;
  for (const fs::path& dir : host.search_path()) dirs += (dirs.empty() ? "" : ", ") + dir.string();

  Status status = LoadStatus(host, PluginKind::kStorage, "nosuch");

  EXPECT_EQ(status.code(), StatusCode::kNotFound);
  EXPECT_EQ(status.message(),
            "plugin storage.nosuch not found: no quiver-storage-nosuch.so in " + dirs +
                "; put the file in one of these directories, or add its directory to "
                "plugin_dirs in the TOML file or to QUIVER_PLUGIN_PATH");
  EXPECT_THAT(status.message(), StartsWith("plugin storage.nosuch not found: no "
                                           "quiver-storage-nosuch.so in " +
                                           kBrokenDir.string()));
}

TEST_F(PluginHostTest, TextFileNamedLikeAPluginIsRefusedAsNotASharedLibrary) {
  PluginHost host({kBrokenDir});

  Status status = LoadStatus(host, PluginKind::kStorage, "garbage");

  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "plugin " + Broken("quiver-storage-garbage.so") +
                ": cannot be loaded: invalid ELF header; it is not a shared library; remove it "
                "from the plugin directory or rebuild it");
}

TEST_F(PluginHostTest, LibraryWithoutDescriptorIsRefused) {
  PluginHost host({kBrokenDir});

  Status status = LoadStatus(host, PluginKind::kStorage, "nodescriptor");

  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "plugin " + Broken("quiver-storage-nodescriptor.so") +
                ": no quiver_plugin_v1 descriptor: the library exports no Boost.DLL alias; a "
                "plugin needs one QUIVER_PLUGIN(...) line (quiver/plugin_export.h)");
}

// The plugin's create_factory aborts the process: passing proves it was never called.
TEST_F(PluginHostTest, WrongAbiVersionIsRefusedBeforeCallingAnythingInThePlugin) {
  PluginHost host({kBrokenDir});

  Status status = LoadStatus(host, PluginKind::kStorage, "abi999");

  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(),
            "plugin " + Broken("quiver-storage-abi999.so") +
                ": wrong plugin ABI version: expected 1, found 999; rebuild the plugin against "
                "Quiver SDK ABI 1 (Quiver " QUIVER_VERSION_STRING ")");
}

TEST_F(PluginHostTest, DescriptorSmallerThanAbiOneIsRefused) {
  PluginHost host({kBrokenDir});

  Status status = LoadStatus(host, PluginKind::kStorage, "short");

  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "plugin " + Broken("quiver-storage-short.so") +
                ": descriptor too small: expected "
                "at least " +
                std::to_string(sizeof(PluginDescriptor)) +
                " bytes, found descriptor_size 8; declare it with QUIVER_PLUGIN(...)");
}

TEST_F(PluginHostTest, WrongKindIsRefusedWithExpectedAndFoundKinds) {
  PluginHost host({kBrokenDir});

  Status status = host.Load<TransportFactory>("wrongkind").status();

  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(),
            "plugin " + Broken("quiver-transport-wrongkind.so") +
                ": wrong plugin kind: expected transport, found storage; rename the file to "
                "quiver-storage-wrongkind.so if it is a storage plugin, or rebuild it with "
                "QUIVER_PLUGIN(quiver::PluginKind::kTransport, ...)");
}

TEST_F(PluginHostTest, DescriptorNamingAnotherPluginIsRefused) {
  PluginHost host({kBrokenDir});

  Status status = LoadStatus(host, PluginKind::kStorage, "misnamed");

  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "plugin " + Broken("quiver-storage-misnamed.so") +
                ": wrong plugin name: expected \"misnamed\", found \"other\"; rename the file "
                "to quiver-storage-other.so or rebuild it declaring the name \"misnamed\"");
}

TEST_F(PluginHostTest, FactoryReturningNullIsAnInternalError) {
  PluginHost host({kBrokenDir});

  Status status = LoadStatus(host, PluginKind::kStorage, "nullfactory");

  EXPECT_EQ(status.code(), StatusCode::kInternal);
  EXPECT_EQ(status.message(),
            "plugin " + Broken("quiver-storage-nullfactory.so") +
                ": factory failed: create_factory returned null (the storage plugin "
                "\"nullfactory\" cannot work in this process, or its factory's constructor "
                "threw)");
}

TEST_F(PluginHostTest, FactoryWhoseConstructorThrowsIsAnInternalError) {
  PluginHost host({kBrokenDir});

  Status status = LoadStatus(host, PluginKind::kStorage, "throwingctor");

  EXPECT_EQ(status.code(), StatusCode::kInternal);
  EXPECT_EQ(status.message(),
            "plugin " + Broken("quiver-storage-throwingctor.so") +
                ": factory failed: create_factory returned null (the storage plugin "
                "\"throwingctor\" cannot work in this process, or its factory's constructor "
                "threw)");
}

TEST_F(PluginHostTest, ExceptionEscapingCreateFactoryIsCaughtAtTheBoundary) {
  PluginHost host({kBrokenDir});

  Status status = LoadStatus(host, PluginKind::kStorage, "throwingfactory");

  EXPECT_EQ(status.code(), StatusCode::kInternal);
  EXPECT_EQ(status.message(),
            "plugin " + Broken("quiver-storage-throwingfactory.so") +
                ": factory failed: create_factory threw \"create_factory exploded second "
                "line\" (it must not throw); fix the plugin or see its log");
}

TEST_F(PluginHostTest, UndefinedSymbolFailsAtLoadTimeNamingTheSymbol) {
  PluginHost host({kBrokenDir});

  Status status = LoadStatus(host, PluginKind::kStorage, "undefined");

  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "plugin " + Broken("quiver-storage-undefined.so") +
                ": cannot be loaded: undefined symbol: quiver_test_symbol_nobody_defines; the "
                "plugin was built against another Quiver SDK or lacks a library it needs; "
                "rebuild it against Quiver SDK " QUIVER_VERSION_STRING " (plugin ABI 1)");
  EXPECT_FALSE(IsLoaded(kBrokenDir / "quiver-storage-undefined.so"));
}

TEST_F(PluginHostTest, NameThatIsNotAFileNamePartIsRefused) {
  PluginHost host({kBrokenDir});

  Status status = LoadStatus(host, PluginKind::kStorage, "../good/x");

  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "invalid storage plugin name \"../good/x\": use letters, digits, '-', '_' and '.' "
            "only");
}

TEST_F(PluginHostTest, WellFormedPluginLoadsAndIsCached) {
  PluginHost host({kGoodDir});

  StatusOr<std::shared_ptr<ReplicationFactory>> first = host.Load<ReplicationFactory>("sample");
  StatusOr<std::shared_ptr<ReplicationFactory>> second = host.Load<ReplicationFactory>("sample");

  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_NE(first->get(), nullptr);
  EXPECT_EQ(first->get(), second->get());
}

TEST_F(PluginHostTest, QuiverPluginPathComesAfterConfigDirsAndIsSearched) {
  setenv("QUIVER_PLUGIN_PATH", (":" + kShadowDir.string() + "::" + kGoodDir.string()).c_str(), 1);
  PluginHost host({kBrokenDir});

  ASSERT_GE(host.search_path().size(), 3u);
  EXPECT_EQ(host.search_path()[0], kBrokenDir);
  EXPECT_EQ(host.search_path()[1], kShadowDir);
  EXPECT_EQ(host.search_path()[2], kGoodDir);
  StatusOr<std::shared_ptr<ReplicationFactory>> factory = host.Load<ReplicationFactory>("sample");
  ASSERT_TRUE(factory.ok()) << factory.status();
  EXPECT_TRUE(IsLoaded(kShadowDir / "quiver-replication-sample.so"));
  EXPECT_FALSE(IsLoaded(kGoodDir / "quiver-replication-sample.so"));
}

TEST_F(PluginHostTest, SearchPathEndsWithTheExecutablesPluginDirAndTheCompiledDirsOnce) {
  PluginHost host({kGoodDir, kGoodDir / ".", kGoodDir.string() + "/"});

  const std::vector<fs::path>& path = host.search_path();
  // The test runs from build/bin, so <exe dir>/../lib/quiver/plugins is the build tree's
  // plugin directory, which is also QUIVER_BUILD_PLUGIN_DIR: listed once.
  fs::path shipped = fs::path(QUIVER_TEST_SHIPPED_PLUGIN_DIR).lexically_normal();
  EXPECT_EQ(std::count(path.begin(), path.end(), kGoodDir), 1);
  EXPECT_EQ(std::count(path.begin(), path.end(), shipped), 1);
  ASSERT_GE(path.size(), 2u);
  EXPECT_EQ(path[0], kGoodDir);
  EXPECT_EQ(path[1], shipped);
}

// --- ListPlugins ----------------------------------------------------------------------

const PluginFileInfo* Find(const std::vector<PluginFileInfo>& listing, const fs::path& file) {
  auto it = std::find_if(listing.begin(), listing.end(),
                         [&](const PluginFileInfo& info) { return info.path == file; });
  return it == listing.end() ? nullptr : &*it;
}

TEST_F(PluginHostTest, ListingReportsEachBrokenFileWithTheErrorLoadingWouldGive) {
  PluginHost lister({kBrokenDir});
  StatusOr<std::vector<PluginFileInfo>> listing = lister.ListPlugins();
  ASSERT_TRUE(listing.ok()) << listing.status();

  struct Case {
    const char* file;
    PluginKind kind;
    const char* name;
  };
  // Every file the loader refuses before calling create_factory; the listing must refuse
  // it with the same Status (and never call create_factory: several of them abort).
  for (Case c :
       std::vector<Case>{{"quiver-storage-garbage.so", PluginKind::kStorage, "garbage"},
                         {"quiver-storage-nodescriptor.so", PluginKind::kStorage, "nodescriptor"},
                         {"quiver-storage-abi999.so", PluginKind::kStorage, "abi999"},
                         {"quiver-storage-short.so", PluginKind::kStorage, "short"},
                         {"quiver-transport-wrongkind.so", PluginKind::kTransport, "wrongkind"},
                         {"quiver-storage-misnamed.so", PluginKind::kStorage, "misnamed"},
                         {"quiver-storage-undefined.so", PluginKind::kStorage, "undefined"}}) {
    SCOPED_TRACE(c.file);
    const PluginFileInfo* info = Find(*listing, kBrokenDir / c.file);
    ASSERT_NE(info, nullptr);
    PluginHost loader({kBrokenDir});
    EXPECT_EQ(info->error, LoadStatus(loader, c.kind, c.name));
    EXPECT_FALSE(info->shadowed);
  }

  // Readable descriptors are reported as they are, even when refused.
  const PluginFileInfo* wrong_kind = Find(*listing, kBrokenDir / "quiver-transport-wrongkind.so");
  ASSERT_NE(wrong_kind, nullptr);
  EXPECT_EQ(wrong_kind->kind, PluginKind::kStorage);
  EXPECT_EQ(wrong_kind->name, "wrongkind");
  EXPECT_EQ(wrong_kind->version, "0.0.1");
  EXPECT_EQ(wrong_kind->build_id, QUIVER_BUILD_ID);

  // Files whose factory fails are fine as far as listing can tell.
  for (const char* file : {"quiver-storage-nullfactory.so", "quiver-storage-throwingctor.so",
                           "quiver-storage-throwingfactory.so"}) {
    SCOPED_TRACE(file);
    const PluginFileInfo* info = Find(*listing, kBrokenDir / file);
    ASSERT_NE(info, nullptr);
    EXPECT_TRUE(info->error.ok()) << info->error;
  }

  const PluginFileInfo* bogus = Find(*listing, kBrokenDir / "quiver-bogus.so");
  ASSERT_NE(bogus, nullptr);
  EXPECT_EQ(bogus->error.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bogus->error.message(),
            "plugin " + (kBrokenDir / "quiver-bogus.so").string() +
                ": file name is not quiver-<kind>-<name>.so with kind one of transport, "
                "registry, storage, replication; rename or remove it");
}

TEST_F(PluginHostTest, ListingShowsTheShadowedCopyAndLoadingTakesTheFirst) {
  PluginHost host({kGoodDir, kShadowDir});

  StatusOr<std::vector<PluginFileInfo>> listing = host.ListPlugins();
  ASSERT_TRUE(listing.ok()) << listing.status();

  const PluginFileInfo* first = Find(*listing, kGoodDir / "quiver-replication-sample.so");
  const PluginFileInfo* second = Find(*listing, kShadowDir / "quiver-replication-sample.so");
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  EXPECT_LT(first, second);  // search order
  EXPECT_EQ(first->kind, PluginKind::kReplication);
  EXPECT_EQ(first->name, "sample");
  EXPECT_EQ(first->version, "1.0.0");
  EXPECT_EQ(first->build_id, QUIVER_BUILD_ID);
  EXPECT_TRUE(first->error.ok()) << first->error;
  EXPECT_FALSE(first->shadowed);
  EXPECT_TRUE(second->error.ok()) << second->error;
  EXPECT_TRUE(second->shadowed);

  StatusOr<std::shared_ptr<ReplicationFactory>> factory = host.Load<ReplicationFactory>("sample");
  ASSERT_TRUE(factory.ok()) << factory.status();
  EXPECT_TRUE(IsLoaded(kGoodDir / "quiver-replication-sample.so"));
  EXPECT_FALSE(IsLoaded(kShadowDir / "quiver-replication-sample.so"));
}

TEST_F(PluginHostTest, TwoFilesDeclaringOneKindAndNameInOneDirectoryAreAnError) {
  PluginHost host({kDuplicateDir});

  StatusOr<std::vector<PluginFileInfo>> listing = host.ListPlugins();

  EXPECT_EQ(listing.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(listing.status().message(),
            "plugin directory " + kDuplicateDir.string() +
                " holds two storage plugins named \"dupe\": quiver-storage-dupe.so and "
                "quiver-storage-dupe2.so; remove one of them");
}

TEST_F(PluginHostTest, ListingCallsNoFactoryAndLeavesNothingLoaded) {
  PluginHost host({kGoodDir, kBrokenDir});

  StatusOr<std::vector<PluginFileInfo>> listing = host.ListPlugins();

  ASSERT_TRUE(listing.ok()) << listing.status();
  for (const PluginFileInfo& info : *listing) {
    EXPECT_FALSE(IsLoaded(info.path)) << info.path;
    EXPECT_THAT(info.error.message(), Not(HasSubstr("\n")));
  }
}

}  // namespace
}  // namespace quiver::kernel
