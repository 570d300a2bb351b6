#pragma once
// A node's role (nameserver, broker, client): the plugin facets it assembles from the
// config and the order in which they start.
//
// Building a role loads the plugin factories it needs, gives each plugin a PluginContext
// (its [<kind>.<name>] view, a logger named "<kind>.<name>", the executor, clock, metrics
// and the facets it depends on) and creates the facets, each tied to its plugin library
// (TieToPlugin). Nothing starts while building: plugins read their configuration in their
// factories' Create* calls, so the kernel can check their tables for unknown keys next.
// AddComponents then lists the facets' start/stop steps in dependency order.
//
// Destruction order (anchors-style §7.7): facets first, then contexts (and the loggers they
// share), then the factories (which keep the libraries loaded).

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "kernel/config/node_config.h"
#include "kernel/plugin/plugin_host.h"
#include "kernel/runtime/lifecycle.h"
#include "quiver/plugin_context.h"
#include "quiver/status.h"

namespace quiver::kernel {

class LogRegistry;

// What roles are built from. The caller owns every object and keeps it alive longer than
// the role.
struct NodeServices {
  const NodeConfig* config = nullptr;
  PluginHost* host = nullptr;
  LogRegistry* logs = nullptr;
  Executor* executor = nullptr;
  Clock* clock = nullptr;
  Metrics* metrics = nullptr;
};

class Role {
 public:
  Role() = default;
  Role(const Role&) = delete;
  Role& operator=(const Role&) = delete;
  virtual ~Role() = default;

  // Adds the role's start/stop steps to `lifecycle`, in dependency order. The steps refer to
  // the role's facets: the lifecycle must be stopped before the role is destroyed.
  virtual void AddComponents(Lifecycle& lifecycle) = 0;
};

// Builds the role named by services.config->role. Errors name the plugin and what failed.
StatusOr<std::unique_ptr<Role>> BuildRole(const NodeServices& services);

// --- Helpers shared by the roles ---

// A plugin's loaded factory and the context its facets were created with.
template <typename Factory>
struct PluginSlot {
  const PluginChoice* choice = nullptr;
  std::shared_ptr<Factory> factory;
  std::unique_ptr<PluginContext> context;

  // "transport.tcp"
  std::string Label() const {
    return std::string(PluginKindName(choice->kind)) + "." + choice->name;
  }
};

// Loads the factory of the plugin the config chose for `kind` and fills a context with the
// runtime services, the plugin's table and its logger.
StatusOr<std::shared_ptr<PluginFactory>> LoadFactoryFor(const NodeServices& services,
                                                        const PluginChoice& choice);
std::unique_ptr<PluginContext> BaseContext(const NodeServices& services,
                                           const PluginChoice& choice);

template <typename Factory>
StatusOr<PluginSlot<Factory>> LoadSlot(const NodeServices& services, PluginKind kind) {
  PluginSlot<Factory> slot;
  slot.choice = &services.config->Plugin(kind);
  QUIVER_ASSIGN_OR_RETURN(std::shared_ptr<PluginFactory> factory,
                          LoadFactoryFor(services, *slot.choice));
  slot.factory = std::static_pointer_cast<Factory>(std::move(factory));
  slot.context = BaseContext(services, *slot.choice);
  return slot;
}

// Calls `create` (a factory's Create*), catching exceptions, and ties the facet to the
// plugin. Config errors (kInvalidArgument, which carry file and key) pass unchanged; other
// errors are prefixed with "<kind>.<name>: cannot create its <facet>: ".
template <typename T, typename Factory, typename CreateFn>
StatusOr<std::shared_ptr<T>> CreateFacet(const PluginSlot<Factory>& slot, std::string_view facet,
                                         CreateFn&& create) {
  const std::string what = slot.Label() + ": cannot create its " + std::string(facet);
  StatusOr<std::unique_ptr<T>> created = InternalError(what + ": no result");
  try {
    created = create(*slot.factory, *slot.context);
  } catch (const std::exception& e) {
    return InternalError(what + ": the plugin threw an exception: " + e.what());
  } catch (...) {
    return InternalError(what + ": the plugin threw a non-standard exception");
  }
  if (!created.ok()) {
    if (created.status().code() == StatusCode::kInvalidArgument) return created.status();
    return Status(created.status().code(), what + ": " + created.status().message());
  }
  if (*created == nullptr) return InternalError(what + ": the factory returned null");
  return TieToPlugin(std::move(*created), slot.factory);
}

}  // namespace quiver::kernel
