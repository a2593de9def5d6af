# Included by src/bench/CMakeLists.txt when the host library exists: the
# Wasm-process scenarios (module-storm, fairness).
target_sources(rusm-bench PRIVATE
  ${CMAKE_CURRENT_SOURCE_DIR}/scn_module_storm.c
  ${CMAKE_CURRENT_SOURCE_DIR}/scn_fairness.c
  ${CMAKE_CURRENT_SOURCE_DIR}/scn_idle_wasm.c)
target_compile_definitions(rusm-bench PRIVATE RUSM_BENCH_HOST=1)
target_link_libraries(rusm-bench PRIVATE rusm_host)
foreach(s module-storm fairness idle-wasm)
  add_test(NAME bench_smoke_${s}
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/check_json.py
            $<TARGET_FILE:rusm-bench> ${s} 1)
  set_tests_properties(bench_smoke_${s} PROPERTIES TIMEOUT 120)
endforeach()
