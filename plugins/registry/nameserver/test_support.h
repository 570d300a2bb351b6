#pragma once
// Test helpers for this plugin: a PluginContext over the SDK's fakes, and a loop that
// runs the fake network and the manual executor until both are idle.

#include <map>
#include <memory>
#include <string>

#include "quiver/plugin_context.h"
#include "quiver/testing/fake_transport.h"
#include "quiver/testing/manual_clock.h"
#include "quiver/testing/manual_executor.h"
#include "quiver/testing/map_config_view.h"

namespace quiver::registry::nameserver {

// One node's context: config, clock, executor and (optionally) transport facets.
struct TestNode {
  TestNode(testing::ManualClock& clock, testing::ManualExecutor& executor,
           std::map<std::string, std::string> config) {
    view = std::make_shared<testing::MapConfigView>("registry.nameserver", std::move(config));
    context.config = view;
    context.clock = &clock;
    context.executor = &executor;
  }
  std::shared_ptr<testing::MapConfigView> view;
  PluginContext context;
};

// Runs the network and the executor until neither has work left.
inline void Pump(testing::FakeNetwork& net, testing::ManualExecutor& executor) {
  while (net.RunUntilIdle() + executor.RunPending() != 0) {
  }
}

}  // namespace quiver::registry::nameserver
