#include "kernel/roles/broker/processing/metadata_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace quiver::broker {

namespace {

Status OsError(std::string_view step, const std::filesystem::path& path, int error) {
  return InternalError(std::string(step) + " " + path.string() + ": " + std::strerror(error));
}

// Closes a descriptor on scope exit.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  int Release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

}  // namespace

MetadataStore::MetadataStore(std::filesystem::path store_dir)
    : config_dir_(std::move(store_dir) / "config") {}

StatusOr<std::optional<std::string>> MetadataStore::Load(std::string_view name) const {
  std::filesystem::path path = PathOf(name);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    if (ec) return InternalError("cannot stat " + path.string() + ": " + ec.message());
    return std::optional<std::string>();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return OsError("cannot open", path, errno);
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) return OsError("cannot read", path, errno);
  return std::optional<std::string>(content.str());
}

Status MetadataStore::Save(std::string_view name, std::string_view content) const {
  std::error_code ec;
  std::filesystem::create_directories(config_dir_, ec);
  if (ec) return InternalError("cannot create " + config_dir_.string() + ": " + ec.message());
  std::filesystem::path path = PathOf(name);
  std::filesystem::path temp = path;
  temp += ".tmp";
  {
    Fd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (fd.get() < 0) return OsError("cannot create", temp, errno);
    const char* data = content.data();
    std::size_t left = content.size();
    while (left > 0) {
      ssize_t n = ::write(fd.get(), data, left);
      if (n < 0) {
        if (errno == EINTR) continue;
        return OsError("cannot write", temp, errno);
      }
      data += n;
      left -= static_cast<std::size_t>(n);
    }
    if (::fsync(fd.get()) != 0) return OsError("cannot fsync", temp, errno);
    if (::close(fd.Release()) != 0) return OsError("cannot close", temp, errno);
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) return OsError("cannot rename to", path, errno);
  Fd dir(::open(config_dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() < 0) return OsError("cannot open directory", config_dir_, errno);
  if (::fsync(dir.get()) != 0) return OsError("cannot fsync directory", config_dir_, errno);
  return Status::Ok();
}

}  // namespace quiver::broker
