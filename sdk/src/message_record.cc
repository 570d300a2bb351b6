#include "quiver/protocol/message_record.h"

#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <limits>

namespace quiver {
inline namespace v1 {
namespace protocol {
namespace {

void PutI32(std::uint8_t* p, std::int32_t v) {
  auto u = static_cast<std::uint32_t>(v);
  p[0] = static_cast<std::uint8_t>(u >> 24);
  p[1] = static_cast<std::uint8_t>(u >> 16);
  p[2] = static_cast<std::uint8_t>(u >> 8);
  p[3] = static_cast<std::uint8_t>(u);
}
void PutI16(std::uint8_t* p, std::int16_t v) {
  auto u = static_cast<std::uint16_t>(v);
  p[0] = static_cast<std::uint8_t>(u >> 8);
  p[1] = static_cast<std::uint8_t>(u);
}
void PutI64(std::uint8_t* p, std::int64_t v) {
  auto u = static_cast<std::uint64_t>(v);
  for (int i = 0; i < 8; ++i) p[i] = static_cast<std::uint8_t>(u >> (56 - 8 * i));
}
std::int32_t GetI32(const std::uint8_t* p) {
  return static_cast<std::int32_t>((std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) |
                                   (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]});
}
std::int16_t GetI16(const std::uint8_t* p) {
  return static_cast<std::int16_t>((std::uint16_t{p[0]} << 8) | std::uint16_t{p[1]});
}
std::int64_t GetI64(const std::uint8_t* p) {
  std::uint64_t u = 0;
  for (int i = 0; i < 8; ++i) u = (u << 8) | p[i];
  return static_cast<std::int64_t>(u);
}

// Bytes a host takes in a record: ip + int32 port.
std::size_t HostSize(const HostAddress& host) { return host.is_v6() ? 20 : 8; }

std::uint8_t* PutHost(std::uint8_t* p, const HostAddress& host) {
  if (host.ip.empty()) {
    std::memset(p, 0, 4);
    p += 4;
  } else {
    std::memcpy(p, host.ip.data(), host.ip.size());
    p += host.ip.size();
  }
  PutI32(p, host.port);
  return p + 4;
}

// A bounds-checked reader: every Take* first checks that the bytes exist.
class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}
  std::size_t position() const { return pos_; }
  bool Has(std::size_t n) const { return n <= bytes_.size() - pos_; }
  std::int32_t I32() {
    std::int32_t v = GetI32(bytes_.data() + pos_);
    pos_ += 4;
    return v;
  }
  std::int16_t I16() {
    std::int16_t v = GetI16(bytes_.data() + pos_);
    pos_ += 2;
    return v;
  }
  std::int64_t I64() {
    std::int64_t v = GetI64(bytes_.data() + pos_);
    pos_ += 8;
    return v;
  }
  std::uint8_t U8() { return bytes_[pos_++]; }
  std::span<const std::uint8_t> Take(std::size_t n) {
    auto s = bytes_.subspan(pos_, n);
    pos_ += n;
    return s;
  }

 private:
  std::span<const std::uint8_t> bytes_;
  std::size_t pos_ = 0;
};

Status Corrupt(std::string what) { return DataLossError("corrupt message record: " + what); }

}  // namespace

std::int32_t BodyCrc(std::span<const std::uint8_t> body) {
  uLong crc = crc32(0L, Z_NULL, 0);
  const std::uint8_t* p = body.data();
  std::size_t left = body.size();
  while (left > 0) {
    auto chunk = static_cast<uInt>(std::min<std::size_t>(left, 1u << 30));
    crc = crc32(crc, p, chunk);
    p += chunk;
    left -= chunk;
  }
  return static_cast<std::int32_t>(crc & 0x7FFFFFFFu);
}

StatusOr<std::size_t> EncodedRecordSize(const Message& message) {
  if (message.topic.empty()) return InvalidArgumentError("message topic is empty");
  if (message.topic.size() > kMaxTopicLengthV2) {
    return InvalidArgumentError("message topic is " + std::to_string(message.topic.size()) +
                                " bytes, more than the limit of 32767");
  }
  if (message.properties.size() > kMaxPropertiesLength) {
    return InvalidArgumentError("message properties are " +
                                std::to_string(message.properties.size()) +
                                " bytes, more than the limit of 32767");
  }
  for (const HostAddress* host : {&message.born_host, &message.store_host}) {
    std::size_t n = host->ip.size();
    if (n != 0 && n != 4 && n != 16) {
      return InvalidArgumentError("host address has " + std::to_string(n) +
                                  " bytes; expected 4 (IPv4) or 16 (IPv6)");
    }
  }
  std::size_t topic_len_bytes = message.topic.size() > kMaxTopicLengthV1 ? 2 : 1;
  std::size_t size = 4 + 4 + 4 + 4 + 4 + 8 + 8 + 4 + 8 + HostSize(message.born_host) + 8 +
                     HostSize(message.store_host) + 4 + 8 + 4 + message.body.size() +
                     topic_len_bytes + message.topic.size() + 2 + message.properties.size();
  if (size > static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max())) {
    return InvalidArgumentError("message record would be " + std::to_string(size) +
                                " bytes, more than 2 GiB");
  }
  return size;
}

std::size_t EncodeRecord(const Message& message, CommitLogOffset physical_offset,
                         QueueOffset queue_offset, std::int64_t store_timestamp_ms,
                         std::uint8_t* out) {
  return EncodeRecordWithCrc(message, BodyCrc(message.body.span()), physical_offset, queue_offset,
                             store_timestamp_ms, out);
}

std::size_t EncodeRecordWithCrc(const Message& message, std::int32_t body_crc,
                                CommitLogOffset physical_offset, QueueOffset queue_offset,
                                std::int64_t store_timestamp_ms, std::uint8_t* out) {
  const bool v2 = message.topic.size() > kMaxTopicLengthV1;
  std::int32_t sys_flag = message.sys_flag & ~(sys_flag::kBornHostV6 | sys_flag::kStoreHostV6);
  if (message.born_host.is_v6()) sys_flag |= sys_flag::kBornHostV6;
  if (message.store_host.is_v6()) sys_flag |= sys_flag::kStoreHostV6;

  std::uint8_t* p = out + 4;  // TOTALSIZE written last
  PutI32(p, v2 ? kMessageMagicV2 : kMessageMagicV1);
  PutI32(p + 4, body_crc);
  PutI32(p + 8, message.queue_id.value());
  PutI32(p + 12, message.flag);
  PutI64(p + 16, queue_offset.value());
  PutI64(p + 24, physical_offset.value());
  PutI32(p + 32, sys_flag);
  PutI64(p + 36, message.born_timestamp_ms);
  p = PutHost(p + 44, message.born_host);
  PutI64(p, store_timestamp_ms);
  p = PutHost(p + 8, message.store_host);
  PutI32(p, message.reconsume_times);
  PutI64(p + 4, message.prepared_transaction_offset);
  PutI32(p + 12, static_cast<std::int32_t>(message.body.size()));
  p += 16;
  if (!message.body.empty()) std::memcpy(p, message.body.data(), message.body.size());
  p += message.body.size();
  if (v2) {
    PutI16(p, static_cast<std::int16_t>(message.topic.size()));
    p += 2;
  } else {
    *p++ = static_cast<std::uint8_t>(message.topic.size());
  }
  std::memcpy(p, message.topic.data(), message.topic.size());
  p += message.topic.size();
  PutI16(p, static_cast<std::int16_t>(message.properties.size()));
  p += 2;
  if (!message.properties.empty()) {
    std::memcpy(p, message.properties.data(), message.properties.size());
  }
  p += message.properties.size();
  auto size = static_cast<std::size_t>(p - out);
  PutI32(out, static_cast<std::int32_t>(size));
  return size;
}

StatusOr<DecodedRecord> DecodeRecord(std::span<const std::uint8_t> bytes, CheckCrc check_crc) {
  Reader r(bytes);
  if (!r.Has(8)) {
    return OutOfRangeError("message record truncated: " + std::to_string(bytes.size()) +
                           " bytes, fewer than the 8-byte size and magic");
  }
  DecodedRecord d;
  d.total_size = r.I32();
  d.magic = r.I32();
  if (d.magic != kMessageMagicV1 && d.magic != kMessageMagicV2) {
    char hex[16];
    std::snprintf(hex, sizeof hex, "0x%08X", static_cast<unsigned>(d.magic));
    return Corrupt(std::string("bad magic code ") + hex);
  }
  if (d.total_size < static_cast<std::int32_t>(kMinRecordSize)) {
    return Corrupt("total size " + std::to_string(d.total_size) + " is below the minimum of " +
                   std::to_string(kMinRecordSize));
  }
  if (static_cast<std::size_t>(d.total_size) > bytes.size()) {
    return OutOfRangeError("message record truncated: total size " + std::to_string(d.total_size) +
                           " but only " + std::to_string(bytes.size()) + " bytes available");
  }
  // From here on read only inside the record.
  Reader rec(bytes.first(static_cast<std::size_t>(d.total_size)));
  rec.Take(8);
  auto need = [&rec](std::size_t n, const char* field) -> Status {
    if (rec.Has(n)) return Status::Ok();
    return Corrupt(std::string("field ") + field + " at byte " + std::to_string(rec.position()) +
                   " extends past the record's total size");
  };
  if (Status s = need(32, "header"); !s.ok()) return s;
  d.body_crc = rec.I32();
  d.queue_id = QueueId(rec.I32());
  d.flag = rec.I32();
  d.queue_offset = QueueOffset(rec.I64());
  d.physical_offset = CommitLogOffset(rec.I64());
  d.sys_flag = rec.I32();
  d.born_timestamp_ms = rec.I64();
  auto read_host = [&](HostAddress& host, bool v6, const char* field) -> Status {
    std::size_t ip_len = v6 ? 16 : 4;
    if (Status s = need(ip_len + 4, field); !s.ok()) return s;
    auto ip = rec.Take(ip_len);
    host.ip.assign(ip.begin(), ip.end());
    host.port = rec.I32();
    return Status::Ok();
  };
  if (Status s = read_host(d.born_host, (d.sys_flag & sys_flag::kBornHostV6) != 0, "BORNHOST");
      !s.ok()) {
    return s;
  }
  if (Status s = need(8, "STORETIMESTAMP"); !s.ok()) return s;
  d.store_timestamp_ms = rec.I64();
  if (Status s = read_host(d.store_host, (d.sys_flag & sys_flag::kStoreHostV6) != 0, "STOREHOST");
      !s.ok()) {
    return s;
  }
  if (Status s = need(16, "RECONSUMETIMES"); !s.ok()) return s;
  d.reconsume_times = rec.I32();
  d.prepared_transaction_offset = rec.I64();
  std::int32_t body_len = rec.I32();
  if (body_len < 0 || !rec.Has(static_cast<std::size_t>(body_len))) {
    return Corrupt("body length " + std::to_string(body_len) + " does not fit in a record of " +
                   std::to_string(d.total_size) + " bytes");
  }
  d.body = rec.Take(static_cast<std::size_t>(body_len));
  std::size_t topic_len = 0;
  if (d.magic == kMessageMagicV2) {
    if (Status s = need(2, "TOPICLEN"); !s.ok()) return s;
    std::int16_t len = rec.I16();
    if (len < 0) return Corrupt("negative topic length " + std::to_string(len));
    topic_len = static_cast<std::size_t>(len);
  } else {
    if (Status s = need(1, "TOPICLEN"); !s.ok()) return s;
    topic_len = rec.U8();
  }
  if (topic_len == 0 || !rec.Has(topic_len)) {
    return Corrupt("topic length " + std::to_string(topic_len) + " is zero or does not fit");
  }
  auto topic = rec.Take(topic_len);
  d.topic = std::string_view(reinterpret_cast<const char*>(topic.data()), topic.size());
  if (Status s = need(2, "PROPERTIESLEN"); !s.ok()) return s;
  std::int16_t props_len = rec.I16();
  if (props_len < 0 || !rec.Has(static_cast<std::size_t>(props_len))) {
    return Corrupt("properties length " + std::to_string(props_len) + " does not fit");
  }
  auto props = rec.Take(static_cast<std::size_t>(props_len));
  d.properties = std::string_view(reinterpret_cast<const char*>(props.data()), props.size());
  if (rec.position() != static_cast<std::size_t>(d.total_size)) {
    return Corrupt("total size " + std::to_string(d.total_size) + " but fields end at byte " +
                   std::to_string(rec.position()));
  }
  if (check_crc) {
    std::int32_t crc = BodyCrc(d.body);
    if (crc != d.body_crc) {
      return Corrupt("body CRC mismatch: stored " + std::to_string(d.body_crc) + ", computed " +
                     std::to_string(crc));
    }
  }
  return d;
}

StatusOr<std::vector<DecodedRecord>> DecodeRecords(std::span<const std::uint8_t> bytes,
                                                   CheckCrc check_crc) {
  std::vector<DecodedRecord> out;
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    auto rec = DecodeRecord(bytes.subspan(pos), check_crc);
    if (!rec.ok()) return rec.status().WithContext("record at byte " + std::to_string(pos));
    pos += static_cast<std::size_t>(rec->total_size);
    out.push_back(std::move(rec).value());
  }
  return out;
}

void PatchRecordOffsets(std::uint8_t* record, CommitLogOffset physical_offset,
                        QueueOffset queue_offset) {
  PutI64(record + kQueueOffsetPosition, queue_offset.value());
  PutI64(record + kPhysicalOffsetPosition, physical_offset.value());
}

StatusOr<std::string> EncodeProperties(const std::vector<Property>& properties) {
  std::string out;
  for (const auto& [key, value] : properties) {
    if (key.empty()) return InvalidArgumentError("property key is empty");
    for (const std::string* s : {&key, &value}) {
      if (s->find(kNameValueSeparator) != std::string::npos ||
          s->find(kPropertySeparator) != std::string::npos) {
        return InvalidArgumentError("property \"" + key +
                                    "\" contains a separator character (\\x01 or \\x02)");
      }
    }
    out += key;
    out += kNameValueSeparator;
    out += value;
    out += kPropertySeparator;
  }
  return out;
}

std::vector<Property> ParseProperties(std::string_view properties) {
  std::vector<Property> out;
  while (!properties.empty()) {
    std::size_t end = properties.find(kPropertySeparator);
    std::string_view entry = properties.substr(0, end);
    properties = end == std::string_view::npos ? std::string_view{} : properties.substr(end + 1);
    std::size_t sep = entry.find(kNameValueSeparator);
    if (sep == std::string_view::npos) continue;
    out.emplace_back(std::string(entry.substr(0, sep)), std::string(entry.substr(sep + 1)));
  }
  return out;
}

std::optional<std::string_view> FindProperty(std::string_view properties, std::string_view key) {
  while (!properties.empty()) {
    std::size_t end = properties.find(kPropertySeparator);
    std::string_view entry = properties.substr(0, end);
    properties = end == std::string_view::npos ? std::string_view{} : properties.substr(end + 1);
    std::size_t sep = entry.find(kNameValueSeparator);
    if (sep != std::string_view::npos && entry.substr(0, sep) == key) {
      return entry.substr(sep + 1);
    }
  }
  return std::nullopt;
}

std::int32_t JavaStringHashCode(std::string_view utf8) {
  std::uint32_t h = 0;
  auto add = [&h](std::uint32_t unit) { h = 31 * h + unit; };
  const auto* s = reinterpret_cast<const std::uint8_t*>(utf8.data());
  const std::size_t n = utf8.size();
  std::size_t i = 0;
  while (i < n) {
    std::uint8_t b0 = s[i];
    if (b0 < 0x80) {
      add(b0);
      ++i;
      continue;
    }
    // Unicode Table 3-7: the valid range of the second byte depends on the first.
    std::size_t len = 0;
    std::uint8_t lo = 0x80, hi = 0xBF;
    std::uint32_t cp = 0;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      len = 2;
      cp = b0 & 0x1F;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      len = 3;
      cp = b0 & 0x0F;
      if (b0 == 0xE0) lo = 0xA0;
      if (b0 == 0xED) hi = 0x9F;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      len = 4;
      cp = b0 & 0x07;
      if (b0 == 0xF0) lo = 0x90;
      if (b0 == 0xF4) hi = 0x8F;
    } else {
      add(0xFFFD);  // a stray continuation byte or an invalid lead byte
      ++i;
      continue;
    }
    std::size_t k = 1;
    bool ok = true;
    for (; k < len; ++k) {
      if (i + k >= n) {
        ok = false;
        break;
      }
      std::uint8_t b = s[i + k];
      std::uint8_t min = k == 1 ? lo : 0x80, max = k == 1 ? hi : 0xBF;
      if (b < min || b > max) {
        ok = false;
        break;
      }
      cp = (cp << 6) | (b & 0x3F);
    }
    if (!ok) {
      add(0xFFFD);  // the maximal valid prefix becomes one replacement character
      i += k;
      continue;
    }
    i += len;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      add(0xD800 + (cp >> 10));
      add(0xDC00 + (cp & 0x3FF));
    } else {
      add(cp);
    }
  }
  return static_cast<std::int32_t>(h);
}

std::int64_t TagsCodeOf(std::string_view properties) {
  auto tags = FindProperty(properties, kPropertyTags);
  if (!tags || tags->empty()) return 0;
  return JavaStringHashCode(*tags);
}

}  // namespace protocol
}  // namespace v1
}  // namespace quiver
