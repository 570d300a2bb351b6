// Child process of crash_test.cc: appends under sync flush from several threads until it
// is killed, and writes "<thread> <n>\n" to stdout for every acknowledged message (body
// "t<thread>-<n>"). Each thread waits for its acknowledgement before the next append, so
// per thread the acknowledged messages are a prefix of what it sent.
//
// Usage: quiver_commitlog_crash_writer STORE_DIR
#include <unistd.h>

#include <cstdio>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "store.h"
#include "testing/store_helpers.h"
#include "testing/test_env.h"

using namespace quiver;
using namespace quiver::storage::commitlog;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s STORE_DIR\n", argv[0]);
    return 2;
  }
  testing::TestEnv env(
      argv[1],
      {{"segment_size", "256KiB"}, {"flush", "sync"}, {"consume_queue_entries_per_file", "1024"}});
  auto config = ParseConfig(*env.context.config);
  CommitLogStore store(env.context, *config);
  Status s = store.Open();
  if (!s.ok()) {
    std::fprintf(stderr, "open failed: %s\n", s.ToString().c_str());
    return 1;
  }
  constexpr int kThreads = 8;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&store, t] {
      for (long n = 0;; ++n) {
        std::string body = "t" + std::to_string(t) + "-" + std::to_string(n);
        body.resize(64 + (n * 37 + t * 101) % 1500, '.');
        auto r = testing::AppendOne(store, testing::MakeMessage("Crash", 0, body));
        if (!r.ok()) {
          std::fprintf(stderr, "append failed: %s\n", r.status().ToString().c_str());
          _exit(1);
        }
        if (r->flush != FlushOutcome::kFlushed) continue;  // not acknowledged as durable
        std::string line = std::to_string(t) + " " + std::to_string(n) + "\n";
        if (::write(STDOUT_FILENO, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
          _exit(1);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  return 0;
}
