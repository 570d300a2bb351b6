// `quiver produce`: sends --count messages and reports how many were acknowledged.

#include <condition_variable>
#include <mutex>
#include <ostream>
#include <random>

#include "quiver/client/producer.h"
#include "tools/cli_common.h"
#include "tools/client_commands.h"

namespace quiver::tools {

using namespace internal;

int RunProduce(const std::vector<std::string>& args, const RuntimeFactory& factory,
               std::ostream& out, std::ostream& err) {
  CLI::App app{"quiver produce: send messages to a topic", "quiver produce"};
  ConnectionFlags flags;
  flags.AddTo(app);
  std::string topic, body, key, tag, mode = "sync", group = "QUIVER_CLI_PRODUCER";
  int count = 1;
  int delay_level = 0;
  std::size_t size = 1024;
  app.add_option("-t,--topic", topic, "topic")->required();
  app.add_option("--count", count, "messages to send (1)")->check(CLI::PositiveNumber);
  auto* size_opt = app.add_option("--size", size, "random printable body of BYTES (1024)")
                       ->check(CLI::PositiveNumber);
  auto* body_opt =
      app.add_option("--body", body, "body text; TEXT-0, TEXT-1, ... with --count > 1");
  size_opt->excludes(body_opt);
  app.add_option("--key", key, "message key (KEYS)");
  app.add_option("--tag", tag, "message tag (TAGS)");
  app.add_option("--mode", mode, "sync | async | oneway (sync)")
      ->check(CLI::IsMember({"sync", "async", "oneway"}));
  app.add_option("--group", group, "producer group (QUIVER_CLI_PRODUCER)");
  app.add_option("--delay-level", delay_level,
                 "deliver after the broker's delay level N (DELAY property; 1 = the first "
                 "of [broker] delay_levels; above the last = the last)")
      ->check(CLI::PositiveNumber);
  if (auto exit = Parse(app, args, out, err)) return *exit;

  int exit_code = kExitOk;
  std::shared_ptr<client::ClientRuntime> runtime = MakeRuntime(flags, factory, err, exit_code);
  if (!runtime) return exit_code;
  client::Producer producer(runtime, {.group = group});
  if (Status s = producer.Start(); !s.ok()) {
    err << "error: " << s.ToString() << "\n";
    return kExitFailed;
  }

  const bool text_body = !body_opt->empty();
  std::mt19937_64 random(std::random_device{}());
  static constexpr char kPrintable[] =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  auto make_message = [&](int i) {
    std::string b;
    if (text_body) {
      b = count > 1 ? body + "-" + std::to_string(i) : body;
    } else {
      b.resize(size);
      for (char& c : b) c = kPrintable[random() % (sizeof kPrintable - 1)];
    }
    client::Message m(topic, tag, key, std::move(b));
    if (delay_level > 0) m.properties["DELAY"] = std::to_string(delay_level);
    return m;
  };

  std::mutex mu;
  std::condition_variable cv;
  int acknowledged = 0;
  int completed = 0;
  auto report = [&](int i, const StatusOr<client::SendResult>& r) {
    std::lock_guard lock(mu);
    ++completed;
    if (r.ok()) {
      ++acknowledged;
    } else {
      err << "message " << i << " failed: " << r.status().ToString() << "\n";
    }
    cv.notify_all();
  };
  for (int i = 0; i < count; ++i) {
    client::Message m = make_message(i);
    if (mode == "sync") {
      report(i, producer.Send(m));
    } else if (mode == "async") {
      producer.SendAsync(m, [&report, i](StatusOr<client::SendResult> r) { report(i, r); });
    } else {
      Status s = producer.SendOneway(m);
      report(i, s.ok() ? StatusOr<client::SendResult>(client::SendResult{}) : s);
    }
  }
  {
    // Every async send completes exactly once (at the latest when its timeout expires).
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return completed == count; });
  }
  producer.Shutdown();
  err << "sent " << acknowledged << "/" << count << " messages to " << topic << " (" << mode
      << ")\n";
  return acknowledged == count ? kExitOk : kExitFailed;
}

}  // namespace quiver::tools
