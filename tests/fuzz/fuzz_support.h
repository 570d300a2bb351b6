#pragma once
// Shared helpers for the libFuzzer targets in this folder (see docs/FUZZING.md).

#include <cstdio>
#include <cstdlib>

#include "quiver/protocol/remoting_command.h"

// A property a fuzz target checks; a violation is reported as a crash with file:line.
#define FUZZ_CHECK(cond)                                                                      \
  do {                                                                                        \
    if (!(cond)) {                                                                            \
      std::fprintf(stderr, "%s:%d: fuzz property violated: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                           \
    }                                                                                         \
  } while (0)

namespace quiver::protocol::fuzz {

inline bool SameHeader(const RemotingCommand& a, const RemotingCommand& b) {
  return a.code == b.code && a.language == b.language && a.version == b.version &&
         a.opaque == b.opaque && a.flag == b.flag && a.remark == b.remark &&
         a.ext_fields == b.ext_fields && a.serialize_type == b.serialize_type;
}

}  // namespace quiver::protocol::fuzz
