/*
** tests/test.h: the one tiny harness every unit-test executable uses.
**
** A test file defines functions with TEST(name) and lists them in a
** TEST_MAIN(...) call. Each CHECK records a failure with file and line and
** keeps going, so one run shows every broken rule. main() prints one line per
** test and ends with "N passed, N failed" (the line CI reads), exiting 1 on
** any failure.
*/
#ifndef RUSM_TEST_H
#define RUSM_TEST_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int test_failures_; /* failures inside the running test */

#define TEST(name) static void name(void)

#define CHECK(cond)                                                                                \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      test_failures_++;                                                                            \
      fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);                   \
    }                                                                                              \
  } while (0)

#define CHECK_EQ(a, b)                                                                             \
  do {                                                                                             \
    long long a_ = (long long)(a), b_ = (long long)(b);                                            \
    if (a_ != b_) {                                                                                \
      test_failures_++;                                                                            \
      fprintf(stderr, "  %s:%d: CHECK_EQ(%s, %s) failed: %lld != %lld\n", __FILE__, __LINE__, #a,  \
              #b, a_, b_);                                                                         \
    }                                                                                              \
  } while (0)

#define CHECK_STR(a, b)                                                                            \
  do {                                                                                             \
    const char *a_ = (a), *b_ = (b);                                                               \
    if (!a_ || !b_ || strcmp(a_, b_) != 0) {                                                       \
      test_failures_++;                                                                            \
      fprintf(stderr, "  %s:%d: CHECK_STR(%s, %s) failed: \"%s\" != \"%s\"\n", __FILE__, __LINE__, \
              #a, #b, a_ ? a_ : "(null)", b_ ? b_ : "(null)");                                     \
    }                                                                                              \
  } while (0)

/* A failed REQUIRE ends the current test at once (later steps would crash). */
#define REQUIRE(cond)                                                                              \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      test_failures_++;                                                                            \
      fprintf(stderr, "  %s:%d: REQUIRE(%s) failed\n", __FILE__, __LINE__, #cond);                 \
      return;                                                                                      \
    }                                                                                              \
  } while (0)

typedef struct {
  const char *name;
  void (*fn)(void);
} test_case_;

static inline double test_now_ms_(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Runs the listed tests, or only those named on the command line. */
static inline int test_run_(const test_case_ *cases, size_t n, int argc, char **argv) {
  int passed = 0, failed = 0;
  for (size_t i = 0; i < n; i++) {
    if (argc > 1) {
      int want = 0;
      for (int a = 1; a < argc; a++) want |= strcmp(argv[a], cases[i].name) == 0;
      if (!want) continue;
    }
    test_failures_ = 0;
    double t0 = test_now_ms_();
    cases[i].fn();
    double dt = test_now_ms_() - t0;
    if (test_failures_) {
      failed++;
      printf("FAIL %s (%.1f ms)\n", cases[i].name, dt);
    } else {
      passed++;
      printf("ok   %s (%.1f ms)\n", cases[i].name, dt);
    }
    fflush(stdout);
  }
  printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}

#define TEST_CASE_(f) {#f, f},
#define TEST_MAIN(...)                                                                             \
  int main(int argc, char **argv) {                                                                \
    static const test_case_ cases_[] = {TEST_MAP_(TEST_CASE_, __VA_ARGS__)};                       \
    return test_run_(cases_, sizeof cases_ / sizeof cases_[0], argc, argv);                        \
  }

/* TEST_MAP_(m, a, b, ...) expands m(a) m(b) ... for up to 64 arguments. */
#define TEST_EVAL0_(...) __VA_ARGS__
#define TEST_EVAL1_(...) TEST_EVAL0_(TEST_EVAL0_(TEST_EVAL0_(__VA_ARGS__)))
#define TEST_EVAL2_(...) TEST_EVAL1_(TEST_EVAL1_(TEST_EVAL1_(__VA_ARGS__)))
#define TEST_EVAL_(...) TEST_EVAL2_(TEST_EVAL2_(TEST_EVAL2_(__VA_ARGS__)))
#define TEST_END_(...)
#define TEST_OUT_
#define TEST_GET_END2_() 0, TEST_END_
#define TEST_GET_END1_(...) TEST_GET_END2_
#define TEST_GET_END_(...) TEST_GET_END1_
#define TEST_NEXT0_(test, next, ...) next TEST_OUT_
#define TEST_NEXT1_(test, next) TEST_NEXT0_(test, next, 0)
#define TEST_NEXT_(test, next) TEST_NEXT1_(TEST_GET_END_ test, next)
#define TEST_MAP0_(f, x, peek, ...) f(x) TEST_NEXT_(peek, TEST_MAP1_)(f, peek, __VA_ARGS__)
#define TEST_MAP1_(f, x, peek, ...) f(x) TEST_NEXT_(peek, TEST_MAP0_)(f, peek, __VA_ARGS__)
#define TEST_MAP_(f, ...) TEST_EVAL_(TEST_MAP1_(f, __VA_ARGS__, ()()(), ()()(), ()()(), 0))

#endif
