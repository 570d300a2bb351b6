// Process crashes: a child appends under sync flush and is killed with SIGKILL at random
// moments, 50 times. After each recovery every acknowledged message is present,
// CRC-valid, and in order (per writer thread, increasing and gap-free up to the last ack).
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <map>
#include <random>
#include <sstream>

#include "quiver/protocol/message_record.h"
#include "store.h"
#include "testing/recovery_helpers.h"
#include "testing/test_env.h"

namespace quiver::storage::commitlog {
namespace {

using namespace testing;

struct Child {
  pid_t pid = -1;
  int out = -1;
};

Child Spawn(const std::string& dir) {
  int fds[2];
  EXPECT_EQ(::pipe(fds), 0);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    ::close(fds[0]);
    ::close(fds[1]);
    ::execl(QUIVER_CRASH_WRITER, QUIVER_CRASH_WRITER, dir.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  ::close(fds[1]);
  return Child{pid, fds[0]};
}

// Reads acknowledgements until `deadline`, then SIGKILLs the child and drains the pipe.
std::map<int, long> RunAndKill(Child child, std::chrono::milliseconds run_for, int* status) {
  std::map<int, long> last_acked;  // thread -> highest acknowledged n
  std::string pending;
  auto consume = [&](const char* data, ssize_t n) {
    pending.append(data, static_cast<std::size_t>(n));
    std::size_t nl;
    while ((nl = pending.find('\n')) != std::string::npos) {
      std::istringstream line(pending.substr(0, nl));
      int t;
      long seq;
      line >> t >> seq;
      last_acked[t] = std::max(last_acked.count(t) ? last_acked[t] : -1L, seq);
      pending.erase(0, nl + 1);
    }
  };
  const auto deadline = std::chrono::steady_clock::now() + run_for;
  char buf[4096];
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{child.out, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    ssize_t n = ::read(child.out, buf, sizeof buf);
    if (n <= 0) break;  // the child exited early (an error: checked below)
    consume(buf, n);
  }
  ::kill(child.pid, SIGKILL);
  ::waitpid(child.pid, status, 0);
  ssize_t n;
  while ((n = ::read(child.out, buf, sizeof buf)) > 0) consume(buf, n);
  ::close(child.out);
  return last_acked;
}

TEST(CrashTest, SigkillNeverLosesAcknowledgedMessages) {
  std::random_device rd;
  const unsigned seed = rd();
  std::cout << "seed " << seed << std::endl;
  std::mt19937 rng(seed);
  TempDir dir;
  TestEnv env(
      dir.path(),
      {{"segment_size", "256KiB"}, {"flush", "sync"}, {"consume_queue_entries_per_file", "1024"}});
  std::int64_t total_acked = 0;  // queue offsets below this were verified in earlier runs
  std::int64_t acks_seen = 0;
  for (int run = 0; run < 50; ++run) {
    Child child = Spawn(dir.path());
    int status = 0;
    auto run_acked = RunAndKill(child, std::chrono::milliseconds(50 + rng() % 250), &status);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "the writer exited by itself (status " << status << "), seed " << seed << " run " << run;
    // Verify: every run's messages are in the queue; per (run, thread), the n values
    // appear in increasing order, gap-free, covering every acknowledged one.
    auto store = MustOpen(env);
    ASSERT_NE(store, nullptr) << "seed " << seed << " run " << run;
    std::map<int, long> next_n;  // thread -> next expected n within this run
    ReadRequest req;
    req.topic = "Crash";
    req.max_messages = 1000;
    req.max_bytes = 1 << 30;
    std::int64_t offset = 0, last_phys = -1;
    // Runs before this one were already checked; the messages of this run follow them.
    offset = total_acked;
    while (true) {
      req.offset = QueueOffset(offset);
      auto r = store->Read(req);
      ASSERT_TRUE(r.ok()) << r.status();
      if (r->status != ReadStatus::kFound) break;
      for (const Buffer& b : r->records) {
        auto d = protocol::DecodeRecord(b.span(), protocol::CheckCrc::kYes);
        ASSERT_TRUE(d.ok()) << d.status() << " seed " << seed << " run " << run;
        ASSERT_EQ(d->queue_offset, QueueOffset(offset));
        ASSERT_GT(d->physical_offset.value(), last_phys);
        last_phys = d->physical_offset.value();
        std::string body(d->body.begin(), d->body.end());
        body = body.substr(0, body.find('.'));
        int t = std::stoi(body.substr(1, body.find('-') - 1));
        long n = std::stol(body.substr(body.find('-') + 1));
        ASSERT_EQ(n, next_n[t]) << "thread " << t << " seed " << seed << " run " << run;
        ++next_n[t];
        ++offset;
      }
      req.offset = r->next_offset;
    }
    for (const auto& [t, n] : run_acked) {
      acks_seen += n + 1;
      ASSERT_GT(next_n[t], n) << "acknowledged message t" << t << "-" << n << " lost; seed " << seed
                              << " run " << run;
    }
    total_acked = offset;  // everything present now is the prefix for the next run
    store->Close();
  }
  // The property is only tested if the writer got acknowledgements before being killed.
  EXPECT_GT(acks_seen, 50) << "seed " << seed;
  std::cout << acks_seen << " acknowledged messages over 50 kills, " << total_acked << " stored"
            << std::endl;
}

}  // namespace
}  // namespace quiver::storage::commitlog
