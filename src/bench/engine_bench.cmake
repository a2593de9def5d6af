# engine_bench.cmake: the engine scenarios of rusm-bench (engine_*.c),
# included by src/bench/CMakeLists.txt when the rusm_engine target exists:
#   if(TARGET rusm_engine) include(engine_bench.cmake) endif()
# They need only the engine. The kernels (bench/kernels) are built to
# wasm32-wasi with clang and natively with gcc by the bench_kernels target.
target_sources(rusm_bench_scn PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/engine_kernels.c
  ${CMAKE_CURRENT_LIST_DIR}/engine_instantiate.c
  ${CMAKE_CURRENT_LIST_DIR}/engine_wasi_min.c)
# PUBLIC: main.c's scenario table needs the switch too.
target_compile_definitions(rusm_bench_scn PUBLIC RUSM_BENCH_ENGINE
  RUSM_BENCH_KERNELS_DIR="${CMAKE_BINARY_DIR}/bench-kernels")
target_link_libraries(rusm_bench_scn PUBLIC rusm_engine m)

set(kernels_dir ${CMAKE_SOURCE_DIR}/bench/kernels)
file(GLOB kernel_sources CONFIGURE_DEPENDS ${kernels_dir}/*.c)
find_program(RUSM_KERNEL_CLANG clang)
set(kernels_all)
if(RUSM_KERNEL_CLANG AND IS_DIRECTORY /usr/include/wasm32-wasi)
  set(kernels_all ALL)
endif()
set(kernel_outputs)
foreach(src ${kernel_sources})
  get_filename_component(k ${src} NAME_WE)
  list(APPEND kernel_outputs ${CMAKE_BINARY_DIR}/bench-kernels/${k}.wasm
                             ${CMAKE_BINARY_DIR}/bench-kernels/${k}.native)
endforeach()
add_custom_command(OUTPUT ${kernel_outputs}
  COMMAND sh ${kernels_dir}/build.sh ${CMAKE_BINARY_DIR}/bench-kernels
  DEPENDS ${kernel_sources} ${kernels_dir}/build.sh
  COMMENT "bench kernels: wasm32-wasi (clang) and native (gcc -O2)")
add_custom_target(bench_kernels ${kernels_all} DEPENDS ${kernel_outputs})

# Smoke tests in the contract's form (check_json.py): instantiate always;
# kernel-fib and kernels (--smoke inputs), which also check the engine's
# output against native, when the kernels can be built here (clang +
# wasi-libc), which then join ALL.
find_package(Python3 COMPONENTS Interpreter REQUIRED)
add_test(NAME bench_smoke_instantiate
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/check_json.py
          $<TARGET_FILE:rusm-bench> instantiate 0.4)
set_tests_properties(bench_smoke_instantiate PROPERTIES TIMEOUT 120)
if(kernels_all)
  add_test(NAME bench_smoke_kernel_fib
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/check_json.py
            $<TARGET_FILE:rusm-bench> kernel-fib 0.1 --smoke)
  set_tests_properties(bench_smoke_kernel_fib PROPERTIES TIMEOUT 300)
  # All five real kernels on their --smoke inputs, each checked against native.
  add_test(NAME bench_smoke_kernels
    COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_LIST_DIR}/check_json.py
            $<TARGET_FILE:rusm-bench> kernels 0.1 --smoke)
  set_tests_properties(bench_smoke_kernels PROPERTIES TIMEOUT 300)
endif()
