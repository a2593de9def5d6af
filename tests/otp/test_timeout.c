/*
** test_timeout.c: receive with a timeout: it waits at least that long,
** returns early on a match, and never loses a message that arrives at
** the deadline; a kill ends a timed wait.
*/
#include "test.h"
#include "otp_test.h"

typedef struct {
  int64_t timeout_us;
  uint64_t waited_ns;
  bool got;
  atomic_int started;
} tmo_state;

static void timed(rusm_ctx *ctx, void *arg) {
  tmo_state *s = arg;
  atomic_store(&s->started, 1);
  uint64_t t0 = rusm_now_ns();
  rusm_item *it = rusm_receive_match(ctx, NULL, NULL, s->timeout_us);
  s->waited_ns = rusm_now_ns() - t0;
  s->got = it != NULL;
  rusm_item_free(it);
}

TEST(timeout_waits_at_least_the_timeout) {
  rusm_rt *rt = new_rt(2);
  tmo_state s = {.timeout_us = 20000};
  rusm_rt_join(rt, rusm_spawn(rt, timed, &s, NULL));
  CHECK(!s.got);
  CHECK(s.waited_ns >= 20000000u);
  CHECK(s.waited_ns < 2000000000u);
  rusm_rt_free(rt);
}

TEST(zero_timeout_just_looks) {
  rusm_rt *rt = new_rt(1);
  tmo_state s = {.timeout_us = 0};
  rusm_rt_join(rt, rusm_spawn(rt, timed, &s, NULL));
  CHECK(!s.got);
  CHECK(s.waited_ns < 100000000u);
  rusm_rt_free(rt);
}

TEST(message_before_deadline_returns_early) {
  rusm_rt *rt = new_rt(2);
  tmo_state s = {.timeout_us = 5 * 1000 * 1000};
  rusm_pid p = rusm_spawn(rt, timed, &s, NULL);
  CHECK(WAIT_UNTIL(atomic_load(&s.started), 2000));
  usleep(5000);
  rusm_send(rt, p, "m", 1);
  rusm_rt_join(rt, p);
  CHECK(s.got);
  CHECK(s.waited_ns < 4000000000u);
  rusm_rt_free(rt);
}

/* Receives with a short timeout in a loop; messages are sent so that they
** land around the deadlines. Every message must be received exactly once. */
typedef struct {
  int want;
  int got, timeouts;
  int64_t tmo;
} race_state;

static void deadline_racer(rusm_ctx *ctx, void *arg) {
  race_state *s = arg;
  while (s->got < s->want) {
    rusm_item *it = rusm_receive_match(ctx, NULL, NULL, s->tmo);
    if (!it) {
      s->timeouts++;
      if (rusm_killed(ctx)) return;
      continue;
    }
    s->got++;
    rusm_item_free(it);
  }
}

TEST(message_at_the_deadline_is_not_lost) {
  rusm_rt *rt = new_rt(2);
  race_state s = {.want = 300, .tmo = 200};
  rusm_pid p = rusm_spawn(rt, deadline_racer, &s, NULL);
  for (int i = 0; i < s.want; i++) {
    usleep(100 + 80 * (unsigned)(i % 7)); /* before, at and after the 200 us deadline */
    CHECK(rusm_send(rt, p, &i, sizeof i));
  }
  CHECK(WAIT_UNTIL(!rusm_is_alive(rt, p), 5000));
  CHECK_EQ(s.got, s.want);
  CHECK(s.timeouts > 0); /* the deadlines really were hit */
  rusm_rt_free(rt);
}

TEST(kill_ends_a_timed_wait) {
  rusm_rt *rt = new_rt(2);
  tmo_state s = {.timeout_us = 10 * 1000 * 1000};
  rusm_pid p = rusm_spawn(rt, timed, &s, NULL);
  CHECK(WAIT_UNTIL(atomic_load(&s.started), 2000));
  usleep(2000);
  CHECK(rusm_kill(rt, p));
  rusm_rt_join(rt, p);
  CHECK(!s.got);
  CHECK(s.waited_ns < 5000000000u);
  rusm_rt_free(rt);
}

/* Resumable body: rusm_wait_deadline wakes it. */
typedef struct {
  uint64_t deadline, woke_at;
  int resumes;
} dl_state;

static rusm_step dl_resume(void *st, rusm_ctx *ctx, uint32_t budget, rusm_exit_reason *o) {
  dl_state *s = st;
  (void)budget;
  if (s->resumes++ == 0) {
    s->deadline = rusm_now_ns() + 15 * 1000 * 1000;
    rusm_wait_deadline(ctx, s->deadline);
    return RUSM_STEP_WAIT;
  }
  s->woke_at = rusm_now_ns();
  *o = RUSM_EXIT_NORMAL;
  return RUSM_STEP_EXIT;
}

static void dl_destroy(void *st) {
  (void)st;
}
static const rusm_body_ops dl_ops = {dl_resume, dl_destroy};

TEST(wait_deadline_wakes_a_resumable_body) {
  rusm_rt *rt = new_rt(1);
  dl_state s = {0};
  rusm_pid p = rusm_spawn_body(rt, &dl_ops, &s);
  rusm_rt_join(rt, p);
  CHECK_EQ(s.resumes, 2);
  CHECK(s.woke_at >= s.deadline);
  rusm_rt_free(rt);
}

TEST_MAIN(timeout_waits_at_least_the_timeout, zero_timeout_just_looks,
          message_before_deadline_returns_early, message_at_the_deadline_is_not_lost,
          kill_ends_a_timed_wait, wait_deadline_wakes_a_resumable_body)
