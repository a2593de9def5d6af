/*
** test_core_cov.c: edge cases of the actor core that the feature tests do
** not reach: spawn calls with no body, a resumable body killed during its
** own step, unlink against a dead peer, trap_exit switched off again, many
** names and tags on one process (table growth), a name taken over while
** its holder exits, stream ends disowned by a process that then exits, and
** a writable wait armed twice by one resumable body.
*/
#include "test.h"
#include "otp_test.h"

#include "rusm/stream.h"

/* Is item of the kind passed by value through the void* argument? */
static bool kind_is(const rusm_item *item, void *arg) {
  return item->kind == (rusm_item_kind)(uintptr_t)arg;
}

/* ----------------------------------------------------- spawn without body */

static atomic_int freed;
static void count_free(void *arg) {
  (void)arg;
  atomic_fetch_add(&freed, 1);
}
static void count_destroy(void *state) {
  (void)state;
  atomic_fetch_add(&freed, 1);
}

TEST(spawn_without_body_frees_arg) {
  rusm_rt *rt = new_rt(2);
  REQUIRE(rt);
  atomic_store(&freed, 0);
  CHECK_EQ(rusm_spawn(rt, NULL, &freed, count_free), RUSM_PID_NONE);
  CHECK_EQ(rusm_spawn_link(rt, RUSM_PID_NONE, NULL, &freed, count_free), RUSM_PID_NONE);
  CHECK_EQ(rusm_whereis_or_spawn(rt, NULL, NULL, &freed, count_free), RUSM_PID_NONE);
  CHECK_EQ(rusm_whereis_or_spawn(rt, "x", NULL, &freed, count_free), RUSM_PID_NONE);
  CHECK_EQ(rusm_whereis(rt, "x"), RUSM_PID_NONE); /* no half-made name left behind */
  static const rusm_body_ops no_resume = {NULL, count_destroy};
  CHECK_EQ(rusm_spawn_body(rt, &no_resume, &freed), RUSM_PID_NONE);
  CHECK_EQ(rusm_spawn_body(rt, NULL, &freed), RUSM_PID_NONE); /* no ops: nothing to call */
  CHECK_EQ(atomic_load(&freed), 5);
  /* the NULL arg_free forms do not crash */
  CHECK_EQ(rusm_spawn(rt, NULL, NULL, NULL), RUSM_PID_NONE);
  CHECK_EQ(rusm_spawned(rt), 0);
  CHECK_EQ(rusm_process_count(rt), 0);
  rusm_rt_free(rt);
}

/* ------------------------------------- a resumable body exits itself mid-step */

typedef struct selfexit {
  rusm_exit_reason how; /* staged through rusm_exit on itself */
  rusm_step ret;        /* what the step returns after staging it */
  atomic_int steps, destroyed, staged_at;
} selfexit;

static rusm_step selfexit_resume(void *state, rusm_ctx *ctx, uint32_t budget,
                                 rusm_exit_reason *o_reason) {
  (void)budget;
  selfexit *s = state;
  int step = atomic_fetch_add(&s->steps, 1) + 1;
  rusm_item *it = rusm_try_receive(ctx, NULL, NULL);
  if (!it) return RUSM_STEP_WAIT; /* until the watcher has its monitor */
  rusm_item_free(it);
  atomic_store(&s->staged_at, step);
  CHECK(rusm_exit(rusm_ctx_rt(ctx), rusm_self(ctx), s->how));
  *o_reason = RUSM_EXIT_NORMAL; /* must be overridden by the staged reason */
  return s->ret;
}
static void selfexit_destroy(void *state) {
  atomic_fetch_add(&((selfexit *)state)->destroyed, 1);
}
static const rusm_body_ops selfexit_ops = {selfexit_resume, selfexit_destroy};

typedef struct watch {
  selfexit *s;
  _Atomic int reason; /* the Down reason, -1 until received */
  _Atomic rusm_pid target;
} watch;

static void watcher(rusm_ctx *ctx, void *arg) {
  watch *w = arg;
  rusm_rt *rt = rusm_ctx_rt(ctx);
  rusm_pid t = rusm_spawn_body(rt, &selfexit_ops, w->s);
  atomic_store(&w->target, t);
  rusm_ref ref = rusm_monitor(rt, rusm_self(ctx), t);
  RUSM_ASSERT(ctx, rusm_send(rt, t, "go", 2));
  rusm_item *it = rusm_receive_match(ctx, kind_is, (void *)(uintptr_t)RUSM_ITEM_DOWN, 10000000);
  RUSM_ASSERT(ctx, it && it->u.down.ref == ref && it->u.down.pid == t);
  atomic_store(&w->reason, (int)it->u.down.reason);
  rusm_item_free(it);
}

TEST(resumable_killed_during_its_step_ends_with_staged_reason) {
  rusm_rt *rt = new_rt(2);
  REQUIRE(rt);
  const rusm_step rets[] = {RUSM_STEP_YIELD, RUSM_STEP_WAIT};
  const rusm_exit_reason hows[] = {RUSM_EXIT_CRASHED, RUSM_EXIT_KILLED};
  for (int i = 0; i < 2; i++) {
    selfexit s = {.how = hows[i], .ret = rets[i]};
    watch w = {.s = &s, .reason = -1, .target = RUSM_PID_NONE};
    rusm_pid wp = rusm_spawn(rt, watcher, &w, NULL);
    REQUIRE(wp != RUSM_PID_NONE);
    rusm_rt_join(rt, wp);
    CHECK_EQ(atomic_load(&w.reason), hows[i]);
    CHECK(atomic_load(&s.staged_at) > 0);
    CHECK_EQ(atomic_load(&s.steps), atomic_load(&s.staged_at)); /* no step after staging */
    CHECK(WAIT_UNTIL(atomic_load(&s.destroyed) == 1, 5000));
    CHECK(!rusm_is_alive(rt, atomic_load(&w.target)));
  }
  rusm_rt_free(rt);
}

/* ---------------------------------------------------- unlink, trap_exit */

typedef struct linker {
  _Atomic rusm_pid peer;
  atomic_int got_exit, unlink_ok, unlink_rev_ok;
  atomic_bool ready;
} linker;

static void quick(rusm_ctx *ctx, void *arg) {
  (void)arg;
  rusm_item *it = rusm_receive(ctx); /* returns when told to */
  if (it) rusm_item_free(it);
}

/* Traps exits, links to a peer, sees it end, then unlinks from the dead. */
static void trap_then_unlink(rusm_ctx *ctx, void *arg) {
  linker *l = arg;
  rusm_rt *rt = rusm_ctx_rt(ctx);
  RUSM_ASSERT(ctx, rusm_set_trap_exit(rt, rusm_self(ctx), true));
  rusm_pid peer = rusm_spawn(rt, quick, NULL, NULL);
  RUSM_ASSERT(ctx, rusm_link(rt, rusm_self(ctx), peer));
  atomic_store(&l->peer, peer);
  RUSM_ASSERT(ctx, rusm_send(rt, peer, "end", 3));
  rusm_item *it = rusm_receive_match(ctx, kind_is, (void *)(uintptr_t)RUSM_ITEM_EXIT, 10000000);
  RUSM_ASSERT(ctx, it);
  atomic_store(&l->got_exit, it->u.exit.from == peer && it->u.exit.reason == RUSM_EXIT_NORMAL);
  rusm_item_free(it);
  /* the peer is dead: neither argument order finds a link any more */
  atomic_store(&l->unlink_ok, rusm_unlink(rt, rusm_self(ctx), peer));
  atomic_store(&l->unlink_rev_ok, rusm_unlink(rt, peer, rusm_self(ctx)));
}

TEST(unlink_against_dead_peer_finds_nothing) {
  rusm_rt *rt = new_rt(2);
  REQUIRE(rt);
  linker l = {.peer = RUSM_PID_NONE, .unlink_ok = -1, .unlink_rev_ok = -1};
  rusm_pid a = rusm_spawn(rt, trap_then_unlink, &l, NULL);
  rusm_rt_join(rt, a);
  CHECK_EQ(atomic_load(&l.got_exit), 1);
  CHECK_EQ(atomic_load(&l.unlink_ok), 0);
  CHECK_EQ(atomic_load(&l.unlink_rev_ok), 0);
  /* both ends gone: nothing to find either */
  CHECK(!rusm_unlink(rt, a, atomic_load(&l.peer)));
  rusm_rt_free(rt);
}

static void idle(rusm_ctx *ctx, void *arg) {
  (void)arg;
  rusm_item *it = rusm_receive(ctx);
  if (it) rusm_item_free(it);
}

TEST(trap_exit_off_again_makes_links_fatal) {
  rusm_rt *rt = new_rt(2);
  REQUIRE(rt);
  rusm_pid a = rusm_spawn(rt, idle, NULL, NULL);
  rusm_pid b = rusm_spawn(rt, idle, NULL, NULL);
  REQUIRE(rusm_link(rt, a, b));
  CHECK(rusm_set_trap_exit(rt, a, true));
  CHECK(rusm_set_trap_exit(rt, a, false));
  rusm_info info;
  REQUIRE(rusm_get_info(rt, a, &info));
  CHECK(!info.trap_exit);
  CHECK_EQ(info.links, 1);
  rusm_info_clear(&info);
  CHECK(rusm_exit(rt, b, RUSM_EXIT_CRASHED));
  rusm_rt_join(rt, b);
  rusm_rt_join(rt, a); /* not trapping: the abnormal exit takes a down too */
  CHECK(!rusm_is_alive(rt, a));
  CHECK(!rusm_set_trap_exit(rt, a, false)); /* dead: nothing to set */
  rusm_rt_free(rt);
}

/* ------------------------------------------------- many names and tags */

#define MANY 300

TEST(many_names_and_tags_on_one_process) {
  rusm_rt *rt = new_rt(2);
  REQUIRE(rt);
  rusm_pid a = rusm_spawn(rt, idle, NULL, NULL);
  rusm_pid b = rusm_spawn(rt, idle, NULL, NULL);
  char name[32];
  for (int i = 0; i < MANY; i++) {
    snprintf(name, sizeof name, "name-%d", i);
    CHECK(rusm_register(rt, name, i % 2 ? a : b));
    snprintf(name, sizeof name, "tag-%d", i);
    CHECK(rusm_register_tag(rt, name, a));
  }
  int found = 0, tagged = 0;
  for (int i = 0; i < MANY; i++) {
    snprintf(name, sizeof name, "name-%d", i);
    found += rusm_whereis(rt, name) == (i % 2 ? a : b);
    snprintf(name, sizeof name, "tag-%d", i);
    rusm_pid m = RUSM_PID_NONE;
    tagged += rusm_whereis_tag(rt, name, &m, 1) == 1 && m == a;
  }
  CHECK_EQ(found, MANY);
  CHECK_EQ(tagged, MANY);
  rusm_info info;
  REQUIRE(rusm_get_info(rt, a, &info));
  CHECK_EQ(info.n_names, MANY / 2);
  rusm_info_clear(&info);
  CHECK(!rusm_unregister_tag(rt, "no-such-tag", a));
  CHECK(rusm_kill(rt, a));
  rusm_rt_join(rt, a);
  /* a's exit released its names and every tag it was the only member of */
  int left = 0;
  for (int i = 0; i < MANY; i++) {
    snprintf(name, sizeof name, "name-%d", i);
    left += rusm_whereis(rt, name) != RUSM_PID_NONE;
    snprintf(name, sizeof name, "tag-%d", i);
    left += rusm_whereis_tag(rt, name, NULL, 0) != 0;
  }
  CHECK_EQ(left, MANY / 2);
  rusm_rt_free(rt);
}

/* --------------------------------------------------- disowned stream ends */

typedef struct ends {
  rusm_stream_writer *w;
  rusm_stream_reader *r;
  atomic_int ok;
} ends;

static void make_and_disown(rusm_ctx *ctx, void *arg) {
  ends *e = arg;
  RUSM_ASSERT(ctx, rusm_stream_new(ctx, 2, &e->w, &e->r));
  rusm_stream_writer_disown(e->w);
  rusm_stream_reader_disown(e->r);
  atomic_store(&e->ok, 1);
} /* exits: owned ends would close here, disowned ones must not */

TEST(disowned_stream_ends_outlive_their_creator) {
  rusm_rt *rt = new_rt(2);
  REQUIRE(rt);
  ends e = {0};
  rusm_pid p = rusm_spawn(rt, make_and_disown, &e, NULL);
  rusm_rt_join(rt, p);
  REQUIRE(atomic_load(&e.ok) == 1);
  char *data = malloc(3);
  REQUIRE(data);
  memcpy(data, "abc", 3);
  CHECK_EQ(rusm_stream_try_write(e.w, data, 3), RUSM_STREAM_OK);
  CHECK_EQ(rusm_stream_buffered(e.r), 1);
  rusm_chunk c = {0};
  CHECK_EQ(rusm_stream_try_read(e.r, &c), RUSM_STREAM_OK);
  CHECK(c.len == 3 && c.data && memcmp(c.data, "abc", 3) == 0);
  free(c.data);
  CHECK_EQ(rusm_stream_try_read(e.r, &c), RUSM_STREAM_WOULD_BLOCK);
  rusm_stream_writer_close(e.w);
  CHECK_EQ(rusm_stream_try_read(e.r, &c), RUSM_STREAM_CLOSED);
  rusm_stream_reader_close(e.r);
  rusm_rt_free(rt);
}

/* A resumable writer arms the same writable wait twice on a full stream:
** it must be recorded once and still woken when room appears. */
typedef struct dupw {
  rusm_stream_writer *w;
  rusm_stream_reader *r;
  atomic_int steps, second_write;
  atomic_bool parked;
} dupw;

static rusm_step dupw_resume(void *state, rusm_ctx *ctx, uint32_t budget,
                             rusm_exit_reason *o_reason) {
  (void)budget;
  dupw *d = state;
  int step = atomic_fetch_add(&d->steps, 1);
  if (step == 0) {
    if (!rusm_stream_new(ctx, 1, &d->w, &d->r))
      return *o_reason = RUSM_EXIT_CRASHED, RUSM_STEP_EXIT;
    rusm_stream_reader_disown(d->r); /* the test thread reads and closes it */
    char *x = strdup("1");
    if (rusm_stream_try_write(d->w, x, 1) != RUSM_STREAM_OK) free(x);
    rusm_wait_stream_writable(ctx, d->w);
    rusm_wait_stream_writable(ctx, d->w); /* the same process again */
    atomic_store(&d->parked, true);
    return RUSM_STEP_WAIT;
  }
  char *y = strdup("2");
  rusm_stream_status st = rusm_stream_try_write(d->w, y, 1);
  if (st != RUSM_STREAM_OK) free(y);
  atomic_store(&d->second_write, (int)st);
  *o_reason = RUSM_EXIT_NORMAL;
  return RUSM_STEP_EXIT;
}
static void dupw_destroy(void *state) {
  (void)state;
}
static const rusm_body_ops dupw_ops = {dupw_resume, dupw_destroy};

TEST(duplicate_writable_wait_wakes_once) {
  rusm_rt *rt = new_rt(2);
  REQUIRE(rt);
  dupw d = {.second_write = -1};
  rusm_pid p = rusm_spawn_body(rt, &dupw_ops, &d);
  REQUIRE(p != RUSM_PID_NONE);
  REQUIRE(WAIT_UNTIL(atomic_load(&d.parked), 10000));
  CHECK_EQ(atomic_load(&d.steps), 1); /* full: parked, not spinning */
  rusm_chunk c = {0};
  CHECK_EQ(rusm_stream_try_read(d.r, &c), RUSM_STREAM_OK); /* room: wakes the writer */
  CHECK(c.len == 1 && c.data[0] == '1');
  free(c.data);
  rusm_rt_join(rt, p);
  CHECK_EQ(atomic_load(&d.steps), 2);
  CHECK_EQ(atomic_load(&d.second_write), RUSM_STREAM_OK);
  CHECK_EQ(rusm_stream_try_read(d.r, &c), RUSM_STREAM_OK); /* written before its exit */
  CHECK(c.len == 1 && c.data[0] == '2');
  free(c.data);
  CHECK_EQ(rusm_stream_try_read(d.r, &c), RUSM_STREAM_CLOSED); /* its writer closed at exit */
  rusm_stream_reader_close(d.r);
  rusm_rt_free(rt);
}

/* A name taken over while its holder is exiting must stay with the new
** holder when the old one's exit releases its names. */
TEST(name_taken_over_from_exiting_holder_survives_its_release) {
  rusm_rt *rt = new_rt(2);
  REQUIRE(rt);
  int wrong = 0, held_by_b = 0;
  for (int i = 0; i < 300; i++) {
    rusm_pid a = rusm_spawn(rt, idle, NULL, NULL);
    rusm_pid b = rusm_spawn(rt, idle, NULL, NULL);
    REQUIRE(rusm_register(rt, "race", a));
    CHECK(rusm_kill(rt, a));
    while (!rusm_register(rt, "race", b)) sched_yield(); /* free once a is not alive */
    held_by_b += rusm_whereis(rt, "race") == b && rusm_is_alive(rt, b);
    rusm_rt_join(rt, a);
    wrong += rusm_whereis(rt, "race") != b;
    CHECK(rusm_kill(rt, b));
    rusm_rt_join(rt, b);
    wrong += rusm_whereis(rt, "race") != RUSM_PID_NONE;
  }
  CHECK_EQ(wrong, 0);
  CHECK_EQ(held_by_b, 300);
  rusm_rt_free(rt);
}

TEST_MAIN(spawn_without_body_frees_arg, resumable_killed_during_its_step_ends_with_staged_reason,
          unlink_against_dead_peer_finds_nothing, trap_exit_off_again_makes_links_fatal,
          many_names_and_tags_on_one_process, disowned_stream_ends_outlive_their_creator,
          duplicate_writable_wait_wakes_once,
          name_taken_over_from_exiting_holder_survives_its_release)
