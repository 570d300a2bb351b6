#include "quiver/protocol/message_id.h"

#include <arpa/inet.h>

#include <charconv>
#include <chrono>

namespace quiver {
inline namespace v1 {
namespace protocol {

namespace {

constexpr char kHexDigits[] = "0123456789ABCDEF";

void AppendHex(std::string& out, std::uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) {
    std::uint8_t b = static_cast<std::uint8_t>(value >> (8 * i));
    out.push_back(kHexDigits[b >> 4]);
    out.push_back(kHexDigits[b & 0xF]);
  }
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

void AppendIp(std::string& out, const std::vector<std::uint8_t>& ip) {
  if (ip.size() == 4 || ip.size() == 16) {
    for (std::uint8_t b : ip) AppendHex(out, b, 1);
  } else {
    AppendHex(out, 0, 4);
  }
}

}  // namespace

StatusOr<HostAddress> ParseHostAddress(std::string_view text) {
  auto invalid = [&] {
    return InvalidArgumentError("not a numeric \"ip:port\" address: \"" + std::string(text) + "\"");
  };
  std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon + 1 >= text.size()) return invalid();
  std::string_view host = text.substr(0, colon);
  std::string_view port_text = text.substr(colon + 1);
  int port = 0;
  auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || ptr != port_text.data() + port_text.size() || port < 0 || port > 65535) {
    return invalid();
  }
  HostAddress address;
  address.port = port;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    std::string inner(host.substr(1, host.size() - 2));
    address.ip.resize(16);
    if (inet_pton(AF_INET6, inner.c_str(), address.ip.data()) != 1) return invalid();
    return address;
  }
  std::string plain(host);
  address.ip.resize(4);
  if (inet_pton(AF_INET, plain.c_str(), address.ip.data()) == 1) return address;
  address.ip.resize(16);
  if (inet_pton(AF_INET6, plain.c_str(), address.ip.data()) == 1) return address;
  return invalid();
}

std::string FormatHostAddress(const HostAddress& host) {
  char text[INET6_ADDRSTRLEN] = {};
  std::string out;
  if (host.ip.size() == 4) {
    inet_ntop(AF_INET, host.ip.data(), text, sizeof text);
    out = text;
  } else if (host.ip.size() == 16) {
    inet_ntop(AF_INET6, host.ip.data(), text, sizeof text);
    out = std::string("[") + text + "]";
  }
  return out + ":" + std::to_string(host.port);
}

std::string EncodeOffsetMessageId(const HostAddress& store_host, CommitLogOffset physical_offset) {
  std::string out;
  out.reserve(56);
  AppendIp(out, store_host.ip);
  AppendHex(out, static_cast<std::uint32_t>(store_host.port), 4);
  AppendHex(out, static_cast<std::uint64_t>(physical_offset.value()), 8);
  return out;
}

StatusOr<OffsetMessageId> DecodeOffsetMessageId(std::string_view id) {
  if (id.size() != 32 && id.size() != 56) {
    return InvalidArgumentError("message id \"" + std::string(id) +
                                "\" is not 32 (IPv4) or 56 (IPv6) hex characters");
  }
  std::vector<std::uint8_t> bytes;
  bytes.reserve(id.size() / 2);
  for (std::size_t i = 0; i < id.size(); i += 2) {
    int hi = HexValue(id[i]);
    int lo = HexValue(id[i + 1]);
    if (hi < 0 || lo < 0) {
      return InvalidArgumentError("message id \"" + std::string(id) +
                                  "\" has a non-hex character at " + std::to_string(i));
    }
    bytes.push_back(static_cast<std::uint8_t>(hi << 4 | lo));
  }
  std::size_t ip_size = id.size() == 32 ? 4 : 16;
  OffsetMessageId result;
  result.store_host.ip.assign(bytes.begin(), bytes.begin() + ip_size);
  std::uint32_t port = 0;
  for (std::size_t i = 0; i < 4; ++i) port = port << 8 | bytes[ip_size + i];
  std::uint64_t offset = 0;
  for (std::size_t i = 0; i < 8; ++i) offset = offset << 8 | bytes[ip_size + 4 + i];
  result.store_host.port = static_cast<std::int32_t>(port);
  result.physical_offset = CommitLogOffset(static_cast<std::int64_t>(offset));
  return result;
}

std::int64_t MonthStartMillis(std::int64_t wall_millis, int months_ahead) {
  using namespace std::chrono;
  sys_days day = floor<days>(sys_time<milliseconds>(milliseconds(wall_millis)));
  year_month_day ymd(day);
  year_month ym = ymd.year() / ymd.month();
  ym += months(months_ahead);
  sys_days start = sys_days(ym / 1);
  return duration_cast<milliseconds>(start.time_since_epoch()).count();
}

UniqueKeyGenerator::UniqueKeyGenerator(const std::vector<std::uint8_t>& client_ip, std::int32_t pid,
                                       std::int32_t discriminator) {
  AppendIp(prefix_, client_ip);
  AppendHex(prefix_, static_cast<std::uint16_t>(pid), 2);
  AppendHex(prefix_, static_cast<std::uint32_t>(discriminator), 4);
}

std::string UniqueKeyGenerator::Next(std::int64_t wall_millis) {
  std::int64_t since_month_start = 0;
  std::uint16_t counter = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (wall_millis >= next_month_start_ms_ || wall_millis < month_start_ms_) {
      month_start_ms_ = MonthStartMillis(wall_millis, 0);
      next_month_start_ms_ = MonthStartMillis(wall_millis, 1);
    }
    since_month_start = wall_millis - month_start_ms_;
    counter = counter_++;
  }
  std::string out = prefix_;
  AppendHex(out, static_cast<std::uint32_t>(since_month_start), 4);
  AppendHex(out, counter, 2);
  return out;
}

}  // namespace protocol
}  // namespace v1
}  // namespace quiver
