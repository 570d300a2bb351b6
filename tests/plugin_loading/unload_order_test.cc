// Lifetimes (anchors-style §7.1, §7.7): an object created by a plugin keeps the library
// loaded after the PluginHost and the factory are gone, and the library unloads as soon as
// the last such object is destroyed. Under ASan this also proves nothing outlives it.
#include <gtest/gtest.h>
#include <spdlog/logger.h>

#include <memory>

#include "fake_store.h"
#include "kernel/plugin/plugin_host.h"
#include "plugin_test_support.h"
#include "quiver/plugin_context.h"
#include "quiver/replication.h"

namespace quiver::kernel {
namespace {

using testing::IsLoaded;
using testing::kBrokenDir;
using testing::kGoodDir;
using testing::kSamplePlugin;

class UnloadOrderTest : public testing::PluginPathEnvTest {};

TEST_F(UnloadOrderTest, ObjectFromAPluginKeepsItsLibraryLoadedAfterHostAndFactoryAreGone) {
  quiver::testing::FakeStore store;
  PluginContext context;
  context.store = &store;
  context.logger = std::make_shared<spdlog::logger>("replication.sample");
  std::shared_ptr<Replicator> replicator;
  ASSERT_FALSE(IsLoaded(kSamplePlugin));
  {
    PluginHost host({kGoodDir});
    StatusOr<std::shared_ptr<ReplicationFactory>> factory = host.Load<ReplicationFactory>("sample");
    ASSERT_TRUE(factory.ok()) << factory.status();
    StatusOr<std::unique_ptr<Replicator>> created = (*factory)->CreateReplicator(context);
    ASSERT_TRUE(created.ok()) << created.status();
    replicator = TieToPlugin(std::move(created).value(), *factory);
  }  // the host (and its cache) and the last factory handle are gone here

  EXPECT_TRUE(IsLoaded(kSamplePlugin));
  // Its code is still callable: a vtable call into the library.
  ASSERT_TRUE(replicator->Start().ok());
  EXPECT_EQ(replicator->Role(), ReplicaRole::kMaster);
  replicator->Stop();

  replicator.reset();
  EXPECT_FALSE(IsLoaded(kSamplePlugin));
}

TEST_F(UnloadOrderTest, FactoryKeepsItsLibraryLoadedAfterTheHostIsGone) {
  std::shared_ptr<ReplicationFactory> factory;
  {
    PluginHost host({kGoodDir});
    StatusOr<std::shared_ptr<ReplicationFactory>> loaded = host.Load<ReplicationFactory>("sample");
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    factory = *loaded;
  }
  EXPECT_TRUE(IsLoaded(kSamplePlugin));

  factory.reset();
  EXPECT_FALSE(IsLoaded(kSamplePlugin));
}

TEST_F(UnloadOrderTest, HostUnloadsWhatNobodyElseHolds) {
  {
    PluginHost host({kGoodDir});
    ASSERT_TRUE(host.Load<ReplicationFactory>("sample").ok());
    EXPECT_TRUE(IsLoaded(kSamplePlugin));  // the host's cache holds the factory
  }
  EXPECT_FALSE(IsLoaded(kSamplePlugin));
}

TEST_F(UnloadOrderTest, RefusedPluginIsUnloadedAtOnce) {
  PluginHost host({kBrokenDir});
  for (const char* name : {"nullfactory", "throwingctor", "throwingfactory"}) {
    SCOPED_TRACE(name);
    EXPECT_EQ(host.LoadFactory(PluginKind::kStorage, name).status().code(), StatusCode::kInternal);
    EXPECT_FALSE(IsLoaded(kBrokenDir / ("quiver-storage-" + std::string(name) + ".so")));
  }
  EXPECT_EQ(host.LoadFactory(PluginKind::kStorage, "abi999").status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_FALSE(IsLoaded(kBrokenDir / "quiver-storage-abi999.so"));
}

}  // namespace
}  // namespace quiver::kernel
