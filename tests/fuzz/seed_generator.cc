// Writes the seed corpus of every fuzz target (tests/fuzz/corpus/<target>/) from the
// encoders, so the fuzzers start from valid frames, headers and records.
//   seed_generator OUTPUT_DIR
// The committed corpus was produced with this program; rerun it after a format change.

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "quiver/protocol/codec.h"
#include "quiver/protocol/codes.h"
#if __has_include("quiver/protocol/message_record.h")
#include "quiver/protocol/message_record.h"
#define QUIVER_HAVE_MESSAGE_RECORD 1
#endif

namespace fs = std::filesystem;
using namespace quiver;            // NOLINT: a small tool
using namespace quiver::protocol;  // NOLINT

namespace {

void Write(const fs::path& dir, const std::string& name, const std::vector<std::uint8_t>& bytes) {
  fs::create_directories(dir);
  std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

std::vector<std::uint8_t> Text(std::string_view text) { return {text.begin(), text.end()}; }

std::vector<RemotingCommand> SampleCommands() {
  std::vector<RemotingCommand> out;
  RemotingCommand route = RemotingCommand::Request(request_code::kGetRouteinfoByTopic);
  route.language = LanguageCode::kJava;
  route.version = 479;
  route.opaque = 7;
  route.SetExt("topic", "T");
  out.push_back(route);

  RemotingCommand send = RemotingCommand::Request(request_code::kSendMessageV2);
  send.opaque = 42;
  send.SetExt("a", "demo_producer_group");
  send.SetExt("b", "DemoTopic");
  send.SetExt("e", std::int64_t{0});
  send.SetExt("i", "TAGS\x01TagA\x02KEYS\x01k1\x02");
  send.SetExt("k", "false");
  send.body.Append(Buffer::CopyOf(std::string_view("hello from a seed")));
  out.push_back(send);

  RemotingCommand response =
      RemotingCommand::ResponseTo(send, response_code::kTopicNotExist, "topic \"T\" not exist\n");
  out.push_back(response);

  RemotingCommand oneway = RemotingCommand::Request(request_code::kUpdateConsumerOffset);
  oneway.flag = kFlagOneway;
  oneway.language = LanguageCode::kNodeJs;
  oneway.SetExt("consumerGroup", "g");
  oneway.SetExt("commitOffset", std::int64_t{-1});
  out.push_back(oneway);
  out.emplace_back();  // all defaults
  return out;
}

std::vector<std::uint8_t> Frame(RemotingCommand command, SerializeType type) {
  command.serialize_type = type;
  return EncodeFrame(command).Flatten();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTPUT_DIR\n", argv[0]);
    return 2;
  }
  fs::path root(argv[1]);
  std::vector<RemotingCommand> commands = SampleCommands();

  // frame_decoder: chunk-size byte + one or more frames.
  std::vector<std::uint8_t> all_frames;
  int n = 0;
  for (const RemotingCommand& command : commands) {
    for (SerializeType type : {SerializeType::kJson, SerializeType::kRocketMq}) {
      std::vector<std::uint8_t> frame = Frame(command, type);
      all_frames.insert(all_frames.end(), frame.begin(), frame.end());
      std::vector<std::uint8_t> seed{0};
      seed.insert(seed.end(), frame.begin(), frame.end());
      Write(root / "frame_decoder", "frame-" + std::to_string(n++), seed);
    }
  }
  for (std::uint8_t chunk : {0, 1, 7, 64}) {
    std::vector<std::uint8_t> seed{chunk};
    seed.insert(seed.end(), all_frames.begin(), all_frames.end());
    Write(root / "frame_decoder", "stream-chunk-" + std::to_string(chunk), seed);
  }

  // json_header and binary_header: the headers alone.
  n = 0;
  for (RemotingCommand command : commands) {
    command.serialize_type = SerializeType::kJson;
    Write(root / "json_header", "header-" + std::to_string(n), EncodeHeader(command));
    command.serialize_type = SerializeType::kRocketMq;
    Write(root / "binary_header", "header-" + std::to_string(n), EncodeHeader(command));
    ++n;
  }
  // Non-Java shapes (rocketmq-protocol.md §10.2) and fastjson's bare keys (§0.5).
  Write(root / "json_header", "ali-ons",
        Text(R"({"code":310,"language":"JAVA","opaque":1,"flag":0,"version":121,"extFields":)"
             R"({"a":"g","d":4,"e":0,"g":1795640356622,"k":false,"x":1.5,"n":null}})"));
  Write(root / "json_header", "bare-keys",
        Text(R"({"code":0,"language":9,"extFields":{0:"127.0.0.1:10911",-1:"x"}})"));
  Write(root / "json_header", "remark-escapes",
        Text(R"({"code":1,"flag":1,"remark":"a\"b\\c\u0001\u00e9\ud83d\ude00","opaque":"5"})"));

#ifdef QUIVER_HAVE_MESSAGE_RECORD
  // record_decoder: encoded records, IPv4 and IPv6 hosts, and a PULL body of two.
  std::vector<std::uint8_t> pull_body;
  n = 0;
  for (int v6 = 0; v6 < 2; ++v6) {
    Message message;
    message.topic = v6 ? std::string(130, 't') : "DemoTopic";
    message.queue_id = QueueId(3);
    message.born_timestamp_ms = 1795640356622;
    message.born_host.ip =
        v6 ? std::vector<std::uint8_t>(16, 1) : std::vector<std::uint8_t>{192, 0, 2, 2};
    message.born_host.port = 40000;
    message.store_host.ip = {127, 0, 0, 1};
    message.store_host.port = 10911;
    message.properties = "TAGS\x01TagA\x02KEYS\x01k1\x02";
    message.body = Buffer::CopyOf(std::string_view("hello from a seed record"));
    StatusOr<std::size_t> size = EncodedRecordSize(message);
    if (!size.ok()) {
      std::fprintf(stderr, "seed record: %s\n", size.status().ToString().c_str());
      return 1;
    }
    std::vector<std::uint8_t> record(*size);
    EncodeRecord(message, CommitLogOffset(4096 * n), QueueOffset(n), 1795640356700, record.data());
    Write(root / "record_decoder", "record-" + std::to_string(n++), record);
    pull_body.insert(pull_body.end(), record.begin(), record.end());
  }
  Write(root / "record_decoder", "pull-body", pull_body);
#endif
  std::printf("seeds written under %s\n", root.c_str());
  return 0;
}
