# quiver_add_test(NAME <name> SOURCES <files...> [LIBRARIES <libs...>]
#                 [LABELS <labels...>] [RESOURCE_LOCK <locks...>] [TIMEOUT <s>])
#
# One GoogleTest binary; every TEST becomes a ctest test carrying LABELS (unit,
# integration, slow, ...). Tests that start processes take RESOURCE_LOCK so they do not
# fight for the 2 cores.
function(quiver_add_test)
  cmake_parse_arguments(QT "" "NAME;TIMEOUT" "SOURCES;LIBRARIES;LABELS;RESOURCE_LOCK" ${ARGN})
  add_executable(${QT_NAME} ${QT_SOURCES})
  target_link_libraries(${QT_NAME} PRIVATE ${QT_LIBRARIES} GTest::gmock GTest::gtest_main)
  if(NOT QT_LABELS)
    set(QT_LABELS unit)
  endif()
  if(NOT QT_TIMEOUT)
    set(QT_TIMEOUT 120)
  endif()
  set(props LABELS "${QT_LABELS}" TIMEOUT ${QT_TIMEOUT})
  if(QT_RESOURCE_LOCK)
    list(APPEND props RESOURCE_LOCK "${QT_RESOURCE_LOCK}")
  endif()
  gtest_discover_tests(${QT_NAME} DISCOVERY_TIMEOUT 60 PROPERTIES ${props})
endfunction()
