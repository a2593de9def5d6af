/*
** test_net.c: TCP with one process per connection, on loopback only: echo
** (one client, then 1,000 concurrent client processes), refused connects,
** half-close, a peer reset mid-write, a crashing handler, kills of
** processes parked in read, write and accept, and an acceptor that
** survives fd exhaustion and serves again once fds free up.
*/
#include "test.h"
#include "otp_test.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "rusm/net.h"

/* ---------------------------------------------------------- handlers */

typedef struct srv {
  atomic_int handled, eofs, errors;
  atomic_int last_err;
  atomic_bool parked;
  _Atomic rusm_pid pid; /* the last handler process */
} srv;

/* Echoes until the peer's end of stream, then closes. */
static void echo_handler(rusm_ctx *ctx, rusm_tcp_conn *c, void *arg) {
  srv *s = arg;
  char buf[4096];
  ssize_t n;
  while ((n = rusm_tcp_read(ctx, c, buf, sizeof buf)) > 0)
    if (rusm_tcp_write(ctx, c, buf, (size_t)n) != n) break;
  if (n == 0) atomic_fetch_add(&s->eofs, 1);
  atomic_fetch_add(&s->handled, 1);
  rusm_tcp_close(c);
}

typedef struct client {
  const char *addr;
  int id;
  atomic_int *ok;
  atomic_int *err;
} client;

/* Connects, sends 64 bytes naming itself, reads them back, closes. */
static void echo_client(rusm_ctx *ctx, void *arg) {
  client *cl = arg;
  rusm_tcp_conn *c;
  int rc = rusm_tcp_connect(ctx, cl->addr, 5000000, &c);
  if (rc) {
    atomic_fetch_add(cl->err, 1);
    return;
  }
  char out[64], in[64];
  memset(out, 'a' + cl->id % 26, sizeof out);
  snprintf(out, sizeof out, "client %d", cl->id);
  bool ok = rusm_tcp_write(ctx, c, out, sizeof out) == (ssize_t)sizeof out;
  size_t got = 0;
  while (ok && got < sizeof in) {
    ssize_t n = rusm_tcp_read(ctx, c, in + got, sizeof in - got);
    if (n <= 0)
      ok = false;
    else
      got += (size_t)n;
  }
  ok = ok && memcmp(in, out, sizeof in) == 0;
  rusm_tcp_close(c);
  atomic_fetch_add(ok ? cl->ok : cl->err, 1);
}

static void raise_nofile(void) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

/* ------------------------------------------------------------- tests */

TEST(listen_binds_and_echoes) {
  rusm_rt *rt = new_rt(2);
  srv s = {0};
  char bound[RUSM_TCP_ADDR_MAX];
  int err = 0;
  rusm_pid acc = rusm_tcp_listen(rt, "127.0.0.1:0", echo_handler, &s, bound, &err);
  REQUIRE(acc != RUSM_PID_NONE);
  CHECK_EQ(err, 0);
  CHECK(strncmp(bound, "127.0.0.1:", 10) == 0);
  CHECK(strcmp(bound, "127.0.0.1:0") != 0);
  atomic_int ok = 0, bad = 0;
  client cl = {bound, 7, &ok, &bad};
  rusm_rt_join(rt, rusm_spawn(rt, echo_client, &cl, NULL));
  CHECK_EQ(atomic_load(&ok), 1);
  CHECK_EQ(atomic_load(&bad), 0);
  CHECK(WAIT_UNTIL(atomic_load(&s.handled) == 1, 2000));
  CHECK_EQ(atomic_load(&s.eofs), 1);
  /* bad addresses are clean errors */
  CHECK_EQ(rusm_tcp_listen(rt, "127.0.0.1", echo_handler, &s, NULL, &err), RUSM_PID_NONE);
  CHECK_EQ(err, -EINVAL);
  CHECK_EQ(rusm_tcp_listen(rt, bound, echo_handler, &s, NULL, &err), RUSM_PID_NONE);
  CHECK_EQ(err, -EADDRINUSE);
  rusm_rt_free(rt);
}

TEST(echo_serves_1000_concurrent_clients) {
  raise_nofile();
  rusm_rt *rt = new_rt(2);
  srv s = {0};
  char bound[RUSM_TCP_ADDR_MAX];
  REQUIRE(rusm_tcp_listen(rt, "127.0.0.1:0", echo_handler, &s, bound, NULL) != RUSM_PID_NONE);
  enum { N = 1000 };
  static client cls[N];
  atomic_int ok = 0, bad = 0;
  for (int i = 0; i < N; i++) {
    cls[i] = (client){bound, i, &ok, &bad};
    rusm_spawn(rt, echo_client, &cls[i], NULL);
  }
  CHECK(WAIT_UNTIL(atomic_load(&ok) + atomic_load(&bad) == N, 30000));
  CHECK_EQ(atomic_load(&ok), N);
  CHECK_EQ(atomic_load(&bad), 0);
  CHECK(WAIT_UNTIL(atomic_load(&s.handled) == N, 5000));
  CHECK_EQ(atomic_load(&s.eofs), N);
  rusm_rt_free(rt);
}

typedef struct conn_try {
  const char *addr;
  atomic_int rc;
  atomic_bool done;
} conn_try;

static void try_connect(rusm_ctx *ctx, void *arg) {
  conn_try *t = arg;
  rusm_tcp_conn *c = NULL;
  int rc = rusm_tcp_connect(ctx, t->addr, 2000000, &c);
  if (c) rusm_tcp_close(c);
  atomic_store(&t->rc, rc);
  atomic_store(&t->done, true);
}

typedef struct tmo_try {
  char addr[RUSM_TCP_ADDR_MAX];
  atomic_int rc;
  uint64_t took_ns;
} tmo_try;

static void timed_connect(rusm_ctx *ctx, void *arg) {
  tmo_try *t = arg;
  rusm_tcp_conn *c = NULL;
  uint64_t t0 = rusm_now_ns();
  atomic_store(&t->rc, rusm_tcp_connect(ctx, t->addr, 200000, &c));
  t->took_ns = rusm_now_ns() - t0;
  if (c) rusm_tcp_close(c);
}

/* A listener that never accepts, with its accept queue full: the kernel
** drops further SYNs, so a connect can only time out. */
TEST(connect_times_out_cleanly) {
  rusm_rt *rt = new_rt(2);
  int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t sl = sizeof sa;
  REQUIRE(l >= 0 && bind(l, (struct sockaddr *)&sa, sizeof sa) == 0 && listen(l, 0) == 0);
  REQUIRE(getsockname(l, (struct sockaddr *)&sa, &sl) == 0);
  int fill[4];
  for (int i = 0; i < 4; i++) { /* fill the accept queue (and then some) */
    fill[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    connect(fill[i], (struct sockaddr *)&sa, sizeof sa);
  }
  usleep(20000);
  tmo_try t = {.rc = 1};
  snprintf(t.addr, sizeof t.addr, "127.0.0.1:%u", ntohs(sa.sin_port));
  rusm_rt_join(rt, rusm_spawn(rt, timed_connect, &t, NULL));
  CHECK_EQ(atomic_load(&t.rc), -ETIMEDOUT);
  CHECK(t.took_ns >= 200000000u);
  CHECK(t.took_ns < 2000000000u);
  for (int i = 0; i < 4; i++) close(fill[i]);
  close(l);
  rusm_rt_free(rt);
}

TEST(killing_the_acceptor_closes_the_port) {
  rusm_rt *rt = new_rt(2);
  srv s = {0};
  char bound[RUSM_TCP_ADDR_MAX];
  rusm_pid acc = rusm_tcp_listen(rt, "127.0.0.1:0", echo_handler, &s, bound, NULL);
  REQUIRE(acc != RUSM_PID_NONE);
  conn_try t = {.addr = bound, .rc = 1};
  rusm_rt_join(rt, rusm_spawn(rt, try_connect, &t, NULL));
  CHECK_EQ(atomic_load(&t.rc), 0);
  usleep(10000); /* the acceptor is parked in its wait for the next connection */
  CHECK(rusm_is_alive(rt, acc));
  rusm_kill(rt, acc);
  rusm_rt_join(rt, acc);
  conn_try t2 = {.addr = bound, .rc = 1};
  rusm_rt_join(rt, rusm_spawn(rt, try_connect, &t2, NULL));
  CHECK_EQ(atomic_load(&t2.rc), -ECONNREFUSED);
  rusm_rt_free(rt);
}

/* Half-close: the server reads to EOF, then answers and closes. */
static void half_handler(rusm_ctx *ctx, rusm_tcp_conn *c, void *arg) {
  srv *s = arg;
  char buf[64];
  size_t got = 0;
  ssize_t n;
  while ((n = rusm_tcp_read(ctx, c, buf + got, sizeof buf - got)) > 0) got += (size_t)n;
  if (n == 0 && got == 5 && memcmp(buf, "hello", 5) == 0) {
    atomic_fetch_add(&s->eofs, 1);
    rusm_tcp_write(ctx, c, "bye", 3);
  }
  rusm_tcp_close(c);
}

typedef struct half {
  const char *addr;
  atomic_bool ok;
} half;

static void half_client(rusm_ctx *ctx, void *arg) {
  half *h = arg;
  rusm_tcp_conn *c;
  if (rusm_tcp_connect(ctx, h->addr, RUSM_FOREVER, &c)) return;
  char buf[16], peer[RUSM_TCP_ADDR_MAX], local[RUSM_TCP_ADDR_MAX];
  bool ok = rusm_tcp_peer_addr(c, peer) && strcmp(peer, h->addr) == 0 &&
            rusm_tcp_local_addr(c, local) && strncmp(local, "127.0.0.1:", 10) == 0 &&
            strcmp(local, peer) != 0;
  ok = ok && rusm_tcp_write(ctx, c, "hello", 5) == 5 && rusm_tcp_shutdown_write(c) == 0;
  size_t got = 0;
  ssize_t n;
  while (ok && (n = rusm_tcp_read(ctx, c, buf + got, sizeof buf - got)) > 0) got += (size_t)n;
  atomic_store(&h->ok, ok && n == 0 && got == 3 && memcmp(buf, "bye", 3) == 0);
  rusm_tcp_close(c);
}

TEST(half_close_keeps_the_other_direction) {
  rusm_rt *rt = new_rt(2);
  srv s = {0};
  char bound[RUSM_TCP_ADDR_MAX];
  REQUIRE(rusm_tcp_listen(rt, "127.0.0.1:0", half_handler, &s, bound, NULL) != RUSM_PID_NONE);
  half h = {.addr = bound};
  rusm_rt_join(rt, rusm_spawn(rt, half_client, &h, NULL));
  CHECK(atomic_load(&h.ok));
  CHECK_EQ(atomic_load(&s.eofs), 1);
  rusm_rt_free(rt);
}

/* Writes until an error; records it. */
static void flood_handler(rusm_ctx *ctx, rusm_tcp_conn *c, void *arg) {
  srv *s = arg;
  static const char block[65536];
  ssize_t n;
  atomic_store(&s->pid, rusm_self(ctx));
  atomic_store(&s->parked, true);
  while ((n = rusm_tcp_write(ctx, c, block, sizeof block)) > 0) {
  }
  atomic_store(&s->last_err, (int)n);
  atomic_fetch_add(&s->handled, 1);
}

/* A plain blocking client in the test thread, then an abortive close. */
static int raw_connect(const char *bound) {
  int port = atoi(strrchr(bound, ':') + 1);
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET,
                           .sin_port = htons((uint16_t)port),
                           .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

static void reset_close(int fd) {
  struct linger lg = {1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  close(fd);
}

TEST(peer_reset_mid_write_is_a_clean_error) {
  rusm_rt *rt = new_rt(2);
  srv s = {.last_err = 1};
  char bound[RUSM_TCP_ADDR_MAX];
  REQUIRE(rusm_tcp_listen(rt, "127.0.0.1:0", flood_handler, &s, bound, NULL) != RUSM_PID_NONE);
  int fd = raw_connect(bound);
  REQUIRE(fd >= 0);
  CHECK(WAIT_UNTIL(atomic_load(&s.parked), 2000));
  char buf[4096];
  CHECK(read(fd, buf, sizeof buf) > 0); /* data is flowing */
  usleep(20000);                        /* the handler fills the buffers and parks */
  reset_close(fd);
  CHECK(WAIT_UNTIL(atomic_load(&s.handled) == 1, 5000));
  int e = atomic_load(&s.last_err);
  CHECK(e == -ECONNRESET || e == -EPIPE);
  rusm_rt_free(rt); /* and no SIGPIPE took the host down on the way */
}

static void crash_handler(rusm_ctx *ctx, rusm_tcp_conn *c, void *arg) {
  (void)c, (void)arg;
  rusm_crash(ctx);
}

TEST(crashed_handler_closes_its_socket) {
  rusm_rt *rt = new_rt(2);
  char bound[RUSM_TCP_ADDR_MAX];
  REQUIRE(rusm_tcp_listen(rt, "127.0.0.1:0", crash_handler, NULL, bound, NULL) != RUSM_PID_NONE);
  int fd = raw_connect(bound);
  REQUIRE(fd >= 0);
  struct timeval tv = {5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char buf[8];
  CHECK_EQ(read(fd, buf, sizeof buf), 0); /* EOF: the dead process's socket was closed */
  close(fd);
  rusm_rt_free(rt);
}

/* ------------------------------------------------- kill while parked */

typedef struct kp {
  const char *addr;
  atomic_bool connected;
  atomic_int rc;
  atomic_bool killed_flag;
} kp;

static void reading_client(rusm_ctx *ctx, void *arg) {
  kp *k = arg;
  rusm_tcp_conn *c;
  if (rusm_tcp_connect(ctx, k->addr, RUSM_FOREVER, &c)) return;
  atomic_store(&k->connected, true);
  char buf[8];
  atomic_store(&k->rc, (int)rusm_tcp_read(ctx, c, buf, sizeof buf)); /* the server never writes */
  atomic_store(&k->killed_flag, rusm_killed(ctx));
}

/* Reads to EOF without writing anything. */
static void silent_handler(rusm_ctx *ctx, rusm_tcp_conn *c, void *arg) {
  srv *s = arg;
  char buf[64];
  ssize_t n;
  while ((n = rusm_tcp_read(ctx, c, buf, sizeof buf)) > 0) {
  }
  if (n == 0) atomic_fetch_add(&s->eofs, 1);
  atomic_fetch_add(&s->handled, 1);
}

TEST(kill_ends_parked_read_write_and_accept) {
  rusm_rt *rt = new_rt(2);
  srv s = {0};
  char bound[RUSM_TCP_ADDR_MAX];
  rusm_pid acc = rusm_tcp_listen(rt, "127.0.0.1:0", silent_handler, &s, bound, NULL);
  REQUIRE(acc != RUSM_PID_NONE);

  /* read */
  kp k = {.addr = bound, .rc = 1};
  rusm_pid cl = rusm_spawn(rt, reading_client, &k, NULL);
  CHECK(WAIT_UNTIL(atomic_load(&k.connected), 2000));
  usleep(10000);
  CHECK(rusm_is_alive(rt, cl));
  rusm_kill(rt, cl);
  rusm_rt_join(rt, cl);
  CHECK_EQ(atomic_load(&k.rc), -ECANCELED);
  CHECK(atomic_load(&k.killed_flag));
  /* the killed client's socket was closed: the server sees EOF */
  CHECK(WAIT_UNTIL(atomic_load(&s.eofs) == 1, 2000));

  /* write: a flood handler whose peer never reads parks in write */
  srv f = {.last_err = 1};
  char fbound[RUSM_TCP_ADDR_MAX];
  REQUIRE(rusm_tcp_listen(rt, "127.0.0.1:0", flood_handler, &f, fbound, NULL) != RUSM_PID_NONE);
  int fd = raw_connect(fbound);
  REQUIRE(fd >= 0);
  CHECK(WAIT_UNTIL(atomic_load(&f.parked), 2000));
  usleep(30000);
  CHECK_EQ(atomic_load(&f.handled), 0);
  rusm_pid h = atomic_load(&f.pid);
  CHECK(rusm_is_alive(rt, h));
  rusm_kill(rt, h);
  rusm_rt_join(rt, h);
  CHECK_EQ(atomic_load(&f.last_err), -ECANCELED);
  char buf[65536];
  ssize_t r;
  size_t drained = 0;
  while ((r = read(fd, buf, sizeof buf)) > 0) drained += (size_t)r;
  CHECK_EQ(r, 0); /* EOF after the buffered bytes: the handler's socket was closed */
  CHECK(drained > 0);
  close(fd);

  /* accept: the acceptor parks waiting for connections; killed there, its
  ** port refuses */
  usleep(10000);
  CHECK(rusm_is_alive(rt, acc));
  rusm_kill(rt, acc);
  rusm_rt_join(rt, acc);
  CHECK(raw_connect(bound) < 0);
  int fd2 = raw_connect(fbound); /* the other acceptor still serves */
  CHECK(fd2 >= 0);
  if (fd2 >= 0) reset_close(fd2);
  rusm_rt_free(rt);
}

/* --------------------------------------------- resumable-body sockets */

/* A resumable body that sends "hello" and reads it back through try_ calls
** and rusm_wait_fd; it adopts a connection a native process made. */
typedef struct rconn {
  rusm_tcp_conn *c;
  size_t sent, got;
  char buf[8];
  atomic_int waits;
  atomic_bool ok, done;
} rconn;

static rusm_step rconn_resume(void *state, rusm_ctx *ctx, uint32_t budget,
                              rusm_exit_reason *o_reason) {
  rconn *s = state;
  (void)budget;
  if (s->sent == 0 && s->got == 0) rusm_tcp_adopt(ctx, s->c);
  while (s->sent < 5) {
    ssize_t n = rusm_tcp_try_write(s->c, &"hello"[s->sent], 5 - s->sent);
    if (n == -EAGAIN) {
      rusm_wait_fd(ctx, rusm_tcp_fd(s->c), RUSM_FD_WRITE);
      atomic_fetch_add(&s->waits, 1);
      return RUSM_STEP_WAIT;
    }
    if (n < 0) goto done;
    s->sent += (size_t)n;
  }
  while (s->got < 5) {
    ssize_t n = rusm_tcp_try_read(s->c, s->buf + s->got, 5 - s->got);
    if (n == -EAGAIN) {
      rusm_wait_fd(ctx, rusm_tcp_fd(s->c), RUSM_FD_READ);
      atomic_fetch_add(&s->waits, 1);
      return RUSM_STEP_WAIT;
    }
    if (n <= 0) goto done;
    s->got += (size_t)n;
  }
  atomic_store(&s->ok, memcmp(s->buf, "hello", 5) == 0);
done:
  rusm_tcp_close(s->c);
  atomic_store(&s->done, true);
  *o_reason = RUSM_EXIT_NORMAL;
  return RUSM_STEP_EXIT;
}

static const rusm_body_ops rconn_ops = {rconn_resume, NULL};

typedef struct rconn_start {
  const char *addr;
  rconn *s;
  rusm_pid body;
} rconn_start;

static void rconn_connector(rusm_ctx *ctx, void *arg) {
  rconn_start *st = arg;
  if (rusm_tcp_connect(ctx, st->addr, RUSM_FOREVER, &st->s->c) != 0) return;
  rusm_tcp_disown(st->s->c); /* hand it to the resumable body */
  st->body = rusm_spawn_body(rusm_ctx_rt(ctx), &rconn_ops, st->s);
}

/* Echoes after a delay, so the resumable body really has to wait. */
static void slow_echo_handler(rusm_ctx *ctx, rusm_tcp_conn *c, void *arg) {
  (void)arg;
  char buf[16];
  size_t got = 0;
  while (got < 5) {
    ssize_t n = rusm_tcp_read(ctx, c, buf + got, 5 - got);
    if (n <= 0) return;
    got += (size_t)n;
  }
  rusm_receive_match(ctx, NULL, NULL, 20000);
  rusm_tcp_write(ctx, c, buf, got);
}

TEST(resumable_body_uses_a_socket) {
  rusm_rt *rt = new_rt(2);
  char bound[RUSM_TCP_ADDR_MAX];
  REQUIRE(rusm_tcp_listen(rt, "127.0.0.1:0", slow_echo_handler, NULL, bound, NULL) !=
          RUSM_PID_NONE);
  rconn s = {0};
  rconn_start st = {bound, &s, RUSM_PID_NONE};
  rusm_rt_join(rt, rusm_spawn(rt, rconn_connector, &st, NULL));
  REQUIRE(st.body != RUSM_PID_NONE);
  rusm_rt_join(rt, st.body);
  CHECK(atomic_load(&s.done));
  CHECK(atomic_load(&s.ok));
  CHECK(atomic_load(&s.waits) >= 1);
  rusm_rt_free(rt);
}

/* A resumable server: opens a listener, accepts one connection with
** try_accept, echoes 5 bytes, ends (its listener closes with it). */
typedef struct rsrv {
  char addr[RUSM_TCP_ADDR_MAX];
  rusm_tcp_listener *l;
  rusm_tcp_conn *c;
  char buf[8];
  size_t got, sent;
  atomic_bool ready, ok;
  atomic_int waits;
} rsrv;

static rusm_step rsrv_resume(void *state, rusm_ctx *ctx, uint32_t budget,
                             rusm_exit_reason *o_reason) {
  rsrv *s = state;
  (void)budget;
  *o_reason = RUSM_EXIT_NORMAL;
  if (!s->l) {
    if (rusm_tcp_listener_open(ctx, "127.0.0.1:0", s->addr, &s->l) != 0) return RUSM_STEP_EXIT;
    atomic_store(&s->ready, true);
  }
  if (!s->c) {
    int rc = rusm_tcp_try_accept(ctx, s->l, &s->c);
    if (rc == -EAGAIN) {
      atomic_fetch_add(&s->waits, 1);
      rusm_wait_fd(ctx, rusm_tcp_listener_fd(s->l), RUSM_FD_READ);
      return RUSM_STEP_WAIT;
    }
    if (rc != 0) return RUSM_STEP_EXIT;
  }
  while (s->got < 5) {
    ssize_t n = rusm_tcp_try_read(s->c, s->buf + s->got, 5 - s->got);
    if (n == -EAGAIN) {
      rusm_wait_fd(ctx, rusm_tcp_fd(s->c), RUSM_FD_READ);
      return RUSM_STEP_WAIT;
    }
    if (n <= 0) return RUSM_STEP_EXIT;
    s->got += (size_t)n;
  }
  while (s->sent < 5) {
    ssize_t n = rusm_tcp_try_write(s->c, s->buf + s->sent, 5 - s->sent);
    if (n == -EAGAIN) {
      rusm_wait_fd(ctx, rusm_tcp_fd(s->c), RUSM_FD_WRITE);
      return RUSM_STEP_WAIT;
    }
    if (n < 0) return RUSM_STEP_EXIT;
    s->sent += (size_t)n;
  }
  atomic_store(&s->ok, true);
  return RUSM_STEP_EXIT; /* conn and listener are closed with the process */
}

/* A resumable client: connect_start / wait / connect_finish, then echo. */
typedef struct rcli {
  const char *addr;
  rusm_tcp_conn *c;
  bool connected;
  size_t sent, got;
  char buf[8];
  atomic_bool ok;
  atomic_int rc;
} rcli;

static rusm_step rcli_resume(void *state, rusm_ctx *ctx, uint32_t budget,
                             rusm_exit_reason *o_reason) {
  rcli *s = state;
  (void)budget;
  *o_reason = RUSM_EXIT_NORMAL;
  if (!s->c) {
    int rc = rusm_tcp_connect_start(ctx, s->addr, &s->c);
    atomic_store(&s->rc, rc);
    if (rc != 0 && rc != -EINPROGRESS) return RUSM_STEP_EXIT;
    s->connected = rc == 0;
  }
  if (!s->connected) {
    int rc = rusm_tcp_connect_finish(s->c);
    atomic_store(&s->rc, rc);
    if (rc == -EINPROGRESS) {
      rusm_wait_fd(ctx, rusm_tcp_fd(s->c), RUSM_FD_WRITE);
      return RUSM_STEP_WAIT;
    }
    if (rc != 0) return RUSM_STEP_EXIT;
    s->connected = true;
  }
  while (s->sent < 5) {
    ssize_t n = rusm_tcp_try_write(s->c, &"abcde"[s->sent], 5 - s->sent);
    if (n == -EAGAIN) {
      rusm_wait_fd(ctx, rusm_tcp_fd(s->c), RUSM_FD_WRITE);
      return RUSM_STEP_WAIT;
    }
    if (n < 0) return RUSM_STEP_EXIT;
    s->sent += (size_t)n;
  }
  while (s->got < 5) {
    ssize_t n = rusm_tcp_try_read(s->c, s->buf + s->got, 5 - s->got);
    if (n == -EAGAIN) {
      rusm_wait_fd(ctx, rusm_tcp_fd(s->c), RUSM_FD_READ);
      return RUSM_STEP_WAIT;
    }
    if (n <= 0) return RUSM_STEP_EXIT;
    s->got += (size_t)n;
  }
  atomic_store(&s->ok, memcmp(s->buf, "abcde", 5) == 0);
  return RUSM_STEP_EXIT;
}

static const rusm_body_ops rsrv_ops = {rsrv_resume, NULL};
static const rusm_body_ops rcli_ops = {rcli_resume, NULL};

TEST(resumable_bodies_accept_and_connect) {
  rusm_rt *rt = new_rt(2);
  rsrv srvs = {0};
  rusm_pid sp = rusm_spawn_body(rt, &rsrv_ops, &srvs);
  CHECK(WAIT_UNTIL(atomic_load(&srvs.ready), 2000));
  CHECK(WAIT_UNTIL(atomic_load(&srvs.waits) > 0, 2000)); /* parked on the listener */
  rcli cli = {.addr = srvs.addr};
  rusm_pid cp = rusm_spawn_body(rt, &rcli_ops, &cli);
  rusm_rt_join(rt, cp);
  rusm_rt_join(rt, sp);
  CHECK(atomic_load(&srvs.ok));
  CHECK(atomic_load(&cli.ok));
  CHECK_EQ(atomic_load(&cli.rc), 0);
  CHECK(raw_connect(srvs.addr) < 0); /* the dead server's listener was closed */

  /* connect_start to a closed port fails cleanly, now or at finish */
  rcli bad = {.addr = srvs.addr};
  rusm_rt_join(rt, rusm_spawn_body(rt, &rcli_ops, &bad));
  CHECK_EQ(atomic_load(&bad.rc), -ECONNREFUSED);
  CHECK(!atomic_load(&bad.ok));
  rusm_rt_free(rt);
}

/* ------------------------------------------------------ fd exhaustion */

typedef struct exh {
  const char *addr;
  atomic_bool connected, echoed;
} exh;

static void exh_client(rusm_ctx *ctx, void *arg) {
  exh *e = arg;
  rusm_tcp_conn *c;
  if (rusm_tcp_connect(ctx, e->addr, 5000000, &c)) return;
  atomic_store(&e->connected, true);
  char buf[4];
  size_t got = 0;
  bool ok = rusm_tcp_write(ctx, c, "ping", 4) == 4;
  while (ok && got < 4) {
    ssize_t n = rusm_tcp_read(ctx, c, buf + got, 4 - got);
    if (n <= 0)
      ok = false;
    else
      got += (size_t)n;
  }
  atomic_store(&e->echoed, ok && memcmp(buf, "ping", 4) == 0);
  rusm_tcp_close(c);
}

TEST(acceptor_survives_fd_exhaustion) {
  rusm_rt *rt = new_rt(2);
  srv s = {0};
  char bound[RUSM_TCP_ADDR_MAX];
  rusm_pid acc = rusm_tcp_listen(rt, "127.0.0.1:0", echo_handler, &s, bound, NULL);
  REQUIRE(acc != RUSM_PID_NONE);
  exh warm = {.addr = bound};
  rusm_rt_join(rt, rusm_spawn(rt, exh_client, &warm, NULL)); /* poller started, all warm */
  CHECK(atomic_load(&warm.echoed));
  CHECK(WAIT_UNTIL(atomic_load(&s.handled) == 1, 2000)); /* its server side closed too */

  struct rlimit old, low;
  REQUIRE(getrlimit(RLIMIT_NOFILE, &old) == 0);
  low = old;
  low.rlim_cur = 512;
  REQUIRE(setrlimit(RLIMIT_NOFILE, &low) == 0);
  static int dummies[1024];
  int nd = 0;
  int d;
  while (nd < 1024 && (d = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0) dummies[nd++] = d;
  CHECK_EQ(errno, EMFILE);
  close(dummies[--nd]); /* room for exactly the client's socket */

  exh e = {.addr = bound};
  rusm_spawn(rt, exh_client, &e, NULL);
  CHECK(WAIT_UNTIL(atomic_load(&e.connected), 2000)); /* the kernel completed the handshake */
  usleep(100000); /* the acceptor meets EMFILE again and again */
  CHECK(!atomic_load(&e.echoed));
  CHECK(rusm_is_alive(rt, acc));

  while (nd) close(dummies[--nd]);
  setrlimit(RLIMIT_NOFILE, &old);
  CHECK(WAIT_UNTIL(atomic_load(&e.echoed), 5000)); /* served once fds are back */
  CHECK(rusm_is_alive(rt, acc));
  exh after = {.addr = bound};
  rusm_rt_join(rt, rusm_spawn(rt, exh_client, &after, NULL));
  CHECK(atomic_load(&after.echoed));
  rusm_rt_free(rt);
}

TEST_MAIN(listen_binds_and_echoes, echo_serves_1000_concurrent_clients, connect_times_out_cleanly,
          killing_the_acceptor_closes_the_port, half_close_keeps_the_other_direction,
          peer_reset_mid_write_is_a_clean_error, crashed_handler_closes_its_socket,
          kill_ends_parked_read_write_and_accept, resumable_body_uses_a_socket,
          resumable_bodies_accept_and_connect, acceptor_survives_fd_exhaustion)
