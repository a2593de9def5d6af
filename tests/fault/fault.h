/*
** fault.h: failure injection for tests, with no hook in production code.
**
** A test executable linked with rusm_fault_link() (tests/fault/CMakeLists.txt)
** has the libc calls below wrapped by the linker (-Wl,--wrap=NAME): every
** call that RUSM's static libraries make goes through fault.c first, which
** passes it on unless the call has been armed to fail. Calls made inside
** libc itself are not affected, so only RUSM's own error paths are exercised.
**
** A failing call behaves as the real one does on failure: NULL (allocators),
** MAP_FAILED (mmap), -1 (fd creators), EAGAIN (pthread_create), with errno
** set to ENOMEM / EMFILE / EAGAIN.
*/
#ifndef RUSM_TEST_FAULT_H
#define RUSM_TEST_FAULT_H

#include <stdint.h>

/* Every wrapped call, once: X(name). Allocators share the "alloc" group. */
#define FAULT_CALLS(X)                                                                             \
  X(malloc)                                                                                        \
  X(calloc)                                                                                        \
  X(realloc)                                                                                       \
  X(aligned_alloc)                                                                                 \
  X(strdup)                                                                                        \
  X(mmap)                                                                                          \
  X(memfd_create)                                                                                  \
  X(pthread_create)                                                                                \
  X(epoll_create1)                                                                                 \
  X(eventfd)                                                                                       \
  X(pipe)                                                                                          \
  X(socket)

typedef enum {
#define X(n) FAULT_##n,
  FAULT_CALLS(X)
#undef X
      FAULT_COUNT_,
  FAULT_ALLOC = FAULT_COUNT_ /* malloc, calloc, realloc, aligned_alloc and strdup together */
} fault_call;

/* Arms `which` so that its nth call from now (1 = the next one) fails, and
** every later call too when `sticky` is set; earlier calls pass. Calls from
** every thread count. Re-arming replaces the previous setting. */
void fault_arm(fault_call which, uint64_t nth, int sticky);

/* Disarms everything. */
void fault_reset(void);

/* How many calls of `which` failed since the last fault_arm/fault_reset. */
uint64_t fault_failed(fault_call which);

/* How many calls of `which` were seen since the last fault_arm/fault_reset
** (counted only while something is armed, or after fault_count_on()). */
uint64_t fault_seen(fault_call which);

/* Counts calls without failing any (to learn how many calls an operation
** makes, before trying each one). */
void fault_count_on(void);

#endif
