# Unit tests of the Feature Map Mosaic's VTK-free layout (Representations/Core), included
# from Testing/CMakeLists.txt inside if(BUILD_TESTING) after find_package(GTest).
add_executable(CNNSlicerMosaicTests
  ${CMAKE_CURRENT_LIST_DIR}/TestMosaicLayout.cxx)
target_link_libraries(CNNSlicerMosaicTests
  PRIVATE CNNSlicer::MosaicCore GTest::gtest_main)
target_compile_options(CNNSlicerMosaicTests PRIVATE ${CNNSLICER_WARNING_FLAGS})
gtest_discover_tests(CNNSlicerMosaicTests
  PROPERTIES LABELS unit
  DISCOVERY_TIMEOUT 60)
