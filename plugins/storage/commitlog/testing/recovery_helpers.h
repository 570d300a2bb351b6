#pragma once
// Helpers for recovery tests: open a store, crash it, inspect segment files.

#include <gtest/gtest.h>

#include <memory>

#include "store.h"
#include "testing/test_env.h"

namespace quiver::storage::commitlog::testing {

inline std::unique_ptr<CommitLogStore> MustOpen(TestEnv& env) {
  auto config = ParseConfig(*env.context.config);
  EXPECT_TRUE(config.ok()) << config.status();
  auto store = std::make_unique<CommitLogStore>(env.context, *config);
  Status s = store->Open();
  EXPECT_TRUE(s.ok()) << s;
  if (!s.ok()) return nullptr;
  return store;
}

}  // namespace quiver::storage::commitlog::testing
