#pragma once
// Symbol visibility for the plugin SDK (libquiver-sdk.so).
//
// Plugins are built with -fvisibility=hidden. Every polymorphic SDK class is marked
// QUIVER_SDK_VISIBLE so that its typeinfo and vtable resolve to one definition (the key
// function lives in libquiver-sdk.so), and free functions of the SDK are QUIVER_SDK_API.
#define QUIVER_SDK_VISIBLE [[gnu::visibility("default")]]
#define QUIVER_SDK_API [[gnu::visibility("default")]]
