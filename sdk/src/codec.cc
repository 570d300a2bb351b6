#include "quiver/protocol/codec.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <utility>

#include "quiver/protocol/json.h"

namespace quiver {
inline namespace v1 {
namespace protocol {

namespace {

// int32 length + int32 (serialize type << 24 | header length).
constexpr std::size_t kLengthFieldSize = 4;
constexpr std::size_t kFramePrefixSize = 8;
constexpr std::size_t kMaxHeaderLength = 0xFFFFFF;
// code 2 + language 1 + version 2 + opaque 4 + flag 4 + remarkLen 4 + extLen 4.
constexpr std::size_t kBinaryFixedHeaderSize = 21;

// Indexed by the LanguageCode number (rocketmq-protocol.md §1.5).
constexpr std::array<std::string_view, 14> kLanguageNames = {
    "JAVA",  "CPP",  "DOTNET", "PYTHON", "DELPHI", "ERLANG", "RUBY",
    "OTHER", "HTTP", "GO",     "PHP",    "OMS",    "RUST",   "NODE_JS",
};

std::string_view LanguageName(LanguageCode language) {
  auto index = static_cast<std::size_t>(language);
  return index < kLanguageNames.size() ? kLanguageNames[index] : "OTHER";
}

// Unknown languages (a newer client's) decode as OTHER: the field is informational.
LanguageCode LanguageFromNumber(std::int64_t number) {
  if (number < 0 || number >= static_cast<std::int64_t>(kLanguageNames.size())) {
    return LanguageCode::kOther;
  }
  return static_cast<LanguageCode>(number);
}

LanguageCode LanguageFromName(std::string_view name) {
  for (std::size_t i = 0; i < kLanguageNames.size(); ++i) {
    if (kLanguageNames[i] == name) return static_cast<LanguageCode>(i);
  }
  return LanguageCode::kOther;
}

// ---- Big-endian helpers ------------------------------------------------------------------

void PutU8(std::vector<std::uint8_t>& out, std::uint8_t value) { out.push_back(value); }

void PutU16(std::vector<std::uint8_t>& out, std::uint16_t value) {
  out.push_back(static_cast<std::uint8_t>(value >> 8));
  out.push_back(static_cast<std::uint8_t>(value));
}

void PutU32(std::vector<std::uint8_t>& out, std::uint32_t value) {
  out.push_back(static_cast<std::uint8_t>(value >> 24));
  out.push_back(static_cast<std::uint8_t>(value >> 16));
  out.push_back(static_cast<std::uint8_t>(value >> 8));
  out.push_back(static_cast<std::uint8_t>(value));
}

void StoreU32(std::uint8_t* at, std::uint32_t value) {
  at[0] = static_cast<std::uint8_t>(value >> 24);
  at[1] = static_cast<std::uint8_t>(value >> 16);
  at[2] = static_cast<std::uint8_t>(value >> 8);
  at[3] = static_cast<std::uint8_t>(value);
}

std::uint32_t LoadU32(const std::uint8_t* at) {
  return (std::uint32_t{at[0]} << 24) | (std::uint32_t{at[1]} << 16) | (std::uint32_t{at[2]} << 8) |
         std::uint32_t{at[3]};
}

std::uint16_t LoadU16(const std::uint8_t* at) {
  return static_cast<std::uint16_t>((at[0] << 8) | at[1]);
}

void PutBytes(std::vector<std::uint8_t>& out, std::string_view bytes) {
  out.insert(out.end(), bytes.begin(), bytes.end());
}

// ---- Binary (ROCKETMQ) header --------------------------------------------------------------

void AppendBinaryHeader(const RemotingCommand& command, std::vector<std::uint8_t>& out) {
  // Java writes code and version as (short): values outside int16 are truncated there too.
  PutU16(out, static_cast<std::uint16_t>(command.code));
  PutU8(out, static_cast<std::uint8_t>(command.language));
  PutU16(out, static_cast<std::uint16_t>(command.version));
  PutU32(out, static_cast<std::uint32_t>(command.opaque));
  PutU32(out, static_cast<std::uint32_t>(command.flag));
  std::string_view remark = command.remark ? std::string_view(*command.remark) : "";
  QUIVER_CHECK_MSG(remark.size() <= kMaxHeaderLength, "remark longer than a header can be");
  PutU32(out, static_cast<std::uint32_t>(remark.size()));
  PutBytes(out, remark);
  std::size_t ext_size = 0;
  for (const auto& [key, value] : command.ext_fields) {
    QUIVER_CHECK_MSG(
        key.size() <= static_cast<std::size_t>(std::numeric_limits<std::int16_t>::max()),
        "extFields key " + key.substr(0, 64) + "... does not fit an int16 length");
    ext_size += 2 + key.size() + 4 + value.size();
  }
  QUIVER_CHECK_MSG(ext_size <= kMaxHeaderLength, "extFields larger than a header can be");
  PutU32(out, static_cast<std::uint32_t>(ext_size));
  for (const auto& [key, value] : command.ext_fields) {
    PutU16(out, static_cast<std::uint16_t>(key.size()));
    PutBytes(out, key);
    PutU32(out, static_cast<std::uint32_t>(value.size()));
    PutBytes(out, value);
  }
}

// Reads big-endian fields from a header, reporting what was being read when bytes run out.
class HeaderReader {
 public:
  explicit HeaderReader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}

  std::size_t remaining() const { return bytes_.size() - pos_; }
  std::size_t position() const { return pos_; }

  Status ReadU8(std::string_view what, std::uint8_t& value) {
    QUIVER_RETURN_IF_ERROR(Need(what, 1));
    value = bytes_[pos_++];
    return Status::Ok();
  }
  Status ReadU16(std::string_view what, std::uint16_t& value) {
    QUIVER_RETURN_IF_ERROR(Need(what, 2));
    value = LoadU16(bytes_.data() + pos_);
    pos_ += 2;
    return Status::Ok();
  }
  Status ReadU32(std::string_view what, std::uint32_t& value) {
    QUIVER_RETURN_IF_ERROR(Need(what, 4));
    value = LoadU32(bytes_.data() + pos_);
    pos_ += 4;
    return Status::Ok();
  }
  // A string whose length was read as `length` (signed); empty when length is 0.
  Status ReadString(std::string_view what, std::int64_t length, std::string& value) {
    if (length < 0) {
      return InvalidArgumentError("binary header " + std::string(what) + " length " +
                                  std::to_string(length) + " is negative");
    }
    if (static_cast<std::uint64_t>(length) > limit_ - pos_) {
      return InvalidArgumentError("binary header " + std::string(what) + " length " +
                                  std::to_string(length) + " exceeds the " +
                                  std::to_string(limit_ - pos_) + " bytes left");
    }
    value.assign(reinterpret_cast<const char*>(bytes_.data() + pos_),
                 static_cast<std::size_t>(length));
    pos_ += static_cast<std::size_t>(length);
    return Status::Ok();
  }

  // Narrows the readable area to [position, end) (the extFields area).
  std::size_t limit() const { return limit_; }
  void set_limit(std::size_t limit) { limit_ = limit; }

 private:
  Status Need(std::string_view what, std::size_t n) const {
    if (limit_ - pos_ < n) {
      return InvalidArgumentError("binary header truncated reading " + std::string(what) +
                                  " at offset " + std::to_string(pos_) + " (" + std::to_string(n) +
                                  " bytes needed, " + std::to_string(limit_ - pos_) + " left)");
    }
    return Status::Ok();
  }

  std::span<const std::uint8_t> bytes_;
  std::size_t pos_ = 0;
  std::size_t limit_ = bytes_.size();
};

// ---- JSON header -------------------------------------------------------------------------

// RapidJSON output stream appending to a byte vector.
class VectorOutputStream {
 public:
  using Ch = char;
  explicit VectorOutputStream(std::vector<std::uint8_t>& out) : out_(out) {}
  void Put(char c) { out_.push_back(static_cast<std::uint8_t>(c)); }
  void Flush() {}

 private:
  std::vector<std::uint8_t>& out_;
};

void AppendJsonHeader(const RemotingCommand& command, std::vector<std::uint8_t>& out) {
  VectorOutputStream stream(out);
  rapidjson::Writer<VectorOutputStream> writer(stream);
  auto key = [&writer](std::string_view k) {
    writer.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
  };
  auto string = [&writer](std::string_view s) {
    writer.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  };
  // Keys in fastjson's (alphabetical) order, so Quiver's headers match Java's byte for byte.
  writer.StartObject();
  key("code");
  writer.Int(command.code);
  if (!command.ext_fields.empty()) {
    key("extFields");
    writer.StartObject();
    for (const auto& [k, v] : command.ext_fields) {
      key(k);
      string(v);
    }
    writer.EndObject();
  }
  key("flag");
  writer.Int(command.flag);
  key("language");
  string(LanguageName(command.language));
  key("opaque");
  writer.Int(command.opaque);
  if (command.remark) {
    key("remark");
    string(*command.remark);
  }
  key("serializeTypeCurrentRPC");
  string("JSON");
  key("version");
  writer.Int(command.version);
  writer.EndObject();
}

std::string_view StringOf(const rapidjson::Value& value) {
  return {value.GetString(), value.GetStringLength()};
}

Status ReadJsonInt32(const rapidjson::Value& value, std::string_view name, std::int32_t& out) {
  if (value.IsInt()) {
    out = value.GetInt();
    return Status::Ok();
  }
  if (value.IsNull()) return Status::Ok();  // fastjson leaves the default
  if (value.IsString()) {                   // fastjson converts "105" for an int property
    std::string_view text = StringOf(value);
    std::int32_t parsed = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), parsed);
    if (ec == std::errc() && end == text.data() + text.size() && !text.empty()) {
      out = parsed;
      return Status::Ok();
    }
  }
  return InvalidArgumentError("JSON header field " + std::string(name) +
                              " is not a 32-bit integer");
}

// The text of an extFields scalar: strings as they are, numbers and booleans as their
// shortest text (ali-ons sends `"queueId":0`, `"k":false`). REQUIRES: a scalar, not null.
std::string JsonScalarText(const rapidjson::Value& value) {
  if (value.IsString()) return std::string(StringOf(value));
  if (value.IsBool()) return value.GetBool() ? "true" : "false";
  if (value.IsInt64()) return std::to_string(value.GetInt64());
  if (value.IsUint64()) return std::to_string(value.GetUint64());
  char text[32];
  auto [end, ec] = std::to_chars(text, text + sizeof(text), value.GetDouble());
  QUIVER_CHECK(ec == std::errc());
  return std::string(text, end);
}

constexpr unsigned kJsonParseFlags = rapidjson::kParseIterativeFlag;  // no recursion on input

}  // namespace

std::vector<std::uint8_t> EncodeHeader(const RemotingCommand& command) {
  std::vector<std::uint8_t> out;
  out.reserve(128);
  if (command.serialize_type == SerializeType::kRocketMq) {
    AppendBinaryHeader(command, out);
  } else {
    AppendJsonHeader(command, out);
  }
  return out;
}

BufferList EncodeFrame(const RemotingCommand& command) {
  std::vector<std::uint8_t> prefix(kFramePrefixSize);
  prefix.reserve(kFramePrefixSize + 160);
  if (command.serialize_type == SerializeType::kRocketMq) {
    AppendBinaryHeader(command, prefix);
  } else {
    AppendJsonHeader(command, prefix);
  }
  std::size_t header_length = prefix.size() - kFramePrefixSize;
  QUIVER_CHECK_MSG(header_length <= kMaxHeaderLength,
                   "header of " + std::to_string(header_length) + " bytes exceeds 24 bits");
  std::size_t length = kLengthFieldSize + header_length + command.body.size();
  QUIVER_CHECK_MSG(length <= static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()),
                   "frame of " + std::to_string(length) + " bytes exceeds int32");
  StoreU32(prefix.data(), static_cast<std::uint32_t>(length));
  StoreU32(prefix.data() + kLengthFieldSize,
           (static_cast<std::uint32_t>(command.serialize_type) << 24) |
               static_cast<std::uint32_t>(header_length));
  BufferList frame(Buffer::FromVector(std::move(prefix)));
  frame.Append(command.body);
  return frame;
}

Status DecodeJsonHeader(std::span<const std::uint8_t> header, RemotingCommand& command) {
  std::string_view text(reinterpret_cast<const char*>(header.data()), header.size());
  // RapidJSON treats NUL as the end of input; JSON never contains a raw NUL byte.
  // (An empty header may have a null data pointer, which memchr must not see.)
  if (const void* nul = text.empty() ? nullptr : std::memchr(text.data(), '\0', text.size());
      nul != nullptr) {
    return InvalidArgumentError("JSON header has a NUL byte at offset " +
                                std::to_string(static_cast<const char*>(nul) - text.data()));
  }
  // Typical headers fit the inline block: no heap allocation for the DOM.
  char pool[4096];
  rapidjson::MemoryPoolAllocator<> allocator(pool, sizeof(pool));
  rapidjson::Document document(&allocator);
  document.Parse<kJsonParseFlags>(text.data(), text.size());
  if (document.HasParseError()) {
    rapidjson::ParseErrorCode error = document.GetParseError();
    std::size_t error_offset = document.GetErrorOffset();
    // Retry once with fastjson's bare integer keys quoted; report the original error.
    std::string normalized = NormalizeFastjson(text);
    if (normalized != text) {
      document.Parse<kJsonParseFlags>(normalized.data(), normalized.size());
    }
    if (normalized == text || document.HasParseError()) {
      return InvalidArgumentError(
          "JSON header is not valid JSON: " + std::string(rapidjson::GetParseError_En(error)) +
          " at offset " + std::to_string(error_offset));
    }
  }
  if (!document.IsObject()) {
    return InvalidArgumentError("JSON header is not a JSON object");
  }

  // Java's defaults for properties that are absent.
  std::int32_t code = 0;
  LanguageCode language = LanguageCode::kJava;
  std::int32_t version = 0;
  std::int32_t opaque = 0;
  std::int32_t flag = 0;
  std::optional<std::string> remark;
  ExtFields ext_fields;

  for (const auto& member : document.GetObject()) {
    std::string_view name = StringOf(member.name);
    const rapidjson::Value& value = member.value;
    if (name == "code") {
      QUIVER_RETURN_IF_ERROR(ReadJsonInt32(value, name, code));
    } else if (name == "version") {
      QUIVER_RETURN_IF_ERROR(ReadJsonInt32(value, name, version));
    } else if (name == "opaque") {
      QUIVER_RETURN_IF_ERROR(ReadJsonInt32(value, name, opaque));
    } else if (name == "flag") {
      QUIVER_RETURN_IF_ERROR(ReadJsonInt32(value, name, flag));
    } else if (name == "language") {
      if (value.IsString()) {
        language = LanguageFromName(StringOf(value));
      } else if (value.IsInt64()) {
        language = LanguageFromNumber(value.GetInt64());
      } else if (!value.IsNull()) {
        return InvalidArgumentError(
            "JSON header field language is neither a language name nor a number");
      }
    } else if (name == "remark") {
      if (value.IsString()) {
        remark = std::string(StringOf(value));
      } else if (value.IsNull()) {
        remark.reset();
      } else {
        return InvalidArgumentError("JSON header field remark is not a string");
      }
    } else if (name == "extFields") {
      if (value.IsNull()) {
        ext_fields.clear();
        continue;
      }
      if (!value.IsObject()) {
        return InvalidArgumentError("JSON header field extFields is not an object");
      }
      ext_fields.clear();
      ext_fields.reserve(value.MemberCount());
      for (const auto& field : value.GetObject()) {
        if (field.value.IsNull()) continue;  // a null property is absent, as in Java
        if (field.value.IsObject() || field.value.IsArray()) {
          return InvalidArgumentError("JSON header extFields value of \"" +
                                      std::string(StringOf(field.name)) +
                                      "\" is not a string, number or boolean");
        }
        ext_fields.insert_or_assign(std::string(StringOf(field.name)), JsonScalarText(field.value));
      }
    }
    // Other properties (serializeTypeCurrentRPC, ...) are ignored, as Java does.
  }

  command.code = code;
  command.language = language;
  command.version = version;
  command.opaque = opaque;
  command.flag = flag;
  command.remark = std::move(remark);
  command.ext_fields = std::move(ext_fields);
  command.serialize_type = SerializeType::kJson;
  return Status::Ok();
}

Status DecodeBinaryHeader(std::span<const std::uint8_t> header, RemotingCommand& command) {
  if (header.size() < kBinaryFixedHeaderSize) {
    return InvalidArgumentError("binary header of " + std::to_string(header.size()) +
                                " bytes is shorter than the 21-byte minimum");
  }
  HeaderReader reader(header);
  std::uint16_t code = 0;
  std::uint16_t version = 0;
  std::uint32_t opaque = 0;
  std::uint32_t flag = 0;
  std::uint32_t remark_length = 0;
  std::uint32_t ext_length = 0;
  QUIVER_RETURN_IF_ERROR(reader.ReadU16("code", code));
  std::uint8_t language = 0;
  QUIVER_RETURN_IF_ERROR(reader.ReadU8("language", language));
  QUIVER_RETURN_IF_ERROR(reader.ReadU16("version", version));
  QUIVER_RETURN_IF_ERROR(reader.ReadU32("opaque", opaque));
  QUIVER_RETURN_IF_ERROR(reader.ReadU32("flag", flag));
  QUIVER_RETURN_IF_ERROR(reader.ReadU32("remark length", remark_length));
  std::string remark_text;
  QUIVER_RETURN_IF_ERROR(
      reader.ReadString("remark", static_cast<std::int32_t>(remark_length), remark_text));
  QUIVER_RETURN_IF_ERROR(reader.ReadU32("extFields length", ext_length));

  ExtFields ext_fields;
  auto signed_ext_length = static_cast<std::int32_t>(ext_length);
  if (signed_ext_length < 0) {
    return InvalidArgumentError("binary header extFields length " +
                                std::to_string(signed_ext_length) + " is negative");
  }
  if (ext_length > reader.remaining()) {
    return InvalidArgumentError("binary header extFields length " + std::to_string(ext_length) +
                                " exceeds the " + std::to_string(reader.remaining()) +
                                " bytes left");
  }
  reader.set_limit(reader.position() + ext_length);
  if (ext_length != 0) ext_fields.reserve(16);  // a request's usual count: one allocation
  while (reader.position() < reader.limit()) {
    std::uint16_t key_length = 0;
    std::uint32_t value_length = 0;
    std::string key;
    std::string value;
    QUIVER_RETURN_IF_ERROR(reader.ReadU16("extFields key length", key_length));
    QUIVER_RETURN_IF_ERROR(
        reader.ReadString("extFields key", static_cast<std::int16_t>(key_length), key));
    QUIVER_RETURN_IF_ERROR(reader.ReadU32("extFields value length", value_length));
    QUIVER_RETURN_IF_ERROR(
        reader.ReadString("extFields value", static_cast<std::int32_t>(value_length), value));
    // Java decodes a zero-length string as null, and a null key or value is absent.
    if (key.empty() || value.empty()) continue;
    ext_fields.insert_or_assign(std::move(key), std::move(value));
  }
  reader.set_limit(header.size());
  if (reader.remaining() != 0) {
    return InvalidArgumentError("binary header has " + std::to_string(reader.remaining()) +
                                " bytes after the extFields area");
  }

  command.code = static_cast<std::int16_t>(code);  // sign-extended, as Java's readShort
  command.language = LanguageFromNumber(language);
  command.version = static_cast<std::int16_t>(version);
  command.opaque = static_cast<std::int32_t>(opaque);
  command.flag = static_cast<std::int32_t>(flag);
  command.remark =
      remark_text.empty() ? std::nullopt : std::optional<std::string>(std::move(remark_text));
  command.ext_fields = std::move(ext_fields);
  command.serialize_type = SerializeType::kRocketMq;
  return Status::Ok();
}

StatusOr<RemotingCommand> DecodeFrameBody(const Buffer& frame) {
  if (frame.size() < kLengthFieldSize) {
    return DataLossError("frame of " + std::to_string(frame.size()) +
                         " bytes is shorter than its 4-byte header length field");
  }
  std::uint32_t header_field = LoadU32(frame.data());
  std::uint32_t type = header_field >> 24;
  std::size_t header_length = header_field & kMaxHeaderLength;
  std::size_t after_field = frame.size() - kLengthFieldSize;
  if (header_length > after_field) {
    return InvalidArgumentError("frame header length " + std::to_string(header_length) +
                                " exceeds the " + std::to_string(after_field) +
                                " bytes of the frame after the header length field");
  }
  std::span<const std::uint8_t> header(frame.data() + kLengthFieldSize, header_length);
  RemotingCommand command;
  if (type == static_cast<std::uint32_t>(SerializeType::kJson)) {
    QUIVER_RETURN_IF_ERROR(DecodeJsonHeader(header, command));
  } else if (type == static_cast<std::uint32_t>(SerializeType::kRocketMq)) {
    QUIVER_RETURN_IF_ERROR(DecodeBinaryHeader(header, command));
  } else {
    return InvalidArgumentError("frame has unknown header serialize type " + std::to_string(type) +
                                " (0 = JSON, 1 = ROCKETMQ)");
  }
  std::size_t body_offset = kLengthFieldSize + header_length;
  command.body.Append(frame.Slice(body_offset, frame.size() - body_offset));
  return command;
}

// Receive blocks: large enough that a read carries many small frames, small enough that
// a frame still referenced (a stored body awaiting its completion) pins little memory.
constexpr std::size_t kDecoderBlockSize = 64 * 1024;

FrameDecoder::FrameDecoder(std::size_t max_frame_size) : max_frame_size_(max_frame_size) {}

std::size_t FrameDecoder::PendingFrameSize() const {
  if (end_ - begin_ < kLengthFieldSize) return 0;
  auto length = static_cast<std::int32_t>(LoadU32(block_.get() + begin_));
  if (length < static_cast<std::int32_t>(kLengthFieldSize)) return 0;
  std::size_t frame_size = kLengthFieldSize + static_cast<std::size_t>(length);
  return frame_size <= max_frame_size_ ? frame_size : 0;
}

std::span<std::uint8_t> FrameDecoder::Prepare(std::size_t min_size) {
  const std::size_t unconsumed = end_ - begin_;
  const std::size_t frame_size = PendingFrameSize();
  if (capacity_ - begin_ < frame_size || capacity_ - end_ < min_size) {
    const std::size_t capacity =
        std::max({kDecoderBlockSize, frame_size, unconsumed + min_size});
    if (block_ && block_.use_count() == 1 && capacity_ >= capacity && capacity_ <= 2 * capacity) {
      // No frame refers to this block any more: reuse it. The fence pairs with the
      // release of the last reference another thread dropped after reading its frame.
      std::atomic_thread_fence(std::memory_order_acquire);
      std::memmove(block_.get(), block_.get() + begin_, unconsumed);
    } else {
      // Default-initialised (not zeroed): every byte is received before it is read.
      std::shared_ptr<std::uint8_t[]> block(new std::uint8_t[capacity]);
      if (unconsumed != 0) std::memcpy(block.get(), block_.get() + begin_, unconsumed);
      block_ = std::move(block);
      capacity_ = capacity;
    }
    begin_ = 0;
    end_ = unconsumed;
  }
  return {block_.get() + end_, capacity_ - end_};
}

void FrameDecoder::Commit(std::size_t bytes) {
  QUIVER_CHECK(bytes <= capacity_ - end_);
  end_ += bytes;
}

void FrameDecoder::Feed(std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return;
  std::span<std::uint8_t> area = Prepare(bytes.size());
  std::memcpy(area.data(), bytes.data(), bytes.size());
  Commit(bytes.size());
}

StatusOr<std::optional<Buffer>> FrameDecoder::Next() {
  std::size_t available = end_ - begin_;
  if (available < kLengthFieldSize) return std::optional<Buffer>();
  auto length = static_cast<std::int32_t>(LoadU32(block_.get() + begin_));
  if (length < static_cast<std::int32_t>(kLengthFieldSize)) {
    return DataLossError("frame length " + std::to_string(length) +
                         " is below the 4-byte minimum (header length field)");
  }
  std::size_t frame_size = kLengthFieldSize + static_cast<std::size_t>(length);
  if (frame_size > max_frame_size_) {
    return ResourceExhaustedError("frame of " + std::to_string(frame_size) +
                                  " bytes exceeds the maximum frame size of " +
                                  std::to_string(max_frame_size_) + " bytes");
  }
  if (available < frame_size) return std::optional<Buffer>();
  Buffer frame(block_, block_.get() + begin_ + kLengthFieldSize, static_cast<std::size_t>(length));
  begin_ += frame_size;
  return std::optional<Buffer>(std::move(frame));
}

}  // namespace protocol
}  // namespace v1
}  // namespace quiver
