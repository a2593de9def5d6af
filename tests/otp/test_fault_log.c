/*
** test_fault_log.c: the census line when memory runs out (tests/fault).
** A census that cannot take its snapshot prints nothing, and the next
** lifecycle event arms one that prints as usual. (About 4 s: two debounce
** periods of 2 s.)
*/
#include "test.h"
#include "otp_test.h"

#include "fault.h"

/* How often needle occurs in what f holds so far. */
static int count(FILE *f, const char *needle) {
  char *text = slurp(f);
  int n = 0;
  for (const char *p = text; (p = strstr(p, needle)); p += strlen(needle)) n++;
  free(text);
  return n;
}

static rusm_step idle_resume(void *state, rusm_ctx *ctx, uint32_t budget,
                             rusm_exit_reason *o_reason) {
  (void)state, (void)ctx, (void)budget, (void)o_reason;
  return RUSM_STEP_WAIT;
}
static const rusm_body_ops idle_ops = {idle_resume, NULL};

TEST(census_without_memory_is_skipped_then_printed) {
  rusm_rt *rt = new_rt(1);
  REQUIRE(rt);
  FILE *f = tmpfile();
  REQUIRE(f);
  rusm_set_log_sink(rt, f);
  rusm_set_log_level(rt, RUSM_LOG_INFO);
  rusm_pid p = rusm_spawn_body(rt, &idle_ops, NULL); /* allocates nothing while idle */
  REQUIRE(rusm_set_label(rt, p, "api"));
  /* the census thread's first allocation is its snapshot of the pids */
  fault_arm(FAULT_malloc, 1, 0);
  rusm_log_spawn(rt, p, "api", NULL);
  CHECK(WAIT_UNTIL(fault_failed(FAULT_malloc) == 1, 5000));
  fault_reset();
  usleep(50000);
  CHECK_EQ(count(f, "census"), 0);
  rusm_log_spawn(rt, p, "api", NULL); /* the next event arms another census */
  CHECK(WAIT_UNTIL(count(f, "rusm census api=1") == 1, 5000));
  rusm_set_log_level(rt, RUSM_LOG_OFF);
  rusm_rt_free(rt);
  fclose(f);
}

TEST_MAIN(census_without_memory_is_skipped_then_printed)
