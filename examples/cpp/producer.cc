// Sends ordered messages: every message of one order id goes to the same queue.
//   example_producer NAMESRV TOPIC [COUNT]
#include <iostream>
#include <string>

#include "client_runtime.h"
#include "quiver/client/producer.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: example_producer NAMESRV TOPIC [COUNT]\n";
    return 2;
  }
  quiver::client::ClientOptions options;
  options.namesrv_addresses = {argv[1]};
  auto runtime = quiver::app::MakeClientRuntime(options);
  if (!runtime.ok()) {
    std::cerr << runtime.status() << "\n";
    return 2;
  }
  quiver::client::ProducerOptions producer_options;
  producer_options.group = "ExampleProducerGroup";
  quiver::client::Producer producer(*runtime, producer_options);
  if (auto s = producer.Start(); !s.ok()) {
    std::cerr << s << "\n";
    return 1;
  }
  int count = argc > 3 ? std::stoi(argv[3]) : 10;
  int failed = 0;
  for (int i = 0; i < count; ++i) {
    std::string order = "order-" + std::to_string(i % 3);
    quiver::client::Message message;
    message.topic = argv[2];
    message.tags = "TagA";
    message.keys = {order};
    message.body = order + " step " + std::to_string(i / 3);
    auto result = producer.Send(message, quiver::client::SelectByKeyHash(order));
    if (!result.ok()) {
      std::cerr << "send failed: " << result.status() << "\n";
      ++failed;
      continue;
    }
    std::cout << message.body << " -> " << result->message_queue.ToString() << " offset "
              << result->queue_offset << "\n";
  }
  producer.Shutdown();
  return failed == 0 ? 0 : 1;
}
