/*
** test_timers.c: send_after delivers after its delay, in deadline order;
** cancel stops it and reports whether it did; timers to dead pids are
** harmless; long timers sit in higher wheel levels and still fire.
*/
#include "test.h"
#include "otp_test.h"

typedef struct {
  int n;
  char got[16];
  uint64_t at[16];
  int64_t tmo;
} tstate;

static void collect(rusm_ctx *ctx, void *arg) {
  tstate *s = arg;
  rusm_item *it;
  while (s->n < 16 && (it = rusm_receive_match(ctx, NULL, NULL, s->tmo))) {
    s->got[s->n] = (char)it->u.msg.data[0];
    s->at[s->n++] = rusm_now_ns();
    rusm_item_free(it);
  }
}

TEST(send_after_delivers_after_the_delay_in_order) {
  rusm_rt *rt = new_rt(2);
  tstate s = {.tmo = 300000};
  rusm_pid p = rusm_spawn(rt, collect, &s, NULL);
  uint64_t t0 = rusm_now_ns();
  CHECK(rusm_send_after(rt, p, 30000, "c", 1) != 0);
  CHECK(rusm_send_after(rt, p, 10000, "a", 1) != 0);
  CHECK(rusm_send_after(rt, p, 20000, "b", 1) != 0);
  rusm_rt_join(rt, p);
  REQUIRE(s.n == 3);
  s.got[3] = 0;
  CHECK_STR(s.got, "abc");
  CHECK(s.at[0] - t0 >= 10000000u);
  CHECK(s.at[2] - t0 >= 30000000u);
  rusm_rt_free(rt);
}

TEST(cancel_stops_a_timer_and_says_whether_it_did) {
  rusm_rt *rt = new_rt(2);
  tstate s = {.tmo = 100000};
  rusm_pid p = rusm_spawn(rt, collect, &s, NULL);
  rusm_ref r1 = rusm_send_after(rt, p, 20000, "x", 1);
  rusm_ref r2 = rusm_send_after(rt, p, 1000, "y", 1);
  CHECK(rusm_cancel_timer(rt, r1));
  CHECK(!rusm_cancel_timer(rt, r1));
  CHECK(!rusm_cancel_timer(rt, 987654321));
  rusm_rt_join(rt, p);
  CHECK_EQ(s.n, 1);
  CHECK_EQ(s.got[0], 'y');
  CHECK(!rusm_cancel_timer(rt, r2)); /* fired already */
  rusm_rt_free(rt);
}

static void quick(rusm_ctx *ctx, void *arg) { (void)ctx, (void)arg; }

TEST(timer_to_a_dead_pid_is_harmless) {
  rusm_rt *rt = new_rt(1);
  rusm_pid p = rusm_spawn(rt, quick, NULL, NULL);
  rusm_rt_join(rt, p);
  CHECK(rusm_send_after(rt, p, 1000, "z", 1) != 0);
  usleep(20000);
  CHECK_EQ(rusm_process_count(rt), 0);
  /* pending timers are freed with the runtime (LSan checks) */
  tstate s = {.tmo = 1000};
  rusm_pid q = rusm_spawn(rt, collect, &s, NULL);
  rusm_send_after(rt, q, 60ull * 1000 * 1000, "late", 4);
  rusm_rt_free(rt);
}

TEST(many_timers_all_fire) {
  rusm_rt *rt = new_rt(2);
  tstate s = {.tmo = 500000};
  rusm_pid p = rusm_spawn(rt, collect, &s, NULL);
  /* spread over several wheel levels: 100 us ticks, 64 per level */
  uint64_t delays[] = {50, 700, 6500, 9000, 120000, 410000};
  for (int i = 0; i < 6; i++) rusm_send_after(rt, p, delays[i], &"abcdef"[i], 1);
  rusm_rt_join(rt, p);
  REQUIRE(s.n == 6);
  s.got[6] = 0;
  CHECK_STR(s.got, "abcdef");
  rusm_rt_free(rt);
}

TEST_MAIN(send_after_delivers_after_the_delay_in_order, cancel_stops_a_timer_and_says_whether_it_did,
          timer_to_a_dead_pid_is_harmless, many_timers_all_fire)
