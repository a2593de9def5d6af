/*
** test_net_fd.c: fd readiness waits on the epoll poller: a native wait
** parks until the fd is ready, times out, or is ended by a kill; several
** processes can wait on one fd; resumable bodies arm waits with
** rusm_wait_fd; rusm_fd_forget wakes waiters; regular files are ready.
*/
#include "test.h"
#include "otp_test.h"

#include <fcntl.h>

#include "rusm/net.h"

typedef struct fdw {
  int fd;
  int64_t timeout_us;
  atomic_uint got;
  atomic_bool done, killed_flag, started;
  atomic_int nread;
  uint64_t waited_ns;
} fdw;

static void waiter(rusm_ctx *ctx, void *arg) {
  fdw *s = arg;
  atomic_store(&s->started, true);
  uint64_t t0 = rusm_now_ns();
  uint32_t ev = rusm_fd_wait(ctx, s->fd, RUSM_FD_READ, s->timeout_us);
  s->waited_ns = rusm_now_ns() - t0;
  atomic_store(&s->killed_flag, rusm_killed(ctx));
  atomic_store(&s->got, ev);
  atomic_store(&s->done, true);
}

TEST(native_wait_parks_until_readable) {
  rusm_rt *rt = new_rt(2);
  int p[2];
  REQUIRE(pipe2(p, O_NONBLOCK | O_CLOEXEC) == 0);
  fdw a = {.fd = p[0], .timeout_us = RUSM_FOREVER}, b = a;
  rusm_pid pa = rusm_spawn(rt, waiter, &a, NULL);
  rusm_pid pb = rusm_spawn(rt, waiter, &b, NULL); /* two waiters on one fd */
  CHECK(WAIT_UNTIL(atomic_load(&a.started) && atomic_load(&b.started), 2000));
  usleep(20000);
  CHECK(!atomic_load(&a.done));
  CHECK(!atomic_load(&b.done));
  CHECK_EQ(write(p[1], "x", 1), 1);
  rusm_rt_join(rt, pa);
  rusm_rt_join(rt, pb);
  CHECK(atomic_load(&a.got) & RUSM_FD_READ);
  CHECK(atomic_load(&b.got) & RUSM_FD_READ);
  close(p[0]);
  close(p[1]);
  rusm_rt_free(rt);
}

TEST(native_wait_times_out_and_is_killable) {
  rusm_rt *rt = new_rt(2);
  int p[2];
  REQUIRE(pipe2(p, O_NONBLOCK | O_CLOEXEC) == 0);
  fdw t = {.fd = p[0], .timeout_us = 20000};
  rusm_rt_join(rt, rusm_spawn(rt, waiter, &t, NULL));
  CHECK_EQ(atomic_load(&t.got), 0);
  CHECK(!atomic_load(&t.killed_flag));
  CHECK(t.waited_ns >= 20000000u);

  fdw k = {.fd = p[0], .timeout_us = RUSM_FOREVER};
  rusm_pid pk = rusm_spawn(rt, waiter, &k, NULL);
  CHECK(WAIT_UNTIL(atomic_load(&k.started), 2000));
  usleep(10000);
  rusm_kill(rt, pk);
  rusm_rt_join(rt, pk);
  CHECK_EQ(atomic_load(&k.got), 0);
  CHECK(atomic_load(&k.killed_flag));
  /* the fd is still usable by others after the killed waiter left */
  fdw c = {.fd = p[0], .timeout_us = 2000000};
  rusm_pid pc = rusm_spawn(rt, waiter, &c, NULL);
  CHECK(WAIT_UNTIL(atomic_load(&c.started), 2000));
  CHECK_EQ(write(p[1], "x", 1), 1);
  rusm_rt_join(rt, pc);
  CHECK(atomic_load(&c.got) & RUSM_FD_READ);
  close(p[0]);
  close(p[1]);
  rusm_rt_free(rt);
}

TEST(forget_wakes_waiters_and_files_are_ready) {
  rusm_rt *rt = new_rt(1);
  int p[2];
  REQUIRE(pipe2(p, O_NONBLOCK | O_CLOEXEC) == 0);
  fdw a = {.fd = p[0], .timeout_us = RUSM_FOREVER};
  rusm_pid pa = rusm_spawn(rt, waiter, &a, NULL);
  CHECK(WAIT_UNTIL(atomic_load(&a.started), 2000));
  usleep(10000);
  rusm_fd_forget(rt, p[0]);
  rusm_rt_join(rt, pa);
  CHECK(atomic_load(&a.got) & RUSM_FD_ERROR);
  close(p[0]);
  close(p[1]);

  char path[] = "/tmp/rusm_fdwait_XXXXXX";
  int f = mkstemp(path);
  REQUIRE(f >= 0);
  unlink(path);
  fdw r = {.fd = f, .timeout_us = RUSM_FOREVER};
  rusm_rt_join(rt, rusm_spawn(rt, waiter, &r, NULL));
  CHECK(atomic_load(&r.got) & RUSM_FD_READ);
  close(f);
  rusm_rt_free(rt);
}

/* A resumable body that reads n bytes from a pipe, arming waits. */
typedef struct rfd {
  int fd;
  int want, have;
  atomic_int waits;
  atomic_bool done;
} rfd;

static rusm_step rfd_resume(void *state, rusm_ctx *ctx, uint32_t budget,
                            rusm_exit_reason *o_reason) {
  rfd *s = state;
  (void)budget;
  while (s->have < s->want) {
    char buf[16];
    ssize_t n = read(s->fd, buf, sizeof buf);
    if (n > 0) {
      s->have += (int)n;
      continue;
    }
    atomic_fetch_add(&s->waits, 1);
    rusm_wait_fd(ctx, s->fd, RUSM_FD_READ);
    return RUSM_STEP_WAIT;
  }
  atomic_store(&s->done, true);
  *o_reason = RUSM_EXIT_NORMAL;
  return RUSM_STEP_EXIT;
}

static const rusm_body_ops rfd_ops = {rfd_resume, NULL};

TEST(resumable_body_waits_on_fd) {
  rusm_rt *rt = new_rt(2);
  int p[2];
  REQUIRE(pipe2(p, O_NONBLOCK | O_CLOEXEC) == 0);
  rfd s = {.fd = p[0], .want = 3};
  rusm_pid pid = rusm_spawn_body(rt, &rfd_ops, &s);
  for (int i = 0; i < 3; i++) {
    CHECK(WAIT_UNTIL(atomic_load(&s.waits) > i, 2000));
    usleep(5000);
    CHECK(!atomic_load(&s.done));
    CHECK_EQ(write(p[1], "y", 1), 1);
  }
  rusm_rt_join(rt, pid);
  CHECK(atomic_load(&s.done));
  CHECK(atomic_load(&s.waits) >= 3);

  /* killed while waiting: the body is destroyed, the runtime stays sound */
  rfd k = {.fd = p[0], .want = 1};
  rusm_pid pk = rusm_spawn_body(rt, &rfd_ops, &k);
  CHECK(WAIT_UNTIL(atomic_load(&k.waits) > 0, 2000));
  rusm_kill(rt, pk);
  rusm_rt_join(rt, pk);
  CHECK(!atomic_load(&k.done));

  /* many bodies wait on one fd and die: their waits go with them, and the
  ** one live waiter left is still woken */
  enum { MANY = 300 };
  static rfd many[MANY];
  rusm_pid pids[MANY];
  for (int i = 0; i < MANY; i++) {
    many[i] = (rfd){.fd = p[0], .want = 1};
    pids[i] = rusm_spawn_body(rt, &rfd_ops, &many[i]);
  }
  for (int i = 0; i < MANY; i++) CHECK(WAIT_UNTIL(atomic_load(&many[i].waits) > 0, 2000));
  for (int i = 1; i < MANY; i++) rusm_kill(rt, pids[i]);
  for (int i = 1; i < MANY; i++) rusm_rt_join(rt, pids[i]);
  CHECK_EQ(write(p[1], "z", 1), 1);
  rusm_rt_join(rt, pids[0]);
  CHECK(atomic_load(&many[0].done));
  close(p[0]);
  close(p[1]);
  rusm_rt_free(rt);
}

TEST_MAIN(native_wait_parks_until_readable, native_wait_times_out_and_is_killable,
          forget_wakes_waiters_and_files_are_ready, resumable_body_waits_on_fd)
