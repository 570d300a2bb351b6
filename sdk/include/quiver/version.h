#pragma once
#include <cstdint>

// Version of the plugin SDK and of the binary interface between the kernel and plugins.
//
// kPluginAbiVersion changes whenever a type that crosses the plugin boundary changes
// shape (an interface gains a method, a struct gains a field). The kernel refuses a plugin
// whose descriptor carries another value before calling anything in it. The inline
// namespace v1 of every SDK symbol makes a plugin built against another major SDK fail
// at dlopen (RTLD_NOW) with an undefined symbol instead of misbehaving at run time.

#define QUIVER_VERSION_MAJOR 0
#define QUIVER_VERSION_MINOR 1
#define QUIVER_VERSION_PATCH 0
#define QUIVER_VERSION_STRING "0.1.0"

// Compiler, standard library and SDK version a plugin was built with. Stored in the
// descriptor so `quiver plugins` and load errors can show it; a mismatch is reported.
#define QUIVER_STRINGIFY_INNER(x) #x
#define QUIVER_STRINGIFY(x) QUIVER_STRINGIFY_INNER(x)
#if defined(__clang__)
#define QUIVER_COMPILER_ID "clang-" QUIVER_STRINGIFY(__clang_major__)
#else
#define QUIVER_COMPILER_ID "gcc-" QUIVER_STRINGIFY(__GNUC__)
#endif
#define QUIVER_BUILD_ID                                      \
  "quiver-sdk-" QUIVER_VERSION_STRING " " QUIVER_COMPILER_ID \
  " cxx11abi-" QUIVER_STRINGIFY(_GLIBCXX_USE_CXX11_ABI)

namespace quiver {
inline namespace v1 {

inline constexpr std::uint32_t kPluginAbiVersion = 1;

}  // namespace v1
}  // namespace quiver
