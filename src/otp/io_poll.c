/*
** io_poll.c: the runtime's epoll poller (fd readiness for processes).
**
** One epoll instance and one thread per runtime, started on first use. A
** process that must wait for an fd records a waiter (its pid and the events
** it wants) in a table indexed by fd and parks; the poller thread blocks
** in epoll_wait, and when an fd fires it marks the matching waiters, drops
** them from the table and wakes their processes through the scheduler's
** ordinary wake-up (otp_wake), so a parked process holds no thread.
**
** Registrations are level-triggered and one-shot: arming after EAGAIN can
** never miss data that arrived in between (the level is still there), and a
** fired fd stays quiet until someone waits on it again, so an fd nobody
** waits for costs nothing. Several processes may wait on one fd (a reader
** and a writer): the registration asks for the union of their events and is
** re-armed for whoever is left after a firing.
**
** Native waiters own their waiter record (it lives on the heap, never on
** the fiber stack, whose frames move while parked) and free it after they
** wake. Resumable bodies arm and return; their record (one per process and
** fd, found through the process's own short list) is freed by whoever drops
** it: the poller when it fires, rusm_fd_forget, or the process's exit, so a
** stale arm costs at most one spurious wake-up and the dead leave nothing.
** The union of events an fd needs is kept as counts, so arming is O(1) in
** the number of processes waiting on the same fd (a shared stdin).
*/
#include "io_int.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "rusm/net.h"

#define IO_STOP_KEY UINT64_MAX
#define IO_BATCH 256

typedef struct io_waiter {
  struct io_waiter *next, **pprev; /* the fd's list */
  struct io_waiter *pnext;         /* the owner's list of armed waits (resumable only) */
  otp_proc *owner;                 /* resumable only */
  rusm_pid pid;
  uint32_t events;  /* RUSM_FD_* wanted */
  uint32_t revents; /* RUSM_FD_* seen, once fired */
  int fd;
  bool fired;
  bool autofree; /* a resumable arm: freed by whoever unlinks it */
} io_waiter;

typedef struct io_fd {
  io_waiter *w;
  uint32_t n_read, n_write; /* waiters wanting each event: the registration's union */
  bool in_ep;               /* registered with epoll (possibly disabled by ONESHOT) */
} io_fd;

/* The table is a directory of fixed chunks, so an entry never moves (the
** waiters' pprev point into it). */
#define IO_CHUNK_BITS 10
#define IO_CHUNK (1u << IO_CHUNK_BITS)

typedef struct otp_io {
  rusm_rt *rt;
  pthread_mutex_t mu; /* the table, the armed lists, every waiter's fired/revents */
  int ep, evfd;
  pthread_t thread;
  _Atomic bool stop;
  io_fd **dir;
  size_t n_chunks;
} otp_io;

static pthread_mutex_t start_mu = PTHREAD_MUTEX_INITIALIZER;

static uint32_t to_epoll(uint32_t ev) {
  uint32_t e = 0;
  if (ev & RUSM_FD_READ) e |= EPOLLIN | EPOLLRDHUP;
  if (ev & RUSM_FD_WRITE) e |= EPOLLOUT;
  return e;
}

static uint32_t from_epoll(uint32_t e) {
  uint32_t ev = 0;
  if (e & (EPOLLIN | EPOLLRDHUP | EPOLLPRI)) ev |= RUSM_FD_READ;
  if (e & EPOLLOUT) ev |= RUSM_FD_WRITE;
  if (e & (EPOLLERR | EPOLLHUP)) ev |= RUSM_FD_ERROR;
  return ev;
}

static uint32_t from_poll(short e) {
  uint32_t ev = 0;
  if (e & (POLLIN | POLLRDHUP | POLLPRI)) ev |= RUSM_FD_READ;
  if (e & POLLOUT) ev |= RUSM_FD_WRITE;
  if (e & (POLLERR | POLLHUP | POLLNVAL)) ev |= RUSM_FD_ERROR;
  return ev;
}

/* ------------------------------------------------------------ wake lists */

typedef struct pidvec {
  rusm_pid *v;
  size_t n, cap;
} pidvec;

static void pidvec_push(pidvec *pv, rusm_pid pid) {
  if (pv->n == pv->cap) {
    size_t cap = pv->cap ? pv->cap * 2 : 64;
    rusm_pid *v = realloc(pv->v, cap * sizeof *v);
    if (!v) return; /* that waiter's own timeout or kill still ends its wait */
    pv->v = v;
    pv->cap = cap;
  }
  pv->v[pv->n++] = pid;
}

static void pidvec_wake(rusm_rt *rt, pidvec *pv) {
  for (size_t i = 0; i < pv->n; i++) otp_io_wake_pid(rt, pv->v[i]);
  pv->n = 0;
}

/* ------------------------------------------------------------- the table */

/* fd's entry; with create, chunks are added as needed (NULL on OOM). */
static io_fd *fd_ent(otp_io *io, int fd, bool create) {
  size_t c = (size_t)fd >> IO_CHUNK_BITS;
  if (c >= io->n_chunks) {
    if (!create) return NULL;
    size_t n = io->n_chunks ? io->n_chunks : 4;
    while (n <= c) n *= 2;
    io_fd **d = realloc(io->dir, n * sizeof *d);
    if (!d) return NULL;
    memset(d + io->n_chunks, 0, (n - io->n_chunks) * sizeof *d);
    io->dir = d;
    io->n_chunks = n;
  }
  if (!io->dir[c]) {
    if (!create) return NULL;
    io->dir[c] = calloc(IO_CHUNK, sizeof(io_fd));
    if (!io->dir[c]) return NULL;
  }
  return &io->dir[c][(size_t)fd & (IO_CHUNK - 1)];
}

static void count(io_fd *e, uint32_t events, int d) {
  if (events & RUSM_FD_READ) e->n_read += (uint32_t)d;
  if (events & RUSM_FD_WRITE) e->n_write += (uint32_t)d;
}

static void fd_link(io_fd *e, io_waiter *w) {
  w->next = e->w;
  if (w->next) w->next->pprev = &w->next;
  w->pprev = &e->w;
  e->w = w;
  count(e, w->events, 1);
}

static void fd_unlink(io_fd *e, io_waiter *w) {
  *w->pprev = w->next;
  if (w->next) w->next->pprev = w->pprev;
  w->next = NULL;
  w->pprev = NULL;
  count(e, w->events, -1);
}

static void armed_link(io_waiter *w) {
  w->pnext = atomic_load_explicit(&w->owner->io_armed, memory_order_relaxed);
  atomic_store_explicit(&w->owner->io_armed, w, memory_order_relaxed);
}

static void armed_unlink(io_waiter *w) {
  io_waiter *h = atomic_load_explicit(&w->owner->io_armed, memory_order_relaxed);
  if (h == w) {
    atomic_store_explicit(&w->owner->io_armed, w->pnext, memory_order_relaxed);
    return;
  }
  for (; h; h = h->pnext)
    if (h->pnext == w) {
      h->pnext = w->pnext;
      return;
    }
}

/* Takes w off fd's list for good: its process is woken with revents. */
static void drop(io_fd *e, io_waiter *w, uint32_t revents, pidvec *wake) {
  fd_unlink(e, w);
  if (wake) pidvec_push(wake, w->pid);
  if (w->autofree) {
    armed_unlink(w);
    free(w);
  } else {
    w->revents = revents;
    w->fired = true;
  }
}

/* Registers fd for the union of its waiters' events. Under mu. */
static int rearm(otp_io *io, int fd, io_fd *e) {
  uint32_t want = (e->n_read ? RUSM_FD_READ : 0) | (e->n_write ? RUSM_FD_WRITE : 0);
  if (!want) return 0; /* ONESHOT already disabled it */
  struct epoll_event ev = {.events = to_epoll(want) | EPOLLONESHOT, .data.u64 = (uint64_t)fd};
  int op = e->in_ep ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
  if (epoll_ctl(io->ep, op, fd, &ev) != 0) {
    /* the fd was closed and its number reused behind our back, or added
    ** by a racing path: try the other operation once */
    if (errno != ENOENT && errno != EEXIST) return -errno;
    op = op == EPOLL_CTL_MOD ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
    if (epoll_ctl(io->ep, op, fd, &ev) != 0) return -errno;
  }
  e->in_ep = true;
  return 0;
}

/* Adds a waiter for pid on fd. A resumable arm merges into the process's
** existing record for that fd (found on its own short list). 0, or -errno
** (-EPERM: epoll cannot watch this fd). Takes w if it is autofree. */
static int arm(otp_io *io, io_waiter *w) {
  pthread_mutex_lock(&io->mu);
  int rc = -ENOMEM;
  io_fd *e = fd_ent(io, w->fd, true);
  if (e) {
    io_waiter *same = NULL;
    if (w->autofree)
      for (same = atomic_load_explicit(&w->owner->io_armed, memory_order_relaxed); same;
           same = same->pnext)
        if (same->fd == w->fd) break;
    if (same) {
      count(e, same->events, -1);
      same->events |= w->events;
      count(e, same->events, 1);
      free(w);
      w = same;
    } else {
      fd_link(e, w);
      if (w->autofree) armed_link(w);
    }
    rc = rearm(io, w->fd, e);
    if (rc != 0) drop(e, w, RUSM_FD_ERROR, NULL);
  } else if (w->autofree) {
    free(w);
  }
  pthread_mutex_unlock(&io->mu);
  return rc;
}

/* fd fired with revents: take the matching waiters, re-arm for the rest.
** Under mu. */
static void fire(otp_io *io, int fd, uint32_t revents, pidvec *wake) {
  io_fd *e = fd_ent(io, fd, false);
  if (!e) return;
  for (io_waiter *w = e->w, *nx; w; w = nx) {
    nx = w->next;
    uint32_t got = revents & (w->events | RUSM_FD_ERROR);
    if (got) drop(e, w, got, wake);
  }
  if (e->w && rearm(io, fd, e) != 0) /* cannot watch it any more: tell the rest */
    while (e->w) drop(e, e->w, RUSM_FD_ERROR, wake);
}

void otp_io_proc_exit(otp_proc *p) {
  if (!atomic_load_explicit(&p->io_armed, memory_order_relaxed)) return;
  otp_io *io = atomic_load_explicit(&p->rt->io, memory_order_acquire);
  if (!io) return;
  pthread_mutex_lock(&io->mu);
  io_waiter *w;
  while ((w = atomic_load_explicit(&p->io_armed, memory_order_relaxed)))
    drop(fd_ent(io, w->fd, false), w, 0, NULL);
  pthread_mutex_unlock(&io->mu);
}

/* ------------------------------------------------------------ the thread */

static int harvest(otp_io *io, int timeout_ms, pidvec *wake);

static void *poll_main(void *arg) {
  otp_io *io = arg;
  pidvec wake = {0};
  while (!atomic_load_explicit(&io->stop, memory_order_acquire))
    if (harvest(io, -1, &wake) < 0 && errno != EINTR) break; /* EBADF: torn down */
  free(wake.v);
  return NULL;
}

/* Waits up to timeout_ms for ready events, takes up to IO_BATCH of them
** and wakes their processes; returns how many fd events were handled, or
** -1 with errno. */
static int harvest(otp_io *io, int timeout_ms, pidvec *wake) {
  struct epoll_event evs[IO_BATCH];
  int n = epoll_wait(io->ep, evs, IO_BATCH, timeout_ms);
  if (n <= 0) return n;
  int handled = 0;
  pthread_mutex_lock(&io->mu);
  for (int i = 0; i < n; i++) {
    if (evs[i].data.u64 == IO_STOP_KEY) continue;
    fire(io, (int)evs[i].data.u64, from_epoll(evs[i].events), wake);
    handled++;
  }
  pthread_mutex_unlock(&io->mu);
  pidvec_wake(io->rt, wake);
  return handled;
}

static otp_io *io_start(rusm_rt *rt) {
  otp_io *io = calloc(1, sizeof *io);
  if (!io) return NULL;
  io->rt = rt;
  io->ep = epoll_create1(EPOLL_CLOEXEC);
  io->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (io->ep < 0 || io->evfd < 0) goto fail;
  struct epoll_event ev = {.events = EPOLLIN, .data.u64 = IO_STOP_KEY};
  if (epoll_ctl(io->ep, EPOLL_CTL_ADD, io->evfd, &ev) != 0) goto fail;
  pthread_mutex_init(&io->mu, NULL);
  atomic_init(&io->stop, false);
  if (pthread_create(&io->thread, NULL, poll_main, io) != 0) {
    pthread_mutex_destroy(&io->mu);
    goto fail;
  }
  return io;
fail:
  if (io->ep >= 0) close(io->ep);
  if (io->evfd >= 0) close(io->evfd);
  free(io);
  return NULL;
}

static otp_io *io_get(rusm_rt *rt) {
  otp_io *io = atomic_load_explicit(&rt->io, memory_order_acquire);
  if (io) return io;
  pthread_mutex_lock(&start_mu);
  io = atomic_load_explicit(&rt->io, memory_order_acquire);
  if (!io) {
    io = io_start(rt);
    if (io) atomic_store_explicit(&rt->io, io, memory_order_release);
  }
  pthread_mutex_unlock(&start_mu);
  return io;
}

void otp_io_fini(rusm_rt *rt) {
  otp_io *io = atomic_exchange(&rt->io, NULL);
  if (!io) return;
  atomic_store_explicit(&io->stop, true, memory_order_release);
  uint64_t one = 1;
  if (write(io->evfd, &one, sizeof one) < 0) { /* cannot fail on a fresh eventfd */
  }
  pthread_join(io->thread, NULL);
  /* no waiter is left: every process has exited, and a native one unlinks
  ** its own record before it returns, a resumable one's go at its exit */
  for (size_t c = 0; c < io->n_chunks; c++) free(io->dir[c]);
  free(io->dir);
  close(io->ep);
  close(io->evfd);
  pthread_mutex_destroy(&io->mu);
  free(io);
}

/* ----------------------------------------------------------------- API */

static uint32_t poll_now(int fd, uint32_t events) {
  struct pollfd pf = {.fd = fd, .events = 0};
  if (events & RUSM_FD_READ) pf.events |= POLLIN | POLLRDHUP;
  if (events & RUSM_FD_WRITE) pf.events |= POLLOUT;
  if (poll(&pf, 1, 0) <= 0) return 0;
  return from_poll(pf.revents) & (events | RUSM_FD_ERROR);
}

static bool killed(otp_proc *p) {
  return atomic_load_explicit(&p->flags, memory_order_acquire) & OTP_F_KILLED;
}

uint32_t rusm_fd_wait(rusm_ctx *ctx, int fd, uint32_t events, int64_t timeout_us) {
  otp_proc *p = (otp_proc *)ctx;
  if (fd < 0) return RUSM_FD_ERROR;
  if (killed(p)) return 0;
  events &= RUSM_FD_READ | RUSM_FD_WRITE;
  if (timeout_us == 0 || !otp_io_can_park(p)) return poll_now(fd, events);
  otp_io *io = io_get(p->rt);
  io_waiter *w = calloc(1, sizeof *w);
  if (!io || !w) {
    free(w);
    return poll_now(fd, events);
  }
  w->pid = otp_pid(p);
  w->events = events;
  w->fd = fd;
  int rc = arm(io, w);
  if (rc == -EPERM) { /* a regular file: always ready */
    free(w);
    return events;
  }
  if (rc != 0) {
    free(w);
    return RUSM_FD_ERROR;
  }
  uint64_t deadline = 0;
  if (timeout_us > 0) {
    deadline = rusm_now_ns() + (uint64_t)timeout_us * 1000u;
    otp_timer_arm_wait(p->rt, p, deadline);
  }
  uint32_t got = 0;
  for (;;) {
    otp_fiber_park(p, OTP_PARK_WAIT);
    pthread_mutex_lock(&io->mu);
    bool fired = w->fired;
    pthread_mutex_unlock(&io->mu);
    if (fired || killed(p)) break;
    if (deadline && rusm_now_ns() >= deadline) break;
  }
  if (deadline) otp_timer_disarm_wait(p->rt, p);
  pthread_mutex_lock(&io->mu);
  if (w->fired)
    got = w->revents;
  else
    fd_unlink(fd_ent(io, w->fd, false), w);
  pthread_mutex_unlock(&io->mu);
  free(w);
  return got;
}

void rusm_wait_fd(rusm_ctx *ctx, int fd, uint32_t events) {
  otp_proc *p = (otp_proc *)ctx;
  otp_io *io = fd >= 0 ? io_get(p->rt) : NULL;
  io_waiter *w = io ? calloc(1, sizeof *w) : NULL;
  if (!w) {
    otp_wake(p); /* cannot watch: resume at once and let the body retry */
    return;
  }
  w->pid = otp_pid(p);
  w->events = events & (RUSM_FD_READ | RUSM_FD_WRITE);
  w->fd = fd;
  w->autofree = true;
  w->owner = p;
  if (arm(io, w) != 0) otp_wake(p); /* -EPERM (always ready) or an error */
}

void rusm_fd_forget(rusm_rt *rt, int fd) {
  otp_io *io = atomic_load_explicit(&rt->io, memory_order_acquire);
  if (!io || fd < 0) return;
  pidvec wake = {0};
  pthread_mutex_lock(&io->mu);
  io_fd *e = fd_ent(io, fd, false);
  if (e) {
    while (e->w) drop(e, e->w, RUSM_FD_ERROR, &wake);
    if (e->in_ep) epoll_ctl(io->ep, EPOLL_CTL_DEL, fd, NULL);
    e->in_ep = false;
  }
  pthread_mutex_unlock(&io->mu);
  pidvec_wake(rt, &wake);
  free(wake.v);
}
