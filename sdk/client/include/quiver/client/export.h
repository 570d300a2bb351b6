#pragma once
// Symbol visibility for the client library (libquiver-client.so). The library is built with
// default visibility (its tests use internal helpers); the marker documents the public API.
#define QUIVER_CLIENT_API [[gnu::visibility("default")]]
