# ctest's oot_plugin_build: configures and builds the out-of-tree sample plugin against the
# SDK installed in PREFIX, with the same compiler and build type as the tree (cmake -P;
# -DSOURCE_DIR -DBUILD_DIR -DPREFIX -DGENERATOR -DCXX_COMPILER [-DBUILD_TYPE -DLAUNCHER]).
foreach(var SOURCE_DIR BUILD_DIR PREFIX GENERATOR CXX_COMPILER)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "build_sample.cmake: -D${var}=... is required")
  endif()
endforeach()

file(REMOVE_RECURSE ${BUILD_DIR})
set(options -DCMAKE_PREFIX_PATH=${PREFIX} -DCMAKE_CXX_COMPILER=${CXX_COMPILER})
if(BUILD_TYPE)
  list(APPEND options -DCMAKE_BUILD_TYPE=${BUILD_TYPE})
endif()
if(LAUNCHER)
  list(APPEND options -DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCHER})
endif()

execute_process(
  COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${BUILD_DIR} -G ${GENERATOR} ${options}
  RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "configuring ${SOURCE_DIR} against ${PREFIX} failed:\n${output}")
endif()
execute_process(
  COMMAND ${CMAKE_COMMAND} --build ${BUILD_DIR}
  RESULT_VARIABLE result OUTPUT_VARIABLE output ERROR_VARIABLE output)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "building ${SOURCE_DIR} against ${PREFIX} failed:\n${output}")
endif()
if(NOT EXISTS ${BUILD_DIR}/quiver-replication-sample.so)
  message(FATAL_ERROR "the build did not produce ${BUILD_DIR}/quiver-replication-sample.so")
endif()
message(STATUS "built ${BUILD_DIR}/quiver-replication-sample.so")
