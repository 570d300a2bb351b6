# ctest's sdk_install: installs the Quiver SDK package of a build tree into a fresh PREFIX
# and checks that it holds what an out-of-tree plugin build needs (cmake -P;
# -DQUIVER_BUILD_DIR -DPREFIX -DLIBDIR -DINCLUDEDIR).
foreach(var QUIVER_BUILD_DIR PREFIX LIBDIR INCLUDEDIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "install_sdk.cmake: -D${var}=... is required")
  endif()
endforeach()

file(REMOVE_RECURSE ${PREFIX})
# Only the SDK package: the top level's own rules (QuiverTargets export, QuiverConfig*.cmake,
# QuiverPlugin.cmake; CMAKE_INSTALL_LOCAL_ONLY skips the subdirectories) and the rules of
# every directory under sdk/ (libquiver-sdk.so, include/quiver, and what else the SDK
# exports into QuiverTargets, such as the client library). `cmake --install <build>` would
# also install the quiver executable and every shipped plugin, and fail unless all are built.
file(GLOB_RECURSE sdk_scripts ${QUIVER_BUILD_DIR}/sdk/cmake_install.cmake)
foreach(script ${QUIVER_BUILD_DIR}/cmake_install.cmake ${sdk_scripts})
  execute_process(
    COMMAND ${CMAKE_COMMAND} -DCMAKE_INSTALL_PREFIX=${PREFIX} -DCMAKE_INSTALL_LOCAL_ONLY=ON
            -P ${script}
    RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "installing ${script} into ${PREFIX} failed (${result}); build the "
                        "SDK's targets (quiver_sdk and the other targets under sdk/) first:\n${output}")
  endif()
endforeach()

set(required
  ${INCLUDEDIR}/quiver/plugin.h
  ${INCLUDEDIR}/quiver/plugin_export.h
  ${INCLUDEDIR}/quiver/version.h
  ${INCLUDEDIR}/quiver/replication.h
  ${LIBDIR}/libquiver-sdk.so
  ${LIBDIR}/cmake/Quiver/QuiverConfig.cmake
  ${LIBDIR}/cmake/Quiver/QuiverConfigVersion.cmake
  ${LIBDIR}/cmake/Quiver/QuiverTargets.cmake
  ${LIBDIR}/cmake/Quiver/QuiverPlugin.cmake)
foreach(file IN LISTS required)
  if(NOT EXISTS ${PREFIX}/${file})
    message(FATAL_ERROR "the install into ${PREFIX} lacks ${file}")
  endif()
endforeach()

# Like abseil's install test: the exported target has the name users link.
file(READ ${PREFIX}/${LIBDIR}/cmake/Quiver/QuiverTargets.cmake targets)
if(NOT targets MATCHES "add_library\\(Quiver::sdk SHARED IMPORTED\\)")
  message(FATAL_ERROR "${PREFIX}/${LIBDIR}/cmake/Quiver/QuiverTargets.cmake does not define "
                      "the imported target Quiver::sdk")
endif()
message(STATUS "installed the Quiver SDK into ${PREFIX}")
