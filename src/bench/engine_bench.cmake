# engine_bench.cmake: the engine scenarios of rusm-bench (engine_*.c),
# included by src/bench/CMakeLists.txt when the rusm_engine target exists:
#   if(TARGET rusm_engine) include(engine_bench.cmake) endif()
# They need only the engine. The kernels (bench/kernels) are built to
# wasm32-wasi with clang and natively with gcc by the bench_kernels target.
target_sources(rusm-bench PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/engine_kernels.c
  ${CMAKE_CURRENT_LIST_DIR}/engine_instantiate.c
  ${CMAKE_CURRENT_LIST_DIR}/engine_wasi_min.c)
target_compile_definitions(rusm-bench PRIVATE RUSM_BENCH_ENGINE
  RUSM_BENCH_KERNELS_DIR="${CMAKE_BINARY_DIR}/bench-kernels")
target_link_libraries(rusm-bench PRIVATE rusm_engine m)

set(kernels_dir ${CMAKE_SOURCE_DIR}/bench/kernels)
file(GLOB kernel_sources CONFIGURE_DEPENDS ${kernels_dir}/*.c)
add_custom_target(bench_kernels
  COMMAND sh ${kernels_dir}/build.sh ${CMAKE_BINARY_DIR}/bench-kernels
  DEPENDS ${kernel_sources} ${kernels_dir}/build.sh
  COMMENT "bench kernels: wasm32-wasi (clang) and native (gcc -O2)")
