/*
** net_listen.c: the TCP acceptor process and the connection processes it
** spawns (reference 1.10: one process per connection).
**
** The acceptor is a native process that owns the listening socket: it
** accepts until EAGAIN, spawns one process per connection, and parks on
** the poller. Its arg_free closes the socket, so however the acceptor ends
** (kill included, even before it first ran) the port is closed.
**
** Running out of fds (EMFILE, ENFILE, ENOBUFS, ENOMEM) is not fatal: the
** pending connections stay in the kernel's backlog, and the acceptor sleeps
** ACCEPT_BACKOFF_US before trying again (the listening socket stays
** readable, so waiting on it would spin). Transient per-connection errors
** (ECONNABORTED, EPROTO, EPERM) are skipped.
**
** A connection process adopts its socket before the handler runs, so the
** socket is closed when the handler returns, crashes or is killed; if the
** process is killed before it ever ran, its arg_free closes the socket.
*/
#include "io_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rusm/net.h"

#define ACCEPT_BACKOFF_US 10000
#define ACCEPT_BATCH 64 /* accepts between voluntary yields */
#define LISTEN_BACKLOG 4096

typedef struct net_listener {
  rusm_rt *rt;
  int fd;
  rusm_tcp_handler handler;
  void *arg;
} net_listener;

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

static void spawn_conn(net_listener *l, int fd) {
  rusm_tcp_conn *c = otp_net_conn_new(l->rt, fd);
  net_start *st = c ? malloc(sizeof *st) : NULL;
  if (!st) {
    rusm_tcp_close(c);
    return;
  }
  st->handler = l->handler;
  st->arg = l->arg;
  st->conn = c;
  rusm_spawn(l->rt, conn_body, st, start_free); /* on failure start_free closes */
}

static void listener_free(void *arg) {
  net_listener *l = arg;
  rusm_fd_forget(l->rt, l->fd);
  close(l->fd);
  free(l);
}

static void acceptor_body(rusm_ctx *ctx, void *arg) {
  net_listener *l = arg;
  unsigned batch = 0;
  while (!rusm_killed(ctx)) {
    int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      spawn_conn(l, fd);
      if (++batch % ACCEPT_BATCH == 0) rusm_yield(ctx);
      continue;
    }
    switch (errno) {
    case EAGAIN:
#if EWOULDBLOCK != EAGAIN
    case EWOULDBLOCK:
#endif
      rusm_fd_wait(ctx, l->fd, RUSM_FD_READ, RUSM_FOREVER);
      break;
    case EINTR:
    case ECONNABORTED:
    case EPROTO:
    case EPERM: break;
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
  struct sockaddr_storage ss;
  unsigned len;
  int rc = handler ? otp_net_parse(addr, &ss, &len) : -EINVAL;
  if (rc) {
    *o_err = rc;
    return RUSM_PID_NONE;
  }
  int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *o_err = -errno;
    return RUSM_PID_NONE;
  }
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  socklen_t bl = sizeof ss;
  if (bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, LISTEN_BACKLOG) != 0 ||
      getsockname(fd, (struct sockaddr *)&ss, &bl) != 0) {
    *o_err = -errno;
    close(fd);
    return RUSM_PID_NONE;
  }
  if (o_bound) otp_net_format(&ss, o_bound);
  net_listener *l = malloc(sizeof *l);
  if (!l) {
    *o_err = -ENOMEM;
    close(fd);
    return RUSM_PID_NONE;
  }
  l->rt = rt;
  l->fd = fd;
  l->handler = handler;
  l->arg = arg;
  rusm_pid pid = rusm_spawn(rt, acceptor_body, l, listener_free);
  if (pid == RUSM_PID_NONE) *o_err = -ENOMEM;
  return pid;
}
