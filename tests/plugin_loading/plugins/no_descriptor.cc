// quiver-storage-nodescriptor.so: named like a plugin, but exports no quiver_plugin_v1.
extern "C" [[gnu::visibility("default")]] int QuiverTestNotAPlugin() { return 42; }
