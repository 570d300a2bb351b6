#pragma once
// Test support for the commitlog plugin: a map-backed ConfigView, a system clock, a
// temp directory per test, and a PluginContext assembled from them.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "quiver/clock.h"
#include "quiver/config_view.h"
#include "quiver/executor.h"
#include "quiver/metrics.h"
#include "quiver/plugin_context.h"

namespace quiver::storage::commitlog::testing {

// Keys map to their TOML value spelled as text ("4MiB", "sync", "true", "12").
class MapConfigView final : public ConfigView {
 public:
  explicit MapConfigView(std::map<std::string, std::string> values) : values_(std::move(values)) {}
  std::string Path() const override { return "storage.commitlog"; }
  std::string Where(std::string_view key) const override {
    return "test.toml:1:1: storage.commitlog." + std::string(key);
  }
  bool Has(std::string_view key) const override { return values_.count(std::string(key)) > 0; }
  StatusOr<std::string> GetString(std::string_view key, std::string_view fallback) const override;
  StatusOr<std::int64_t> GetInt(std::string_view key, std::int64_t fallback) const override;
  StatusOr<bool> GetBool(std::string_view key, bool fallback) const override;
  StatusOr<Duration> GetDuration(std::string_view key, Duration fallback) const override;
  StatusOr<std::uint64_t> GetSize(std::string_view key, std::uint64_t fallback) const override;
  StatusOr<std::vector<std::string>> GetStringList(
      std::string_view key, const std::vector<std::string>& fallback) const override;
  StatusOr<std::string> RequireString(std::string_view key) const override;
  StatusOr<std::int64_t> RequireInt(std::string_view key) const override;
  StatusOr<std::vector<std::string>> RequireStringList(std::string_view key) const override;
  StatusOr<std::shared_ptr<const ConfigView>> Table(std::string_view key) const override;

 private:
  std::map<std::string, std::string> values_;
};

class SystemClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::steady_clock::now(); }
  std::int64_t WallMillis() const override;
  TimerPtr RunAfter(Duration delay, std::function<void()> fn) override;
  TimerPtr RunEvery(Duration interval, std::function<void()> fn) override;
};

class NullMetrics final : public Metrics {
 public:
  Counter& GetCounter(std::string_view) override { return counter_; }
  Gauge& GetGauge(std::string_view) override { return gauge_; }

 private:
  Counter counter_;
  Gauge gauge_;
};

class InlineExecutor final : public Executor {
 public:
  void Post(std::function<void()> fn) override { fn(); }
};

// A fresh directory under $TMPDIR, removed at destruction.
class TempDir {
 public:
  TempDir();
  // Under `base` (e.g. /dev/shm for tests that only check logic and fsync a lot).
  explicit TempDir(const std::string& base);
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Everything a store needs; `config` values override the defaults.
struct TestEnv {
  explicit TestEnv(const std::string& data_dir, std::map<std::string, std::string> config = {});
  SystemClock clock;
  NullMetrics metrics;
  InlineExecutor executor;
  PluginContext context;
};

}  // namespace quiver::storage::commitlog::testing
