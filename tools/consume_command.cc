// `quiver consume`: polls a topic for a group, optionally printing bodies, and commits.

#include <chrono>
#include <map>
#include <ostream>

#include "quiver/client/pull_consumer.h"
#include "tools/cli_common.h"
#include "tools/client_commands.h"

namespace quiver::tools {

using namespace internal;

std::string EscapeBody(const std::string& body) {
  std::string out;
  out.reserve(body.size());
  for (char c : body) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

int RunConsume(const std::vector<std::string>& args, const RuntimeFactory& factory,
               std::ostream& out, std::ostream& err, const std::atomic<bool>* interrupted) {
  CLI::App app{"quiver consume: read a topic as a consumer group", "quiver consume"};
  ConnectionFlags flags;
  flags.AddTo(app);
  std::string topic, group;
  long long count = 0;
  double timeout_seconds = 0;
  bool print = false, from_beginning = false;
  app.add_option("-t,--topic", topic, "topic")->required();
  app.add_option("-g,--group", group, "consumer group")->required();
  auto* count_opt =
      app.add_option("--count", count, "stop after N messages")->check(CLI::PositiveNumber);
  auto* timeout_opt = app.add_option("--timeout", timeout_seconds, "stop after SECONDS")
                          ->check(CLI::NonNegativeNumber);
  app.add_flag("--print", print, "print one body per line on stdout");
  app.add_flag("--from-beginning", from_beginning,
               "a group without offsets starts at the first message");
  if (auto exit = Parse(app, args, out, err)) return *exit;

  int exit_code = kExitOk;
  std::shared_ptr<client::ClientRuntime> runtime = MakeRuntime(flags, factory, err, exit_code);
  if (!runtime) return exit_code;
  client::PullConsumer consumer(
      runtime, {.group = group,
                .consume_from_where = from_beginning ? client::ConsumeFromWhere::kFirstOffset
                                                     : client::ConsumeFromWhere::kLastOffset});
  if (Status s = consumer.Subscribe(topic, "*"); !s.ok()) {
    err << "error: " << s.ToString() << "\n";
    return kExitFailed;
  }
  if (Status s = consumer.Start(); !s.ok()) {
    err << "error: " << s.ToString() << "\n";
    return kExitFailed;
  }

  const bool limited_count = !count_opt->empty();
  const bool limited_time = !timeout_opt->empty();
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                            std::chrono::duration<double>(timeout_seconds));
  long long received = 0;
  int result = kExitOk;
  for (;;) {
    if (interrupted != nullptr && interrupted->load()) break;
    if (limited_count && received >= count) break;
    auto now = std::chrono::steady_clock::now();
    if (limited_time && now >= deadline) break;
    Duration wait = std::chrono::milliseconds(500);
    if (limited_time) wait = std::min<Duration>(wait, deadline - now);
    StatusOr<std::vector<client::MessageExt>> batch = consumer.Poll(wait);
    if (!batch.ok()) {
      err << "error: " << batch.status().ToString() << "\n";
      result = kExitFailed;
      break;
    }
    // Messages beyond --count are handed back: their queues rewind to the first one not
    // printed, so the committed offsets never skip them.
    std::map<client::MessageQueue, QueueOffset> rewind;
    for (client::MessageExt& m : *batch) {
      if (limited_count && received >= count) {
        rewind.try_emplace(m.queue, m.queue_offset);
        continue;
      }
      ++received;
      if (print) out << EscapeBody(m.body) << "\n";
    }
    out.flush();
    for (const auto& [queue, offset] : rewind)
      consumer.Seek(queue, offset).IgnoreError();  // assigned
  }
  consumer.Shutdown();
  err << "received " << received << " messages from " << topic << " for group " << group << "\n";
  if (result == kExitOk && limited_count && received < count) result = kExitFailed;
  return result;
}

}  // namespace quiver::tools
