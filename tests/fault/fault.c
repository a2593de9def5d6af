/*
** fault.c: the wrappers behind fault.h. The linker sends RUSM's calls of
** NAME to __wrap_NAME here; __real_NAME is libc's (or a sanitizer's) own.
*/
#define _GNU_SOURCE
#include "fault.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>

enum { MODE_OFF, MODE_COUNT, MODE_ARMED };

static atomic_int g_mode;
static atomic_int g_which;
static atomic_uint_fast64_t g_nth;
static atomic_int g_sticky;
static atomic_uint_fast64_t g_seen[FAULT_COUNT_ + 1];
static atomic_uint_fast64_t g_failed[FAULT_COUNT_ + 1];

static void clear_counts(void) {
  for (int i = 0; i <= FAULT_COUNT_; i++) {
    atomic_store(&g_seen[i], 0);
    atomic_store(&g_failed[i], 0);
  }
}

void fault_arm(fault_call which, uint64_t nth, int sticky) {
  atomic_store(&g_mode, MODE_OFF);
  clear_counts();
  atomic_store(&g_which, (int)which);
  atomic_store(&g_nth, nth);
  atomic_store(&g_sticky, sticky);
  atomic_store(&g_mode, nth ? MODE_ARMED : MODE_OFF);
}

void fault_reset(void) {
  atomic_store(&g_mode, MODE_OFF);
  clear_counts();
}

void fault_count_on(void) {
  atomic_store(&g_mode, MODE_OFF);
  clear_counts();
  atomic_store(&g_mode, MODE_COUNT);
}

uint64_t fault_failed(fault_call which) {
  return atomic_load(&g_failed[which]);
}
uint64_t fault_seen(fault_call which) {
  return atomic_load(&g_seen[which]);
}

/* Counts the call and says whether it must fail. */
static int should_fail(fault_call c, int is_alloc) {
  int mode = atomic_load_explicit(&g_mode, memory_order_relaxed);
  if (mode == MODE_OFF) return 0;
  uint64_t k = atomic_fetch_add(&g_seen[c], 1) + 1;
  uint64_t kg = is_alloc ? atomic_fetch_add(&g_seen[FAULT_ALLOC], 1) + 1 : 0;
  if (mode != MODE_ARMED) return 0;
  int w = atomic_load(&g_which);
  uint64_t pos = w == FAULT_ALLOC ? kg : (w == (int)c ? k : 0);
  if (!pos) return 0;
  uint64_t nth = atomic_load(&g_nth);
  if (pos == nth || (pos > nth && atomic_load(&g_sticky))) {
    atomic_fetch_add(&g_failed[w], 1);
    return 1;
  }
  return 0;
}

/* The real functions, as the linker names them. */
void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void *__real_aligned_alloc(size_t align, size_t n);
char *__real_strdup(const char *s);
void *__real_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
int __real_memfd_create(const char *name, unsigned flags);
int __real_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg);
int __real_epoll_create1(int flags);
int __real_eventfd(unsigned initval, int flags);
int __real_pipe(int fds[2]);
int __real_socket(int domain, int type, int protocol);

#define FAIL_NULL(c)                                                                               \
  if (should_fail(FAULT_##c, 1)) {                                                                 \
    errno = ENOMEM;                                                                                \
    return NULL;                                                                                   \
  }
#define FAIL_FD(c)                                                                                 \
  if (should_fail(FAULT_##c, 0)) {                                                                 \
    errno = EMFILE;                                                                                \
    return -1;                                                                                     \
  }

void *__wrap_malloc(size_t n) {
  FAIL_NULL(malloc);
  return __real_malloc(n);
}
void *__wrap_calloc(size_t n, size_t size) {
  FAIL_NULL(calloc);
  return __real_calloc(n, size);
}
void *__wrap_realloc(void *p, size_t n) {
  FAIL_NULL(realloc);
  return __real_realloc(p, n);
}
void *__wrap_aligned_alloc(size_t align, size_t n) {
  FAIL_NULL(aligned_alloc);
  return __real_aligned_alloc(align, n);
}
char *__wrap_strdup(const char *s) {
  FAIL_NULL(strdup);
  return __real_strdup(s);
}
void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off) {
  if (should_fail(FAULT_mmap, 0)) {
    errno = ENOMEM;
    return MAP_FAILED;
  }
  return __real_mmap(addr, len, prot, flags, fd, off);
}
int __wrap_memfd_create(const char *name, unsigned flags) {
  FAIL_FD(memfd_create);
  return __real_memfd_create(name, flags);
}
int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg) {
  if (should_fail(FAULT_pthread_create, 0)) return EAGAIN;
  return __real_pthread_create(t, a, fn, arg);
}
int __wrap_epoll_create1(int flags) {
  FAIL_FD(epoll_create1);
  return __real_epoll_create1(flags);
}
int __wrap_eventfd(unsigned initval, int flags) {
  FAIL_FD(eventfd);
  return __real_eventfd(initval, flags);
}
int __wrap_pipe(int fds[2]) {
  FAIL_FD(pipe);
  return __real_pipe(fds);
}
int __wrap_socket(int domain, int type, int protocol) {
  FAIL_FD(socket);
  return __real_socket(domain, type, protocol);
}
