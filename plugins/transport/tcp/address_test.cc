#include "address.h"

#include <gtest/gtest.h>

namespace quiver::transport::tcp {
namespace {

TEST(SplitHostPortTest, SplitsHostAndPort) {
  StatusOr<HostPort> hp = SplitHostPort("127.0.0.1:9876");
  ASSERT_TRUE(hp.ok()) << hp.status();
  EXPECT_EQ(hp->host, "127.0.0.1");
  EXPECT_EQ(hp->port, 9876);
}

TEST(SplitHostPortTest, AcceptsPortZeroAndHostNames) {
  StatusOr<HostPort> hp = SplitHostPort("localhost:0");
  ASSERT_TRUE(hp.ok()) << hp.status();
  EXPECT_EQ(hp->host, "localhost");
  EXPECT_EQ(hp->port, 0);
}

TEST(SplitHostPortTest, StripsBracketsOfIpv6Literals) {
  StatusOr<HostPort> hp = SplitHostPort("[::1]:10911");
  ASSERT_TRUE(hp.ok()) << hp.status();
  EXPECT_EQ(hp->host, "::1");
  EXPECT_EQ(hp->port, 10911);
}

TEST(SplitHostPortTest, RejectsMalformedAddressesNamingThem) {
  for (const char* bad : {"", "host", ":80", "host:", "host:x", "host:65536", "::1:80", "[::1:80",
                          "host:-1", "host:80 "}) {
    StatusOr<HostPort> hp = SplitHostPort(bad);
    ASSERT_FALSE(hp.ok()) << bad;
    EXPECT_EQ(hp.status(),
              InvalidArgumentError("invalid address \"" + std::string(bad) +
                                   "\": expected host:port with a port from 0 to 65535"));
  }
}

}  // namespace
}  // namespace quiver::transport::tcp
