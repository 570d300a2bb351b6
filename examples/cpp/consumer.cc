// Receives messages of a topic for a consumer group and commits its offsets.
//   example_consumer NAMESRV TOPIC GROUP [COUNT]
#include <iostream>
#include <string>

#include "client_runtime.h"
#include "quiver/client/pull_consumer.h"

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: example_consumer NAMESRV TOPIC GROUP [COUNT]\n";
    return 2;
  }
  quiver::client::ClientOptions options;
  options.namesrv_addresses = {argv[1]};
  auto runtime = quiver::app::MakeClientRuntime(options);
  if (!runtime.ok()) {
    std::cerr << runtime.status() << "\n";
    return 2;
  }
  quiver::client::PullConsumerOptions consumer_options;
  consumer_options.group = argv[3];
  consumer_options.consume_from_where = quiver::client::ConsumeFromWhere::kFirstOffset;
  quiver::client::PullConsumer consumer(*runtime, consumer_options);
  if (auto s = consumer.Subscribe(argv[2], "*"); !s.ok()) {
    std::cerr << s << "\n";
    return 2;
  }
  if (auto s = consumer.Start(); !s.ok()) {
    std::cerr << s << "\n";
    return 1;
  }
  const int want = argc > 4 ? std::stoi(argv[4]) : 10;
  int received = 0;
  for (int empty_polls = 0; received < want && empty_polls < 10;) {
    auto batch = consumer.Poll(std::chrono::seconds(1));
    if (!batch.ok()) {
      std::cerr << "poll failed: " << batch.status() << "\n";
      break;
    }
    empty_polls = batch->empty() ? empty_polls + 1 : 0;
    for (const auto& m : *batch) {
      std::cout << m.queue.ToString() << " offset " << m.queue_offset << ": " << m.body << "\n";
      ++received;
    }
  }
  consumer.Shutdown();  // commits the offsets
  return received >= want ? 0 : 1;
}
