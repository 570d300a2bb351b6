#include "io_pool.h"

namespace quiver::transport::tcp {
namespace {
thread_local const IoPool* current_pool = nullptr;
}  // namespace

std::shared_ptr<IoPool> IoPool::Create(int threads) {
  return std::shared_ptr<IoPool>(new IoPool(threads));
}

IoPool::IoPool(int threads) {
  for (int i = 0; i < threads; ++i) {
    contexts_.push_back(std::make_unique<boost::asio::io_context>(1));
    guards_.emplace_back(boost::asio::make_work_guard(*contexts_.back()));
  }
  joined_.assign(contexts_.size(), false);
}

IoPool::~IoPool() {
  // Threads hold a reference to the pool, so this runs after each has left Run(), possibly
  // on the last of them: that one cannot join itself.
  for (std::thread& t : threads_) {
    if (!t.joinable()) continue;
    if (t.get_id() == std::this_thread::get_id()) {
      t.detach();
    } else {
      t.join();
    }
  }
}

void IoPool::Start() {
  std::shared_ptr<IoPool> self = shared_from_this();
  for (std::size_t i = 0; i < contexts_.size(); ++i) {
    threads_.emplace_back([self, i] { self->Run(i); });
  }
}

void IoPool::Run(std::size_t index) {
  current_pool = this;
  boost::asio::io_context& ctx = *contexts_[index];
  ctx.run();
  // Stopped: run what is still queued (completions of cancelled operations) so that the
  // objects they hold are released.
  ctx.restart();
  ctx.poll();
  current_pool = nullptr;
}

void IoPool::Stop() {
  {
    std::unique_lock lock(mu_);
    accepting_ = false;
  }
  std::lock_guard stop_lock(stop_mu_);
  if (stopped_) return;
  stopped_ = true;
  for (auto& guard : guards_) guard.reset();
  for (auto& ctx : contexts_) ctx->stop();
  for (std::size_t i = 0; i < threads_.size(); ++i) {
    if (threads_[i].get_id() == std::this_thread::get_id()) continue;
    if (threads_[i].joinable()) threads_[i].join();
    joined_[i] = true;
  }
  if (threads_.empty()) joined_.assign(contexts_.size(), true);
}

void IoPool::DrainStopped() {
  std::vector<bool> joined;
  {
    std::lock_guard stop_lock(stop_mu_);
    joined = joined_;
  }
  // Without the lock: a drained handler may call Stop() (a close listener stopping a server).
  for (std::size_t i = 0; i < contexts_.size(); ++i) {
    if (!joined[i]) continue;
    contexts_[i]->restart();
    contexts_[i]->poll();
  }
}

bool IoPool::OnPoolThread() const { return current_pool == this; }

bool IoPool::OnAnyPoolThread() { return current_pool != nullptr; }

}  // namespace quiver::transport::tcp
