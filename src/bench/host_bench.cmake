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
  target_sources(rusm-bench PRIVATE ${HOST_GUEST_DIR}/${g}.c)
endforeach()
target_sources(rusm-bench PRIVATE
  ${CMAKE_CURRENT_SOURCE_DIR}/scn_module_storm.c
  ${CMAKE_CURRENT_SOURCE_DIR}/scn_fairness.c
  ${CMAKE_CURRENT_SOURCE_DIR}/scn_idle_wasm.c
  ${CMAKE_CURRENT_SOURCE_DIR}/scn_stream_pipe_wasm.c)
target_compile_definitions(rusm-bench PRIVATE RUSM_BENCH_HOST=1)
target_link_libraries(rusm-bench PRIVATE rusm_host)
foreach(s module-storm fairness stream-pipe-wasm)
  add_test(NAME bench_smoke_${s}
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/check_json.py
            $<TARGET_FILE:rusm-bench> ${s} 1)
  set_tests_properties(bench_smoke_${s} PROPERTIES TIMEOUT 120)
endforeach()
