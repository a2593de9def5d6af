/*
** net_conn.c: TCP connections: connect, read, write, half-close, close.
**
** Every call first tries the non-blocking syscall; on EAGAIN a native body
** parks on the poller (rusm_fd_wait) and tries again when the socket is
** ready, so a worker thread never blocks. Writes use MSG_NOSIGNAL: a peer
** that reset the connection gives -EPIPE / -ECONNRESET, never SIGPIPE.
** A connection is an owned resource (io_res.c): the owner's exit closes it.
*/
#include "io_int.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rusm/net.h"

struct rusm_tcp_conn {
  otp_res res; /* first: the release hook gets back to the connection */
  rusm_rt *rt;
  int fd;
};

static void conn_release(otp_res *r) {
  rusm_tcp_close((rusm_tcp_conn *)r);
}

rusm_tcp_conn *otp_net_conn_new(rusm_rt *rt, int fd) {
  rusm_tcp_conn *c = malloc(sizeof *c);
  if (!c) {
    close(fd);
    return NULL;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); /* best effort */
  otp_res_init(&c->res, conn_release);
  c->rt = rt;
  c->fd = fd;
  return c;
}

static bool killed(rusm_ctx *ctx) {
  return rusm_killed(ctx);
}

int rusm_tcp_connect_start(rusm_ctx *ctx, const char *addr, rusm_tcp_conn **o_conn) {
  *o_conn = NULL;
  struct sockaddr_storage ss;
  unsigned len;
  int rc = otp_net_parse(addr, &ss, &len);
  if (rc) return rc;
  int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -errno;
  rc = 0;
  if (connect(fd, (struct sockaddr *)&ss, len) != 0) {
    if (errno != EINPROGRESS && errno != EINTR) {
      rc = -errno;
      close(fd);
      return rc;
    }
    rc = -EINPROGRESS;
  }
  rusm_tcp_conn *c = otp_net_conn_new(rusm_ctx_rt(ctx), fd);
  if (!c) return -ENOMEM;
  otp_res_own(ctx, &c->res);
  *o_conn = c;
  return rc;
}

int rusm_tcp_connect_finish(rusm_tcp_conn *c) {
  int err = 0;
  socklen_t el = sizeof err;
  if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0) return -errno;
  if (err) return -err;
  struct sockaddr_storage ss;
  socklen_t sl = sizeof ss;
  if (getpeername(c->fd, (struct sockaddr *)&ss, &sl) == 0) return 0;
  return errno == ENOTCONN ? -EINPROGRESS : -errno;
}

int rusm_tcp_connect(rusm_ctx *ctx, const char *addr, int64_t timeout_us, rusm_tcp_conn **o_conn) {
  *o_conn = NULL;
  if (killed(ctx)) return -ECANCELED;
  rusm_tcp_conn *c;
  int rc = rusm_tcp_connect_start(ctx, addr, &c);
  if (rc != -EINPROGRESS) {
    *o_conn = c;
    return rc;
  }
  /* on loopback the handshake is usually complete already: look first,
  ** and only park on the poller when it is not */
  uint32_t ev = rusm_fd_wait(ctx, c->fd, RUSM_FD_WRITE, 0);
  if (!ev && timeout_us != 0) ev = rusm_fd_wait(ctx, c->fd, RUSM_FD_WRITE, timeout_us);
  rc = ev ? rusm_tcp_connect_finish(c) : killed(ctx) ? -ECANCELED : -ETIMEDOUT;
  if (rc == -EINPROGRESS) rc = -ETIMEDOUT; /* writable yet not connected: give up */
  if (rc) {
    rusm_tcp_close(c);
    return rc;
  }
  *o_conn = c;
  return 0;
}

ssize_t rusm_tcp_try_read(rusm_tcp_conn *c, void *buf, size_t cap) {
  ssize_t n;
  do n = recv(c->fd, buf, cap, 0);
  while (n < 0 && errno == EINTR);
  return n >= 0 ? n : errno == EWOULDBLOCK ? -EAGAIN : -errno;
}

ssize_t rusm_tcp_try_write(rusm_tcp_conn *c, const void *data, size_t len) {
  ssize_t n;
  do n = send(c->fd, data, len, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  return n >= 0 ? n : errno == EWOULDBLOCK ? -EAGAIN : -errno;
}

/* Parks until fd is ready for ev; -ECANCELED if killed, else 0. A process
** that cannot park (not on its own fiber) gets -EAGAIN back. */
static int wait_ready(rusm_ctx *ctx, rusm_tcp_conn *c, uint32_t ev) {
  if (killed(ctx)) return -ECANCELED;
  if (rusm_fd_wait(ctx, c->fd, ev, RUSM_FOREVER) == 0) return killed(ctx) ? -ECANCELED : -EAGAIN;
  return 0;
}

ssize_t rusm_tcp_read(rusm_ctx *ctx, rusm_tcp_conn *c, void *buf, size_t cap) {
  if (killed(ctx)) return -ECANCELED;
  for (;;) {
    ssize_t n = rusm_tcp_try_read(c, buf, cap);
    if (n != -EAGAIN) return n;
    int rc = wait_ready(ctx, c, RUSM_FD_READ);
    if (rc == -ECANCELED) return rc;
    if (rc == -EAGAIN && otp_fiber_current(c->rt) != (otp_proc *)ctx) return -EAGAIN;
  }
}

ssize_t rusm_tcp_write(rusm_ctx *ctx, rusm_tcp_conn *c, const void *data, size_t len) {
  if (killed(ctx)) return -ECANCELED;
  size_t done = 0;
  while (done < len) {
    ssize_t n = rusm_tcp_try_write(c, (const uint8_t *)data + done, len - done);
    if (n >= 0) {
      done += (size_t)n;
      continue;
    }
    if (n != -EAGAIN) return n;
    int rc = wait_ready(ctx, c, RUSM_FD_WRITE);
    if (rc == -ECANCELED) return rc;
    if (rc == -EAGAIN && otp_fiber_current(c->rt) != (otp_proc *)ctx) return -EAGAIN;
  }
  return (ssize_t)len;
}

int rusm_tcp_shutdown_write(rusm_tcp_conn *c) {
  return shutdown(c->fd, SHUT_WR) == 0 ? 0 : -errno;
}

void rusm_tcp_close(rusm_tcp_conn *c) {
  if (!c) return;
  otp_res_disown(&c->res);
  rusm_fd_forget(c->rt, c->fd); /* before close: the number may be reused at once */
  close(c->fd);
  free(c);
}

int rusm_tcp_fd(const rusm_tcp_conn *c) {
  return c->fd;
}

bool rusm_tcp_peer_addr(const rusm_tcp_conn *c, char *buf) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  if (getpeername(c->fd, (struct sockaddr *)&ss, &len) != 0) return false;
  otp_net_format(&ss, buf);
  return true;
}

bool rusm_tcp_local_addr(const rusm_tcp_conn *c, char *buf) {
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  if (getsockname(c->fd, (struct sockaddr *)&ss, &len) != 0) return false;
  otp_net_format(&ss, buf);
  return true;
}

void rusm_tcp_disown(rusm_tcp_conn *c) {
  otp_res_disown(&c->res);
}
void rusm_tcp_adopt(rusm_ctx *ctx, rusm_tcp_conn *c) {
  otp_res_own(ctx, &c->res);
}
