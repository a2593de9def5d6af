/* test_fault.c: the injection wrappers fail exactly the calls they are armed
** for, count every call, and pass the rest on to libc. */
#include <errno.h>
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../test.h"
#include "fault.h"

static void *volatile sink; /* keeps the compiler from eliding malloc/free pairs */

static int alloc_ok(void) {
  sink = malloc(32);
  int ok = sink != NULL;
  free(sink);
  return ok;
}

TEST(nth_malloc_fails_once) {
  fault_arm(FAULT_malloc, 2, 0);
  CHECK(alloc_ok());
  errno = 0;
  CHECK(!alloc_ok());
  CHECK_EQ(errno, ENOMEM);
  CHECK(alloc_ok());
  CHECK_EQ(fault_seen(FAULT_malloc), 3);
  CHECK_EQ(fault_failed(FAULT_malloc), 1);
  fault_reset();
  CHECK(alloc_ok());
  CHECK_EQ(fault_seen(FAULT_malloc), 0);
}

TEST(sticky_fails_every_later_call) {
  fault_arm(FAULT_calloc, 1, 1);
  for (int i = 0; i < 3; i++) {
    sink = calloc(4, 4);
    CHECK(sink == NULL);
  }
  CHECK_EQ(fault_failed(FAULT_calloc), 3);
  CHECK(alloc_ok()); /* malloc is not armed */
  fault_reset();
  sink = calloc(4, 4);
  CHECK(sink != NULL);
  free(sink);
}

TEST(alloc_group_counts_all_allocators) {
  fault_arm(FAULT_ALLOC, 3, 0);
  char *a = strdup("x");    /* 1 */
  void *b = malloc(8);      /* 2 */
  void *c = realloc(b, 16); /* 3: fails, b stays valid */
  CHECK(a != NULL);
  CHECK(c == NULL);
  if (c) b = c;
  CHECK_EQ(fault_seen(FAULT_ALLOC), 3);
  CHECK_EQ(fault_failed(FAULT_ALLOC), 1);
  free(a);
  free(b);
  fault_reset();
}

static void *thread_body(void *arg) {
  return arg;
}

TEST(pthread_create_and_fds) {
  fault_arm(FAULT_pthread_create, 1, 0);
  pthread_t t;
  CHECK_EQ(pthread_create(&t, NULL, thread_body, NULL), EAGAIN);
  REQUIRE(pthread_create(&t, NULL, thread_body, NULL) == 0);
  pthread_join(t, NULL);
  fault_arm(FAULT_pipe, 1, 0);
  int fds[2];
  CHECK_EQ(pipe(fds), -1);
  CHECK_EQ(errno, EMFILE);
  REQUIRE(pipe(fds) == 0);
  close(fds[0]);
  close(fds[1]);
  fault_arm(FAULT_mmap, 1, 0);
  CHECK(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED);
  fault_reset();
}

TEST(counting_never_fails) {
  fault_count_on();
  for (int i = 0; i < 5; i++) CHECK(alloc_ok());
  CHECK_EQ(fault_seen(FAULT_malloc), 5);
  CHECK_EQ(fault_failed(FAULT_malloc), 0);
  fault_reset();
}

TEST_MAIN(nth_malloc_fails_once, sticky_fails_every_later_call, alloc_group_counts_all_allocators,
          pthread_create_and_fds, counting_never_fails)
