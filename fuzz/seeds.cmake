# seeds.cmake: copies the spec suite's .wasm modules (SRC) into a flat seed
# corpus folder (DST). Run with cmake -P by the fuzz_seeds target.
file(GLOB wasm_files "${SRC}/*.wasm")
file(MAKE_DIRECTORY "${DST}")
file(COPY ${wasm_files} DESTINATION "${DST}")
list(LENGTH wasm_files n)
message(STATUS "fuzz seeds: ${n} modules in ${DST}")
