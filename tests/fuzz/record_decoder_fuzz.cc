// Fuzz target: the commit-log record decoder (quiver/protocol/message_record.h, §4.1),
// which reads PULL bodies from brokers and segment files on recovery.
// Properties: no crash or sanitizer report; a decoded record's views lie inside the input
// and its size does not exceed it; with the CRC checked, BODYCRC matches the body; the
// properties helpers accept whatever the record carries.

#include <cstddef>
#include <cstdint>
#include <span>

#include "fuzz_support.h"
#include "quiver/protocol/message_record.h"

using quiver::protocol::CheckCrc;

namespace {

bool Inside(const std::uint8_t* p, std::size_t n, const std::uint8_t* data, std::size_t size) {
  return n == 0 || (p >= data && p + n <= data + size);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> bytes(data, size);
  for (CheckCrc check : {CheckCrc::kYes, CheckCrc::kNo}) {
    auto record = quiver::protocol::DecodeRecord(bytes, check);
    if (!record.ok()) {
      auto code = record.status().code();
      FUZZ_CHECK(code == quiver::StatusCode::kOutOfRange || code == quiver::StatusCode::kDataLoss);
      continue;
    }
    FUZZ_CHECK(record->total_size >= 0 && static_cast<std::size_t>(record->total_size) <= size);
    FUZZ_CHECK(Inside(record->body.data(), record->body.size(), data, size));
    const auto* topic = reinterpret_cast<const std::uint8_t*>(record->topic.data());
    const auto* props = reinterpret_cast<const std::uint8_t*>(record->properties.data());
    FUZZ_CHECK(Inside(topic, record->topic.size(), data, size));
    FUZZ_CHECK(Inside(props, record->properties.size(), data, size));
    if (check == CheckCrc::kYes) {
      FUZZ_CHECK(quiver::protocol::BodyCrc(record->body) == record->body_crc);
    }
    for (const auto& [key, value] : quiver::protocol::ParseProperties(record->properties)) {
      FUZZ_CHECK(quiver::protocol::FindProperty(record->properties, key).has_value());
    }
    (void)quiver::protocol::TagsCodeOf(record->properties);
  }
  auto records = quiver::protocol::DecodeRecords(bytes, CheckCrc::kNo);
  if (records.ok()) {
    std::size_t total = 0;
    for (const auto& r : *records) total += static_cast<std::size_t>(r.total_size);
    FUZZ_CHECK(total <= size);
  }
  return 0;
}
