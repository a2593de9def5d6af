/*
** host_guests.h: the guests of the host scenarios, embedded in rusm-bench
** at build time from the WAT files in guests/ (wat2wasm, then cmake/embed.cmake), so
** the benchmark needs no files at run time.
*/
#ifndef RUSM_BENCH_HOST_GUESTS_H
#define RUSM_BENCH_HOST_GUESTS_H

#include <stddef.h>

#define HOST_GUESTS(X) X(empty) X(spin) X(bystander) X(idle) X(stream_producer) X(stream_consumer)

#define X(n)                                                                                       \
  extern const unsigned char guest_##n[];                                                          \
  extern const size_t guest_##n##_len;
HOST_GUESTS(X)
#undef X

#endif
