#pragma once
// QUIVER_PLUGIN: the one line a plugin's plugin.cc contains.
//
//   QUIVER_PLUGIN(quiver::PluginKind::kTransport, "tcp", "1.0.0",
//                 quiver::transport::tcp::TcpTransportFactory);
//
// It defines the PluginDescriptor and exports it as the Boost.DLL alias quiver_plugin_v1.
// The factory class must derive from the kind's factory (TransportFactory, ...) and be
// default-constructible; an exception from its constructor makes create_factory return
// nullptr (the kernel reports "factory failed").

#include <type_traits>

#include <boost/dll/alias.hpp>

#include "quiver/plugin.h"
#include "quiver/version.h"

#define QUIVER_PLUGIN(kind_value, name_literal, version_literal, FactoryClass)      \
  static_assert(std::is_base_of_v<::quiver::PluginFactory, FactoryClass>,           \
                "the factory must derive from the kind's factory interface");       \
  static_assert(FactoryClass::kKind == (kind_value),                                \
                "the factory's interface does not match the declared plugin kind"); \
  namespace {                                                                       \
  ::quiver::PluginFactory* QuiverCreatePluginFactory() {                            \
    try {                                                                           \
      return new FactoryClass();                                                    \
    } catch (...) {                                                                 \
      return nullptr;                                                               \
    }                                                                               \
  }                                                                                 \
  }                                                                                 \
  extern "C" const ::quiver::PluginDescriptor quiver_plugin_descriptor_v1;          \
  const ::quiver::PluginDescriptor quiver_plugin_descriptor_v1 = {                  \
      ::quiver::kPluginAbiVersion,                                                  \
      sizeof(::quiver::PluginDescriptor),                                           \
      (kind_value),                                                                 \
      name_literal,                                                                 \
      version_literal,                                                              \
      QUIVER_BUILD_ID,                                                              \
      &QuiverCreatePluginFactory};                                                  \
  BOOST_DLL_ALIAS(quiver_plugin_descriptor_v1, quiver_plugin_v1)
