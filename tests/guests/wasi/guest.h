/*
** guest.h: a tiny check harness for the wasm32-wasi test guests. A failed
** EXPECT prints the line to stderr; main returns the failure count, which
** becomes the exit code the host test checks.
*/
#ifndef RUSM_GUEST_H
#define RUSM_GUEST_H

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <wasi/api.h>

static int guest_failures;

#define EXPECT(c)                                                                                  \
  do {                                                                                             \
    if (!(c)) {                                                                                    \
      guest_failures++;                                                                            \
      fprintf(stderr, "%s:%d: EXPECT(%s) failed (errno %d)\n", __FILE__, __LINE__, #c, errno);     \
    }                                                                                              \
  } while (0)

#define EXPECT_EQ(a, b)                                                                            \
  do {                                                                                             \
    long long a_ = (long long)(a), b_ = (long long)(b);                                            \
    if (a_ != b_) {                                                                                \
      guest_failures++;                                                                            \
      fprintf(stderr, "%s:%d: %s == %lld, expected %lld\n", __FILE__, __LINE__, #a, a_, b_);       \
    }                                                                                              \
  } while (0)

/* The fd of the preopen named name, or -1. */
static inline int guest_preopen(const char *name) {
  for (int fd = 3; fd < 64; fd++) {
    __wasi_prestat_t ps;
    if (__wasi_fd_prestat_get(fd, &ps) != 0) continue;
    char buf[64];
    size_t len = ps.u.dir.pr_name_len;
    if (len >= sizeof buf || __wasi_fd_prestat_dir_name(fd, (uint8_t *)buf, len) != 0) continue;
    buf[len] = 0;
    if (strcmp(buf, name) == 0) return fd;
  }
  return -1;
}

#endif
