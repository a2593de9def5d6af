/*
** poll.c: poll_oneoff and the sock_* calls. Neither ever waits: when
** nothing is ready, the call records what it waits for (fds and the
** earliest clock deadline) and suspends; the retry re-checks readiness
** with the deadlines computed at the first attempt.
*/
#define _GNU_SOURCE
#include "wasi_int.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { EV_CLOCK, EV_FD_READ, EV_FD_WRITE };
#define SUB_SIZE 48
#define EVENT_SIZE 32
#define POLL_MAX_SUBS 4096 /* bounds the host-side work per call */

static void poll_event(uint8_t *ev, uint64_t userdata, uint16_t error, uint8_t type,
                       uint64_t nbytes, uint16_t flags) {
  memset(ev, 0, EVENT_SIZE);
  memcpy(ev, &userdata, 8);
  memcpy(ev + 8, &error, 2);
  ev[10] = type;
  memcpy(ev + 16, &nbytes, 8);
  memcpy(ev + 24, &flags, 2);
}

/* A clock subscription's deadline on CLOCK_MONOTONIC; false if the clock
** cannot be waited on. */
static bool poll_deadline(const uint8_t *s, uint64_t start, uint64_t *o_deadline) {
  uint32_t id = wasi_ld32(s + 16);
  uint64_t timeout = wasi_ld64(s + 24);
  uint16_t flags;
  memcpy(&flags, s + 40, 2);
  bool abs = flags & 1;
  if (id != 0 && id != 1) return false; /* cputime clocks: no sleeping on those */
  if (!abs) {
    *o_deadline = timeout > UINT64_MAX - start ? UINT64_MAX : start + timeout;
  } else if (id == 1) {
    *o_deadline = timeout;
  } else {
    /* Realtime: translate once, at the current offset between the clocks. */
    uint64_t rt = wasi_now_ns(CLOCK_REALTIME), mono = wasi_now_ns(CLOCK_MONOTONIC);
    *o_deadline = timeout <= rt ? 0 : mono + (timeout - rt);
  }
  return true;
}

/* Readiness of an fd subscription: 1 ready (event filled), 0 not ready. */
static int poll_fd(wasi_env *e, const uint8_t *s, uint8_t type, uint8_t *ev, rusm_wasi_waitfd *wf) {
  uint64_t ud = wasi_ld64(s);
  uint32_t fd = wasi_ld32(s + 16);
  bool write = type == EV_FD_WRITE;
  wasi_fd *f;
  uint32_t err = wasi_fd_get(e->w, fd, WASI_R_POLL_FD_READWRITE, &f);
  if (!err && f->kind == (write ? WFD_NULL_IN : WFD_NULL_OUT)) err = WASI_EBADF;
  if (err) {
    poll_event(ev, ud, (uint16_t)err, type, 0, 0);
    return 1;
  }
  if (f->kind != WFD_HOST) {
    poll_event(ev, ud, 0, type, 0, 0); /* null stdio: always ready */
    return 1;
  }
  if (f->filetype == WASI_FT_REG) {
    uint64_t n = 0;
    struct stat st;
    off_t pos = lseek(f->host, 0, SEEK_CUR);
    if (!write && pos >= 0 && fstat(f->host, &st) == 0 && st.st_size > pos)
      n = (uint64_t)(st.st_size - pos);
    poll_event(ev, ud, 0, type, n, 0);
    return 1;
  }
  struct pollfd p = {.fd = f->host, .events = write ? POLLOUT : POLLIN};
  if (poll(&p, 1, 0) <= 0) {
    *wf = (rusm_wasi_waitfd){f->host, write};
    return 0;
  }
  int avail = 0;
  if (!write && ioctl(f->host, FIONREAD, &avail) != 0) avail = 0;
  uint16_t hup = (p.revents & POLLHUP) ? 1 : 0;
  uint16_t perr = (p.revents & POLLNVAL) ? WASI_EBADF : 0;
  poll_event(ev, ud, perr, type, avail > 0 ? (uint64_t)avail : 0, hup);
  return 1;
}

uint32_t wasi_h_poll_oneoff(wasi_env *e, const rusm_val *a) {
  uint32_t n = WA32(2);
  if (n == 0) return WASI_EINVAL;
  const uint8_t *in = wasi_ptr(e, WA32(0), (uint64_t)n * SUB_SIZE);
  uint8_t *out = wasi_ptr(e, WA32(1), (uint64_t)n * EVENT_SIZE);
  if (!in || !out || !wasi_ptr(e, WA32(3), 4)) return WASI_EFAULT;
  if (n > POLL_MAX_SUBS) return WASI_ENOTSUP;
  wasi_pending *pend = &e->w->pending;
  if (!e->retry) pend->start_ns = wasi_now_ns(CLOCK_MONOTONIC);
  uint64_t now = wasi_now_ns(CLOCK_MONOTONIC), deadline = UINT64_MAX;
  rusm_wasi_waitfd *wfs = malloc(n * sizeof *wfs);
  if (!wfs) return WASI_ENOMEM;
  uint32_t n_ev = 0, n_wf = 0;
  /* Events are staged in a copy: in and out may overlap in guest memory. */
  uint8_t *evs = malloc((size_t)n * EVENT_SIZE);
  if (!evs) {
    free(wfs);
    return WASI_ENOMEM;
  }
  for (uint32_t i = 0; i < n; i++) {
    const uint8_t *s = in + (size_t)i * SUB_SIZE;
    uint8_t type = s[8];
    uint8_t *ev = evs + (size_t)n_ev * EVENT_SIZE;
    if (type == EV_CLOCK) {
      uint64_t d;
      if (!poll_deadline(s, pend->start_ns, &d)) {
        poll_event(ev, wasi_ld64(s), WASI_ENOTSUP, EV_CLOCK, 0, 0);
        n_ev++;
      } else if (d <= now) {
        poll_event(ev, wasi_ld64(s), 0, EV_CLOCK, 0, 0);
        n_ev++;
      } else if (d < deadline) {
        deadline = d;
      }
    } else if (type == EV_FD_READ || type == EV_FD_WRITE) {
      if (poll_fd(e, s, type, ev, &wfs[n_wf]))
        n_ev++;
      else
        n_wf++;
    } else {
      poll_event(ev, wasi_ld64(s), WASI_EINVAL, type, 0, 0);
      n_ev++;
    }
  }
  uint32_t r = 0;
  if (n_ev) {
    memcpy(out, evs, (size_t)n_ev * EVENT_SIZE);
    wasi_put32(e, WA32(3), n_ev);
  } else {
    r = wasi_wait(e, RUSM_WASI_WAIT_EVENTS, wfs, n_wf, deadline);
  }
  free(evs);
  free(wfs);
  return r;
}

/* ------------------------------------------------------------ sockets */

/* Sockets exist only if the embedder handed one in as stdio; there are no
** socket preopens in the caps yet. Other fds give NOTSOCK. */
static uint32_t sock_get(wasi_env *e, uint32_t fd, uint64_t right, wasi_fd **o_f) {
  uint32_t err = wasi_fd_get(e->w, fd, right, o_f);
  if (err) return err;
  if ((*o_f)->kind != WFD_HOST ||
      ((*o_f)->filetype != WASI_FT_SOCK_STREAM && (*o_f)->filetype != WASI_FT_SOCK_DGRAM))
    return WASI_ENOTSOCK;
  return 0;
}

static uint32_t sock_again(wasi_env *e, wasi_fd *f, bool write) {
  if (f->fdflags & WASI_FDF_NONBLOCK) return WASI_EAGAIN;
  rusm_wasi_waitfd wf = {f->host, write};
  return wasi_wait(e, RUSM_WASI_WAIT_EVENTS, &wf, 1, UINT64_MAX);
}

uint32_t wasi_h_sock_accept(wasi_env *e, const rusm_val *a) {
  wasi_fd *f;
  uint32_t err = sock_get(e, WA32(0), WASI_R_SOCK_ACCEPT, &f);
  if (err) return err;
  if (WA32(1) & ~(uint32_t)WASI_FDF_NONBLOCK) return WASI_EINVAL;
  if (!wasi_ptr(e, WA32(2), 4)) return WASI_EFAULT;
  /* The listener may be a blocking fd (it is the embedder's): accept4
  ** would then park this thread, so look first. */
  if (!wasi_ready(f->host, false)) return sock_again(e, f, false);
  int s = accept4(f->host, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (s < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return sock_again(e, f, false);
  if (s < 0) return wasi_errno(errno);
  int64_t slot = wasi_fd_alloc(e->w);
  if (slot < 0) {
    close(s);
    return WASI_ENOMEM;
  }
  e->w->fds[slot] =
      (wasi_fd){.kind = WFD_HOST,
                .filetype = WASI_FT_SOCK_STREAM,
                .fdflags = (uint16_t)WA32(1),
                .own = true,
                .host = s,
                .base = WASI_R_FD_READ | WASI_R_FD_WRITE | WASI_R_POLL_FD_READWRITE |
                        WASI_R_SOCK_SHUTDOWN | WASI_R_FD_FDSTAT_SET_FLAGS | WASI_R_FD_FILESTAT_GET};
  wasi_put32(e, WA32(2), (uint32_t)slot);
  return 0;
}

uint32_t wasi_h_sock_recv(wasi_env *e, const rusm_val *a) {
  wasi_fd *f;
  uint32_t err = sock_get(e, WA32(0), WASI_R_FD_READ, &f);
  if (err) return err;
  if (!wasi_ptr(e, WA32(4), 4) || !wasi_ptr(e, WA32(5), 2)) return WASI_EFAULT;
  if (WA32(3) & ~3u) return WASI_EINVAL;
  struct iovec iov[WASI_MAX_IOV];
  int n;
  uint64_t total;
  if ((err = wasi_iovs(e, WA32(1), WA32(2), iov, &n, &total))) return err;
  struct msghdr m = {.msg_iov = iov, .msg_iovlen = (size_t)n};
  int fl = MSG_DONTWAIT | ((WA32(3) & 1) ? MSG_PEEK : 0);
  ssize_t r = recvmsg(f->host, &m, fl);
  if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return sock_again(e, f, false);
  if (r < 0) return wasi_errno(errno);
  wasi_put32(e, WA32(4), (uint32_t)r);
  uint16_t ro = (m.msg_flags & MSG_TRUNC) ? 1 : 0;
  memcpy(wasi_ptr(e, WA32(5), 2), &ro, 2);
  return 0;
}

uint32_t wasi_h_sock_send(wasi_env *e, const rusm_val *a) {
  wasi_fd *f;
  uint32_t err = sock_get(e, WA32(0), WASI_R_FD_WRITE, &f);
  if (err) return err;
  if (!wasi_ptr(e, WA32(4), 4)) return WASI_EFAULT;
  if (WA32(3)) return WASI_EINVAL; /* no siflags are defined */
  struct iovec iov[WASI_MAX_IOV];
  int n;
  uint64_t total;
  if ((err = wasi_iovs(e, WA32(1), WA32(2), iov, &n, &total))) return err;
  struct msghdr m = {.msg_iov = iov, .msg_iovlen = (size_t)n};
  ssize_t r = sendmsg(f->host, &m, MSG_DONTWAIT | MSG_NOSIGNAL);
  if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return sock_again(e, f, true);
  if (r < 0) return wasi_errno(errno);
  wasi_put32(e, WA32(4), (uint32_t)r);
  return 0;
}

uint32_t wasi_h_sock_shutdown(wasi_env *e, const rusm_val *a) {
  wasi_fd *f;
  uint32_t err = sock_get(e, WA32(0), WASI_R_SOCK_SHUTDOWN, &f);
  if (err) return err;
  static const int how[4] = {-1, SHUT_RD, SHUT_WR, SHUT_RDWR};
  if (WA32(1) == 0 || WA32(1) > 3) return WASI_EINVAL;
  return shutdown(f->host, how[WA32(1)]) ? wasi_errno(errno) : 0;
}
