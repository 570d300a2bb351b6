#include "mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23  // Linux 5.14 (uapi asm-generic/mman-common.h)
#endif

namespace quiver::storage::commitlog {
namespace {
constexpr std::size_t kPage = 4096;
constexpr std::size_t kHugePage = 2 << 20;

// mmap of the whole file at a 2 MiB-aligned address (when it is at least that big), so that
// AdviseHugePages can map it with PMDs: a reservation one huge page larger is trimmed to
// the aligned part. MAP_FAILED (errno set) on failure.
void* MapAligned(int fd, std::size_t size) {
  if (size < kHugePage) return ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  void* reserved = ::mmap(nullptr, size + kHugePage, PROT_NONE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (reserved == MAP_FAILED) return MAP_FAILED;
  auto base = reinterpret_cast<std::uintptr_t>(reserved);
  std::uintptr_t aligned = (base + kHugePage - 1) / kHugePage * kHugePage;
  void* p = ::mmap(reinterpret_cast<void*>(aligned), size, PROT_READ | PROT_WRITE,
                   MAP_SHARED | MAP_FIXED, fd, 0);
  if (p == MAP_FAILED) {
    int err = errno;
    ::munmap(reserved, size + kHugePage);
    errno = err;
    return MAP_FAILED;
  }
  if (aligned > base) ::munmap(reserved, aligned - base);
  std::uintptr_t tail = aligned + size;
  std::uintptr_t reserved_end = base + size + kHugePage;
  if (reserved_end > tail) ::munmap(reinterpret_cast<void*>(tail), reserved_end - tail);
  return p;
}
}  // namespace

Status FileError(int err, std::string_view what, const std::string& path) {
  std::string message = std::string(what) + " " + path + ": " + std::strerror(err);
  if (err == ENOSPC || err == EDQUOT) return ResourceExhaustedError("disk full: " + message);
  if (err == EIO) return DataLossError(message);
  return InternalError(message);
}

Status SyncDirectory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return FileError(errno, "cannot open directory", dir);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return FileError(err, "cannot fsync directory", dir);
  return Status::Ok();
}

MappedFile::MappedFile(std::string path, std::int64_t start, std::size_t size, int fd,
                       std::uint8_t* data)
    : path_(std::move(path)), start_(start), size_(size), fd_(fd), data_(data) {}

MappedFile::~MappedFile() {
  ::munmap(data_, size_);
  ::close(fd_);
  if (write_back_fd_ >= 0) ::close(write_back_fd_);
}

void MappedFile::Unlink() { ::unlink(path_.c_str()); }

Status MappedFile::RenameTo(std::string path) {
  if (::rename(path_.c_str(), path.c_str()) != 0) {
    return FileError(errno, "cannot rename " + path_ + " to", path);
  }
  path_ = std::move(path);
  return Status::Ok();
}

void MappedFile::AdviseHugePages() {
  // EINVAL: a kernel without transparent huge pages; nothing to do, nothing lost.
  (void)::madvise(data_, size_, MADV_HUGEPAGE);
}

Status MappedFile::Populate(std::size_t from, std::size_t to) {
  to = std::min(to, size_);
  if (from >= to) return Status::Ok();
  std::size_t begin = from / kPage * kPage;
  std::size_t end = std::min(size_, (to + kPage - 1) / kPage * kPage);
  if (::madvise(data_ + begin, end - begin, MADV_POPULATE_WRITE) != 0) {
    if (errno == EINVAL) {
      return UnimplementedError("madvise(MADV_POPULATE_WRITE) is not supported by this kernel");
    }
    return FileError(errno, "cannot populate the mapping of", path_);
  }
  return Status::Ok();
}

StatusOr<std::shared_ptr<MappedFile>> MappedFile::Create(const std::string& path,
                                                         std::int64_t start, std::size_t size,
                                                         Preallocate preallocate) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return FileError(errno, "cannot create", path);
  auto fail = [&](int err, std::string_view what) -> Status {
    ::close(fd);
    ::unlink(path.c_str());
    return FileError(err, what, path);
  };
  if (preallocate) {
    int err = ::posix_fallocate(fd, 0, static_cast<off_t>(size));
    if (err != 0) return fail(err, "cannot preallocate");
  } else if (::ftruncate(fd, static_cast<off_t>(size)) != 0) {
    return fail(errno, "cannot size");
  }
  void* p = MapAligned(fd, size);
  if (p == MAP_FAILED) return fail(errno, "cannot map");
  std::shared_ptr<MappedFile> file(
      new MappedFile(path, start, size, fd, static_cast<std::uint8_t*>(p)));
  file->allocated_ = preallocate ? size : 0;
  return file;
}

StatusOr<std::shared_ptr<MappedFile>> MappedFile::Open(const std::string& path, std::int64_t start,
                                                       std::size_t size, Preallocate preallocate) {
  int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return FileError(errno, "cannot open", path);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return FileError(err, "cannot stat", path);
  }
  if (static_cast<std::size_t>(st.st_size) != size) {
    ::close(fd);
    return DataLossError("file " + path + " is " + std::to_string(st.st_size) +
                         " bytes; expected " + std::to_string(size) +
                         " (was it truncated, or was the size setting changed?)");
  }
  if (preallocate) {
    int err = ::posix_fallocate(fd, 0, static_cast<off_t>(size));
    if (err != 0) {
      ::close(fd);
      return FileError(err, "cannot preallocate", path);
    }
  }
  void* p = MapAligned(fd, size);
  if (p == MAP_FAILED) {
    int err = errno;
    ::close(fd);
    return FileError(err, "cannot map", path);
  }
  std::shared_ptr<MappedFile> file(
      new MappedFile(path, start, size, fd, static_cast<std::uint8_t*>(p)));
  // A reopened sparse file: blocks already written are allocated, and the rest is
  // reserved lazily from the first write position on (EnsureAllocated) — conservatively
  // nothing is assumed allocated.
  file->allocated_ = preallocate ? size : 0;
  return file;
}

Status MappedFile::EnsureAllocated(std::size_t end, std::size_t chunk) {
  std::lock_guard lock(allocate_mu_);
  if (end <= allocated_) return Status::Ok();
  std::size_t target = std::min(size_, std::max(end, allocated_ + chunk));
  target = std::min(size_, (target + kPage - 1) / kPage * kPage);
  int err = ::posix_fallocate(fd_, static_cast<off_t>(allocated_),
                              static_cast<off_t>(target - allocated_));
  if (err != 0) return FileError(err, "cannot allocate space in", path_);
  allocated_ = target;
  return Status::Ok();
}

Status MappedFile::Sync(std::size_t from, std::size_t to) {
  to = std::min(to, size_);
  if (from >= to) return Status::Ok();
  std::size_t begin = from / kPage * kPage;
  if (::msync(data_ + begin, to - begin, MS_SYNC) != 0) {
    return FileError(errno, "cannot sync", path_);
  }
  return Status::Ok();
}

Status MappedFile::DataSync() {
  if (::fdatasync(fd_) != 0) return FileError(errno, "cannot sync", path_);
  return Status::Ok();
}

Status MappedFile::WriteBack(std::size_t from, std::size_t to) {
  if (from >= to) return Status::Ok();
  std::lock_guard lock(write_back_mu_);
  if (write_back_fd_ < 0) {
    // A new open file description of the same inode, whatever its name is by now.
    const std::string self = "/proc/self/fd/" + std::to_string(fd_);
    write_back_fd_ = ::open(self.c_str(), O_RDWR | O_CLOEXEC);
    if (write_back_fd_ < 0) return FileError(errno, "cannot reopen", path_);
  }
  if (::sync_file_range(
          write_back_fd_, static_cast<off64_t>(from), static_cast<off64_t>(to - from),
          SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER) != 0) {
    return FileError(errno, "cannot write back", path_);
  }
  return Status::Ok();
}

Status MappedFile::WriteAt(std::size_t offset, std::span<const std::uint8_t> bytes) {
  if (offset > size_ || bytes.size() > size_ - offset) {
    return InternalError("a write of " + std::to_string(bytes.size()) + " bytes at offset " +
                         std::to_string(offset) + " runs past the end of " + path_);
  }
  const std::uint8_t* p = bytes.data();
  std::size_t left = bytes.size();
  off_t at = static_cast<off_t>(offset);
  while (left > 0) {
    ssize_t n = ::pwrite(fd_, p, left, at);
    if (n < 0) {
      if (errno == EINTR) continue;
      return FileError(errno, "cannot write", path_);
    }
    p += n;
    left -= static_cast<std::size_t>(n);
    at += n;
  }
  return Status::Ok();
}

Status MappedFile::ZeroFill(std::size_t from, std::size_t to) {
  // One page per pwrite, on purpose: the page cache sizes a new folio by the write that
  // creates it, and the kernel writes back and syncs whole folios. Zeros written in 1 MiB
  // calls would leave 1 MiB folios, and then every later sync of one appended record would
  // write up to a whole folio. Never written, and not const (so it lives in .bss, not in the
  // library file): its page stays the kernel's zero page.
  static std::uint8_t zeros[kPage];
  to = std::min(to, size_);
  while (from < to) {
    std::size_t n = std::min(to - from, kPage - from % kPage);
    QUIVER_RETURN_IF_ERROR(WriteAt(from, std::span<const std::uint8_t>(zeros, n)));
    from += n;
  }
  return Status::Ok();
}

std::size_t MappedFile::ZeroFrom(std::size_t from) {
  std::size_t dirty_end = from;
  std::size_t pos = from;
  while (pos < size_) {
    std::size_t next = std::min(size_, (pos / kPage + 1) * kPage);
    const std::uint8_t* p = data_ + pos;
    std::size_t n = next - pos;
    bool zero = p[0] == 0 && std::memcmp(p, p + 1, n - 1) == 0;
    if (!zero) {
      std::memset(data_ + pos, 0, n);
      dirty_end = next;
    }
    pos = next;
  }
  return dirty_end - from;
}

}  // namespace quiver::storage::commitlog
