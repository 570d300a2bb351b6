// ctest's oot_plugin_loads: the plugin built out of tree against the installed SDK is found,
// checked and used by the kernel's PluginHost exactly like an in-tree one.
//   oot_plugin_loads <directory holding quiver-replication-sample.so>
#include <dlfcn.h>
#include <spdlog/logger.h>

#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fake_store.h"
#include "kernel/plugin/plugin_host.h"
#include "kernel/plugin/plugin_library.h"
#include "quiver/plugin_context.h"
#include "quiver/replication.h"
#include "quiver/version.h"

namespace {

namespace fs = std::filesystem;
using namespace quiver;          // NOLINT: a test program
using namespace quiver::kernel;  // NOLINT

int failures = 0;

void Expect(bool condition, const std::string& what) {
  if (!condition) {
    std::cerr << "FAIL: " << what << "\n";
    ++failures;
  }
}

bool IsLoaded(const fs::path& file) {
  void* handle = dlopen(file.c_str(), RTLD_NOW | RTLD_NOLOAD);
  if (handle == nullptr) return false;
  dlclose(handle);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: oot_plugin_loads <directory of quiver-replication-sample.so>\n";
    return 2;
  }
  const fs::path dir = fs::absolute(argv[1]).lexically_normal();
  const fs::path file = dir / "quiver-replication-sample.so";
  unsetenv("QUIVER_PLUGIN_PATH");

  // The descriptor, as `quiver plugins` shows it.
  {
    PluginHost host({dir});
    StatusOr<std::vector<PluginFileInfo>> listing = host.ListPlugins();
    if (!listing.ok()) {
      std::cerr << "FAIL: ListPlugins: " << listing.status() << "\n";
      return 1;
    }
    const PluginFileInfo* info = nullptr;
    for (const PluginFileInfo& entry : *listing) {
      if (entry.path == file) info = &entry;
    }
    if (info == nullptr) {
      std::cerr << "FAIL: " << file << " is not listed\n";
      return 1;
    }
    Expect(info->error.ok(), "descriptor accepted, got: " + info->error.ToString());
    Expect(info->kind == PluginKind::kReplication, "kind replication");
    Expect(info->name == "sample", "name \"sample\", got \"" + info->name + "\"");
    Expect(info->version == "1.0.0", "version 1.0.0, got " + info->version);
    Expect(info->build_id == QUIVER_BUILD_ID,
           "build id \"" QUIVER_BUILD_ID "\", got \"" + info->build_id + "\"");
    Expect(!info->shadowed, "not shadowed");
    StatusOr<std::vector<std::string>> aliases = ExportedAliases(file);
    Expect(aliases.ok() && *aliases == std::vector<std::string>{"quiver_plugin_v1"},
           "exactly one Boost.DLL alias, quiver_plugin_v1");
  }

  // Loaded and used: a local-only replicator appends to the store and acknowledges.
  {
    quiver::testing::FakeStore store;
    PluginContext context;
    context.store = &store;
    context.logger = std::make_shared<spdlog::logger>("replication.sample");
    std::shared_ptr<Replicator> replicator;
    {
      PluginHost host({dir});
      StatusOr<std::shared_ptr<ReplicationFactory>> factory =
          host.Load<ReplicationFactory>("sample");
      if (!factory.ok()) {
        std::cerr << "FAIL: Load<ReplicationFactory>(\"sample\"): " << factory.status() << "\n";
        return 1;
      }
      Expect(IsLoaded(file), "the out-of-tree file is the one loaded");
      StatusOr<std::unique_ptr<Replicator>> created = (*factory)->CreateReplicator(context);
      if (!created.ok()) {
        std::cerr << "FAIL: CreateReplicator: " << created.status() << "\n";
        return 1;
      }
      replicator = TieToPlugin(std::move(created).value(), *factory);
    }
    Expect(replicator->Start().ok(), "Start");
    MessageBatch batch;
    batch.messages.push_back(quiver::testing::TestMessage("OutOfTree", 0, "built elsewhere"));
    std::optional<StatusOr<ReplicatedAppend>> appended;
    replicator->Append(std::move(batch),
                       [&](StatusOr<ReplicatedAppend> r) { appended.emplace(std::move(r)); });
    Expect(appended.has_value() && appended->ok() && (*appended)->outcome == SendOutcome::kOk &&
               (*appended)->results.size() == 1,
           "Append completes with SEND_OK and one result");
    Expect(store.bodies() == std::vector<std::string>{"built elsewhere"},
           "the message reached the store");
    replicator->Stop();
    Expect(IsLoaded(file), "the replicator keeps the library loaded");
    replicator.reset();
    Expect(!IsLoaded(file), "the library unloads with the last object");
  }

  if (failures != 0) return 1;
  std::cout << "loaded replication.sample 1.0.0 from " << file.string() << "\n";
  return 0;
}
