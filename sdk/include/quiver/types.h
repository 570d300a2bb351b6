#pragma once
// Strong types for ids, offsets and terms, and a tagged bool.
//
// A queue offset (the index of a message in its consume queue) and a commit-log offset
// (a byte position in the commit log) are different types so the compiler catches a mix-up.

#include <compare>
#include <cstdint>
#include <functional>
#include <ostream>

namespace quiver {
inline namespace v1 {

template <typename Tag, typename Rep>
class StrongInt {
 public:
  using rep_type = Rep;
  constexpr StrongInt() = default;
  constexpr explicit StrongInt(Rep value) : value_(value) {}
  constexpr Rep value() const { return value_; }

  friend constexpr auto operator<=>(StrongInt, StrongInt) = default;
  friend constexpr bool operator==(StrongInt, StrongInt) = default;
  // Offsets move forward by a count of their own unit.
  constexpr StrongInt operator+(Rep delta) const { return StrongInt(value_ + delta); }
  constexpr StrongInt operator-(Rep delta) const { return StrongInt(value_ - delta); }
  constexpr Rep operator-(StrongInt other) const { return value_ - other.value_; }
  constexpr StrongInt& operator+=(Rep delta) {
    value_ += delta;
    return *this;
  }
  friend std::ostream& operator<<(std::ostream& os, StrongInt v) { return os << v.value_; }

 private:
  Rep value_{};
};

// Index of a message within its (topic, queue): 0, 1, 2, ...
using QueueOffset = StrongInt<struct QueueOffsetTag, std::int64_t>;
// Byte position in the broker's commit log; also identifies a record.
using CommitLogOffset = StrongInt<struct CommitLogOffsetTag, std::int64_t>;
// Queue number within a topic on one broker group.
using QueueId = StrongInt<struct QueueIdTag, std::int32_t>;
// 0 = master; > 0 = slave (master-slave), or member id (raft).
using BrokerId = StrongInt<struct BrokerIdTag, std::int64_t>;
// Raft term / leader epoch.
using Term = StrongInt<struct TermTag, std::int64_t>;

inline constexpr BrokerId kMasterBrokerId{0};

// A bool that says what it means at the call site: `Append(batch, WaitForFlush::kYes)`.
template <typename Tag>
class BoolClass {
 public:
  static const BoolClass kYes;
  static const BoolClass kNo;
  constexpr explicit BoolClass(bool value) : value_(value) {}
  constexpr explicit operator bool() const { return value_; }
  friend constexpr bool operator==(BoolClass, BoolClass) = default;

 private:
  bool value_;
};
template <typename Tag>
inline const BoolClass<Tag> BoolClass<Tag>::kYes{true};
template <typename Tag>
inline const BoolClass<Tag> BoolClass<Tag>::kNo{false};

}  // namespace v1
}  // namespace quiver

template <typename Tag, typename Rep>
struct std::hash<quiver::StrongInt<Tag, Rep>> {
  std::size_t operator()(quiver::StrongInt<Tag, Rep> v) const noexcept {
    return std::hash<Rep>()(v.value());
  }
};
