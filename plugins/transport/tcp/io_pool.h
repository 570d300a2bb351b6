#pragma once
// A fixed set of I/O threads, each running its own io_context. A connection lives on one
// context for its whole life, so its state needs no lock: everything that touches it runs
// on that context's single thread (or, after Stop, on the thread that drains it).
//
// Lifetime: shared. Each thread holds a reference, and connections hold one so that their
// sockets and timers never outlive their io_context.
// Thread safety: every method may be called from any thread.

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

namespace quiver::transport::tcp {

class IoPool : public std::enable_shared_from_this<IoPool> {
 public:
  // Creates `threads` contexts; no thread runs until Start().
  static std::shared_ptr<IoPool> Create(int threads);
  ~IoPool();
  IoPool(const IoPool&) = delete;
  IoPool& operator=(const IoPool&) = delete;

  // Starts the threads. REQUIRES: called once.
  void Start();

  std::size_t size() const { return contexts_.size(); }
  boost::asio::io_context& context(std::size_t index) { return *contexts_[index]; }
  // The next context index, round robin.
  std::size_t NextIndex() { return next_.fetch_add(1, std::memory_order_relaxed) % size(); }

  // Queues `fn` on context `index`. Returns false, leaving `fn` untouched, once Stop has
  // begun: the caller then handles the rejection itself.
  template <typename Fn>
  bool Post(std::size_t index, Fn&& fn) {
    std::shared_lock lock(mu_);
    if (!accepting_) return false;
    boost::asio::post(*contexts_[index], std::forward<Fn>(fn));
    return true;
  }
  // Runs `fn` inline when the caller is already on context `index`, else as Post.
  template <typename Fn>
  bool Dispatch(std::size_t index, Fn&& fn) {
    if (contexts_[index]->get_executor().running_in_this_thread()) {
      fn();
      return true;
    }
    return Post(index, std::forward<Fn>(fn));
  }

  // Rejects further posts, stops every context and joins every thread but the caller's
  // own (when Stop is called from one of this pool's threads, that thread finishes its
  // current handler, drains its context and exits on its own). Idempotent.
  void Stop();
  // After Stop: runs the completions still queued on the joined contexts (cancelled
  // operations), on the caller's thread, so that nothing they hold leaks.
  void DrainStopped();

  // True on a thread of this pool.
  bool OnPoolThread() const;
  // True on an I/O thread of any pool of this plugin (a server's or a client's).
  static bool OnAnyPoolThread();

 private:
  explicit IoPool(int threads);
  void Run(std::size_t index);

  using WorkGuard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
  std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
  std::vector<std::optional<WorkGuard>> guards_;
  std::vector<std::thread> threads_;
  std::atomic<std::size_t> next_{0};
  std::shared_mutex mu_;
  bool accepting_ = true;  // guarded by mu_
  std::mutex stop_mu_;
  bool stopped_ = false;      // guarded by stop_mu_
  std::vector<bool> joined_;  // guarded by stop_mu_
};

}  // namespace quiver::transport::tcp
