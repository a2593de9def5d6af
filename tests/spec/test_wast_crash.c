/*
** test_wast_crash.c: the report `rusm wast` prints from its signal handler
** (wast_crash.c), which formats numbers without stdio: the text, signs and
** extremes, and the cut at the buffer's end. tests/cli (group wast) checks
** the same report from a signalled `rusm wast`.
*/
#include <limits.h>

#include "../test.h"

#include "wast_crash.h"

TEST(report_names_signal_line_and_counts) {
  char buf[200];
  size_t n = wast_crash_report(buf, sizeof buf, 11, 4, 2, 3, 0);
  CHECK_STR(buf, "crashed (signal 11) at line 4\n2 passed, 3 failed, 0 skipped\n");
  CHECK_EQ(n, strlen(buf));
  n = wast_crash_report(buf, sizeof buf, 6, 120345, 9876, 10, 1);
  CHECK_STR(buf, "crashed (signal 6) at line 120345\n9876 passed, 10 failed, 1 skipped\n");
  CHECK_EQ(n, strlen(buf));
}

TEST(negative_and_extreme_numbers) {
  char buf[200];
  wast_crash_report(buf, sizeof buf, 7, -12, 0, LONG_MAX, LONG_MIN);
  CHECK_STR(buf, "crashed (signal 7) at line -12\n0 passed, 9223372036854775807 failed, "
                 "-9223372036854775808 skipped\n");
}

TEST(report_is_cut_at_the_buffer_end) {
  char buf[32];
  memset(buf, '#', sizeof buf);
  size_t n = wast_crash_report(buf, 10, 11, 4, 2, 3, 0);
  CHECK_EQ(n, 9);
  CHECK_STR(buf, "crashed (");
  CHECK(buf[10] == '#'); /* nothing past cap */
  n = wast_crash_report(buf, 1, 11, 4, 2, 3, 0);
  CHECK_EQ(n, 0);
  CHECK_STR(buf, "");
  n = wast_crash_report(buf, 19, 123, 4, 2, 3, 0); /* cut inside a number */
  CHECK_STR(buf, "crashed (signal 12");
  CHECK_EQ(n, 18);
}

TEST_MAIN(report_names_signal_line_and_counts, negative_and_extreme_numbers,
          report_is_cut_at_the_buffer_end)
