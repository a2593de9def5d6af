/*
** net_listen.c: the TCP acceptor process and the connection processes it
** spawns (reference 1.10: one process per connection).
**
** The acceptor is a native process over a listener (net_listener.c): it
** accepts until EAGAIN, spawns one process per connection, and parks on
** the poller. Its arg_free closes the listener, so however the acceptor
** ends (kill included, even before it first ran) the port is closed.
**
** Running out of fds (EMFILE, ENFILE, ENOBUFS, ENOMEM) is not fatal: the
** pending connections stay in the kernel's backlog, and the acceptor sleeps
** ACCEPT_BACKOFF_US before trying again (the listening socket stays
** readable, so waiting on it would spin). A connection refused by a
** firewall (EPERM) is skipped inside rusm_tcp_try_accept; any other error
** means the listening socket itself is broken and the acceptor crashes.
**
** A connection process adopts its socket before the handler runs, so the
** socket is closed when the handler returns, crashes or is killed; if the
** process is killed before it ever ran, its arg_free closes the socket.
*/
#include "io_int.h"

#include <errno.h>
#include <stdlib.h>

#include "rusm/net.h"

#define ACCEPT_BACKOFF_US 10000
#define ACCEPT_BATCH 64 /* accepts between voluntary yields */

typedef struct net_acceptor {
  rusm_rt *rt;
  rusm_tcp_listener *l;
  rusm_tcp_handler handler;
  void *arg;
} net_acceptor;

typedef struct net_start {
  rusm_tcp_handler handler;
  void *arg;
  rusm_tcp_conn *conn; /* NULL once the connection process adopted it */
} net_start;

static void start_free(void *arg) {
  net_start *st = arg;
  if (st->conn) rusm_tcp_close(st->conn); /* killed before it ran */
  free(st);
}

static void conn_body(rusm_ctx *ctx, void *arg) {
  net_start *st = arg;
  rusm_tcp_conn *c = st->conn;
  st->conn = NULL;
  rusm_tcp_adopt(ctx, c);
  st->handler(ctx, c, st->arg);
}

static void spawn_conn(net_acceptor *a, rusm_tcp_conn *c) {
  net_start *st = malloc(sizeof *st);
  if (!st) {
    rusm_tcp_close(c);
    return;
  }
  st->handler = a->handler;
  st->arg = a->arg;
  st->conn = c;
  rusm_spawn(a->rt, conn_body, st, start_free); /* on failure start_free closes */
}

static void acceptor_free(void *arg) {
  net_acceptor *a = arg;
  rusm_tcp_listener_close(a->l);
  free(a);
}

static void acceptor_body(rusm_ctx *ctx, void *arg) {
  net_acceptor *a = arg;
  unsigned batch = 0;
  while (!rusm_killed(ctx)) {
    rusm_tcp_conn *c;
    int rc = rusm_tcp_try_accept(NULL, a->l, &c); /* unowned: its process adopts it */
    if (rc == 0) {
      spawn_conn(a, c);
      if (++batch % ACCEPT_BATCH == 0) rusm_yield(ctx);
      continue;
    }
    switch (-rc) {
    case EAGAIN: rusm_fd_wait(ctx, rusm_tcp_listener_fd(a->l), RUSM_FD_READ, RUSM_FOREVER); break;
    case EMFILE:
    case ENFILE:
    case ENOBUFS:
    case ENOMEM: otp_io_sleep((otp_proc *)ctx, rusm_now_ns() + ACCEPT_BACKOFF_US * 1000ull); break;
    default: rusm_crash(ctx); /* the listening socket itself is broken */
    }
  }
}

rusm_pid rusm_tcp_listen(rusm_rt *rt, const char *addr, rusm_tcp_handler handler, void *arg,
                         char *o_bound, int *o_err) {
  int dummy;
  if (!o_err) o_err = &dummy;
  *o_err = 0;
  net_acceptor *a = handler ? malloc(sizeof *a) : NULL;
  if (!a) {
    *o_err = handler ? -ENOMEM : -EINVAL;
    return RUSM_PID_NONE;
  }
  int rc = otp_net_listener_open(rt, addr, o_bound, &a->l);
  if (rc) {
    free(a);
    *o_err = rc;
    return RUSM_PID_NONE;
  }
  a->rt = rt;
  a->handler = handler;
  a->arg = arg;
  rusm_pid pid = rusm_spawn(rt, acceptor_body, a, acceptor_free);
  if (pid == RUSM_PID_NONE) *o_err = -ENOMEM;
  return pid;
}
