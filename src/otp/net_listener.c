/*
** net_listener.c: listening sockets and accepting (rusm_tcp_listener).
**
** A listener is an owned resource like a connection: its process's exit
** closes it. The acceptor process of rusm_tcp_listen (net_listen.c) is
** built on the same calls; a process that wants to accept by itself (a
** resumable body, or a native one that hands connections out its own way)
** uses them directly.
*/
#include "io_int.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rusm/net.h"

#define LISTEN_BACKLOG 4096

struct rusm_tcp_listener {
  otp_res res; /* first: the release hook gets back to the listener */
  rusm_rt *rt;
  int fd;
};

static void listener_release(otp_res *r) {
  rusm_tcp_listener_close((rusm_tcp_listener *)r);
}

int otp_net_listener_open(rusm_rt *rt, const char *addr, char *o_bound, rusm_tcp_listener **o_l) {
  *o_l = NULL;
  struct sockaddr_storage ss;
  unsigned len;
  int rc = otp_net_parse(addr, &ss, &len);
  if (rc) return rc;
  int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  socklen_t bl = sizeof ss;
  if (bind(fd, (struct sockaddr *)&ss, len) != 0 || listen(fd, LISTEN_BACKLOG) != 0 ||
      getsockname(fd, (struct sockaddr *)&ss, &bl) != 0) {
    rc = -errno;
    close(fd);
    return rc;
  }
  rusm_tcp_listener *l = malloc(sizeof *l);
  if (!l) {
    close(fd);
    return -ENOMEM;
  }
  otp_res_init(&l->res, listener_release);
  l->rt = rt;
  l->fd = fd;
  if (o_bound) otp_net_format(&ss, o_bound);
  *o_l = l;
  return 0;
}

int rusm_tcp_listener_open(rusm_ctx *ctx, const char *addr, char *o_bound,
                           rusm_tcp_listener **o_listener) {
  int rc = otp_net_listener_open(rusm_ctx_rt(ctx), addr, o_bound, o_listener);
  if (rc == 0) otp_res_own(ctx, &(*o_listener)->res);
  return rc;
}

/* accept4 failed, but for that one connection only (it was aborted, or a
** firewall refused it): there may be others behind it. */
static bool skip_one(int err) {
  return err == EINTR || err == ECONNABORTED || err == EPROTO || err == EPERM;
}

int rusm_tcp_try_accept(rusm_ctx *ctx, rusm_tcp_listener *l, rusm_tcp_conn **o_conn) {
  *o_conn = NULL;
  int fd;
  do fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
  while (fd < 0 && skip_one(errno));
  if (fd < 0) return errno == EWOULDBLOCK ? -EAGAIN : -errno;
  rusm_tcp_conn *c = otp_net_conn_new(l->rt, fd);
  if (!c) return -ENOMEM;
  if (ctx) rusm_tcp_adopt(ctx, c);
  *o_conn = c;
  return 0;
}

int rusm_tcp_accept(rusm_ctx *ctx, rusm_tcp_listener *l, rusm_tcp_conn **o_conn) {
  for (;;) {
    if (rusm_killed(ctx)) {
      *o_conn = NULL;
      return -ECANCELED;
    }
    int rc = rusm_tcp_try_accept(ctx, l, o_conn);
    if (rc != -EAGAIN) return rc;
    if (!rusm_fd_wait(ctx, l->fd, RUSM_FD_READ, RUSM_FOREVER) && !rusm_killed(ctx))
      return -EAGAIN; /* cannot park here (not on the process's own fiber) */
  }
}

int rusm_tcp_listener_fd(const rusm_tcp_listener *l) {
  return l->fd;
}

void rusm_tcp_listener_close(rusm_tcp_listener *l) {
  if (!l) return;
  otp_res_disown(&l->res);
  rusm_fd_forget(l->rt, l->fd);
  close(l->fd);
  free(l);
}
