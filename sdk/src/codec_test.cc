#include "quiver/protocol/codec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "quiver/protocol/codes.h"

namespace quiver::protocol {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes B(std::initializer_list<int> values) {
  Bytes out;
  for (int v : values) out.push_back(static_cast<std::uint8_t>(v));
  return out;
}

Bytes Text(std::string_view text) { return Bytes(text.begin(), text.end()); }

Bytes Cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

std::string AsText(const Bytes& bytes) { return std::string(bytes.begin(), bytes.end()); }

Bytes Flatten(const BufferList& list) { return list.Flatten(); }

// A frame body (what follows the 4-byte length) with the given type byte and header.
Bytes FrameBody(std::uint8_t type, const Bytes& header, std::string_view body = "") {
  auto n = static_cast<std::uint32_t>(header.size());
  return Cat({B({type, static_cast<int>((n >> 16) & 0xff), static_cast<int>((n >> 8) & 0xff),
                 static_cast<int>(n & 0xff)}),
              header, Text(body)});
}

// The frame body's bytes as a Buffer, as FrameDecoder::Next() would return them.
Buffer AsBuffer(const Bytes& bytes) { return Buffer::CopyOf(std::span<const std::uint8_t>(bytes)); }

void ExpectSameCommand(const RemotingCommand& a, const RemotingCommand& b) {
  EXPECT_EQ(a.code, b.code);
  EXPECT_EQ(a.language, b.language);
  EXPECT_EQ(a.version, b.version);
  EXPECT_EQ(a.opaque, b.opaque);
  EXPECT_EQ(a.flag, b.flag);
  EXPECT_EQ(a.remark, b.remark);
  EXPECT_EQ(a.ext_fields, b.ext_fields);
  EXPECT_EQ(a.body.ToString(), b.body.ToString());
  EXPECT_EQ(a.serialize_type, b.serialize_type);
}

RemotingCommand SampleCommand(SerializeType type) {
  RemotingCommand command = RemotingCommand::Request(request_code::kSendMessageV2);
  command.serialize_type = type;
  command.language = LanguageCode::kJava;
  command.opaque = 123456;
  command.flag = kFlagOneway;
  command.remark = std::string("quote \" backslash \\ control \x01\x02 utf-8 \xc3\xa9\xe4\xb8\xad");
  command.SetExt("a", "producer_group");
  command.SetExt("i", "TAGS\x01TagA\x02");
  command.SetExt("queueId", std::int64_t{-3});
  command.SetExt("\xe4\xb8\xad", "unicode key");
  command.body.Append(Buffer::CopyOf(std::string_view("hello ")));
  command.body.Append(Buffer::CopyOf(std::string_view("world")));
  return command;
}

StatusOr<RemotingCommand> DecodeWholeFrame(const BufferList& frame) {
  Bytes bytes = Flatten(frame);
  if (bytes.size() < 4) return InvalidArgumentError("frame too short for the test");
  return DecodeFrameBody(AsBuffer(Bytes(bytes.begin() + 4, bytes.end())));
}

// ---- Binary header, bytes written by hand from rocketmq-protocol.md §1.3 -----------------

TEST(BinaryHeaderTest, EmptyHeaderIsTwentyOneBytes) {
  RemotingCommand command = RemotingCommand::Request(request_code::kRegisterBroker);
  command.serialize_type = SerializeType::kRocketMq;
  command.opaque = 7;
  Bytes expected = B({0x00, 0x67,                // code 103
                      0x01,                      // language CPP
                      0x01, 0x91,                // version 401
                      0x00, 0x00, 0x00, 0x07,    // opaque
                      0x00, 0x00, 0x00, 0x00,    // flag
                      0x00, 0x00, 0x00, 0x00,    // remark length
                      0x00, 0x00, 0x00, 0x00});  // extFields length
  EXPECT_EQ(EncodeHeader(command), expected);
  EXPECT_EQ(expected.size(), 21u);
}

const Bytes& FullBinaryHeader() {
  static const Bytes header = Cat({
      B({0x00, 0x69, 0x00, 0x01, 0xdf}),  // code 105, JAVA, version 479
      B({0x12, 0x34, 0x56, 0x78}),        // opaque
      B({0x00, 0x00, 0x00, 0x01}),        // flag: response
      B({0x00, 0x00, 0x00, 0x02}),
      Text("ok"),
      B({0x00, 0x00, 0x00, 0x0c}),  // extFields: 2 + 5 + 4 + 1 bytes
      B({0x00, 0x05}),
      Text("topic"),
      B({0x00, 0x00, 0x00, 0x01}),
      Text("T"),
  });
  return header;
}

TEST(BinaryHeaderTest, FieldsAreEncodedBigEndianWithRemarkAndExtFields) {
  RemotingCommand command;
  command.serialize_type = SerializeType::kRocketMq;
  command.code = 105;
  command.language = LanguageCode::kJava;
  command.version = 479;
  command.opaque = 0x12345678;
  command.flag = kFlagResponse;
  command.remark = "ok";
  command.SetExt("topic", "T");
  EXPECT_EQ(EncodeHeader(command), FullBinaryHeader());
}

TEST(BinaryHeaderTest, HandWrittenHeaderDecodesToItsFields) {
  RemotingCommand command;
  ASSERT_EQ(DecodeBinaryHeader(FullBinaryHeader(), command), Status::Ok());
  EXPECT_EQ(command.code, 105);
  EXPECT_EQ(command.language, LanguageCode::kJava);
  EXPECT_EQ(command.version, 479);
  EXPECT_EQ(command.opaque, 0x12345678);
  EXPECT_EQ(command.flag, kFlagResponse);
  EXPECT_EQ(command.remark, "ok");
  EXPECT_EQ(command.ext_fields, (decltype(command.ext_fields){{"topic", "T"}}));
  EXPECT_EQ(command.serialize_type, SerializeType::kRocketMq);
}

TEST(BinaryHeaderTest, CodeAndVersionAreSignExtendedLikeJavaShorts) {
  Bytes header = Cat({B({0x80, 0x00, 0x00, 0xff, 0xff}), Bytes(16, 0)});
  RemotingCommand command;
  ASSERT_EQ(DecodeBinaryHeader(header, command), Status::Ok());
  EXPECT_EQ(command.code, -32768);
  EXPECT_EQ(command.version, -1);
}

TEST(BinaryHeaderTest, UnknownLanguageByteDecodesAsOther) {
  Bytes header = Cat({B({0x00, 0x00, 200}), Bytes(18, 0)});
  RemotingCommand command;
  ASSERT_EQ(DecodeBinaryHeader(header, command), Status::Ok());
  EXPECT_EQ(command.language, LanguageCode::kOther);
}

TEST(BinaryHeaderTest, ZeroLengthRemarkKeyOrValueIsNullAsInJava) {
  Bytes header = Cat({Bytes(13, 0), B({0, 0, 0, 0}), B({0, 0, 0, 22}),  // extFields length
                      B({0, 1}), Text("a"), B({0, 0, 0, 0}),            // "a" -> null
                      B({0, 0}), B({0, 0, 0, 1}), Text("v"),            // null -> "v"
                      B({0, 1}), Text("b"), B({0, 0, 0, 1}), Text("w")});
  RemotingCommand command;
  command.remark = "stale";
  ASSERT_EQ(DecodeBinaryHeader(header, command), Status::Ok());
  EXPECT_EQ(command.remark, std::nullopt);
  EXPECT_EQ(command.ext_fields, (decltype(command.ext_fields){{"b", "w"}}));
}

TEST(BinaryHeaderTest, ShorterThanTheFixedFieldsIsInvalid) {
  RemotingCommand command;
  EXPECT_EQ(DecodeBinaryHeader(Bytes(20, 0), command),
            InvalidArgumentError("binary header of 20 bytes is shorter than the 21-byte minimum"));
}

TEST(BinaryHeaderTest, NegativeRemarkLengthIsInvalid) {
  Bytes header = Cat({Bytes(13, 0), B({0xff, 0xff, 0xff, 0xff}), Bytes(4, 0)});
  RemotingCommand command;
  EXPECT_EQ(DecodeBinaryHeader(header, command),
            InvalidArgumentError("binary header remark length -1 is negative"));
}

TEST(BinaryHeaderTest, RemarkLongerThanTheHeaderIsInvalid) {
  Bytes header = Cat({Bytes(13, 0), B({0, 0, 0, 5}), Bytes(4, 0)});
  RemotingCommand command;
  EXPECT_EQ(DecodeBinaryHeader(header, command),
            InvalidArgumentError("binary header remark length 5 exceeds the 4 bytes left"));
}

TEST(BinaryHeaderTest, MissingExtFieldsLengthIsInvalid) {
  Bytes header = Cat({Bytes(13, 0), B({0, 0, 0, 4}), Text("abcd")});
  RemotingCommand command;
  EXPECT_EQ(DecodeBinaryHeader(header, command),
            InvalidArgumentError("binary header truncated reading extFields length at offset "
                                 "21 (4 bytes needed, 0 left)"));
}

TEST(BinaryHeaderTest, ExtFieldsLengthBeyondTheHeaderIsInvalid) {
  Bytes header = Cat({Bytes(17, 0), B({0, 0, 0, 10})});
  RemotingCommand command;
  EXPECT_EQ(DecodeBinaryHeader(header, command),
            InvalidArgumentError("binary header extFields length 10 exceeds the 0 bytes left"));
}

TEST(BinaryHeaderTest, NegativeExtFieldsLengthIsInvalid) {
  Bytes header = Cat({Bytes(17, 0), B({0x80, 0, 0, 0})});
  RemotingCommand command;
  EXPECT_EQ(DecodeBinaryHeader(header, command),
            InvalidArgumentError("binary header extFields length -2147483648 is negative"));
}

TEST(BinaryHeaderTest, KeyRunningPastTheExtFieldsAreaIsInvalid) {
  // The area is 3 bytes, the key claims 5: it must not read into the bytes after it.
  Bytes header = Cat({Bytes(17, 0), B({0, 0, 0, 3}), B({0, 5}), Text("t"), Text("opic")});
  RemotingCommand command;
  EXPECT_EQ(DecodeBinaryHeader(header, command),
            InvalidArgumentError("binary header extFields key length 5 exceeds the 1 bytes left"));
}

TEST(BinaryHeaderTest, NegativeKeyLengthIsInvalid) {
  Bytes header = Cat({Bytes(17, 0), B({0, 0, 0, 2}), B({0xff, 0xff})});
  RemotingCommand command;
  EXPECT_EQ(DecodeBinaryHeader(header, command),
            InvalidArgumentError("binary header extFields key length -1 is negative"));
}

TEST(BinaryHeaderTest, EntryCutInsideItsLengthFieldIsInvalid) {
  Bytes header = Cat({Bytes(17, 0), B({0, 0, 0, 1}), B({0})});
  RemotingCommand command;
  EXPECT_EQ(DecodeBinaryHeader(header, command),
            InvalidArgumentError("binary header truncated reading extFields key length at "
                                 "offset 21 (2 bytes needed, 1 left)"));
}

TEST(BinaryHeaderTest, ValueRunningPastTheExtFieldsAreaIsInvalid) {
  Bytes header = Cat({Bytes(17, 0), B({0, 0, 0, 8}), B({0, 1}), Text("k"),
                      B({0x00, 0x00, 0x00, 0x09}), Text("v")});
  RemotingCommand command;
  EXPECT_EQ(
      DecodeBinaryHeader(header, command),
      InvalidArgumentError("binary header extFields value length 9 exceeds the 1 bytes left"));
}

TEST(BinaryHeaderTest, BytesAfterTheExtFieldsAreaAreInvalid) {
  Bytes header = Cat({Bytes(21, 0), B({0x42})});
  RemotingCommand command;
  EXPECT_EQ(DecodeBinaryHeader(header, command),
            InvalidArgumentError("binary header has 1 bytes after the extFields area"));
}

TEST(BinaryHeaderTest, FailedDecodeLeavesTheCommandUnchanged) {
  RemotingCommand command;
  command.code = 42;
  command.SetExt("kept", "yes");
  Bytes header = Cat({Bytes(17, 0), B({0, 0, 0, 10})});
  ASSERT_FALSE(DecodeBinaryHeader(header, command).ok());
  EXPECT_EQ(command.code, 42);
  EXPECT_EQ(*command.FindExt("kept"), "yes");
}

// ---- JSON header, text written by hand from rocketmq-protocol.md §1.2 and §10.2 -----------

constexpr std::string_view kJavaHeader =
    R"({"code":105,"extFields":{"topic":"T"},"flag":0,"language":"JAVA","opaque":7,)"
    R"("serializeTypeCurrentRPC":"JSON","version":479})";

TEST(JsonHeaderTest, EncodesExactlyWhatAJavaClientSends) {
  RemotingCommand command = RemotingCommand::Request(request_code::kGetRouteinfoByTopic);
  command.language = LanguageCode::kJava;
  command.version = 479;
  command.opaque = 7;
  command.SetExt("topic", "T");
  EXPECT_EQ(AsText(EncodeHeader(command)), kJavaHeader);
}

TEST(JsonHeaderTest, DecodesAJavaClientHeader) {
  RemotingCommand command;
  ASSERT_EQ(DecodeJsonHeader(Text(kJavaHeader), command), Status::Ok());
  EXPECT_EQ(command.code, 105);
  EXPECT_EQ(command.language, LanguageCode::kJava);
  EXPECT_EQ(command.version, 479);
  EXPECT_EQ(command.opaque, 7);
  EXPECT_EQ(command.flag, 0);
  EXPECT_EQ(command.remark, std::nullopt);
  EXPECT_EQ(command.ext_fields, (decltype(command.ext_fields){{"topic", "T"}}));
  EXPECT_EQ(command.serialize_type, SerializeType::kJson);
}

TEST(JsonHeaderTest, ResponseOmitsNullRemarkAndEmptyExtFieldsAndReportsVersion401) {
  RemotingCommand request;
  request.opaque = 7;
  RemotingCommand response = RemotingCommand::ResponseTo(request, response_code::kSuccess);
  EXPECT_EQ(AsText(EncodeHeader(response)), R"({"code":0,"flag":1,"language":"CPP","opaque":7,)"
                                            R"("serializeTypeCurrentRPC":"JSON","version":401})");
}

TEST(JsonHeaderTest, RemarkIsEscapedAndPlacedInKeyOrder) {
  RemotingCommand response;
  response.code = response_code::kTopicNotExist;
  response.flag = kFlagResponse;
  response.remark = "topic \"T\" not exist\n\x01";
  EXPECT_EQ(AsText(EncodeHeader(response)),
            R"({"code":17,"flag":1,"language":"CPP","opaque":0,)"
            R"("remark":"topic \"T\" not exist\n\u0001","serializeTypeCurrentRPC":"JSON",)"
            R"("version":401})");
}

TEST(JsonHeaderTest, AliOnsNumericAndBooleanExtFieldsBecomeText) {
  // The shape ali-ons sends (rocketmq-protocol.md §10.2): raw JS numbers and booleans.
  std::string_view header =
      R"({"code":310,"language":"JAVA","opaque":1,"flag":0,"version":121,"extFields":)"
      R"({"a":"demo_producer_group","d":4,"e":0,"g":1795640356622,"k":false,"t":true,)"
      R"("neg":-3,"half":1.5,"big":18446744073709551615,"gone":null}})";
  RemotingCommand command;
  ASSERT_EQ(DecodeJsonHeader(Text(header), command), Status::Ok());
  EXPECT_EQ(command.code, 310);
  EXPECT_EQ(command.version, 121);
  EXPECT_EQ(command.opaque, 1);
  EXPECT_EQ(command.ext_fields, (decltype(command.ext_fields){
                                    {"a", "demo_producer_group"},
                                    {"d", "4"},
                                    {"e", "0"},
                                    {"g", "1795640356622"},
                                    {"k", "false"},
                                    {"t", "true"},
                                    {"neg", "-3"},
                                    {"half", "1.5"},
                                    {"big", "18446744073709551615"},
                                }));
  EXPECT_EQ(command.GetExtBool("k", true).value(), false);
  EXPECT_EQ(command.RequireExtInt("g").value(), 1795640356622);
}

TEST(JsonHeaderTest, LanguageMayBeANameOrANumber) {
  RemotingCommand command;
  ASSERT_EQ(DecodeJsonHeader(Text(R"({"language":"NODE_JS"})"), command), Status::Ok());
  EXPECT_EQ(command.language, LanguageCode::kNodeJs);
  ASSERT_EQ(DecodeJsonHeader(Text(R"({"language":9})"), command), Status::Ok());
  EXPECT_EQ(command.language, LanguageCode::kGo);
  ASSERT_EQ(DecodeJsonHeader(Text(R"({"language":"COBOL"})"), command), Status::Ok());
  EXPECT_EQ(command.language, LanguageCode::kOther);
  ASSERT_EQ(DecodeJsonHeader(Text(R"({"language":-1})"), command), Status::Ok());
  EXPECT_EQ(command.language, LanguageCode::kOther);
}

TEST(JsonHeaderTest, MissingPropertiesTakeJavaDefaults) {
  RemotingCommand command;
  command.code = 99;
  command.remark = "stale";
  command.SetExt("stale", "1");
  ASSERT_EQ(DecodeJsonHeader(Text("{}"), command), Status::Ok());
  EXPECT_EQ(command.code, 0);
  EXPECT_EQ(command.language, LanguageCode::kJava);
  EXPECT_EQ(command.version, 0);
  EXPECT_EQ(command.remark, std::nullopt);
  EXPECT_TRUE(command.ext_fields.empty());
}

TEST(JsonHeaderTest, IntegerPropertiesMayArriveAsStrings) {
  RemotingCommand command;
  ASSERT_EQ(DecodeJsonHeader(Text(R"({"code":"105","opaque":"-7"})"), command), Status::Ok());
  EXPECT_EQ(command.code, 105);
  EXPECT_EQ(command.opaque, -7);
}

TEST(JsonHeaderTest, UnquotedIntegerKeysAreAccepted) {
  RemotingCommand command;
  ASSERT_EQ(DecodeJsonHeader(Text(R"({"code":1,"extFields":{0:"a",-1:2}})"), command),
            Status::Ok());
  EXPECT_EQ(command.ext_fields, (decltype(command.ext_fields){{"0", "a"}, {"-1", "2"}}));
}

TEST(JsonHeaderTest, DeeplyNestedUnknownPropertyDoesNotExhaustTheStack) {
  std::string header =
      R"({"code":3,"x":)" + std::string(200000, '[') + std::string(200000, ']') + "}";
  RemotingCommand command;
  ASSERT_EQ(DecodeJsonHeader(Text(header), command), Status::Ok());
  EXPECT_EQ(command.code, 3);
}

TEST(JsonHeaderTest, TextThatIsNotJsonIsInvalid) {
  RemotingCommand command;
  EXPECT_EQ(DecodeJsonHeader(Text("not json"), command),
            InvalidArgumentError("JSON header is not valid JSON: Invalid value. at offset 1"));
  EXPECT_EQ(DecodeJsonHeader(Text(R"({"code":1)"), command),
            InvalidArgumentError(
                "JSON header is not valid JSON: Missing a comma or '}' after an object member. "
                "at offset 9"));
  EXPECT_EQ(DecodeJsonHeader(Text(""), command),
            InvalidArgumentError("JSON header is not valid JSON: The document is empty. at "
                                 "offset 0"));
}

TEST(JsonHeaderTest, NulByteIsInvalid) {
  RemotingCommand command;
  EXPECT_EQ(DecodeJsonHeader(Cat({Text(R"({"code":1})"), B({0}), Text("junk")}), command),
            InvalidArgumentError("JSON header has a NUL byte at offset 10"));
}

TEST(JsonHeaderTest, NonObjectIsInvalid) {
  RemotingCommand command;
  EXPECT_EQ(DecodeJsonHeader(Text("[1]"), command),
            InvalidArgumentError("JSON header is not a JSON object"));
}

TEST(JsonHeaderTest, WrongPropertyTypesAreInvalid) {
  RemotingCommand command;
  EXPECT_EQ(DecodeJsonHeader(Text(R"({"code":"abc"})"), command),
            InvalidArgumentError("JSON header field code is not a 32-bit integer"));
  EXPECT_EQ(DecodeJsonHeader(Text(R"({"opaque":2147483648})"), command),
            InvalidArgumentError("JSON header field opaque is not a 32-bit integer"));
  EXPECT_EQ(DecodeJsonHeader(Text(R"({"flag":1.5})"), command),
            InvalidArgumentError("JSON header field flag is not a 32-bit integer"));
  EXPECT_EQ(DecodeJsonHeader(Text(R"({"remark":5})"), command),
            InvalidArgumentError("JSON header field remark is not a string"));
  EXPECT_EQ(
      DecodeJsonHeader(Text(R"({"language":true})"), command),
      InvalidArgumentError("JSON header field language is neither a language name nor a number"));
  EXPECT_EQ(DecodeJsonHeader(Text(R"({"extFields":"topic=T"})"), command),
            InvalidArgumentError("JSON header field extFields is not an object"));
  EXPECT_EQ(DecodeJsonHeader(Text(R"({"extFields":{"a":[1]}})"), command),
            InvalidArgumentError(
                "JSON header extFields value of \"a\" is not a string, number or boolean"));
}

// ---- Round trips -------------------------------------------------------------------------

TEST(CodecRoundTripTest, BothSerializationsRoundTripEveryField) {
  for (SerializeType type : {SerializeType::kJson, SerializeType::kRocketMq}) {
    SCOPED_TRACE(static_cast<int>(type));
    RemotingCommand command = SampleCommand(type);
    StatusOr<RemotingCommand> decoded = DecodeWholeFrame(EncodeFrame(command));
    ASSERT_EQ(decoded.status(), Status::Ok());
    ExpectSameCommand(*decoded, command);
  }
}

TEST(CodecRoundTripTest, EmptyCommandsRoundTrip) {
  for (SerializeType type : {SerializeType::kJson, SerializeType::kRocketMq}) {
    RemotingCommand command;
    command.serialize_type = type;
    StatusOr<RemotingCommand> decoded = DecodeWholeFrame(EncodeFrame(command));
    ASSERT_EQ(decoded.status(), Status::Ok());
    ExpectSameCommand(*decoded, command);
  }
}

TEST(CodecRoundTripTest, ExtremeIntegersRoundTripInJson) {
  RemotingCommand command;
  command.code = std::numeric_limits<std::int32_t>::min();
  command.opaque = std::numeric_limits<std::int32_t>::max();
  command.flag = -1;
  command.version = -5;
  StatusOr<RemotingCommand> decoded = DecodeWholeFrame(EncodeFrame(command));
  ASSERT_EQ(decoded.status(), Status::Ok());
  ExpectSameCommand(*decoded, command);
}

TEST(CodecRoundTripTest, SeededRandomCommandsRoundTrip) {
  const unsigned seed = 20240601;
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  auto random_text = [&rng](std::size_t max_len) {
    std::string s(std::uniform_int_distribution<std::size_t>(1, max_len)(rng), '\0');
    for (char& c : s) c = static_cast<char>(std::uniform_int_distribution<int>(1, 255)(rng));
    return s;
  };
  for (int i = 0; i < 200; ++i) {
    RemotingCommand command;
    command.serialize_type = (i % 2 == 0) ? SerializeType::kJson : SerializeType::kRocketMq;
    command.code = std::uniform_int_distribution<int>(-32768, 32767)(rng);
    command.version = std::uniform_int_distribution<int>(-32768, 32767)(rng);
    command.language = static_cast<LanguageCode>(rng() % 14);
    command.opaque = static_cast<std::int32_t>(rng());
    command.flag = static_cast<std::int32_t>(rng());
    if (rng() % 2) command.remark = random_text(40);
    for (unsigned n = rng() % 6; n > 0; --n) command.SetExt(random_text(10), random_text(30));
    if (rng() % 2) command.body.Append(Buffer::FromString(random_text(100)));
    StatusOr<RemotingCommand> decoded = DecodeWholeFrame(EncodeFrame(command));
    ASSERT_EQ(decoded.status(), Status::Ok()) << "command " << i;
    ExpectSameCommand(*decoded, command);
  }
}

// ---- Frames ------------------------------------------------------------------------------

TEST(FrameTest, EncodedFrameHasLengthTypeHeaderAndTheBodyBuffersUncopied) {
  RemotingCommand command;
  command.serialize_type = SerializeType::kRocketMq;
  Buffer part1 = Buffer::FromString("abc");
  Buffer part2 = Buffer::FromString("defg");
  command.body.Append(part1);
  command.body.Append(part2);
  BufferList frame = EncodeFrame(command);
  ASSERT_EQ(frame.parts().size(), 3u);
  EXPECT_EQ(frame.parts()[1].data(), part1.data());
  EXPECT_EQ(frame.parts()[2].data(), part2.data());
  Bytes prefix(frame.parts()[0].data(), frame.parts()[0].data() + 8);
  // length = 4 + 21 + 7 = 32; type 1, header length 21.
  EXPECT_EQ(prefix, B({0, 0, 0, 32, 1, 0, 0, 21}));
  EXPECT_EQ(frame.parts()[0].size(), 8u + 21u);
  EXPECT_EQ(frame.size(), 36u);
}

TEST(FrameTest, JsonFrameCarriesTypeZero) {
  RemotingCommand command;
  command.opaque = 7;
  Bytes bytes = Flatten(EncodeFrame(command));
  std::size_t header_length = EncodeHeader(command).size();
  EXPECT_EQ(
      Bytes(bytes.begin(), bytes.begin() + 8),
      B({0, 0, 0, static_cast<int>(4 + header_length), 0, 0, 0, static_cast<int>(header_length)}));
}

TEST(FrameTest, DecodedBodyIsASliceOfTheFrame) {
  Bytes body_bytes = FrameBody(1, Bytes(21, 0), "payload");
  Buffer frame = AsBuffer(body_bytes);
  StatusOr<RemotingCommand> command = DecodeFrameBody(frame);
  ASSERT_EQ(command.status(), Status::Ok());
  ASSERT_EQ(command->body.parts().size(), 1u);
  EXPECT_EQ(command->body.parts()[0].data(), frame.data() + 4 + 21);
  EXPECT_EQ(command->body.ToString(), "payload");
}

TEST(FrameTest, HandWrittenJsonFrameDecodes) {
  Buffer frame = AsBuffer(FrameBody(0, Text(kJavaHeader), "body"));
  StatusOr<RemotingCommand> command = DecodeFrameBody(frame);
  ASSERT_EQ(command.status(), Status::Ok());
  EXPECT_EQ(command->code, 105);
  EXPECT_EQ(command->serialize_type, SerializeType::kJson);
  EXPECT_EQ(command->body.ToString(), "body");
}

TEST(FrameTest, ResponseIsWrittenInTheRequestsSerialization) {
  for (std::uint8_t type : {0, 1}) {
    Bytes header = type == 0 ? Text(kJavaHeader) : FullBinaryHeader();
    StatusOr<RemotingCommand> request = DecodeFrameBody(AsBuffer(FrameBody(type, header)));
    ASSERT_EQ(request.status(), Status::Ok());
    RemotingCommand response = RemotingCommand::ResponseTo(*request, response_code::kSuccess);
    Bytes bytes = Flatten(EncodeFrame(response));
    EXPECT_EQ(bytes[4], type);
    StatusOr<RemotingCommand> decoded = DecodeWholeFrame(EncodeFrame(response));
    ASSERT_EQ(decoded.status(), Status::Ok());
    EXPECT_EQ(decoded->opaque, request->opaque);
    EXPECT_EQ(decoded->version, kProtocolVersion);
    EXPECT_TRUE(decoded->is_response());
  }
}

TEST(FrameTest, HeaderLengthBeyondTheFrameIsInvalid) {
  Bytes bytes = B({0, 0, 0, 16, '{', '}'});
  EXPECT_EQ(DecodeFrameBody(AsBuffer(bytes)).status(),
            InvalidArgumentError("frame header length 16 exceeds the 2 bytes of the frame "
                                 "after the header length field"));
}

TEST(FrameTest, UnknownSerializeTypeIsInvalid) {
  EXPECT_EQ(DecodeFrameBody(AsBuffer(FrameBody(2, Text("{}")))).status(),
            InvalidArgumentError("frame has unknown header serialize type 2 (0 = JSON, 1 = "
                                 "ROCKETMQ)"));
}

TEST(FrameTest, FrameShorterThanTheHeaderLengthFieldIsDataLoss) {
  EXPECT_EQ(DecodeFrameBody(AsBuffer(B({0, 0, 0}))).status(),
            DataLossError("frame of 3 bytes is shorter than its 4-byte header length field"));
}

TEST(FrameTest, MalformedHeaderInsideADelimitedFrameIsInvalidArgument) {
  EXPECT_EQ(DecodeFrameBody(AsBuffer(FrameBody(1, Bytes(5, 0)))).status(),
            InvalidArgumentError("binary header of 5 bytes is shorter than the 21-byte minimum"));
  EXPECT_EQ(DecodeFrameBody(AsBuffer(FrameBody(0, Text("{")))).status().code(),
            StatusCode::kInvalidArgument);
}

// ---- FrameDecoder ------------------------------------------------------------------------

Bytes EncodedFrame(std::int32_t opaque, SerializeType type, std::string body) {
  RemotingCommand command;
  command.opaque = opaque;
  command.serialize_type = type;
  command.SetExt("n", std::int64_t{opaque});
  command.body.Append(Buffer::FromString(std::move(body)));
  return Flatten(EncodeFrame(command));
}

// Decodes every frame the decoder has; fails the test on an error.
std::vector<RemotingCommand> Drain(FrameDecoder& decoder) {
  std::vector<RemotingCommand> out;
  while (true) {
    StatusOr<std::optional<Buffer>> next = decoder.Next();
    EXPECT_EQ(next.status(), Status::Ok());
    if (!next.ok() || !next->has_value()) return out;
    StatusOr<RemotingCommand> command = DecodeFrameBody(**next);
    EXPECT_EQ(command.status(), Status::Ok());
    if (!command.ok()) return out;
    out.push_back(*std::move(command));
  }
}

TEST(FrameDecoderTest, SeveralFramesInOneFeedComeOutInOrder) {
  Bytes stream = Cat({EncodedFrame(1, SerializeType::kJson, "one"),
                      EncodedFrame(2, SerializeType::kRocketMq, ""),
                      EncodedFrame(3, SerializeType::kJson, "three")});
  FrameDecoder decoder;
  decoder.Feed(stream);
  std::vector<RemotingCommand> commands = Drain(decoder);
  ASSERT_EQ(commands.size(), 3u);
  EXPECT_EQ(commands[0].opaque, 1);
  EXPECT_EQ(commands[0].body.ToString(), "one");
  EXPECT_EQ(commands[1].opaque, 2);
  EXPECT_EQ(commands[1].serialize_type, SerializeType::kRocketMq);
  EXPECT_TRUE(commands[1].body.empty());
  EXPECT_EQ(commands[2].body.ToString(), "three");
  EXPECT_EQ(decoder.buffered(), 0u);
}

TEST(FrameDecoderTest, OneFrameFedByteByByteComesOutAfterItsLastByte) {
  Bytes frame = EncodedFrame(9, SerializeType::kJson, "payload");
  FrameDecoder decoder;
  for (std::size_t i = 0; i + 1 < frame.size(); ++i) {
    decoder.Feed(std::span<const std::uint8_t>(&frame[i], 1));
    StatusOr<std::optional<Buffer>> next = decoder.Next();
    ASSERT_EQ(next.status(), Status::Ok());
    ASSERT_FALSE(next->has_value()) << "frame returned after " << i + 1 << " bytes";
    EXPECT_EQ(decoder.buffered(), i + 1);
  }
  decoder.Feed(std::span<const std::uint8_t>(&frame.back(), 1));
  std::vector<RemotingCommand> commands = Drain(decoder);
  ASSERT_EQ(commands.size(), 1u);
  EXPECT_EQ(commands[0].opaque, 9);
  EXPECT_EQ(commands[0].body.ToString(), "payload");
}

TEST(FrameDecoderTest, FramesSplitAtRandomBoundariesAllComeOut) {
  const unsigned seed = 77;
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  Bytes stream;
  const int kFrames = 300;
  for (int i = 0; i < kFrames; ++i) {
    stream = Cat({stream, EncodedFrame(i, i % 3 ? SerializeType::kJson : SerializeType::kRocketMq,
                                       std::string(rng() % 300, 'x'))});
  }
  FrameDecoder decoder;
  std::vector<RemotingCommand> commands;
  for (std::size_t pos = 0; pos < stream.size();) {
    std::size_t n = std::min<std::size_t>(1 + rng() % 700, stream.size() - pos);
    decoder.Feed(std::span<const std::uint8_t>(stream.data() + pos, n));
    pos += n;
    for (RemotingCommand& c : Drain(decoder)) commands.push_back(std::move(c));
  }
  ASSERT_EQ(commands.size(), static_cast<std::size_t>(kFrames));
  for (int i = 0; i < kFrames; ++i) EXPECT_EQ(commands[i].opaque, i);
  EXPECT_EQ(decoder.buffered(), 0u);
}

TEST(FrameDecoderTest, TruncatedFrameWaitsForMoreBytes) {
  Bytes frame = EncodedFrame(5, SerializeType::kRocketMq, "body");
  FrameDecoder decoder;
  decoder.Feed(std::span<const std::uint8_t>(frame.data(), frame.size() - 1));
  StatusOr<std::optional<Buffer>> next = decoder.Next();
  ASSERT_EQ(next.status(), Status::Ok());
  EXPECT_FALSE(next->has_value());
  EXPECT_EQ(decoder.buffered(), frame.size() - 1);
}

TEST(FrameDecoderTest, OversizedLengthIsRefusedBeforeTheFrameArrives) {
  FrameDecoder decoder(1024);
  decoder.Feed(B({0x7f, 0xff, 0xff, 0xff}));
  EXPECT_EQ(decoder.Next().status(),
            ResourceExhaustedError("frame of 2147483651 bytes exceeds the maximum frame size of "
                                   "1024 bytes"));
  EXPECT_EQ(decoder.buffered(), 4u);
}

TEST(FrameDecoderTest, DefaultMaximumIsSixteenMebibytesIncludingTheLengthField) {
  FrameDecoder at_limit;
  at_limit.Feed(B({0x00, 0xff, 0xff, 0xfc}));  // 4 + 16777212 = 16 MiB
  StatusOr<std::optional<Buffer>> next = at_limit.Next();
  ASSERT_EQ(next.status(), Status::Ok());
  EXPECT_FALSE(next->has_value());

  FrameDecoder over_limit;
  over_limit.Feed(B({0x00, 0xff, 0xff, 0xfd}));
  EXPECT_EQ(over_limit.Next().status(),
            ResourceExhaustedError("frame of 16777217 bytes exceeds the maximum frame size of "
                                   "16777216 bytes"));
}

TEST(FrameDecoderTest, HttpRequestOnTheRemotingPortIsRefused) {
  FrameDecoder decoder;
  decoder.Feed(Text("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(decoder.Next().status(),
            ResourceExhaustedError("frame of 1195725860 bytes exceeds the maximum frame size of "
                                   "16777216 bytes"));
}

TEST(FrameDecoderTest, NegativeLengthIsDataLoss) {
  FrameDecoder decoder;
  decoder.Feed(B({0xff, 0xff, 0xff, 0xff}));
  EXPECT_EQ(decoder.Next().status(),
            DataLossError("frame length -1 is below the 4-byte minimum (header length field)"));
}

TEST(FrameDecoderTest, LengthTooSmallForTheHeaderLengthFieldIsDataLoss) {
  FrameDecoder decoder;
  decoder.Feed(B({0, 0, 0, 3, 0, 0, 0}));
  EXPECT_EQ(decoder.Next().status(),
            DataLossError("frame length 3 is below the 4-byte minimum (header length field)"));
}

TEST(FrameDecoderTest, ErrorsAreSticky) {
  FrameDecoder decoder;
  decoder.Feed(B({0x80, 0, 0, 0}));
  Status first = decoder.Next().status();
  decoder.Feed(EncodedFrame(1, SerializeType::kJson, ""));
  EXPECT_EQ(decoder.Next().status(), first);
  EXPECT_EQ(first.code(), StatusCode::kDataLoss);
}

TEST(FrameDecoderTest, FrameAfterAValidOneWithGarbageHeaderIsInvalidArgument) {
  // A delimited frame whose header is garbage: the stream stays usable, the frame fails.
  Bytes garbage_frame = Cat({B({0, 0, 0, 8}), B({0, 0, 0, 4}), Text("!!!!")});
  Bytes stream = Cat({garbage_frame, EncodedFrame(2, SerializeType::kJson, "ok")});
  FrameDecoder decoder;
  decoder.Feed(stream);
  StatusOr<std::optional<Buffer>> first = decoder.Next();
  ASSERT_EQ(first.status(), Status::Ok());
  ASSERT_TRUE(first->has_value());
  EXPECT_EQ(DecodeFrameBody(**first).status().code(), StatusCode::kInvalidArgument);
  std::vector<RemotingCommand> rest = Drain(decoder);
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].opaque, 2);
}

TEST(FrameDecoderTest, ReturnedFramesStayValidAfterMoreFeeds) {
  Bytes a = EncodedFrame(1, SerializeType::kJson, std::string(1000, 'a'));
  Bytes b = EncodedFrame(2, SerializeType::kJson, std::string(1000, 'b'));
  FrameDecoder decoder;
  decoder.Feed(Cat({a, Bytes(b.begin(), b.begin() + 10)}));
  StatusOr<std::optional<Buffer>> first = decoder.Next();
  ASSERT_TRUE(first.ok() && first->has_value());
  decoder.Feed(std::span<const std::uint8_t>(b.data() + 10, b.size() - 10));  // compacts
  std::vector<RemotingCommand> rest = Drain(decoder);
  ASSERT_EQ(rest.size(), 1u);
  StatusOr<RemotingCommand> first_command = DecodeFrameBody(**first);
  ASSERT_TRUE(first_command.ok());
  EXPECT_EQ(first_command->body.ToString(), std::string(1000, 'a'));
  EXPECT_EQ(rest[0].body.ToString(), std::string(1000, 'b'));
}

TEST(FrameDecoderTest, FramesOfOneReadAreSlicesOfTheReceivedBlockNotCopies) {
  Bytes a = EncodedFrame(1, SerializeType::kJson, std::string(100, 'a'));
  Bytes b = EncodedFrame(2, SerializeType::kJson, std::string(100, 'b'));
  FrameDecoder decoder;
  Bytes both = Cat({a, b});
  std::span<std::uint8_t> area = decoder.Prepare(both.size());
  ASSERT_GE(area.size(), both.size());
  std::copy(both.begin(), both.end(), area.begin());
  decoder.Commit(both.size());
  StatusOr<std::optional<Buffer>> first = decoder.Next();
  StatusOr<std::optional<Buffer>> second = decoder.Next();
  ASSERT_TRUE(first.ok() && first->has_value());
  ASSERT_TRUE(second.ok() && second->has_value());
  EXPECT_EQ((*first)->data(), area.data() + 4);
  EXPECT_EQ((*second)->data(), area.data() + a.size() + 4);
  EXPECT_EQ(decoder.buffered(), 0u);
}

TEST(FrameDecoderTest, PrepareAfterALargeFramesPrefixHoldsTheWholeFrame) {
  Bytes big = EncodedFrame(7, SerializeType::kJson, std::string(300 * 1024, 'x'));
  FrameDecoder decoder;
  decoder.Feed(std::span<const std::uint8_t>(big.data(), 100));
  ASSERT_EQ(*decoder.Next(), std::nullopt);
  std::span<std::uint8_t> area = decoder.Prepare(16);
  ASSERT_GE(area.size(), big.size() - 100);  // the rest arrives in place, in one read
  std::copy(big.begin() + 100, big.end(), area.begin());
  decoder.Commit(big.size() - 100);
  StatusOr<std::optional<Buffer>> frame = decoder.Next();
  ASSERT_TRUE(frame.ok() && frame->has_value());
  EXPECT_EQ((*frame)->data() + 96, area.data());
  StatusOr<RemotingCommand> command = DecodeFrameBody(**frame);
  ASSERT_TRUE(command.ok());
  EXPECT_EQ(command->body.ToString(), std::string(300 * 1024, 'x'));
}

TEST(FrameDecoderTest, ABlockNoFrameRefersToAnyMoreIsReused) {
  Bytes a = EncodedFrame(1, SerializeType::kJson, "a");
  FrameDecoder decoder;
  std::span<std::uint8_t> first_area = decoder.Prepare(64);
  decoder.Feed(a);
  std::optional<Buffer> held = *decoder.Next();
  ASSERT_TRUE(held.has_value());
  // Still referenced: a request for more room than is left takes a new block.
  std::span<std::uint8_t> second_area = decoder.Prepare(first_area.size());
  EXPECT_NE(second_area.data(), first_area.data() + a.size());
  held.reset();
  decoder.Feed(a);
  ASSERT_TRUE(decoder.Next()->has_value());
  // Nothing refers to the block: asking for a whole block's room reuses it in place.
  std::span<std::uint8_t> third_area = decoder.Prepare(second_area.size());
  EXPECT_EQ(third_area.data(), second_area.data());
}

}  // namespace
}  // namespace quiver::protocol
