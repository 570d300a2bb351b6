#include "kernel/roles/broker/processing/registration_publisher.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace quiver::broker {
namespace {

// A registrar whose publications complete when the test says so.
struct FakeRegistrar {
  std::vector<BrokerRegistration> sent;
  std::vector<std::function<void()>> pending;

  RegistrationPublisher::Send Sender() {
    return [this](const BrokerRegistration& r, std::function<void()> done) {
      sent.push_back(r);
      pending.push_back(std::move(done));
    };
  }
  void CompleteOldest() {
    ASSERT_FALSE(pending.empty());
    auto done = std::move(pending.front());
    pending.erase(pending.begin());
    done();
  }
};

BrokerRegistration WithTopics(int count) {
  BrokerRegistration r;
  for (int i = 0; i < count; ++i) {
    TopicConfig c;
    c.topic_name = "T" + std::to_string(i);
    r.topics[c.topic_name] = c;
  }
  return r;
}

TEST(RegistrationPublisherTest, AThousandTopicsCreatedDuringOnePublicationCostOneMore) {
  FakeRegistrar registrar;
  int topics = 0;
  RegistrationPublisher publisher([&] { return WithTopics(topics); }, registrar.Sender());
  for (topics = 1; topics <= 1000; ++topics) publisher.Request();
  topics = 1000;
  ASSERT_EQ(registrar.sent.size(), 1u);  // the first; the other 999 wait for it
  EXPECT_EQ(registrar.sent[0].topics.size(), 1u);
  registrar.CompleteOldest();
  ASSERT_EQ(registrar.sent.size(), 2u);  // one more, with every topic
  EXPECT_EQ(registrar.sent[1].topics.size(), 1000u);
  registrar.CompleteOldest();
  EXPECT_EQ(registrar.sent.size(), 2u);  // nothing changed since: idle
  EXPECT_EQ(publisher.Publications(), 2u);
}

TEST(RegistrationPublisherTest, EachChangeAfterTheLastPublicationCompletedIsPublished) {
  FakeRegistrar registrar;
  int topics = 0;
  RegistrationPublisher publisher([&] { return WithTopics(topics); }, registrar.Sender());
  for (topics = 1; topics <= 3; ++topics) {
    publisher.Request();
    ASSERT_EQ(registrar.sent.size(), static_cast<std::size_t>(topics));
    EXPECT_EQ(registrar.sent.back().topics.size(), static_cast<std::size_t>(topics));
    registrar.CompleteOldest();
  }
}

TEST(RegistrationPublisherTest, ACompletionInsideSendDoesNotDeadlock) {
  int sends = 0;
  RegistrationPublisher publisher([] { return BrokerRegistration{}; },
                                  [&](const BrokerRegistration&, std::function<void()> done) {
                                    ++sends;
                                    done();  // e.g. the registrar refuses at once
                                  });
  publisher.Request();
  publisher.Request();
  EXPECT_EQ(sends, 2);
}

TEST(RegistrationPublisherTest, ACompletionAfterDestructionDoesNothing) {
  FakeRegistrar registrar;
  {
    RegistrationPublisher publisher([] { return BrokerRegistration{}; }, registrar.Sender());
    publisher.Request();
    publisher.Request();
  }
  registrar.CompleteOldest();  // would send the stale one if the state were still used
  EXPECT_EQ(registrar.sent.size(), 1u);
}

}  // namespace
}  // namespace quiver::broker
