#include "ha_protocol.h"

#include <algorithm>
#include <string>

namespace quiver::replication::master_slave {
namespace {

std::int64_t GetI64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return static_cast<std::int64_t>(v);
}

std::int32_t GetI32(const std::uint8_t* p) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | p[i];
  return static_cast<std::int32_t>(v);
}

void PutI64(std::uint8_t* p, std::int64_t value) {
  auto v = static_cast<std::uint64_t>(value);
  for (int i = 7; i >= 0; --i, v >>= 8) p[i] = static_cast<std::uint8_t>(v & 0xff);
}

}  // namespace

std::array<std::uint8_t, kReportSize> EncodeReport(std::int64_t offset) {
  std::array<std::uint8_t, kReportSize> out{};
  PutI64(out.data(), offset);
  return out;
}

std::array<std::uint8_t, kTransferHeaderSize> EncodeTransferHeader(std::int64_t offset,
                                                                   std::int32_t size) {
  std::array<std::uint8_t, kTransferHeaderSize> out{};
  PutI64(out.data(), offset);
  auto v = static_cast<std::uint32_t>(size);
  for (int i = 11; i >= 8; --i, v >>= 8) out[static_cast<std::size_t>(i)] = v & 0xff;
  return out;
}

StatusOr<std::optional<std::int64_t>> ReportDecoder::Feed(std::span<const std::uint8_t> bytes) {
  std::optional<std::int64_t> last;
  for (std::uint8_t b : bytes) {
    partial_[partial_size_++] = b;
    if (partial_size_ == kReportSize) {
      partial_size_ = 0;
      std::int64_t value = GetI64(partial_.data());
      if (value < 0) {
        return InvalidArgumentError("HA report of a negative offset " + std::to_string(value));
      }
      last = value;
    }
  }
  return last;
}

Status TransferDecoder::Feed(std::span<const std::uint8_t> bytes, std::vector<TransferFrame>& out) {
  if (failed_) return FailedPreconditionError("HA transfer decoder already failed");
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    if (!current_) {
      const std::size_t take = std::min(kTransferHeaderSize - header_size_, bytes.size() - pos);
      std::copy_n(bytes.data() + pos, take, header_.data() + header_size_);
      header_size_ += take;
      pos += take;
      if (header_size_ < kTransferHeaderSize) break;
      header_size_ = 0;
      const std::int64_t offset = GetI64(header_.data());
      const std::int32_t size = GetI32(header_.data() + 8);
      if (offset < 0 || size < 0 || size > max_body_) {
        failed_ = true;
        return InvalidArgumentError("HA transfer frame with offset " + std::to_string(offset) +
                                    " and body size " + std::to_string(size) + " (the limit is " +
                                    std::to_string(max_body_) + " bytes)");
      }
      current_.emplace();
      current_->offset = offset;
      current_->body.reserve(static_cast<std::size_t>(size));
      body_missing_ = static_cast<std::size_t>(size);
    }
    const std::size_t take = std::min(body_missing_, bytes.size() - pos);
    current_->body.insert(current_->body.end(), bytes.begin() + static_cast<std::ptrdiff_t>(pos),
                          bytes.begin() + static_cast<std::ptrdiff_t>(pos + take));
    pos += take;
    body_missing_ -= take;
    if (body_missing_ == 0) {
      out.push_back(std::move(*current_));
      current_.reset();
    }
  }
  return Status::Ok();
}

}  // namespace quiver::replication::master_slave
