# rusm_wasm_guest(OUT src.c [flags...]): compiles a C guest to a wasip1
# module with clang's wasm32-wasi target and Debian's wasi-libc, which
# scripts/deps.sh installs. No fallback: a missing toolchain is an error.
find_program(RUSM_GUEST_CC NAMES clang clang-14 clang-19 REQUIRED)
function(rusm_wasm_guest out src)
  add_custom_command(OUTPUT ${out}
    COMMAND ${RUSM_GUEST_CC} --target=wasm32-wasi -O2 -Wl,--strip-debug -I${CMAKE_SOURCE_DIR}/guest ${ARGN}
            -o ${out} ${src}
    DEPENDS ${src} ${CMAKE_SOURCE_DIR}/guest/rusm.h VERBATIM)
endfunction()
# rusm_embed(OUT.c IN NAME): IN's bytes as a C array NAME (cmake/embed.cmake).
function(rusm_embed out in name)
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DIN=${in} -DOUT=${out} -DNAME=${name}
            -P ${CMAKE_SOURCE_DIR}/cmake/embed.cmake
    DEPENDS ${in} ${CMAKE_SOURCE_DIR}/cmake/embed.cmake VERBATIM)
endfunction()
