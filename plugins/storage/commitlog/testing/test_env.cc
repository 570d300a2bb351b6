#include "testing/test_env.h"

#include <stdlib.h>
#include <unistd.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include <spdlog/logger.h>
#include <spdlog/sinks/stdout_sinks.h>

#include "quiver/units.h"

namespace quiver::storage::commitlog::testing {
namespace fs = std::filesystem;

StatusOr<std::string> MapConfigView::GetString(std::string_view key,
                                               std::string_view fallback) const {
  auto it = values_.find(std::string(key));
  return it == values_.end() ? std::string(fallback) : it->second;
}
StatusOr<std::int64_t> MapConfigView::GetInt(std::string_view key, std::int64_t fallback) const {
  auto it = values_.find(std::string(key));
  if (it == values_.end()) return fallback;
  try {
    std::size_t used = 0;
    std::int64_t v = std::stoll(it->second, &used);
    if (used == it->second.size()) return v;
  } catch (...) {
  }
  return Invalid(key, "expected an integer, found \"" + it->second + "\"");
}
StatusOr<bool> MapConfigView::GetBool(std::string_view key, bool fallback) const {
  auto it = values_.find(std::string(key));
  if (it == values_.end()) return fallback;
  if (it->second == "true") return true;
  if (it->second == "false") return false;
  return Invalid(key, "expected a boolean, found \"" + it->second + "\"");
}
StatusOr<Duration> MapConfigView::GetDuration(std::string_view key, Duration fallback) const {
  auto it = values_.find(std::string(key));
  if (it == values_.end()) return fallback;
  auto d = ParseDuration(it->second);
  if (!d.ok()) return Invalid(key, d.status().message());
  return *d;
}
StatusOr<std::uint64_t> MapConfigView::GetSize(std::string_view key, std::uint64_t fallback) const {
  auto it = values_.find(std::string(key));
  if (it == values_.end()) return fallback;
  auto s = ParseSize(it->second);
  if (!s.ok()) return Invalid(key, s.status().message());
  return *s;
}
StatusOr<std::vector<std::string>> MapConfigView::GetStringList(
    std::string_view key, const std::vector<std::string>& fallback) const {
  return fallback;
}
StatusOr<std::string> MapConfigView::RequireString(std::string_view key) const {
  if (!Has(key)) return Invalid(key, "missing required key");
  return GetString(key, "");
}
StatusOr<std::int64_t> MapConfigView::RequireInt(std::string_view key) const {
  if (!Has(key)) return Invalid(key, "missing required key");
  return GetInt(key, 0);
}
StatusOr<std::vector<std::string>> MapConfigView::RequireStringList(std::string_view key) const {
  return Invalid(key, "missing required key");
}
StatusOr<std::shared_ptr<const ConfigView>> MapConfigView::Table(std::string_view) const {
  return std::shared_ptr<const ConfigView>(
      std::make_shared<MapConfigView>(std::map<std::string, std::string>{}));
}

std::int64_t SystemClock::WallMillis() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

namespace {
// One thread per timer: enough for tests.
class ThreadTimer final : public TimerHandle {
 public:
  ThreadTimer(Duration first, Duration every, std::function<void()> fn) {
    thread_ = std::thread([this, first, every, fn = std::move(fn)] {
      std::unique_lock lock(mu_);
      Duration wait = first;
      while (!cancelled_) {
        if (cv_.wait_for(lock, wait, [&] { return cancelled_; })) break;
        lock.unlock();
        fn();
        lock.lock();
        if (every == Duration::zero()) break;
        wait = every;
      }
    });
  }
  ~ThreadTimer() override { Cancel(); }
  void Cancel() override {
    {
      std::lock_guard lock(mu_);
      cancelled_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool cancelled_ = false;
  std::thread thread_;
};
}  // namespace

TimerPtr SystemClock::RunAfter(Duration delay, std::function<void()> fn) {
  return std::make_unique<ThreadTimer>(delay, Duration::zero(), std::move(fn));
}
TimerPtr SystemClock::RunEvery(Duration interval, std::function<void()> fn) {
  return std::make_unique<ThreadTimer>(interval, interval, std::move(fn));
}

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base ? base : "/tmp") + "/quiver-commitlog-XXXXXX";
  char* made = ::mkdtemp(pattern.data());
  path_ = made ? made : pattern;
}
TempDir::TempDir(const std::string& base) {
  std::string pattern = base + "/quiver-commitlog-XXXXXX";
  char* made = ::mkdtemp(pattern.data());
  path_ = made ? made : pattern;
}
TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

TestEnv::TestEnv(const std::string& data_dir, std::map<std::string, std::string> config) {
  context.config = std::make_shared<MapConfigView>(std::move(config));
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  context.logger = std::make_shared<spdlog::logger>("storage.commitlog", sink);
  context.logger->set_level(spdlog::level::warn);
  context.executor = &executor;
  context.clock = &clock;
  context.metrics = &metrics;
  context.role = NodeRole::kBroker;
  context.data_dir = data_dir;
}

}  // namespace quiver::storage::commitlog::testing
