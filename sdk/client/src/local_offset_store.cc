#include "local_offset_store.h"

#include <fcntl.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace quiver::inline v1::client::internal {

namespace {

std::filesystem::path DefaultDir() {
  const char* home = std::getenv("HOME");
  std::filesystem::path base = home != nullptr && *home != '\0' ? home : ".";
  return base / ".quiver" / "offsets";
}

Status ErrnoError(const std::string& what, const std::filesystem::path& path) {
  return InternalError(what + " " + path.string() + ": " + std::strerror(errno));
}

}  // namespace

LocalOffsetStore::LocalOffsetStore(const std::string& dir, const std::string& client_id,
                                   std::string group)
    : group_(std::move(group)) {
  std::filesystem::path base = dir.empty() ? DefaultDir() : std::filesystem::path(dir);
  path_ = base / client_id / group_ / "offsets.json";
}

Status LocalOffsetStore::Load() {
  std::error_code ec;
  if (!std::filesystem::exists(path_, ec)) return Status::Ok();
  std::ifstream in(path_, std::ios::binary);
  if (!in) return ErrnoError("cannot read the offsets file", path_);
  std::stringstream text;
  text << in.rdbuf();
  const std::string data = text.str();
  auto corrupt = [&](const std::string& why) {
    return InvalidArgumentError(path_.string() + ": not a Quiver offsets file (" + why +
                                "); delete it to start the group's queues afresh");
  };
  rapidjson::Document doc;
  doc.Parse(data.data(), data.size());
  if (doc.HasParseError()) {
    return corrupt(std::string("JSON error at byte ") + std::to_string(doc.GetErrorOffset()) +
                   ": " + rapidjson::GetParseError_En(doc.GetParseError()));
  }
  if (!doc.IsObject() || !doc.HasMember("offsetTable") || !doc["offsetTable"].IsArray()) {
    return corrupt("no \"offsetTable\" array");
  }
  std::map<MessageQueue, std::int64_t> loaded;
  for (const auto& entry : doc["offsetTable"].GetArray()) {
    if (!entry.IsObject() || !entry.HasMember("topic") || !entry["topic"].IsString() ||
        !entry.HasMember("brokerName") || !entry["brokerName"].IsString() ||
        !entry.HasMember("queueId") || !entry["queueId"].IsInt() || !entry.HasMember("offset") ||
        !entry["offset"].IsInt64()) {
      return corrupt("an entry lacks topic, brokerName, queueId or offset");
    }
    loaded[MessageQueue{entry["topic"].GetString(), entry["brokerName"].GetString(),
                        entry["queueId"].GetInt()}] = entry["offset"].GetInt64();
  }
  std::lock_guard lock(mu_);
  offsets_ = std::move(loaded);
  return Status::Ok();
}

std::optional<std::int64_t> LocalOffsetStore::Read(const MessageQueue& queue) const {
  std::lock_guard lock(mu_);
  auto it = offsets_.find(queue);
  if (it == offsets_.end()) return std::nullopt;
  return it->second;
}

void LocalOffsetStore::Update(const MessageQueue& queue, std::int64_t offset, bool increase_only) {
  std::lock_guard lock(mu_);
  auto [it, inserted] = offsets_.try_emplace(queue, offset);
  if (!inserted && (!increase_only || offset > it->second)) it->second = offset;
}

void LocalOffsetStore::Remove(const MessageQueue& queue) {
  std::lock_guard lock(mu_);
  offsets_.erase(queue);
}

Status LocalOffsetStore::Persist() {
  std::lock_guard write_lock(write_mu_);
  rapidjson::StringBuffer buffer;
  {
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    std::lock_guard lock(mu_);
    w.StartObject();
    w.Key("group");
    w.String(group_.c_str(), static_cast<rapidjson::SizeType>(group_.size()));
    w.Key("offsetTable");
    w.StartArray();
    for (const auto& [mq, offset] : offsets_) {
      w.StartObject();
      w.Key("topic");
      w.String(mq.topic.c_str(), static_cast<rapidjson::SizeType>(mq.topic.size()));
      w.Key("brokerName");
      w.String(mq.broker_name.c_str(), static_cast<rapidjson::SizeType>(mq.broker_name.size()));
      w.Key("queueId");
      w.Int(mq.queue_id);
      w.Key("offset");
      w.Int64(offset);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  std::error_code ec;
  std::filesystem::create_directories(path_.parent_path(), ec);
  if (ec) {
    return InternalError("cannot create " + path_.parent_path().string() + ": " + ec.message());
  }
  // Write, fsync, rename: a crash leaves either the old file or the new one, never a torn one.
  const std::filesystem::path tmp = path_.string() + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoError("cannot create", tmp);
  const char* data = buffer.GetString();
  std::size_t left = buffer.GetSize();
  while (left > 0) {
    ssize_t n = ::write(fd, data, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      Status s = ErrnoError("cannot write", tmp);
      ::close(fd);
      return s;
    }
    data += n;
    left -= static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    Status s = ErrnoError("cannot fsync", tmp);
    ::close(fd);
    return s;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path_.c_str()) != 0) return ErrnoError("cannot rename onto", path_);
  return Status::Ok();
}

}  // namespace quiver::inline v1::client::internal
