#pragma once
// Returns a non-OK Status from the enclosing function. Unlike QUIVER_RETURN_IF_ERROR it
// holds the Status by value, so `expr` may be a temporary returned by value.
#define COMMITLOG_RETURN_IF_ERROR(expr)                    \
  do {                                                     \
    ::quiver::Status commitlog_status_ = (expr);           \
    if (!commitlog_status_.ok()) return commitlog_status_; \
  } while (0)
