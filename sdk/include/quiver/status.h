#pragma once
// Errors as values: Status and StatusOr<T>, with abseil's canonical codes.
//
// Every operation that can fail for a reason outside the program's control (network,
// disk, peer, config, plugin file) returns a Status or StatusOr<T>. No exception crosses
// a plugin boundary. A Status message says what failed, where, and how to fix it when the
// cause is the user's (a config key, a file).
//
// Thread safety: Status and StatusOr are values; distinct objects may be used from
// different threads, one object is not synchronised.

#include <cstdlib>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "quiver/export.h"

namespace quiver {
inline namespace v1 {

enum class StatusCode : int {
  kOk = 0,
  kCancelled = 1,
  kUnknown = 2,
  kInvalidArgument = 3,
  kDeadlineExceeded = 4,
  kNotFound = 5,
  kAlreadyExists = 6,
  kPermissionDenied = 7,
  kResourceExhausted = 8,
  kFailedPrecondition = 9,
  kAborted = 10,
  kOutOfRange = 11,
  kUnimplemented = 12,
  kInternal = 13,
  kUnavailable = 14,
  kDataLoss = 15,
};

// "INVALID_ARGUMENT" etc.
QUIVER_SDK_API std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] QUIVER_SDK_VISIBLE Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message);

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "INVALID_ARGUMENT: broker.toml:3:1: ..." ("OK" for success).
  std::string ToString() const;

  // Returns a copy whose message is prefixed with `context: `; OK stays OK.
  Status WithContext(std::string_view context) const;

  // Explicitly ignores a Status where dropping it is correct (documented at the call site).
  void IgnoreError() const {}

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_;
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

QUIVER_SDK_API std::ostream& operator<<(std::ostream& os, const Status& status);

inline Status CancelledError(std::string m) { return {StatusCode::kCancelled, std::move(m)}; }
inline Status UnknownError(std::string m) { return {StatusCode::kUnknown, std::move(m)}; }
inline Status InvalidArgumentError(std::string m) {
  return {StatusCode::kInvalidArgument, std::move(m)};
}
inline Status DeadlineExceededError(std::string m) {
  return {StatusCode::kDeadlineExceeded, std::move(m)};
}
inline Status NotFoundError(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status AlreadyExistsError(std::string m) {
  return {StatusCode::kAlreadyExists, std::move(m)};
}
inline Status PermissionDeniedError(std::string m) {
  return {StatusCode::kPermissionDenied, std::move(m)};
}
inline Status ResourceExhaustedError(std::string m) {
  return {StatusCode::kResourceExhausted, std::move(m)};
}
inline Status FailedPreconditionError(std::string m) {
  return {StatusCode::kFailedPrecondition, std::move(m)};
}
inline Status AbortedError(std::string m) { return {StatusCode::kAborted, std::move(m)}; }
inline Status OutOfRangeError(std::string m) { return {StatusCode::kOutOfRange, std::move(m)}; }
inline Status UnimplementedError(std::string m) {
  return {StatusCode::kUnimplemented, std::move(m)};
}
inline Status InternalError(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
inline Status UnavailableError(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
inline Status DataLossError(std::string m) { return {StatusCode::kDataLoss, std::move(m)}; }

// Aborts the process with file:line and the message. For broken internal invariants only.
[[noreturn]] QUIVER_SDK_API void CheckFailed(const char* file, int line, const char* condition,
                                             std::string_view message);

// A value or the error that prevented it. REQUIRES: constructed from a non-OK Status when
// holding an error (an OK Status without a value is an internal error, reported as such).
template <typename T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(const Status& status) : status_(status) { EnsureError(); }        // NOLINT: implicit
  StatusOr(Status&& status) : status_(std::move(status)) { EnsureError(); }  // NOLINT
  StatusOr(const T& value) : value_(value) {}        // NOLINT: implicit by design
  StatusOr(T&& value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  template <typename U, typename = std::enable_if_t<std::is_constructible_v<T, U&&> &&
                                                    !std::is_same_v<std::decay_t<U>, Status> &&
                                                    !std::is_same_v<std::decay_t<U>, StatusOr<T>> &&
                                                    !std::is_same_v<std::decay_t<U>, T>>>
  StatusOr(U&& value) : value_(T(std::forward<U>(value))) {}  // NOLINT: implicit by design

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }

  // REQUIRES: ok(). Accessing the value of an error aborts with the error's text.
  T& value() & {
    Check();
    return *value_;
  }
  const T& value() const& {
    Check();
    return *value_;
  }
  T&& value() && {
    Check();
    return std::move(*value_);
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  template <typename U>
  T value_or(U&& fallback) const& {
    return ok() ? *value_ : T(std::forward<U>(fallback));
  }

 private:
  void EnsureError() {
    if (status_.ok()) status_ = InternalError("StatusOr constructed from an OK Status");
  }
  void Check() const {
    if (!value_) CheckFailed(__FILE__, __LINE__, "StatusOr::ok()", status_.ToString());
  }

  Status status_;
  std::optional<T> value_;
};

namespace internal {
inline const Status& StatusOf(const Status& s) { return s; }
template <typename T>
const Status& StatusOf(const StatusOr<T>& s) {
  return s.status();
}
}  // namespace internal

}  // namespace v1
}  // namespace quiver

#define QUIVER_CONCAT_INNER(a, b) a##b
#define QUIVER_CONCAT(a, b) QUIVER_CONCAT_INNER(a, b)

// Returns the Status of `expr` from the enclosing function when it is not OK.
// The Status is copied: `expr` is often a temporary that dies at the end of this statement.
#define QUIVER_RETURN_IF_ERROR(expr)                                            \
  do {                                                                          \
    const ::quiver::Status quiver_status_ = ::quiver::internal::StatusOf(expr); \
    if (!quiver_status_.ok()) return quiver_status_;                            \
  } while (0)

// `QUIVER_ASSIGN_OR_RETURN(auto x, MakeX());` declares x from a StatusOr or returns its error.
#define QUIVER_ASSIGN_OR_RETURN(lhs, expr) \
  QUIVER_ASSIGN_OR_RETURN_IMPL(QUIVER_CONCAT(quiver_statusor_, __LINE__), lhs, expr)
#define QUIVER_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return tmp.status();                \
  lhs = std::move(tmp).value()

// Aborts loudly with file:line when an internal invariant does not hold (release builds too).
#define QUIVER_CHECK(cond)                                                             \
  do {                                                                                 \
    if (!(cond)) ::quiver::CheckFailed(__FILE__, __LINE__, #cond, std::string_view{}); \
  } while (0)
#define QUIVER_CHECK_MSG(cond, msg)                                       \
  do {                                                                    \
    if (!(cond)) ::quiver::CheckFailed(__FILE__, __LINE__, #cond, (msg)); \
  } while (0)
