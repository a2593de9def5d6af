# Included by src/bench/CMakeLists.txt when the host library exists: the
# Wasm-process scenarios, with their guests (guests/*.wat) embedded.
find_program(WAT2WASM wat2wasm REQUIRED)
set(HOST_GUEST_DIR ${CMAKE_CURRENT_BINARY_DIR}/guests)
file(MAKE_DIRECTORY ${HOST_GUEST_DIR})
foreach(g empty spin bystander idle stream_producer stream_consumer)
  add_custom_command(OUTPUT ${HOST_GUEST_DIR}/${g}.wasm
    COMMAND ${WAT2WASM} ${CMAKE_CURRENT_SOURCE_DIR}/guests/${g}.wat -o ${HOST_GUEST_DIR}/${g}.wasm
    DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/guests/${g}.wat VERBATIM)
  rusm_embed(${HOST_GUEST_DIR}/${g}.c ${HOST_GUEST_DIR}/${g}.wasm guest_${g})
  target_sources(rusm_bench_scn PRIVATE ${HOST_GUEST_DIR}/${g}.c)
endforeach()
target_sources(rusm_bench_scn PRIVATE
  ${CMAKE_CURRENT_SOURCE_DIR}/scn_module_storm.c
  ${CMAKE_CURRENT_SOURCE_DIR}/scn_fairness.c
  ${CMAKE_CURRENT_SOURCE_DIR}/scn_idle_wasm.c
  ${CMAKE_CURRENT_SOURCE_DIR}/scn_stream_pipe_wasm.c)
target_compile_definitions(rusm_bench_scn PUBLIC RUSM_BENCH_HOST=1)
target_link_libraries(rusm_bench_scn PUBLIC rusm_host)
foreach(s module-storm fairness stream-pipe-wasm)
  add_test(NAME bench_smoke_${s}
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/check_json.py
            $<TARGET_FILE:rusm-bench> ${s} 0.5)
  set_tests_properties(bench_smoke_${s} PROPERTIES TIMEOUT 120)
endforeach()
# idle-wasm parks its whole population at once: --smoke makes it 1,000.
add_test(NAME bench_smoke_idle-wasm
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/check_json.py
          $<TARGET_FILE:rusm-bench> idle-wasm 0.2 --smoke)
set_tests_properties(bench_smoke_idle-wasm PROPERTIES TIMEOUT 120)
