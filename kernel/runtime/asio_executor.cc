#include "kernel/runtime/asio_executor.h"

#include <optional>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include "quiver/status.h"

namespace quiver::kernel {

struct AsioExecutor::Impl {
  using WorkGuard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;

  std::size_t thread_count;
  std::shared_ptr<spdlog::logger> logger;
  boost::asio::io_context io;
  std::optional<WorkGuard> work;
  std::vector<std::thread> threads;
  bool stopped = false;

  void Run() {
    for (;;) {
      try {
        io.run();
        return;
      } catch (const std::exception& e) {
        if (logger) logger->error("a task threw an exception: {}", e.what());
      } catch (...) {
        if (logger) logger->error("a task threw a non-standard exception");
      }
    }
  }
};

AsioExecutor::AsioExecutor(std::size_t threads, std::shared_ptr<spdlog::logger> logger)
    : impl_(std::make_unique<Impl>()) {
  QUIVER_CHECK(threads >= 1);
  impl_->thread_count = threads;
  impl_->logger = std::move(logger);
}

AsioExecutor::~AsioExecutor() { Stop(); }

void AsioExecutor::Start() {
  QUIVER_CHECK_MSG(impl_->threads.empty() && !impl_->stopped, "AsioExecutor started twice");
  impl_->work.emplace(impl_->io.get_executor());
  for (std::size_t i = 0; i < impl_->thread_count; ++i) {
    impl_->threads.emplace_back([impl = impl_.get()] { impl->Run(); });
  }
}

void AsioExecutor::Stop() {
  if (impl_->stopped) return;
  QUIVER_CHECK_MSG(!RunsInThisThread(), "AsioExecutor::Stop called from one of its threads");
  impl_->stopped = true;
  impl_->work.reset();
  impl_->io.stop();
  for (std::thread& t : impl_->threads) t.join();
  impl_->threads.clear();
}

void AsioExecutor::Post(std::function<void()> fn) { boost::asio::post(impl_->io, std::move(fn)); }

bool AsioExecutor::RunsInThisThread() const {
  return impl_->io.get_executor().running_in_this_thread();
}

boost::asio::io_context& AsioExecutor::io_context() { return impl_->io; }

}  // namespace quiver::kernel
