# quiver_add_plugin(KIND <transport|registry|storage|replication> NAME <name>
#                   SOURCES <files...> [LIBRARIES <libs...>] [NO_INSTALL])
#
# Builds a plugin as quiver-<kind>-<name>.so (a MODULE library: dlopen only) with hidden
# visibility, --no-undefined, linked to the plugin SDK. The target is named
# quiver-<kind>-<name>. Works in tree and out of tree (after find_package(Quiver)).
function(quiver_add_plugin)
  cmake_parse_arguments(QP "NO_INSTALL" "KIND;NAME;OUTPUT_DIRECTORY" "SOURCES;LIBRARIES" ${ARGN})
  set(kinds transport registry storage replication)
  if(NOT QP_KIND IN_LIST kinds)
    message(FATAL_ERROR "quiver_add_plugin: KIND must be one of ${kinds}, got '${QP_KIND}'")
  endif()
  if(NOT QP_NAME)
    message(FATAL_ERROR "quiver_add_plugin: NAME is required")
  endif()
  set(target quiver-${QP_KIND}-${QP_NAME})
  add_library(${target} MODULE ${QP_SOURCES})
  if(TARGET quiver_sdk)
    target_link_libraries(${target} PRIVATE quiver_sdk)
  else()
    target_link_libraries(${target} PRIVATE Quiver::sdk)
  endif()
  if(QP_LIBRARIES)
    target_link_libraries(${target} PRIVATE ${QP_LIBRARIES})
  endif()
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    OUTPUT_NAME ${target}
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  target_link_options(${target} PRIVATE -Wl,--no-undefined)
  # GCC gives static locals of inline functions and static template members (Boost.System's
  # categories, pulled in by BOOST_DLL_ALIAS; fmt's) STB_GNU_UNIQUE binding, and glibc never
  # unloads a library that defines one: the library must unload after its last object.
  target_compile_options(${target} PRIVATE $<$<CXX_COMPILER_ID:GNU>:-fno-gnu-unique>)
  if(QP_OUTPUT_DIRECTORY)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${QP_OUTPUT_DIRECTORY})
  elseif(DEFINED QUIVER_PLUGIN_OUTPUT_DIR)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${QUIVER_PLUGIN_OUTPUT_DIR})
  endif()
  if(NOT QP_NO_INSTALL AND DEFINED QUIVER_PLUGIN_INSTALL_DIR)
    install(TARGETS ${target} LIBRARY DESTINATION ${QUIVER_PLUGIN_INSTALL_DIR})
  endif()
endfunction()
