/*
** test_fault_io.c: fd waits, streams and TCP when memory, threads or fds
** run out (tests/fault injection). The poller that cannot start leaves
** waits to a one-off poll; an arm that cannot be recorded becomes a
** spurious wake-up; streams and sockets that cannot be made are reported
** and leave no fd behind; an acceptor without memory for a connection
** drops that one and serves the next.
*/
#include "test.h"
#include "otp_test.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "fault.h"
#include "rusm/net.h"
#include "rusm/stream.h"

static int open_fds(void) {
  int n = 0;
  DIR *d = opendir("/proc/self/fd");
  if (!d) return -1;
  while (readdir(d)) n++;
  closedir(d);
  return n;
}

/* ------------------------------------------------------ native fd waits */

typedef struct nwait {
  fault_call which;
  uint64_t nth;
  int fd;
  uint64_t failed; /* calls the fault failed during the first wait */
  uint32_t first, second;
  double first_ms;
  atomic_int phase; /* 1: the first wait is over */
} nwait;

/* The first wait (on an empty pipe, 10 s limit) runs with the fault armed;
** the second, after the test writes, without. */
static void wait_twice(rusm_ctx *ctx, void *arg) {
  nwait *w = arg;
  double t0 = test_now_ms_();
  fault_arm(w->which, w->nth, 0);
  w->first = rusm_fd_wait(ctx, w->fd, RUSM_FD_READ, 10 * 1000 * 1000);
  w->failed = fault_failed(w->which);
  fault_reset();
  w->first_ms = test_now_ms_() - t0;
  atomic_store(&w->phase, 1);
  w->second = rusm_fd_wait(ctx, w->fd, RUSM_FD_READ, RUSM_FOREVER);
}

/* One rusm_fd_wait on a runtime whose poller is not started yet, with call
** nth of `which` failed: false if it did not end in the documented way. */
static bool first_wait_with_fault(fault_call which, uint64_t nth) {
  rusm_rt *rt = new_rt(1);
  int p[2];
  if (!rt || pipe(p) != 0) return false;
  nwait w = {.which = which, .nth = nth, .fd = p[0]};
  rusm_pid pid = rusm_spawn(rt, wait_twice, &w, NULL);
  bool ok = WAIT_UNTIL(atomic_load(&w.phase) == 1, 5000);
  ok = ok && write(p[1], "x", 1) == 1;
  rusm_rt_join(rt, pid);
  rusm_rt_free(rt);
  close(p[0]);
  close(p[1]);
  /* no poller or no record: an immediate answer (0: not ready, or ERROR when
  ** the fd table could not grow), never the 10 s wait; the next wait works */
  bool quick = w.first_ms < 5000;
  bool answer = w.first == 0 || w.first == RUSM_FD_ERROR;
  if (!(ok && w.failed == 1 && quick && answer && w.second == RUSM_FD_READ)) {
    fprintf(stderr, "  fault %d#%llu: failed=%llu first=%u (%.0f ms) second=%u\n", (int)which,
            (unsigned long long)nth, (unsigned long long)w.failed, w.first, w.first_ms, w.second);
    return false;
  }
  return true;
}

TEST(fd_wait_without_poller_or_record_answers_at_once) {
  int bad = 0;
  /* the poller (its state, epoll, eventfd, thread), the waiter record, the
  ** fd table's directory and chunk */
  bad += !first_wait_with_fault(FAULT_epoll_create1, 1);
  bad += !first_wait_with_fault(FAULT_eventfd, 1);
  bad += !first_wait_with_fault(FAULT_pthread_create, 1);
  for (uint64_t n = 1; n <= 4; n++) bad += !first_wait_with_fault(FAULT_ALLOC, n);
  CHECK_EQ(bad, 0);
}

/* ---------------------------------------------------- resumable fd waits */

typedef struct rwait {
  uint64_t nth;
  int fd;
  uint64_t failed;
  atomic_int steps;
  char got;
} rwait;

/* Step 1 arms with allocation nth failed, steps 2.. arm normally, and the
** body ends once it has read a byte. */
static rusm_step rwait_resume(void *state, rusm_ctx *ctx, uint32_t budget,
                              rusm_exit_reason *o_reason) {
  (void)budget, (void)o_reason;
  rwait *w = state;
  if (atomic_fetch_add(&w->steps, 1) > 0 && read(w->fd, &w->got, 1) == 1) return RUSM_STEP_EXIT;
  if (atomic_load(&w->steps) == 1) fault_arm(FAULT_ALLOC, w->nth, 0);
  rusm_wait_fd(ctx, w->fd, RUSM_FD_READ);
  if (atomic_load(&w->steps) == 1) {
    w->failed = fault_failed(FAULT_ALLOC);
    fault_reset();
  }
  return RUSM_STEP_WAIT;
}
static const rusm_body_ops rwait_ops = {rwait_resume, NULL};

TEST(resumable_arm_without_memory_is_a_spurious_wakeup) {
  int bad = 0;
  for (uint64_t n = 1; n <= 4; n++) { /* poller state, record, fd table directory, chunk */
    rusm_rt *rt = new_rt(1);
    int p[2];
    REQUIRE(rt && pipe(p) == 0);
    REQUIRE(fcntl(p[0], F_SETFL, O_NONBLOCK) == 0);
    rwait w = {.nth = n, .fd = p[0]};
    rusm_pid pid = rusm_spawn_body(rt, &rwait_ops, &w);
    /* nothing was written, yet the body runs again: its arm failed */
    bad += !WAIT_UNTIL(atomic_load(&w.steps) >= 2, 5000);
    bad += w.failed != 1;
    usleep(2000);
    int steps = atomic_load(&w.steps);
    bad += write(p[1], "k", 1) != 1;
    rusm_rt_join(rt, pid);
    bad += w.got != 'k';
    bad += atomic_load(&w.steps) != steps + 1; /* the second arm held: one wake-up */
    rusm_rt_free(rt);
    close(p[0]);
    close(p[1]);
  }
  CHECK_EQ(bad, 0);
}

/* --------------------------------------------------------------- streams */

TEST(stream_new_without_memory_returns_nothing) {
  for (uint64_t n = 1; n <= 4; n++) { /* the stream, both ends, the ring */
    rusm_stream_writer *w = NULL;
    rusm_stream_reader *r = NULL;
    fault_arm(FAULT_calloc, n, 0);
    CHECK(!rusm_stream_new(NULL, 2, &w, &r));
    CHECK_EQ(fault_failed(FAULT_calloc), 1);
    fault_reset();
  }
  rusm_stream_writer *w;
  rusm_stream_reader *r;
  REQUIRE(rusm_stream_new(NULL, 2, &w, &r));
  CHECK_EQ(rusm_stream_write_copy(NULL, w, "s", 1), RUSM_STREAM_OK);
  rusm_chunk c;
  CHECK_EQ(rusm_stream_try_read(r, &c), RUSM_STREAM_OK);
  CHECK(c.len == 1 && c.data[0] == 's');
  free(c.data);
  fault_arm(FAULT_calloc, 1, 0);
  CHECK(rusm_stream_writer_clone(NULL, w) == NULL);
  fault_reset();
  rusm_stream_writer_close(w);
  CHECK_EQ(rusm_stream_try_read(r, &c), RUSM_STREAM_CLOSED); /* the failed clone counts not */
  rusm_stream_reader_close(r);
}

typedef struct swrite {
  rusm_stream_writer *w;
  atomic_int ready;
  rusm_stream_status st;
  uint64_t failed;
} swrite;

/* Fills the one-chunk stream, then writes again with the writer-waiter
** list unable to grow: it must yield and retry, not give up or hang. */
static void write_full(rusm_ctx *ctx, void *arg) {
  swrite *s = arg;
  rusm_stream_write_copy(ctx, s->w, "1", 1);
  void *two = malloc(1);
  memcpy(two, "2", 1);
  fault_arm(FAULT_realloc, 1, 0);
  atomic_store(&s->ready, 1);
  s->st = rusm_stream_write(ctx, s->w, two, 1);
  s->failed = fault_failed(FAULT_realloc);
  fault_reset();
  if (s->st != RUSM_STREAM_OK) free(two);
}

TEST(stream_writer_that_cannot_queue_retries) {
  rusm_rt *rt = new_rt(1);
  REQUIRE(rt);
  swrite s = {0};
  rusm_stream_reader *r;
  REQUIRE(rusm_stream_new(NULL, 1, &s.w, &r));
  rusm_pid p = rusm_spawn(rt, write_full, &s, NULL);
  REQUIRE(WAIT_UNTIL(atomic_load(&s.ready) == 1, 5000));
  CHECK(WAIT_UNTIL(fault_failed(FAULT_realloc) == 1, 5000)); /* its record failed */
  usleep(2000);
  CHECK(rusm_is_alive(rt, p)); /* still trying: the stream is full */
  rusm_chunk c;
  CHECK_EQ(rusm_stream_try_read(r, &c), RUSM_STREAM_OK);
  CHECK(c.len == 1 && c.data[0] == '1');
  free(c.data);
  rusm_rt_join(rt, p);
  CHECK_EQ(s.st, RUSM_STREAM_OK);
  CHECK_EQ(s.failed, 1);
  CHECK_EQ(rusm_stream_try_read(r, &c), RUSM_STREAM_OK);
  CHECK(c.len == 1 && c.data[0] == '2');
  free(c.data);
  rusm_stream_writer_close(s.w);
  rusm_stream_reader_close(r);
  rusm_rt_free(rt);
}

/* ------------------------------------------------------------------- TCP */

typedef struct tcpf {
  int listen_rc, socket_rc, connect_rc, accept_rc, eof;
  rusm_tcp_conn *conn;
  int fds_before, fds_after;
} tcpf;

static void tcp_faults(rusm_ctx *ctx, void *arg) {
  tcpf *t = arg;
  rusm_tcp_listener *l = NULL, *other = NULL;
  char bound[RUSM_TCP_ADDR_MAX], other_bound[RUSM_TCP_ADDR_MAX];
  t->fds_before = open_fds();
  fault_arm(FAULT_malloc, 1, 0); /* the listener */
  t->listen_rc = rusm_tcp_listener_open(ctx, "127.0.0.1:0", NULL, &l);
  fault_arm(FAULT_socket, 1, 0);
  t->socket_rc = rusm_tcp_listener_open(ctx, "127.0.0.1:0", NULL, &l);
  fault_reset();
  RUSM_ASSERT(ctx, rusm_tcp_listener_open(ctx, "127.0.0.1:0", bound, &l) == 0);
  /* a connect whose connection object cannot be made (to a listener of its
  ** own, so that whatever reached that backlog stays out of the way) */
  RUSM_ASSERT(ctx, rusm_tcp_listener_open(ctx, "127.0.0.1:0", other_bound, &other) == 0);
  fault_arm(FAULT_malloc, 1, 0);
  t->connect_rc = rusm_tcp_connect(ctx, other_bound, 1000000, &t->conn);
  fault_reset();
  rusm_tcp_listener_close(other);
  /* an accept whose connection object cannot be made: the socket is closed */
  rusm_tcp_conn *good;
  RUSM_ASSERT(ctx, rusm_tcp_connect(ctx, bound, 1000000, &good) == 0);
  rusm_fd_wait(ctx, rusm_tcp_listener_fd(l), RUSM_FD_READ, 1000000);
  fault_arm(FAULT_malloc, 1, 0);
  rusm_tcp_conn *in = NULL;
  t->accept_rc = rusm_tcp_try_accept(ctx, l, &in);
  fault_reset();
  char b;
  t->eof = (int)rusm_tcp_read(ctx, good, &b, 1);
  rusm_tcp_close(good);
  rusm_tcp_listener_close(l);
  t->fds_after = open_fds();
}

TEST(tcp_calls_without_memory_or_sockets_leave_no_fd) {
  rusm_rt *rt = new_rt(1);
  REQUIRE(rt);
  tcpf t = {0};
  rusm_rt_join(rt, rusm_spawn(rt, tcp_faults, &t, NULL));
  CHECK_EQ(t.listen_rc, -ENOMEM);
  CHECK_EQ(t.socket_rc, -EMFILE);
  CHECK_EQ(t.connect_rc, -ENOMEM);
  CHECK(t.conn == NULL);
  CHECK_EQ(t.accept_rc, -ENOMEM);
  CHECK_EQ(t.eof, 0);                      /* the peer of the refused accept sees it closed */
  CHECK_EQ(t.fds_after, t.fds_before + 2); /* only the poller's epoll and eventfd */
  rusm_rt_free(rt);
}

static void echo(rusm_ctx *ctx, rusm_tcp_conn *c, void *arg) {
  (void)arg;
  char buf[16];
  ssize_t n = rusm_tcp_read(ctx, c, buf, sizeof buf);
  if (n > 0) rusm_tcp_write(ctx, c, buf, (size_t)n);
}

static int dial(const char *bound) {
  int port = atoi(strrchr(bound, ':') + 1);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
    close(fd);
    return -1;
  }
  struct timeval tv = {5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

TEST(acceptor_without_memory_drops_one_connection_and_serves_on) {
  rusm_rt *rt = new_rt(1);
  REQUIRE(rt);
  char bound[RUSM_TCP_ADDR_MAX];
  int err = 0;
  rusm_pid acc = rusm_tcp_listen(rt, "127.0.0.1:0", echo, NULL, bound, &err);
  REQUIRE(acc != RUSM_PID_NONE);
  /* the acceptor's allocations per connection: the connection, then its
  ** process's start record (failed here) */
  fault_arm(FAULT_malloc, 2, 0);
  int a = dial(bound);
  REQUIRE(a >= 0);
  CHECK(WAIT_UNTIL(fault_failed(FAULT_malloc) == 1, 5000));
  char buf[8];
  CHECK_EQ(read(a, buf, sizeof buf), 0); /* closed by the acceptor, never served */
  fault_reset();
  close(a);
  int b = dial(bound);
  REQUIRE(b >= 0);
  CHECK_EQ(write(b, "hi", 2), 2);
  CHECK_EQ(read(b, buf, sizeof buf), 2);
  CHECK(memcmp(buf, "hi", 2) == 0);
  close(b);
  CHECK(rusm_is_alive(rt, acc));
  rusm_rt_free(rt);
}

TEST_MAIN(fd_wait_without_poller_or_record_answers_at_once,
          resumable_arm_without_memory_is_a_spurious_wakeup,
          stream_new_without_memory_returns_nothing, stream_writer_that_cannot_queue_retries,
          tcp_calls_without_memory_or_sockets_leave_no_fd,
          acceptor_without_memory_drops_one_connection_and_serves_on)
