#include "quiver/buffer.h"

#include <cstring>

#include "quiver/status.h"

namespace quiver {
inline namespace v1 {

Buffer Buffer::CopyOf(std::span<const std::uint8_t> bytes) {
  return FromVector(std::vector<std::uint8_t>(bytes.begin(), bytes.end()));
}

Buffer Buffer::CopyOf(std::string_view text) {
  return CopyOf(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(text.data()),
                                              text.size()));
}

Buffer Buffer::FromVector(std::vector<std::uint8_t> bytes) {
  auto owner = std::make_shared<std::vector<std::uint8_t>>(std::move(bytes));
  const std::uint8_t* data = owner->data();
  std::size_t size = owner->size();
  return Buffer(std::move(owner), data, size);
}

Buffer Buffer::FromString(std::string text) {
  auto owner = std::make_shared<std::string>(std::move(text));
  const auto* data = reinterpret_cast<const std::uint8_t*>(owner->data());
  std::size_t size = owner->size();
  return Buffer(std::move(owner), data, size);
}

Buffer Buffer::Slice(std::size_t offset, std::size_t length) const {
  QUIVER_CHECK(offset <= size_ && length <= size_ - offset);
  return Buffer(owner_, data_ + offset, length);
}

std::vector<std::uint8_t> BufferList::Flatten() const {
  std::vector<std::uint8_t> out;
  out.reserve(size_);
  for (const Buffer& b : parts_) out.insert(out.end(), b.data(), b.data() + b.size());
  return out;
}

std::string BufferList::ToString() const {
  std::string out;
  out.reserve(size_);
  for (const Buffer& b : parts_) out.append(b.view());
  return out;
}

Buffer BufferList::Contiguous() const {
  if (parts_.empty()) return Buffer();
  if (parts_.size() == 1) return parts_.front();
  return Buffer::FromVector(Flatten());
}

}  // namespace v1
}  // namespace quiver
