#include "kernel/runtime/signal_watcher.h"

#include <csignal>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

namespace quiver::kernel {

struct SignalWatcher::Impl {
  explicit Impl(Handlers h) : handlers(std::move(h)), signals(io, SIGINT, SIGTERM, SIGHUP) {}

  void Wait() {
    signals.async_wait([this](const boost::system::error_code& ec, int signal_number) {
      if (ec) return;  // cancelled: the watcher is going away
      if (signal_number == SIGHUP) {
        if (handlers.reload) handlers.reload();
      } else if (handlers.stop) {
        handlers.stop(signal_number);
      }
      Wait();
    });
  }

  Handlers handlers;
  boost::asio::io_context io;
  boost::asio::signal_set signals;
  std::thread thread;
};

SignalWatcher::SignalWatcher(Handlers handlers)
    : impl_(std::make_unique<Impl>(std::move(handlers))) {
  impl_->Wait();
  impl_->thread = std::thread([impl = impl_.get()] { impl->io.run(); });
}

SignalWatcher::~SignalWatcher() {
  impl_->io.stop();
  impl_->thread.join();
}

}  // namespace quiver::kernel
