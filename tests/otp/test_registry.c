/*
** test_registry.c: register / whereis / unregister / send_named, names
** released at exit, and the race-free whereis_or_spawn singleton.
*/
#include "test.h"
#include "otp_test.h"

#include <pthread.h>

static void idle_body(rusm_ctx *ctx, void *arg) {
  (void)arg;
  rusm_item_free(rusm_receive(ctx));
}

static void first_byte(rusm_ctx *ctx, void *arg) {
  char *out = arg;
  rusm_item *it = rusm_receive(ctx);
  if (it && it->kind == RUSM_ITEM_MESSAGE) *out = (char)it->u.msg.data[0];
  rusm_item_free(it);
}

TEST(register_whereis_unregister) {
  rusm_rt *rt = new_rt(2);
  rusm_pid a = rusm_spawn(rt, idle_body, NULL, NULL);
  rusm_pid b = rusm_spawn(rt, idle_body, NULL, NULL);
  CHECK(rusm_whereis(rt, "svc") == RUSM_PID_NONE);
  CHECK(rusm_register(rt, "svc", a));
  CHECK(!rusm_register(rt, "svc", b)); /* taken */
  CHECK(rusm_register(rt, "svc2", a)); /* a pid may hold many names */
  CHECK(rusm_whereis(rt, "svc") == a);
  rusm_info info;
  CHECK(rusm_get_info(rt, a, &info));
  CHECK_EQ(info.n_names, 2);
  CHECK(info.names && info.names[0] && info.names[1] && !info.names[2]);
  rusm_info_clear(&info);
  CHECK(rusm_unregister(rt, "svc"));
  CHECK(!rusm_unregister(rt, "svc"));
  CHECK(rusm_whereis(rt, "svc") == RUSM_PID_NONE);
  CHECK(rusm_register(rt, "svc", b));
  CHECK(rusm_get_info(rt, a, &info));
  CHECK_EQ(info.n_names, 1);
  CHECK_STR(info.names[0], "svc2");
  rusm_info_clear(&info);
  rusm_rt_free(rt);
}

TEST(names_are_released_at_exit_and_dead_pids_refused) {
  rusm_rt *rt = new_rt(2);
  rusm_pid a = rusm_spawn(rt, idle_body, NULL, NULL);
  CHECK(rusm_register(rt, "n1", a));
  CHECK(rusm_register(rt, "n2", a));
  rusm_kill(rt, a);
  rusm_rt_join(rt, a);
  CHECK(rusm_whereis(rt, "n1") == RUSM_PID_NONE);
  CHECK(!rusm_register(rt, "n3", a));
  rusm_pid b = rusm_spawn(rt, idle_body, NULL, NULL);
  CHECK(rusm_register(rt, "n1", b));
  CHECK(rusm_register(rt, "n2", b));
  rusm_rt_free(rt);
}

TEST(send_named_reaches_the_holder) {
  rusm_rt *rt = new_rt(2);
  char got = 0;
  rusm_pid a = rusm_spawn(rt, first_byte, &got, NULL);
  CHECK(rusm_register(rt, "target", a));
  CHECK(rusm_send_named(rt, "target", "k", 1));
  rusm_rt_join(rt, a);
  CHECK_EQ(got, 'k');
  CHECK(!rusm_send_named(rt, "target", "k", 1));
  CHECK(!rusm_send_named(rt, "nobody", "k", 1));
  rusm_rt_free(rt);
}

/* whereis_or_spawn raced by two threads, 1000 rounds */
static atomic_int bodies_run;

static void singleton(rusm_ctx *ctx, void *arg) {
  (void)arg;
  atomic_fetch_add(&bodies_run, 1);
  rusm_item_free(rusm_receive(ctx));
}

typedef struct {
  rusm_rt *rt;
  const char *name;
  pthread_barrier_t *bar;
  rusm_pid got;
} racer;

static void *race_thread(void *a) {
  racer *r = a;
  pthread_barrier_wait(r->bar);
  r->got = rusm_whereis_or_spawn(r->rt, r->name, singleton, NULL, NULL);
  return NULL;
}

TEST(whereis_or_spawn_runs_exactly_one_body_per_round) {
  rusm_rt *rt = new_rt(2);
  int bad_rounds = 0;
  for (int round = 0; round < 1000; round++) {
    char name[32];
    snprintf(name, sizeof name, "single-%d", round);
    atomic_store(&bodies_run, 0);
    pthread_barrier_t bar;
    pthread_barrier_init(&bar, NULL, 2);
    racer r[2] = {{rt, name, &bar, 0}, {rt, name, &bar, 0}};
    pthread_t th[2];
    for (int k = 0; k < 2; k++) pthread_create(&th[k], NULL, race_thread, &r[k]);
    for (int k = 0; k < 2; k++) pthread_join(th[k], NULL);
    pthread_barrier_destroy(&bar);
    bool same = r[0].got == r[1].got && r[0].got != RUSM_PID_NONE;
    bool registered = rusm_whereis(rt, name) == r[0].got;
    bool one = WAIT_UNTIL(atomic_load(&bodies_run) == 1, 2000);
    usleep(50);
    one = one && atomic_load(&bodies_run) == 1;
    if (!(same && registered && one)) bad_rounds++;
    rusm_send(rt, r[0].got, "stop", 4);
    rusm_rt_join(rt, r[0].got);
  }
  CHECK_EQ(bad_rounds, 0);
  CHECK_EQ(rusm_spawned(rt), 1000); /* the loser never spawned anything */
  rusm_rt_free(rt);
}

TEST_MAIN(register_whereis_unregister, names_are_released_at_exit_and_dead_pids_refused,
          send_named_reaches_the_holder, whereis_or_spawn_runs_exactly_one_body_per_round)
