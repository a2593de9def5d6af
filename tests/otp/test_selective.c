/*
** test_selective.c: selective receive keeps order and never rescans what
** it skipped (predicate calls are counted); try_receive continues a poll
** and rewinds on demand.
*/
#include "test.h"
#include "otp_test.h"

typedef struct {
  char want;
  atomic_int calls;
} counted;

static bool count_match(const rusm_item *it, void *arg) {
  counted *c = arg;
  atomic_fetch_add(&c->calls, 1);
  return match_first_byte(it, &c->want);
}

typedef struct {
  char order[64];
  int n;
  atomic_int stage;
  counted c;
} sel_state;

/* Takes the 'b's first, then everything else in arrival order. */
static void picky(rusm_ctx *ctx, void *arg) {
  sel_state *s = arg;
  s->c.want = 'b';
  rusm_item *it;
  while ((it = rusm_receive_match(ctx, count_match, &s->c, 0))) {
    s->order[s->n++] = (char)it->u.msg.data[0];
    rusm_item_free(it);
  }
  while ((it = rusm_receive_match(ctx, NULL, NULL, 0))) {
    s->order[s->n++] = (char)it->u.msg.data[0];
    rusm_item_free(it);
  }
}

static void picky_after_gate(rusm_ctx *ctx, void *arg) {
  sel_state *s = arg;
  atomic_store(&s->stage, 1);
  while (atomic_load(&s->stage) != 2) rusm_yield(ctx); /* mailbox fills meanwhile */
  picky(ctx, arg);
}

TEST(selective_receive_keeps_arrival_order) {
  rusm_rt *rt = new_rt(2);
  sel_state s = {0};
  rusm_pid p = rusm_spawn(rt, picky_after_gate, &s, NULL);
  CHECK(WAIT_UNTIL(atomic_load(&s.stage) == 1, 2000));
  const char *seq = "abacbdbe";
  for (const char *c = seq; *c; c++) rusm_send(rt, p, c, 1);
  atomic_store(&s.stage, 2);
  rusm_rt_join(rt, p);
  s.order[s.n] = 0;
  CHECK_STR(s.order, "bbbaacde");
  rusm_rt_free(rt);
}

/* Waits for a 'z' while 1000 other messages trickle in; each must be
** looked at exactly once. */
typedef struct {
  counted c;
  atomic_int waiting;
  bool got;
} scan_state;

static void wait_for_z(rusm_ctx *ctx, void *arg) {
  scan_state *s = arg;
  s->c.want = 'z';
  atomic_store(&s->waiting, 1);
  rusm_item *it = rusm_receive_match(ctx, count_match, &s->c, RUSM_FOREVER);
  s->got = it && it->u.msg.data[0] == 'z';
  rusm_item_free(it);
}

TEST(skipped_items_are_not_rescanned_while_waiting) {
  rusm_rt *rt = new_rt(2);
  scan_state s = {0};
  rusm_pid p = rusm_spawn(rt, wait_for_z, &s, NULL);
  CHECK(WAIT_UNTIL(atomic_load(&s.waiting), 2000));
  for (int i = 0; i < 1000; i++) {
    rusm_send(rt, p, "y", 1);
    if (i % 100 == 0) usleep(1000); /* let it wake and scan in several rounds */
  }
  rusm_send(rt, p, "z", 1);
  rusm_rt_join(rt, p);
  CHECK(s.got);
  CHECK_EQ(atomic_load(&s.c.calls), 1001); /* 1000 skipped once each + the match */
  rusm_rt_free(rt);
}

/* A resumable body polling with try_receive: each poll scans only what is
** new; after rewind it scans from the oldest item again. */
typedef struct {
  counted c;
  int polls;
  int result_calls[4];
  atomic_int phase;
} poll_state;

static rusm_step poller(void *st, rusm_ctx *ctx, uint32_t budget, rusm_exit_reason *o) {
  poll_state *s = st;
  (void)budget;
  rusm_item *it = rusm_try_receive(ctx, count_match, &s->c);
  if (s->polls < 4) s->result_calls[s->polls] = atomic_load(&s->c.calls);
  s->polls++;
  if (it) {
    rusm_item_free(it);
    if (s->c.want == 'q') {
      /* same pair, new meaning: rewind, then look for an 'a' */
      s->c.want = 'a';
      rusm_receive_rewind(ctx);
      it = rusm_try_receive(ctx, count_match, &s->c);
      bool ok = it != NULL;
      rusm_item_free(it);
      *o = ok ? RUSM_EXIT_NORMAL : RUSM_EXIT_CRASHED;
      return RUSM_STEP_EXIT;
    }
  }
  atomic_store(&s->phase, 1);
  return RUSM_STEP_WAIT;
}

static void poll_destroy(void *st) {
  (void)st;
}
static const rusm_body_ops poll_ops = {poller, poll_destroy};

static void record_down(rusm_ctx *ctx, void *arg) {
  rusm_exit_reason *r = arg;
  rusm_item *it = rusm_receive(ctx);
  if (it && it->kind == RUSM_ITEM_DOWN) *r = it->u.down.reason;
  rusm_item_free(it);
}

TEST(try_receive_continues_a_poll_and_rewinds) {
  rusm_rt *rt = new_rt(1);
  poll_state s = {0};
  s.c.want = 'q';
  rusm_pid p = rusm_spawn_body(rt, &poll_ops, &s);
  rusm_exit_reason r = RUSM_EXIT_KILLED;
  rusm_pid w = rusm_spawn(rt, record_down, &r, NULL);
  rusm_monitor(rt, w, p);
  CHECK(WAIT_UNTIL(atomic_load(&s.phase) == 1, 2000));
  for (int i = 0; i < 10; i++) rusm_send(rt, p, "a", 1);
  CHECK(WAIT_UNTIL(atomic_load(&s.c.calls) >= 10, 2000));
  usleep(2000);
  rusm_send(rt, p, "q", 1);
  rusm_rt_join(rt, w);
  /* 10 'a' scanned once, then only the 'q'; after the rewind the first 'a' */
  CHECK_EQ(atomic_load(&s.c.calls), 12);
  CHECK_EQ(r, RUSM_EXIT_NORMAL);
  rusm_rt_free(rt);
}

TEST_MAIN(selective_receive_keeps_arrival_order, skipped_items_are_not_rescanned_while_waiting,
          try_receive_continues_a_poll_and_rewinds)
