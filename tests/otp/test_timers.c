/*
** test_timers.c: send_after delivers after its delay, in deadline order;
** cancel stops it and reports whether it did; timers to dead pids are
** harmless; long timers sit in higher wheel levels and still fire.
*/
#include "test.h"
#include "otp_test.h"

typedef struct {
  int n, want;
  char got[16];
  uint64_t at[16];
  int64_t linger_us; /* after `want` items, how long to watch for extras */
} tstate;

static void collect(rusm_ctx *ctx, void *arg) {
  tstate *s = arg;
  rusm_item *it;
  while (s->n < 16) {
    int64_t tmo = s->n < s->want ? 10 * 1000 * 1000 : s->linger_us;
    if (!tmo || !(it = rusm_receive_match(ctx, NULL, NULL, tmo))) break;
    s->got[s->n] = (char)it->u.msg.data[0];
    s->at[s->n++] = rusm_now_ns();
    rusm_item_free(it);
  }
}

TEST(send_after_delivers_after_the_delay_in_order) {
  rusm_rt *rt = new_rt(2);
  tstate s = {.want = 3, .linger_us = 20000};
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
  tstate s = {.want = 1, .linger_us = 60000};
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

static void quick(rusm_ctx *ctx, void *arg) {
  (void)ctx, (void)arg;
}

TEST(timer_to_a_dead_pid_is_harmless) {
  rusm_rt *rt = new_rt(1);
  rusm_pid p = rusm_spawn(rt, quick, NULL, NULL);
  rusm_rt_join(rt, p);
  CHECK(rusm_send_after(rt, p, 1000, "z", 1) != 0);
  usleep(20000);
  CHECK_EQ(rusm_process_count(rt), 0);
  /* pending timers are freed with the runtime (LSan checks) */
  tstate s = {.want = 1};
  rusm_pid q = rusm_spawn(rt, collect, &s, NULL);
  rusm_send_after(rt, q, 60ull * 1000 * 1000, "late", 4);
  rusm_rt_free(rt);
}

TEST(many_timers_all_fire) {
  rusm_rt *rt = new_rt(2);
  tstate s = {.want = 6, .linger_us = 1000};
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

/* 300 timers with scattered delays across several wheel levels: each
** arrives no earlier than its deadline, and in deadline order. `lo` is the
** clock before the call plus the delay: the real deadline is a little later
** (the call's own duration), hence the slack in the order check. */
typedef struct {
  uint64_t lo;
} window;

typedef struct {
  int n;
  window w[300];
  uint64_t at[300];
} scatter;

static void scatter_body(rusm_ctx *ctx, void *arg) {
  scatter *s = arg;
  for (int i = 0; i < 300; i++) {
    rusm_item *it = rusm_receive_match(ctx, NULL, NULL, 10 * 1000 * 1000);
    if (!it) return;
    memcpy(&s->w[s->n], it->u.msg.data, sizeof(window));
    s->at[s->n++] = rusm_now_ns();
    rusm_item_free(it);
  }
}

TEST(scattered_timers_fire_in_order_and_never_early) {
  rusm_rt *rt = new_rt(2);
  scatter s = {0};
  rusm_pid p = rusm_spawn(rt, scatter_body, &s, NULL);
  uint32_t x = 12345;
  for (int i = 0; i < 300; i++) {
    x = x * 1103515245u + 12345u;
    uint64_t d = (x >> 8) % 300000; /* up to 300 ms */
    window w = {rusm_now_ns() + d * 1000u};
    rusm_send_after(rt, p, d, &w, sizeof w);
  }
  rusm_rt_join(rt, p);
  REQUIRE(s.n == 300);
  int early = 0, disorder = 0;
  for (int i = 0; i < 300; i++) {
    early += s.at[i] < s.w[i].lo;
    /* a later arrival's deadline is never clearly (2 ms) earlier */
    if (i) disorder += s.w[i].lo + 2000000u < s.w[i - 1].lo;
  }
  CHECK_EQ(early, 0);
  CHECK_EQ(disorder, 0);
  rusm_rt_free(rt);
}

TEST_MAIN(send_after_delivers_after_the_delay_in_order,
          cancel_stops_a_timer_and_says_whether_it_did, timer_to_a_dead_pid_is_harmless,
          many_timers_all_fire, scattered_timers_fire_in_order_and_never_early)
