/*
** test_io_cov.c: fd-wait and TCP edge cases (loopback only): waits on a
** closed fd, an fd number reused behind the poller's back, resumable arms
** merged per fd and fired out of order, a bad fd arm, the address forms
** ("[::1]", "localhost", ":port", "*:port"), the parking native accept
** (also killed while it waits), an fd that beats its timeout, and an
** acceptor whose listening socket breaks under it.
*/
#include "test.h"
#include "otp_test.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "rusm/net.h"

/* --------------------------------------------------------- native waits */

typedef struct fdw {
  int fd;
  atomic_uint got1, got2;
} fdw;

static void wait_closed(rusm_ctx *ctx, void *arg) {
  fdw *f = arg;
  atomic_store(&f->got1, rusm_fd_wait(ctx, f->fd, RUSM_FD_READ, RUSM_FOREVER));
}

TEST(fd_wait_on_closed_fd_reports_error) {
  rusm_rt *rt = new_rt(2);
  REQUIRE(rt);
  fdw f = {.fd = 900};
  REQUIRE(fcntl(f.fd, F_GETFD) == -1 && errno == EBADF);
  rusm_pid p = rusm_spawn(rt, wait_closed, &f, NULL);
  rusm_rt_join(rt, p);
  CHECK_EQ(atomic_load(&f.got1), RUSM_FD_ERROR);
  rusm_rt_free(rt);
}

/* Waits on a readable pipe, then the number is closed and reused by another
** pipe (as dup2 would) without rusm_fd_forget: the next wait must still work. */
static void wait_reused(rusm_ctx *ctx, void *arg) {
  fdw *f = arg;
  atomic_store(&f->got1, rusm_fd_wait(ctx, f->fd, RUSM_FD_READ, 10000000));
  int p2[2];
  RUSM_ASSERT(ctx, pipe(p2) == 0);
  RUSM_ASSERT(ctx, write(p2[1], "y", 1) == 1);
  RUSM_ASSERT(ctx, dup2(p2[0], f->fd) == f->fd); /* closes the old read end */
  close(p2[0]);
  atomic_store(&f->got2, rusm_fd_wait(ctx, f->fd, RUSM_FD_READ, RUSM_FOREVER));
  char c = 0;
  if (read(f->fd, &c, 1) != 1 || c != 'y') atomic_store(&f->got2, 0);
  close(p2[1]);
}

TEST(fd_number_reused_behind_the_poller) {
  rusm_rt *rt = new_rt(2);
  REQUIRE(rt);
  int p1[2];
  REQUIRE(pipe(p1) == 0);
  REQUIRE(write(p1[1], "x", 1) == 1);
  fdw f = {.fd = p1[0]};
  rusm_pid p = rusm_spawn(rt, wait_reused, &f, NULL);
  rusm_rt_join(rt, p);
  CHECK_EQ(atomic_load(&f.got1), RUSM_FD_READ);
  CHECK_EQ(atomic_load(&f.got2), RUSM_FD_READ);
  close(f.fd);
  close(p1[1]);
  rusm_rt_free(rt);
}

/* ------------------------------------------------------ resumable waits */

typedef struct arms {
  int a, b;      /* read ends of two pipes */
  int sock;      /* one end of a socketpair (always writable) */
  int step_kind; /* which scenario */
  atomic_int steps;
  atomic_bool waiting;
  atomic_int result;
} arms;

static rusm_step arms_resume(void *state, rusm_ctx *ctx, uint32_t budget,
                             rusm_exit_reason *o_reason) {
  (void)budget;
  arms *s = state;
  int step = atomic_fetch_add(&s->steps, 1);
  *o_reason = RUSM_EXIT_NORMAL;
  char c;
  switch (s->step_kind) {
  case 0: /* arm a then b; a fires while b is still armed (b heads the list) */
    if (step == 0) {
      rusm_wait_fd(ctx, s->a, RUSM_FD_READ);
      rusm_wait_fd(ctx, s->b, RUSM_FD_READ);
      atomic_store(&s->waiting, true);
      return RUSM_STEP_WAIT;
    }
    if (read(s->a, &c, 1) != 1) return RUSM_STEP_WAIT; /* spurious: the arm is spent, re-arm */
    atomic_store(&s->result, c);
    return RUSM_STEP_EXIT;
  case 1: /* the same fd armed for read, then write, with another fd between */
    if (step == 0) {
      rusm_wait_fd(ctx, s->sock, RUSM_FD_READ);
      rusm_wait_fd(ctx, s->a, RUSM_FD_READ);
      rusm_wait_fd(ctx, s->sock, RUSM_FD_WRITE); /* merges: writable wakes it */
      return RUSM_STEP_WAIT;
    }
    atomic_store(&s->result, step);
    return RUSM_STEP_EXIT;
  default: /* a negative fd cannot be watched: resumed at once */
    if (step == 0) {
      rusm_wait_fd(ctx, -1, RUSM_FD_READ);
      return RUSM_STEP_WAIT;
    }
    atomic_store(&s->result, step);
    return RUSM_STEP_EXIT;
  }
}
static void arms_destroy(void *state) {
  (void)state;
}
static const rusm_body_ops arms_ops = {arms_resume, arms_destroy};

TEST(resumable_fd_arms_fire_out_of_order) {
  rusm_rt *rt = new_rt(2);
  REQUIRE(rt);
  int pa[2], pb[2];
  REQUIRE(pipe(pa) == 0 && pipe(pb) == 0);
  arms s = {.a = pa[0], .b = pb[0], .step_kind = 0};
  rusm_pid p = rusm_spawn_body(rt, &arms_ops, &s);
  REQUIRE(WAIT_UNTIL(atomic_load(&s.waiting), 10000));
  CHECK_EQ(write(pa[1], "A", 1), 1); /* the first-armed fd fires first */
  rusm_rt_join(rt, p);
  CHECK_EQ(atomic_load(&s.result), 'A');
  /* b's arm was dropped at exit: forgetting it now wakes nobody and frees nothing twice */
  rusm_fd_forget(rt, pb[0]);
  close(pa[0]), close(pa[1]), close(pb[0]), close(pb[1]);
  rusm_rt_free(rt);
}

TEST(resumable_fd_arms_merge_per_fd) {
  rusm_rt *rt = new_rt(2);
  REQUIRE(rt);
  int sp[2], pa[2];
  REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == 0 && pipe(pa) == 0);
  arms s = {.a = pa[0], .sock = sp[0], .step_kind = 1};
  rusm_pid p = rusm_spawn_body(rt, &arms_ops, &s);
  rusm_rt_join(rt, p); /* woken by writability alone: nothing was ever sent */
  CHECK(atomic_load(&s.result) >= 1);
  close(sp[0]), close(sp[1]), close(pa[0]), close(pa[1]);
  s = (arms){.step_kind = 2};
  p = rusm_spawn_body(rt, &arms_ops, &s);
  rusm_rt_join(rt, p);
  CHECK_EQ(atomic_load(&s.result), 1);
  rusm_rt_free(rt);
}

/* --------------------------------------------------------------- TCP */

typedef struct tcp {
  char addr[RUSM_TCP_ADDR_MAX];
  char peer[RUSM_TCP_ADDR_MAX];
  const char *listen_on;
  atomic_int rc_open, rc_connect, rc_accept;
  atomic_int port;
  atomic_bool accepting;
} tcp;

/* Listens on listen_on, connects to the bound address, accepts natively. */
static void loop_once(rusm_ctx *ctx, void *arg) {
  tcp *t = arg;
  rusm_tcp_listener *l = NULL;
  int rc = rusm_tcp_listener_open(ctx, t->listen_on, t->addr, &l);
  atomic_store(&t->rc_open, rc);
  if (rc) return;
  rusm_tcp_conn *c = NULL, *s = NULL;
  atomic_store(&t->rc_connect, rusm_tcp_connect(ctx, t->addr, 5000000, &c));
  atomic_store(&t->rc_accept, rusm_tcp_accept(ctx, l, &s));
  if (c) rusm_tcp_peer_addr(c, t->peer);
  if (c && s) { /* the pair really is connected */
    RUSM_ASSERT(ctx, rusm_tcp_write(ctx, c, "hi", 2) == 2);
    char buf[2];
    RUSM_ASSERT(ctx, rusm_tcp_read(ctx, s, buf, 2) == 2 && memcmp(buf, "hi", 2) == 0);
  }
} /* l, c and s are owned by this process: closed at its exit */

TEST(address_forms_on_loopback) {
  rusm_rt *rt = new_rt(2);
  REQUIRE(rt);
  tcp t = {.listen_on = "localhost:0"};
  rusm_rt_join(rt, rusm_spawn(rt, loop_once, &t, NULL));
  CHECK_EQ(atomic_load(&t.rc_open), 0);
  CHECK(strncmp(t.addr, "127.0.0.1:", 10) == 0);
  CHECK_EQ(atomic_load(&t.rc_connect), 0);
  CHECK_EQ(atomic_load(&t.rc_accept), 0);
  CHECK_STR(t.peer, t.addr);

  t = (tcp){.listen_on = "[::1]:0"};
  rusm_rt_join(rt, rusm_spawn(rt, loop_once, &t, NULL));
  int rc = atomic_load(&t.rc_open);
  if (rc == 0) { /* IPv6 loopback present (it is on this machine's lo) */
    CHECK(strncmp(t.addr, "[::1]:", 6) == 0);
    CHECK_EQ(atomic_load(&t.rc_connect), 0);
    CHECK_EQ(atomic_load(&t.rc_accept), 0);
    CHECK_STR(t.peer, t.addr);
  } else {
    CHECK(rc == -EADDRNOTAVAIL || rc == -EAFNOSUPPORT);
  }
  rusm_rt_free(rt);
}

/* Connects to host-less forms of a loopback port (Linux routes the
** unspecified address to the local host on connect). */
typedef struct conn_try {
  const char *addr;
  atomic_int rc;
  atomic_bool null_conn;
} conn_try;

static void connect_once(rusm_ctx *ctx, void *arg) {
  conn_try *t = arg;
  rusm_tcp_conn *c = (rusm_tcp_conn *)&c; /* not NULL: must be overwritten */
  atomic_store(&t->rc, rusm_tcp_connect(ctx, t->addr, 5000000, &c));
  atomic_store(&t->null_conn, c == NULL);
  if (c && atomic_load(&t->rc) == 0) rusm_tcp_close(c);
}

static void serve_close(rusm_ctx *ctx, rusm_tcp_conn *c, void *arg) {
  (void)ctx;
  atomic_fetch_add((atomic_int *)arg, 1);
  rusm_tcp_close(c);
}

TEST(connect_forms_and_bad_addresses) {
  rusm_rt *rt = new_rt(2);
  REQUIRE(rt);
  atomic_int served = 0;
  char bound[RUSM_TCP_ADDR_MAX];
  int err = 1;
  rusm_pid acc = rusm_tcp_listen(rt, "127.0.0.1:0", serve_close, &served, bound, &err);
  REQUIRE(acc != RUSM_PID_NONE);
  CHECK_EQ(err, 0);
  const char *port = strrchr(bound, ':');
  char a1[80], a2[80];
  snprintf(a1, sizeof a1, "%s", port);  /* ":port" */
  snprintf(a2, sizeof a2, "*%s", port); /* "*:port" */
  const char *good[] = {a1, a2};
  for (int i = 0; i < 2; i++) {
    conn_try t = {.addr = good[i], .rc = 1};
    rusm_rt_join(rt, rusm_spawn(rt, connect_once, &t, NULL));
    CHECK_EQ(atomic_load(&t.rc), 0);
  }
  CHECK(WAIT_UNTIL(atomic_load(&served) == 2, 10000));
  const char *bad[] = {"127.0.0.1:99999", "127.0.0.1:", "noport", "127.0.0.1:12x"};
  for (int i = 0; i < 4; i++) {
    conn_try t = {.addr = bad[i], .rc = 1};
    rusm_rt_join(rt, rusm_spawn(rt, connect_once, &t, NULL));
    CHECK_EQ(atomic_load(&t.rc), -EINVAL);
    CHECK(atomic_load(&t.null_conn));
  }
  /* no handler: refused before anything is bound */
  CHECK_EQ(rusm_tcp_listen(rt, "127.0.0.1:0", NULL, NULL, NULL, &err), RUSM_PID_NONE);
  CHECK_EQ(err, -EINVAL);
  CHECK_EQ(rusm_tcp_listen(rt, "127.0.0.1:0", NULL, NULL, NULL, NULL), RUSM_PID_NONE);
  CHECK(rusm_kill(rt, acc));
  rusm_rt_join(rt, acc);
  rusm_rt_free(rt);
}

/* A native accept that parks until a plain client connects; and one that is
** killed while parked. */
static void accept_one(rusm_ctx *ctx, void *arg) {
  tcp *t = arg;
  rusm_tcp_listener *l = NULL;
  int rc = rusm_tcp_listener_open(ctx, "127.0.0.1:0", t->addr, &l);
  atomic_store(&t->rc_open, rc);
  if (rc) return;
  atomic_store(&t->port, atoi(strrchr(t->addr, ':') + 1));
  atomic_store(&t->accepting, true);
  rusm_tcp_conn *s = (rusm_tcp_conn *)&s;
  atomic_store(&t->rc_accept, rusm_tcp_accept(ctx, l, &s));
  if (s && atomic_load(&t->rc_accept) == 0)
    rusm_tcp_peer_addr(s, t->peer);
  else if (!s)
    atomic_store(&t->rc_connect, 1); /* o_conn cleared on failure */
}

TEST(native_accept_parks_and_can_be_killed) {
  rusm_rt *rt = new_rt(2);
  REQUIRE(rt);
  tcp t = {.rc_accept = 1};
  rusm_pid p = rusm_spawn(rt, accept_one, &t, NULL);
  REQUIRE(WAIT_UNTIL(atomic_load(&t.accepting), 10000));
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  struct sockaddr_in sa = {.sin_family = AF_INET,
                           .sin_port = htons((uint16_t)atomic_load(&t.port))};
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  CHECK_EQ(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
  rusm_rt_join(rt, p);
  CHECK_EQ(atomic_load(&t.rc_accept), 0);
  struct sockaddr_in me;
  socklen_t ml = sizeof me;
  REQUIRE(getsockname(fd, (struct sockaddr *)&me, &ml) == 0);
  char want[RUSM_TCP_ADDR_MAX];
  snprintf(want, sizeof want, "127.0.0.1:%u", ntohs(me.sin_port));
  CHECK_STR(t.peer, want);
  close(fd);

  t = (tcp){.rc_accept = 1};
  p = rusm_spawn(rt, accept_one, &t, NULL);
  REQUIRE(WAIT_UNTIL(atomic_load(&t.accepting), 10000));
  CHECK(rusm_kill(rt, p)); /* before or while it parks: the same answer */
  rusm_rt_join(rt, p);
  CHECK_EQ(atomic_load(&t.rc_accept), -ECANCELED);
  CHECK_EQ(atomic_load(&t.rc_connect), 1);
  rusm_rt_free(rt);
}

/* A resumable body cannot park in the native accept: it gets -EAGAIN. */
typedef struct racc {
  atomic_int rc;
} racc;
static rusm_step racc_resume(void *state, rusm_ctx *ctx, uint32_t budget,
                             rusm_exit_reason *o_reason) {
  (void)budget;
  racc *r = state;
  rusm_tcp_listener *l = NULL;
  char bound[RUSM_TCP_ADDR_MAX];
  int rc = rusm_tcp_listener_open(ctx, "127.0.0.1:0", bound, &l);
  rusm_tcp_conn *c = NULL;
  atomic_store(&r->rc, rc ? 1000 + rc : rusm_tcp_accept(ctx, l, &c));
  *o_reason = RUSM_EXIT_NORMAL;
  return RUSM_STEP_EXIT; /* the listener is closed at exit */
}
static void racc_destroy(void *state) {
  (void)state;
}
static const rusm_body_ops racc_ops = {racc_resume, racc_destroy};

TEST(resumable_accept_does_not_park) {
  rusm_rt *rt = new_rt(2);
  REQUIRE(rt);
  racc r = {.rc = 1};
  rusm_rt_join(rt, rusm_spawn_body(rt, &racc_ops, &r));
  CHECK_EQ(atomic_load(&r.rc), -EAGAIN);
  rusm_rt_free(rt);
}

/* An fd wait with a timeout that the fd beats: the armed timer is dropped. */
static void wait_with_timeout(rusm_ctx *ctx, void *arg) {
  fdw *f = arg;
  atomic_store(&f->got1, rusm_fd_wait(ctx, f->fd, RUSM_FD_READ, 60000000));
  uint64_t t0 = rusm_now_ns();
  rusm_item *it = rusm_receive_match(ctx, NULL, NULL, 20000); /* no stale wake-up from it */
  atomic_store(&f->got2, it == NULL && rusm_now_ns() - t0 >= 20000000ull);
  if (it) rusm_item_free(it);
}

TEST(fd_beats_its_timeout) {
  rusm_rt *rt = new_rt(2);
  REQUIRE(rt);
  int p1[2];
  REQUIRE(pipe(p1) == 0);
  REQUIRE(write(p1[1], "x", 1) == 1);
  fdw f = {.fd = p1[0]};
  rusm_pid p = rusm_spawn(rt, wait_with_timeout, &f, NULL);
  rusm_rt_join(rt, p);
  CHECK_EQ(atomic_load(&f.got1), RUSM_FD_READ);
  CHECK_EQ(atomic_load(&f.got2), 1);
  close(p1[0]), close(p1[1]);
  rusm_rt_free(rt);
}

/* A listening socket that breaks under the acceptor (shut down for reading,
** so accept fails with EINVAL) ends the acceptor as a crash, not a spin,
** and its exit closes the port. */
typedef struct accwatch {
  rusm_pid acc;
  atomic_bool monitoring;
  atomic_int reason;
} accwatch;

static void watch_acceptor(rusm_ctx *ctx, void *arg) {
  accwatch *w = arg;
  rusm_ref ref = rusm_monitor(rusm_ctx_rt(ctx), rusm_self(ctx), w->acc);
  atomic_store(&w->monitoring, true);
  rusm_item *it = rusm_receive_match(ctx, NULL, NULL, 20000000);
  if (it && it->kind == RUSM_ITEM_DOWN && it->u.down.ref == ref)
    atomic_store(&w->reason, (int)it->u.down.reason);
  if (it) rusm_item_free(it);
}

static int listening_fd_on(int port) {
  for (int fd = 3; fd < 4096; fd++) {
    int on = 0;
    socklen_t ol = sizeof on;
    struct sockaddr_in sa;
    socklen_t sl = sizeof sa;
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &ol) != 0 || !on) continue;
    if (getsockname(fd, (struct sockaddr *)&sa, &sl) == 0 && sa.sin_family == AF_INET &&
        ntohs(sa.sin_port) == port)
      return fd;
  }
  return -1;
}

TEST(broken_listening_socket_crashes_acceptor) {
  rusm_rt *rt = new_rt(2);
  REQUIRE(rt);
  atomic_int served = 0;
  char bound[RUSM_TCP_ADDR_MAX];
  accwatch w = {.reason = -1};
  w.acc = rusm_tcp_listen(rt, "127.0.0.1:0", serve_close, &served, bound, NULL);
  REQUIRE(w.acc != RUSM_PID_NONE);
  int port = atoi(strrchr(bound, ':') + 1);
  int lfd = listening_fd_on(port);
  REQUIRE(lfd >= 0);
  rusm_pid wp = rusm_spawn(rt, watch_acceptor, &w, NULL);
  REQUIRE(WAIT_UNTIL(atomic_load(&w.monitoring), 10000));
  CHECK_EQ(shutdown(lfd, SHUT_RD), 0);
  rusm_rt_join(rt, wp);
  CHECK_EQ(atomic_load(&w.reason), RUSM_EXIT_CRASHED);
  CHECK(!rusm_is_alive(rt, w.acc));
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  CHECK(connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0 && errno == ECONNREFUSED);
  close(fd);
  CHECK_EQ(atomic_load(&served), 0);
  rusm_rt_free(rt);
}

TEST_MAIN(fd_wait_on_closed_fd_reports_error, fd_number_reused_behind_the_poller,
          resumable_fd_arms_fire_out_of_order, resumable_fd_arms_merge_per_fd,
          address_forms_on_loopback, connect_forms_and_bad_addresses,
          native_accept_parks_and_can_be_killed, resumable_accept_does_not_park,
          fd_beats_its_timeout, broken_listening_socket_crashes_acceptor)
