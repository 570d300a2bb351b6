#pragma once
// Reference-counted, immutable byte ranges for message bodies and records.
//
// A Buffer points at bytes that some owner keeps alive: a heap block it allocated, a
// received frame, or a mapped commit-log segment (the storage plugin hands out Buffers
// into its mapping, and the mapping stays valid while any Buffer refers to it). Copying a
// Buffer copies a pointer and bumps a reference count; the bytes are never copied.
// A BufferList is a sequence of Buffers sent as one body with scatter/gather I/O.
//
// Thread safety: a Buffer may be copied and read from any thread (the bytes are
// immutable once a Buffer refers to them).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "quiver/export.h"

namespace quiver {
inline namespace v1 {

class QUIVER_SDK_VISIBLE Buffer {
 public:
  Buffer() = default;
  // Views `size` bytes at `data`, kept alive by `owner` (any shared object).
  Buffer(std::shared_ptr<const void> owner, const std::uint8_t* data, std::size_t size)
      : owner_(std::move(owner)), data_(data), size_(size) {}

  // Copies the bytes into a new heap block.
  static Buffer CopyOf(std::span<const std::uint8_t> bytes);
  static Buffer CopyOf(std::string_view text);
  // Takes ownership of `bytes` without copying them.
  static Buffer FromVector(std::vector<std::uint8_t> bytes);
  static Buffer FromString(std::string text);

  const std::uint8_t* data() const { return data_; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::span<const std::uint8_t> span() const { return {data_, size_}; }
  std::string_view view() const { return {reinterpret_cast<const char*>(data_), size_}; }

  // A sub-range sharing the same owner. REQUIRES: offset + length <= size().
  Buffer Slice(std::size_t offset, std::size_t length) const;

 private:
  std::shared_ptr<const void> owner_;
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

class QUIVER_SDK_VISIBLE BufferList {
 public:
  BufferList() = default;
  explicit BufferList(Buffer buffer) { Append(std::move(buffer)); }

  void Append(Buffer buffer) {
    if (buffer.empty()) return;
    size_ += buffer.size();
    parts_.push_back(std::move(buffer));
  }
  void Append(const BufferList& other) {
    for (const Buffer& b : other.parts_) Append(b);
  }

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const std::vector<Buffer>& parts() const { return parts_; }

  // Copies every part into one contiguous block (for code that must parse the bytes).
  std::vector<std::uint8_t> Flatten() const;
  std::string ToString() const;
  // One contiguous Buffer: the single part itself when there is one, else a copy.
  Buffer Contiguous() const;

 private:
  std::vector<Buffer> parts_;
  std::size_t size_ = 0;
};

}  // namespace v1
}  // namespace quiver
