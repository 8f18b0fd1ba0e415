# hyp/vgic.c built for the host (-DVGIC_HOST_TEST: tests/hyp/hyp_host.h
# stands in for hyp/hyp.h) and run against simulated GICH register files.
# Included from tests/hyp/CMakeLists.txt. Its last test runs vCPUs on
# threads, hence the concurrency label (scripts/test.sh runs those
# under TSan).
s2mm_add_test(test_vgic
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_vgic.c ${PROJECT_SOURCE_DIR}/hyp/vgic.c)
target_compile_definitions(test_vgic PRIVATE VGIC_HOST_TEST)
target_include_directories(test_vgic PRIVATE ${CMAKE_CURRENT_LIST_DIR}
  ${PROJECT_SOURCE_DIR}/hyp)
set_tests_properties(test_vgic PROPERTIES LABELS concurrency)
