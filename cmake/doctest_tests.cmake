# Registers each doctest TEST_CASE as its own ctest test, found by listing at build time.
function(segrt_add_doctest_tests target)
  set(script "${CMAKE_CURRENT_BINARY_DIR}/${target}_tests.cmake")
  add_custom_command(TARGET ${target} POST_BUILD
    COMMAND ${CMAKE_COMMAND} -DEXE=$<TARGET_FILE:${target}> -DOUT=${script}
            -P ${CMAKE_SOURCE_DIR}/cmake/doctest_discover.cmake
    VERBATIM)
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${script})
endfunction()
