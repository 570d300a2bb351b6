#include "checkpoint.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "mapped_file.h"

namespace quiver::storage::commitlog {
namespace {
constexpr std::size_t kPageSize = 4096;
constexpr std::int64_t kMagic = 0x51564350;

void PutI64(std::uint8_t* p, std::int64_t v) {
  auto u = static_cast<std::uint64_t>(v);
  for (int i = 0; i < 8; ++i) p[i] = static_cast<std::uint8_t>(u >> (56 - 8 * i));
}
std::int64_t GetI64(const std::uint8_t* p) {
  std::uint64_t u = 0;
  for (int i = 0; i < 8; ++i) u = (u << 8) | p[i];
  return static_cast<std::int64_t>(u);
}
}  // namespace

std::optional<Checkpoint> ReadCheckpoint(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::uint8_t page[kPageSize] = {};
  ssize_t n = ::pread(fd, page, kPageSize, 0);
  ::close(fd);
  if (n < 72 || GetI64(page + 64) != kMagic) return std::nullopt;
  Checkpoint c;
  c.physic_timestamp_ms = GetI64(page);
  c.logics_timestamp_ms = GetI64(page + 8);
  c.flushed_offset = GetI64(page + 40);
  c.consume_queue_offset = GetI64(page + 48);
  c.queue_count = GetI64(page + 56);
  if (c.flushed_offset < 0 || c.consume_queue_offset < 0 || c.queue_count < 0) return std::nullopt;
  return c;
}

Status WriteCheckpoint(const std::string& path, const Checkpoint& c) {
  std::uint8_t page[kPageSize] = {};
  PutI64(page, c.physic_timestamp_ms);
  PutI64(page + 8, c.logics_timestamp_ms);
  PutI64(page + 40, c.flushed_offset);
  PutI64(page + 48, c.consume_queue_offset);
  PutI64(page + 56, c.queue_count);
  PutI64(page + 64, kMagic);
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return FileError(errno, "cannot create", tmp);
  ssize_t n = ::pwrite(fd, page, kPageSize, 0);
  int err = errno;
  if (n != static_cast<ssize_t>(kPageSize) || ::fdatasync(fd) != 0) {
    if (n == static_cast<ssize_t>(kPageSize)) err = errno;
    ::close(fd);
    return FileError(n >= 0 && n != static_cast<ssize_t>(kPageSize) ? ENOSPC : err, "cannot write",
                     tmp);
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return FileError(errno, "cannot rename", tmp);
  std::string dir = path.substr(0, path.find_last_of('/'));
  return SyncDirectory(dir.empty() ? "." : dir);
}

}  // namespace quiver::storage::commitlog
