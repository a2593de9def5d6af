/*
** test_fault_core.c: the actor core when memory or threads run out
** (tests/fault injection). Each failing call must end in the documented
** result (NULL runtime, RUSM_PID_NONE, false, ref 0), free what it took,
** half-make nothing, and leave the runtime usable; under ASan nothing leaks.
*/
#include "test.h"
#include "otp_test.h"

#include "fault.h"

/* ---------------------------------------------------------------- helpers */

static atomic_int received;

/* Takes one message, counts it, ends. */
static void take_one(rusm_ctx *ctx, void *arg) {
  (void)arg;
  rusm_item *it = rusm_receive(ctx);
  if (it) atomic_fetch_add(&received, 1);
  rusm_item_free(it);
}

/* Waits until killed and never takes anything out of its mailbox. A
** resumable body: it allocates nothing while it runs (a parked native one
** would, when another fiber's frames evict it), so it cannot take a fault
** armed for the call under test. */
static rusm_step idle_resume(void *state, rusm_ctx *ctx, uint32_t budget,
                             rusm_exit_reason *o_reason) {
  (void)state, (void)ctx, (void)budget, (void)o_reason;
  return RUSM_STEP_WAIT;
}
static const rusm_body_ops idle_ops = {idle_resume, NULL};
static rusm_pid spawn_idle(rusm_rt *rt) {
  return rusm_spawn_body(rt, &idle_ops, NULL);
}

/* A native body that ends at once, never parking. */
static void nothing(rusm_ctx *ctx, void *arg) {
  (void)ctx, (void)arg;
}

static size_t depth_of(rusm_rt *rt, rusm_pid p) {
  rusm_info info;
  size_t d = rusm_get_info(rt, p, &info) ? info.mailbox_depth : SIZE_MAX;
  rusm_info_clear(&info);
  return d;
}

/* Is rt able to spawn, deliver and finish a process? */
static bool usable(rusm_rt *rt) {
  int before = atomic_load(&received);
  rusm_pid p = rusm_spawn(rt, take_one, NULL, NULL);
  if (p == RUSM_PID_NONE || !rusm_send(rt, p, "x", 1)) return false;
  rusm_rt_join(rt, p);
  return atomic_load(&received) == before + 1;
}

static atomic_int freed;
static void count_free(void *arg) {
  (void)arg;
  atomic_fetch_add(&freed, 1);
}

/* ------------------------------------------------------------ rt_new */

/* Every allocation, stack mapping and thread of rusm_rt_new, failed in
** turn: NULL (only the census, which is optional, may fail quietly), and
** whatever was made before is undone (ASan: no leak, no thread left). */
static void rt_new_with_fault(fault_call which, int *o_nulls, int *o_bad) {
  fault_count_on();
  rusm_rt *rt = new_rt(2);
  uint64_t k = fault_seen(which);
  fault_reset();
  if (!rt) {
    (*o_bad)++;
    return;
  }
  rusm_rt_free(rt);
  for (uint64_t n = 1; n <= k; n++) {
    fault_arm(which, n, 0);
    rt = new_rt(2);
    uint64_t failed = fault_failed(which);
    fault_reset();
    if (failed != 1) (*o_bad)++;
    if (!rt) {
      (*o_nulls)++;
      continue;
    }
    if (!usable(rt)) (*o_bad)++;
    rusm_rt_free(rt);
  }
}

TEST(rt_new_fails_cleanly_at_every_allocation) {
  int nulls = 0, bad = 0;
  fault_count_on();
  rusm_rt *rt = new_rt(2);
  uint64_t k = fault_seen(FAULT_ALLOC);
  fault_reset();
  rusm_rt_free(rt);
  REQUIRE(k >= 6); /* runtime, workers, table, two registry tables, timer hash, census */
  rt_new_with_fault(FAULT_ALLOC, &nulls, &bad);
  CHECK_EQ(bad, 0);
  CHECK_EQ(nulls, (int)k - 1); /* all but the census */
}

TEST(rt_new_fails_cleanly_without_stacks_or_threads) {
  int nulls = 0, bad = 0;
  rt_new_with_fault(FAULT_mmap, &nulls, &bad);
  CHECK_EQ(bad, 0);
  CHECK_EQ(nulls, 2); /* one stack per worker */
  nulls = bad = 0;
  rt_new_with_fault(FAULT_pthread_create, &nulls, &bad);
  CHECK_EQ(bad, 0);
  CHECK_EQ(nulls, 3); /* the timer thread and two workers */
  rusm_rt *rt = new_rt(2);
  REQUIRE(rt);
  CHECK(usable(rt));
  rusm_rt_free(rt);
}

/* ------------------------------------------------------------ spawning */

/* The process table grows by chunks; without memory for one there is no
** slot, so every spawn form fails and frees its argument. */
TEST(spawn_without_a_table_chunk_fails_and_frees_arg) {
  rusm_rt *rt = new_rt(1);
  REQUIRE(rt);
  atomic_store(&freed, 0);
  static const rusm_body_ops ops = {idle_resume, count_free};
  for (int form = 0; form < 4; form++) {
    fault_arm(FAULT_calloc, 1, 0); /* the first chunk of the table */
    rusm_pid p = form == 0   ? rusm_spawn(rt, nothing, NULL, count_free)
                 : form == 1 ? rusm_whereis_or_spawn(rt, "svc", nothing, NULL, count_free)
                 : form == 2 ? rusm_spawn_link(rt, RUSM_PID_NONE, nothing, NULL, count_free)
                             : rusm_spawn_body(rt, &ops, NULL);
    CHECK_EQ(fault_failed(FAULT_calloc), 1);
    fault_reset();
    CHECK_EQ(p, RUSM_PID_NONE);
  }
  CHECK_EQ(atomic_load(&freed), 4);
  CHECK_EQ(rusm_whereis(rt, "svc"), RUSM_PID_NONE);
  CHECK_EQ(rusm_spawned(rt), 0);
  CHECK(usable(rt));
  rusm_pid svc = rusm_whereis_or_spawn(rt, "svc", take_one, NULL, NULL);
  CHECK(svc != RUSM_PID_NONE);
  CHECK_EQ(rusm_whereis(rt, "svc"), svc);
  rusm_rt_free(rt);
}

/* Slots freed on a worker overflow its cache into a global list; if that
** list cannot grow, the slots are given up (table space, not memory) and
** spawning goes on from fresh slots. */
TEST(free_list_that_cannot_grow_loses_slots_not_processes) {
  rusm_rt *rt = new_rt(1);
  REQUIRE(rt);
  enum { N = 300 }; /* more than a worker's cache of 256 */
  static rusm_pid pids[N];
  fault_arm(FAULT_realloc, 1, 0); /* the bodies never park: no other realloc */
  for (int i = 0; i < N; i++) pids[i] = rusm_spawn(rt, nothing, NULL, NULL);
  for (int i = 0; i < N; i++) rusm_rt_join(rt, pids[i]);
  CHECK(WAIT_UNTIL(rusm_finished(rt) == N, 5000));
  CHECK_EQ(fault_failed(FAULT_realloc), 1);
  fault_reset();
  CHECK_EQ(rusm_finished(rt), N);
  CHECK_EQ(rusm_process_count(rt), 0);
  for (int i = 0; i < N; i++) CHECK(usable(rt));
  CHECK(WAIT_UNTIL(rusm_finished(rt) == 2 * N, 5000));
  rusm_rt_free(rt);
}

/* ------------------------------------------------------------ registry */

TEST(register_fails_whole_at_every_allocation) {
  rusm_rt *rt = new_rt(1);
  REQUIRE(rt);
  rusm_pid p = spawn_idle(rt);
  fault_count_on();
  CHECK(rusm_register(rt, "probe", p));
  uint64_t k = fault_seen(FAULT_ALLOC);
  fault_reset();
  CHECK(k >= 3); /* the entry, the process's list and its copy of the key */
  CHECK(rusm_unregister(rt, "probe"));
  int bad = 0;
  for (uint64_t n = 1; n <= k; n++) {
    rusm_pid q = spawn_idle(rt); /* a fresh one: no list yet */
    fault_arm(FAULT_ALLOC, n, 0);
    bool ok = rusm_register(rt, "name", q);
    fault_reset();
    bad += ok;
    bad += rusm_whereis(rt, "name") != RUSM_PID_NONE; /* no half-made entry */
    rusm_info info;
    CHECK(rusm_get_info(rt, q, &info));
    bad += info.n_names != 0;
    rusm_info_clear(&info);
    bad += !rusm_register(rt, "name", q); /* works once memory is back */
    bad += rusm_whereis(rt, "name") != q;
    rusm_kill(rt, q);
    rusm_rt_join(rt, q);
    bad += rusm_whereis(rt, "name") != RUSM_PID_NONE;
  }
  CHECK_EQ(bad, 0);
  rusm_rt_free(rt);
}

TEST(register_tag_fails_whole_at_every_allocation) {
  rusm_rt *rt = new_rt(1);
  REQUIRE(rt);
  rusm_pid p = spawn_idle(rt);
  fault_count_on();
  CHECK(rusm_register_tag(rt, "probe", p));
  uint64_t k = fault_seen(FAULT_ALLOC);
  fault_reset();
  CHECK(k >= 4); /* the group, its members, the process's list, the key */
  CHECK(rusm_unregister_tag(rt, "probe", p));
  int bad = 0;
  for (uint64_t n = 1; n <= k; n++) {
    rusm_pid q = spawn_idle(rt);
    fault_arm(FAULT_ALLOC, n, 0);
    bool ok = rusm_register_tag(rt, "group", q);
    fault_reset();
    bad += ok;
    bad += rusm_whereis_tag(rt, "group", NULL, 0) != 0; /* no empty group left over */
    bad += rusm_unregister_tag(rt, "group", q);
    bad += !rusm_register_tag(rt, "group", q);
    bad += rusm_whereis_tag(rt, "group", NULL, 0) != 1;
    rusm_kill(rt, q);
    rusm_rt_join(rt, q);
    bad += rusm_whereis_tag(rt, "group", NULL, 0) != 0;
  }
  CHECK_EQ(bad, 0);
  /* a group that exists already keeps its members when a join fails */
  rusm_pid a = spawn_idle(rt), b = spawn_idle(rt);
  CHECK(rusm_register_tag(rt, "kept", a));
  fault_arm(FAULT_ALLOC, 1, 1);
  CHECK(!rusm_register_tag(rt, "kept", b));
  fault_reset();
  rusm_pid got[2];
  CHECK_EQ(rusm_whereis_tag(rt, "kept", got, 2), 1);
  CHECK_EQ(got[0], a);
  rusm_rt_free(rt);
}

/* whereis_or_spawn registers its candidate before it runs; without memory
** for the name the candidate is killed before it ever runs. */
TEST(whereis_or_spawn_without_memory_for_the_name) {
  rusm_rt *rt = new_rt(1);
  REQUIRE(rt);
  CHECK(usable(rt)); /* the table's first chunk exists */
  atomic_store(&received, 0);
  atomic_store(&freed, 0);
  for (uint64_t n = 1; n <= 4; n++) { /* the entry, the list, its growth, the key */
    fault_arm(FAULT_ALLOC, n, 0);
    rusm_pid p = rusm_whereis_or_spawn(rt, "svc", take_one, NULL, count_free);
    CHECK_EQ(fault_failed(FAULT_ALLOC), 1);
    fault_reset();
    rusm_send(rt, p, "x", 1);
    rusm_rt_join(rt, p);
    CHECK_EQ(rusm_whereis(rt, "svc"), RUSM_PID_NONE);
  }
  CHECK_EQ(atomic_load(&freed), 4);
  CHECK_EQ(atomic_load(&received), 0); /* no candidate ran */
  rusm_rt_free(rt);
}

/* ------------------------------------------------------ links, messages */

TEST(link_without_memory_leaves_no_half_link) {
  rusm_rt *rt = new_rt(1);
  REQUIRE(rt);
  for (uint64_t n = 1; n <= 2; n++) { /* a's side, then b's side */
    rusm_pid a = spawn_idle(rt), b = spawn_idle(rt);
    fault_arm(FAULT_realloc, n, 0);
    CHECK(!rusm_link(rt, a, b));
    CHECK_EQ(fault_failed(FAULT_realloc), 1);
    fault_reset();
    rusm_info ia, ib;
    CHECK(rusm_get_info(rt, a, &ia) && rusm_get_info(rt, b, &ib));
    CHECK_EQ(ia.links, 0);
    CHECK_EQ(ib.links, 0);
    rusm_info_clear(&ia);
    rusm_info_clear(&ib);
    rusm_kill(rt, a);
    rusm_rt_join(rt, a);
    CHECK(rusm_is_alive(rt, b)); /* not linked: survives */
    CHECK(rusm_link(rt, b, spawn_idle(rt)));
    rusm_kill(rt, b);
    rusm_rt_join(rt, b);
  }
  CHECK(WAIT_UNTIL(rusm_process_count(rt) == 0, 5000)); /* b's partner died with it */
  rusm_rt_free(rt);
}

TEST(sends_without_memory_fail_and_free_the_payload) {
  rusm_rt_config cfg;
  rusm_rt_config_default(&cfg);
  cfg.workers = 1;
  cfg.track_mailbox_depth = true;
  rusm_rt *rt = rusm_rt_new(&cfg);
  REQUIRE(rt);
  rusm_pid p = spawn_idle(rt);
  fault_arm(FAULT_malloc, 1, 0);
  CHECK(!rusm_send(rt, p, "abc", 3));
  fault_reset();
  void *owned = malloc(16);
  REQUIRE(owned);
  fault_arm(FAULT_malloc, 1, 0);
  CHECK(!rusm_send_owned(rt, p, owned, 16)); /* takes owned even so */
  fault_reset();
  for (uint64_t n = 1; n <= 2; n++) { /* the timer, then the prepared item */
    fault_arm(FAULT_ALLOC, n, 0);
    CHECK_EQ(rusm_send_after(rt, p, 0, "late", 4), 0);
    CHECK_EQ(fault_failed(FAULT_ALLOC), 1);
    fault_reset();
  }
  CHECK(!rusm_cancel_timer(rt, 0));
  usleep(5000); /* anything wrongly armed would have fired by now */
  CHECK_EQ(depth_of(rt, p), 0);
  CHECK(rusm_send(rt, p, "abc", 3));
  CHECK(rusm_send_after(rt, p, 0, "late", 4) != 0);
  CHECK(WAIT_UNTIL(depth_of(rt, p) == 2, 5000));
  rusm_rt_free(rt);
}

/* ---------------------------------------------------------- supervisors */

static atomic_int starts;
static rusm_pid last_child;

static rusm_pid start_idle(rusm_rt *rt, void *arg) {
  (void)arg;
  atomic_fetch_add(&starts, 1);
  last_child = spawn_idle(rt);
  return last_child;
}

/* Starts its child as the last slot of the table's first chunk, then makes
** the next calloc (the chunk the supervisor's own slot needs) fail. */
static rusm_pid start_then_starve(rusm_rt *rt, void *arg) {
  rusm_pid p = start_idle(rt, arg);
  fault_arm(FAULT_calloc, 1, 0);
  return p;
}

TEST(sup_start_with_bad_arguments_or_no_memory) {
  rusm_rt *rt = new_rt(1);
  REQUIRE(rt);
  atomic_store(&starts, 0);
  rusm_sup_spec *spec = rusm_sup_new(RUSM_ONE_FOR_ONE);
  rusm_sup_child(spec, start_idle, NULL);
  CHECK_EQ(rusm_sup_start(NULL, spec), RUSM_PID_NONE); /* takes spec */
  CHECK_EQ(rusm_sup_start(rt, NULL), RUSM_PID_NONE);
  spec = rusm_sup_new(RUSM_ONE_FOR_ONE);
  rusm_sup_child(spec, start_idle, NULL);
  fault_arm(FAULT_calloc, 1, 0);
  CHECK_EQ(rusm_sup_start(rt, spec), RUSM_PID_NONE);
  fault_reset();
  CHECK_EQ(atomic_load(&starts), 0); /* no child was started */
  CHECK_EQ(rusm_process_count(rt), 0);
  rusm_rt_free(rt);
}

TEST(sup_whose_own_spawn_fails_takes_its_children_down) {
  rusm_rt *rt = new_rt(1);
  REQUIRE(rt);
  enum { CHUNK = 4096 }; /* slots per table chunk (proc.c) */
  for (int i = 0; i < CHUNK - 1; i++) REQUIRE(spawn_idle(rt) != RUSM_PID_NONE);
  rusm_sup_spec *spec = rusm_sup_new(RUSM_ONE_FOR_ONE);
  rusm_sup_child(spec, start_then_starve, NULL);
  rusm_pid sup = rusm_sup_start(rt, spec);
  CHECK_EQ(fault_failed(FAULT_calloc), 1);
  fault_reset();
  CHECK_EQ(sup, RUSM_PID_NONE);
  CHECK(last_child != RUSM_PID_NONE);
  rusm_rt_join(rt, last_child); /* killed, not orphaned */
  CHECK(!rusm_is_alive(rt, last_child));
  CHECK(usable(rt));
  rusm_rt_free(rt);
}

/* Supervisors are listed for rusm_sup_children; the one ending need not be
** the newest. */
TEST(older_supervisor_ends_first) {
  rusm_rt *rt = new_rt(1);
  REQUIRE(rt);
  rusm_sup_spec *s1 = rusm_sup_new(RUSM_ONE_FOR_ONE), *s2 = rusm_sup_new(RUSM_ONE_FOR_ONE);
  rusm_sup_child(s1, start_idle, NULL);
  rusm_sup_child(s2, start_idle, NULL);
  rusm_pid a = rusm_sup_start(rt, s1);
  rusm_pid b = rusm_sup_start(rt, s2);
  REQUIRE(a != RUSM_PID_NONE && b != RUSM_PID_NONE);
  rusm_pid kids[1];
  CHECK_EQ(rusm_sup_children(rt, a, kids, 1), 1);
  rusm_kill(rt, a);
  rusm_rt_join(rt, a);
  CHECK_EQ(rusm_sup_children(rt, a, kids, 1), 0); /* unlisted */
  CHECK_EQ(rusm_sup_children(rt, b, kids, 1), 1); /* the newer one still found */
  CHECK(rusm_is_alive(rt, kids[0]));
  rusm_rt_free(rt);
}

TEST_MAIN(rt_new_fails_cleanly_at_every_allocation, rt_new_fails_cleanly_without_stacks_or_threads,
          spawn_without_a_table_chunk_fails_and_frees_arg,
          free_list_that_cannot_grow_loses_slots_not_processes,
          register_fails_whole_at_every_allocation, register_tag_fails_whole_at_every_allocation,
          whereis_or_spawn_without_memory_for_the_name, link_without_memory_leaves_no_half_link,
          sends_without_memory_fail_and_free_the_payload, sup_start_with_bad_arguments_or_no_memory,
          sup_whose_own_spawn_fails_takes_its_children_down, older_supervisor_ends_first)
