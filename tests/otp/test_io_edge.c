/*
** test_io_edge.c: rarer fd-wait and TCP paths, made to happen on purpose:
** an fd the poller can no longer watch after a firing (the rest of its
** waiters are told), a native fd wait woken by a message before its fd is
** ready, a connect refused at once, a handshake still in progress, and a
** host name that needs the resolver (an inet_aton form, no DNS).
*/
#include "test.h"
#include "otp_test.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "rusm/net.h"

/* ------------------------------------- an fd that cannot be re-armed */

typedef struct armer {
  int fd;
  uint32_t events;
  atomic_int steps, armed;
} armer;

/* Arms once and records that it did; ends on its next resume. */
static rusm_step arm_once(void *state, rusm_ctx *ctx, uint32_t budget, rusm_exit_reason *o_reason) {
  (void)budget, (void)o_reason;
  armer *a = state;
  if (atomic_fetch_add(&a->steps, 1) > 0) return RUSM_STEP_EXIT;
  rusm_wait_fd(ctx, a->fd, a->events);
  atomic_store(&a->armed, 1);
  return RUSM_STEP_WAIT;
}
static const rusm_body_ops arm_once_ops = {arm_once, NULL};

/*
** A reader and a writer wait on one socket whose send buffer is full. The
** socket's number is closed while a dup keeps the socket itself (and so its
** epoll registration) alive. Draining the peer makes it writable: the
** writer is woken, and re-arming the number for the reader fails (EBADF),
** so the reader must be woken too rather than wait forever.
*/
TEST(waiters_left_on_an_unwatchable_fd_are_woken) {
  rusm_rt *rt = new_rt(1);
  REQUIRE(rt);
  int sv[2];
  REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  REQUIRE(fcntl(sv[0], F_SETFL, O_NONBLOCK) == 0);
  static char junk[4096];
  while (write(sv[0], junk, sizeof junk) > 0) {
  }
  REQUIRE(errno == EAGAIN);
  armer rd = {.fd = sv[0], .events = RUSM_FD_READ};
  armer wr = {.fd = sv[0], .events = RUSM_FD_WRITE};
  rusm_pid prd = rusm_spawn_body(rt, &arm_once_ops, &rd);
  REQUIRE(WAIT_UNTIL(atomic_load(&rd.armed), 5000));
  rusm_pid pwr = rusm_spawn_body(rt, &arm_once_ops, &wr);
  REQUIRE(WAIT_UNTIL(atomic_load(&wr.armed), 5000));
  usleep(2000);
  CHECK_EQ(atomic_load(&rd.steps), 1); /* neither is ready yet */
  CHECK_EQ(atomic_load(&wr.steps), 1);
  int keep = dup(sv[0]);
  REQUIRE(keep >= 0);
  close(sv[0]);
  fcntl(sv[1], F_SETFL, O_NONBLOCK);
  while (read(sv[1], junk, sizeof junk) > 0) {
  }
  rusm_rt_join(rt, pwr);
  rusm_rt_join(rt, prd); /* would hang if the reader were left behind */
  CHECK_EQ(atomic_load(&wr.steps), 2);
  CHECK_EQ(atomic_load(&rd.steps), 2);
  char c;
  CHECK_EQ(read(keep, &c, 1), -1); /* the reader's wake-up was not data */
  close(keep);
  close(sv[1]);
  rusm_rt_free(rt);
}

/* ----------------------------------- a message during a native fd wait */

typedef struct msgwait {
  int fd;
  atomic_int entered;
  uint32_t got;
  bool msg_kept;
} msgwait;

static void wait_through_message(rusm_ctx *ctx, void *arg) {
  msgwait *m = arg;
  atomic_store(&m->entered, 1);
  m->got = rusm_fd_wait(ctx, m->fd, RUSM_FD_READ, 10 * 1000 * 1000);
  rusm_item *it = rusm_receive_match(ctx, NULL, NULL, 0);
  m->msg_kept = it && it->kind == RUSM_ITEM_MESSAGE;
  rusm_item_free(it);
}

TEST(message_does_not_end_an_fd_wait) {
  rusm_rt *rt = new_rt(1);
  REQUIRE(rt);
  int p[2];
  REQUIRE(pipe(p) == 0);
  msgwait m = {.fd = p[0]};
  rusm_pid pid = rusm_spawn(rt, wait_through_message, &m, NULL);
  REQUIRE(WAIT_UNTIL(atomic_load(&m.entered), 5000));
  CHECK(rusm_send(rt, pid, "m", 1)); /* wakes it: the fd is not ready, so it waits on */
  usleep(5000);
  CHECK(rusm_is_alive(rt, pid));
  CHECK_EQ(write(p[1], "x", 1), 1);
  rusm_rt_join(rt, pid);
  CHECK_EQ(m.got, RUSM_FD_READ);
  CHECK(m.msg_kept);
  close(p[0]);
  close(p[1]);
  rusm_rt_free(rt);
}

/* ---------------------------------------------------------------- TCP */

typedef struct dialer {
  const char *addr;
  int rc_refused, rc_start, rc_finish;
  bool conn_null;
  char bound[RUSM_TCP_ADDR_MAX];
} dialer;

static void dial_forms(rusm_ctx *ctx, void *arg) {
  dialer *d = arg;
  rusm_tcp_conn *c = (rusm_tcp_conn *)1;
  /* TCP to a broadcast address: the kernel refuses before any packet */
  d->rc_refused = rusm_tcp_connect(ctx, "255.255.255.255:9", 1000000, &c);
  d->conn_null = c == NULL;
  /* a listener whose accept queue is full drops the SYN: still connecting */
  d->rc_start = rusm_tcp_connect_start(ctx, d->addr, &c);
  d->rc_finish = c ? rusm_tcp_connect_finish(c) : 1;
  rusm_tcp_close(c);
}

TEST(connect_refused_at_once_or_still_in_progress) {
  rusm_rt *rt = new_rt(1);
  REQUIRE(rt);
  int l = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t al = sizeof a;
  REQUIRE(bind(l, (struct sockaddr *)&a, sizeof a) == 0 && listen(l, 0) == 0);
  REQUIRE(getsockname(l, (struct sockaddr *)&a, &al) == 0);
  int first = socket(AF_INET, SOCK_STREAM, 0); /* fills the queue of one */
  REQUIRE(connect(first, (struct sockaddr *)&a, sizeof a) == 0);
  char addr[64];
  snprintf(addr, sizeof addr, "127.0.0.1:%u", ntohs(a.sin_port));
  dialer d = {.addr = addr};
  rusm_rt_join(rt, rusm_spawn(rt, dial_forms, &d, NULL));
  CHECK(d.rc_refused < 0 && d.rc_refused != -ETIMEDOUT && d.rc_refused != -EINPROGRESS);
  CHECK(d.conn_null);
  CHECK_EQ(d.rc_start, -EINPROGRESS);
  CHECK_EQ(d.rc_finish, -EINPROGRESS);
  close(first);
  close(l);
  rusm_rt_free(rt);
}

static void hang_up(rusm_ctx *ctx, rusm_tcp_conn *c, void *arg) {
  (void)ctx, (void)c, (void)arg;
}

TEST(host_forms_beyond_inet_pton_go_through_the_resolver) {
  rusm_rt *rt = new_rt(1);
  REQUIRE(rt);
  char bound[RUSM_TCP_ADDR_MAX];
  int err = 1;
  rusm_pid acc = rusm_tcp_listen(rt, "127.1:0", hang_up, NULL, bound, &err); /* = 127.0.0.1 */
  REQUIRE(acc != RUSM_PID_NONE);
  CHECK_EQ(err, 0);
  CHECK(strncmp(bound, "127.0.0.1:", 10) == 0);
  CHECK(atoi(bound + 10) > 0);
  rusm_kill(rt, acc);
  rusm_rt_join(rt, acc);
  rusm_rt_free(rt);
}

TEST_MAIN(waiters_left_on_an_unwatchable_fd_are_woken, message_does_not_end_an_fd_wait,
          connect_refused_at_once_or_still_in_progress,
          host_forms_beyond_inet_pton_go_through_the_resolver)
