/*
** test_mailbox.c: FIFO order, owned sends, concurrent senders, depth
** tracking, and the capacity that sheds user messages only.
*/
#include "test.h"
#include "otp_test.h"

#include <pthread.h>

typedef struct {
  int n;
  int *got; /* the first int of each message, in receive order */
  atomic_int done;
} collect;

static void collector(rusm_ctx *ctx, void *arg) {
  collect *c = arg;
  for (int i = 0; i < c->n; i++) {
    rusm_item *it = rusm_receive(ctx);
    if (!it) break;
    if (it->kind == RUSM_ITEM_MESSAGE && it->u.msg.len == sizeof(int))
      memcpy(&c->got[i], it->u.msg.data, sizeof(int));
    rusm_item_free(it);
  }
  atomic_store(&c->done, 1);
}

TEST(fifo_order_from_one_sender) {
  rusm_rt *rt = new_rt(2);
  collect c = {.n = 10000};
  c.got = calloc((size_t)c.n, sizeof(int));
  rusm_pid p = rusm_spawn(rt, collector, &c, NULL);
  for (int i = 0; i < c.n; i++) CHECK(rusm_send(rt, p, &i, sizeof i));
  rusm_rt_join(rt, p);
  int bad = 0;
  for (int i = 0; i < c.n; i++) bad += c.got[i] != i;
  CHECK_EQ(bad, 0);
  free(c.got);
  rusm_rt_free(rt);
}

typedef struct {
  rusm_rt *rt;
  rusm_pid to;
  int base, n;
} sender_arg;

static void *sender_thread(void *a) {
  sender_arg *s = a;
  for (int i = 0; i < s->n; i++) {
    int v = s->base + i;
    rusm_send(s->rt, s->to, &v, sizeof v);
  }
  return NULL;
}

TEST(concurrent_senders_keep_per_sender_order_and_lose_nothing) {
  rusm_rt *rt = new_rt(2);
  enum { SENDERS = 4, PER = 20000 };
  collect c = {.n = SENDERS * PER};
  c.got = calloc((size_t)c.n, sizeof(int));
  rusm_pid p = rusm_spawn(rt, collector, &c, NULL);
  pthread_t th[SENDERS];
  sender_arg sa[SENDERS];
  for (int k = 0; k < SENDERS; k++) {
    sa[k] = (sender_arg){rt, p, k * 1000000, PER};
    pthread_create(&th[k], NULL, sender_thread, &sa[k]);
  }
  for (int k = 0; k < SENDERS; k++) pthread_join(th[k], NULL);
  rusm_rt_join(rt, p);
  int last[SENDERS] = {-1, -1, -1, -1}, bad = 0, count[SENDERS] = {0};
  for (int i = 0; i < c.n; i++) {
    int k = c.got[i] / 1000000, v = c.got[i] % 1000000;
    if (k < 0 || k >= SENDERS) {
      bad++;
      continue;
    }
    bad += v != last[k] + 1;
    last[k] = v;
    count[k]++;
  }
  CHECK_EQ(bad, 0);
  for (int k = 0; k < SENDERS; k++) CHECK_EQ(count[k], PER);
  free(c.got);
  rusm_rt_free(rt);
}

static void echo_len(rusm_ctx *ctx, void *arg) {
  size_t *out = arg;
  rusm_item *it = rusm_receive(ctx);
  if (it && it->kind == RUSM_ITEM_MESSAGE) {
    *out = it->u.msg.len;
    if (it->u.msg.len != 5 || memcmp(it->u.msg.data, "hello", 5) != 0) *out = 0;
  }
  rusm_item_free(it);
}

TEST(send_owned_moves_the_buffer_and_frees_on_failure) {
  rusm_rt *rt = new_rt(1);
  size_t len = 0;
  rusm_pid p = rusm_spawn(rt, echo_len, &len, NULL);
  char *buf = malloc(5);
  memcpy(buf, "hello", 5);
  CHECK(rusm_send_owned(rt, p, buf, 5));
  rusm_rt_join(rt, p);
  CHECK_EQ(len, 5);
  /* p is dead now: the buffer is freed by the call (LSan checks this) */
  CHECK(!rusm_send_owned(rt, p, malloc(8), 8));
  CHECK(!rusm_send(rt, p, "x", 1));
  rusm_rt_free(rt);
}

/* Waits (selectively, so the flood stays queued) for the Down of a trigger
** process, then counts what it finds. */
typedef struct {
  rusm_pid trigger;
  rusm_ref ref;
  atomic_int ready, done;
  int messages, downs;
} flood_state;

static bool is_trigger_down(const rusm_item *it, void *arg) {
  flood_state *s = arg;
  return it->kind == RUSM_ITEM_DOWN && it->u.down.ref == s->ref;
}

static void flooded(rusm_ctx *ctx, void *arg) {
  flood_state *s = arg;
  s->ref = rusm_monitor(rusm_ctx_rt(ctx), rusm_self(ctx), s->trigger);
  atomic_store(&s->ready, 1);
  rusm_item *it = rusm_receive_match(ctx, is_trigger_down, s, RUSM_FOREVER);
  if (it) s->downs++;
  rusm_item_free(it);
  while ((it = rusm_receive_match(ctx, NULL, NULL, 0))) {
    if (it->kind == RUSM_ITEM_MESSAGE) s->messages++;
    if (it->kind == RUSM_ITEM_DOWN) s->downs++;
    rusm_item_free(it);
  }
  atomic_store(&s->done, 1);
}

static void quick(rusm_ctx *ctx, void *arg) {
  (void)ctx, (void)arg;
}

static void idle_body(rusm_ctx *ctx, void *arg) {
  (void)arg;
  rusm_item_free(rusm_receive(ctx));
}

TEST(capacity_sheds_user_messages_only_and_counts_exactly) {
  rusm_rt_config cfg;
  rusm_rt_config_default(&cfg);
  cfg.workers = 2;
  cfg.mailbox_capacity = 100;
  rusm_rt *rt = rusm_rt_new(&cfg);
  flood_state s = {0};
  s.trigger = rusm_spawn(rt, idle_body, NULL, NULL);
  rusm_pid p = rusm_spawn(rt, flooded, &s, NULL);
  CHECK(WAIT_UNTIL(atomic_load(&s.ready), 2000));
  int accepted = 0;
  for (int i = 0; i < 100000; i++) accepted += rusm_send(rt, p, &i, sizeof i);
  CHECK_EQ(accepted, 100);
  CHECK_EQ(rusm_dropped_messages(rt), 99900);
  rusm_info info;
  CHECK(rusm_get_info(rt, p, &info));
  CHECK_EQ(info.mailbox_depth, 100);
  rusm_info_clear(&info);
  /* signals go past the capacity */
  for (int i = 0; i < 10; i++) rusm_monitor(rt, p, rusm_spawn(rt, quick, NULL, NULL));
  CHECK(WAIT_UNTIL(rusm_get_info(rt, p, &info) && info.mailbox_depth == 110, 2000));
  rusm_info_clear(&info);
  CHECK(!rusm_send(rt, p, "x", 1));
  CHECK_EQ(rusm_dropped_messages(rt), 99901);
  rusm_kill(rt, s.trigger);
  rusm_rt_join(rt, p);
  CHECK(atomic_load(&s.done));
  CHECK_EQ(s.messages, 100);
  CHECK_EQ(s.downs, 11);
  rusm_rt_free(rt);
}

static bool never(const rusm_item *it, void *arg) {
  return (void)it, (void)arg, false;
}

static void hoarder(rusm_ctx *ctx, void *arg) {
  (void)arg;
  rusm_item_free(rusm_receive_match(ctx, never, NULL, RUSM_FOREVER));
}

TEST(depth_is_zero_without_tracking) {
  rusm_rt *rt = new_rt(1);
  rusm_pid p = rusm_spawn(rt, hoarder, NULL, NULL);
  /* selective wait on nothing: messages stay */
  for (int i = 0; i < 10; i++) rusm_send(rt, p, "abc", 3);
  rusm_info info;
  CHECK(rusm_get_info(rt, p, &info));
  CHECK_EQ(info.mailbox_depth, 0);
  rusm_info_clear(&info);
  rusm_rt_free(rt);
}

TEST(depth_tracking_counts_queued_items) {
  rusm_rt_config cfg;
  rusm_rt_config_default(&cfg);
  cfg.workers = 1;
  cfg.track_mailbox_depth = true;
  rusm_rt *rt = rusm_rt_new(&cfg);
  flood_state s = {0};
  s.trigger = rusm_spawn(rt, idle_body, NULL, NULL);
  rusm_pid p = rusm_spawn(rt, flooded, &s, NULL);
  CHECK(WAIT_UNTIL(atomic_load(&s.ready), 2000));
  for (int i = 0; i < 1000; i++) CHECK(rusm_send(rt, p, &i, sizeof i));
  rusm_info info;
  CHECK(WAIT_UNTIL(rusm_get_info(rt, p, &info) && info.mailbox_depth == 1000, 2000));
  rusm_info_clear(&info);
  CHECK_EQ(rusm_dropped_messages(rt), 0);
  rusm_kill(rt, s.trigger);
  rusm_rt_join(rt, p);
  CHECK_EQ(s.messages, 1000);
  rusm_rt_free(rt);
}

TEST_MAIN(fifo_order_from_one_sender, concurrent_senders_keep_per_sender_order_and_lose_nothing,
          send_owned_moves_the_buffer_and_frees_on_failure,
          capacity_sheds_user_messages_only_and_counts_exactly, depth_is_zero_without_tracking,
          depth_tracking_counts_queued_items)
