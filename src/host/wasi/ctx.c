/*
** ctx.c: a guest's WASI state: construction from caps + argv, the fd
** table, host errno mapping, readiness checks and wait requests.
*/
#define _GNU_SOURCE
#include "wasi_int.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

uint32_t wasi_errno(int e) {
  switch (e) {
  case 0: return WASI_ESUCCESS;
#define X(n, v)                                                                                    \
  case E##n: return WASI_E##n;
    WASI_POSIX_ERRNOS(X)
#undef X
  default: return WASI_EIO;
  }
}

uint8_t wasi_filetype(mode_t m) {
  switch (m & S_IFMT) {
  case S_IFBLK: return WASI_FT_BLOCK;
  case S_IFCHR: return WASI_FT_CHAR;
  case S_IFDIR: return WASI_FT_DIR;
  case S_IFREG: return WASI_FT_REG;
  case S_IFSOCK: return WASI_FT_SOCK_STREAM;
  case S_IFLNK: return WASI_FT_SYMLINK;
  default: return WASI_FT_UNKNOWN; /* FIFOs have no witx type */
  }
}

uint64_t wasi_now_ns(int clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int wasi_ready(int fd, bool write) {
  struct pollfd p = {.fd = fd, .events = write ? POLLOUT : POLLIN};
  int r = poll(&p, 1, 0);
  return r != 0; /* an error counts as ready: the real call reports it */
}

uint32_t wasi_fd_get(rusm_wasi *w, uint32_t fd, uint64_t rights, wasi_fd **o_f) {
  if (fd >= w->n_fds || w->fds[fd].kind == WFD_FREE) return WASI_EBADF;
  wasi_fd *f = &w->fds[fd];
  if ((f->base & rights) != rights) return WASI_ENOTCAPABLE;
  *o_f = f;
  return 0;
}

int64_t wasi_fd_alloc(rusm_wasi *w) {
  for (uint32_t i = 0; i < w->n_fds; i++)
    if (w->fds[i].kind == WFD_FREE) return i;
  if (w->n_fds >= (1u << 20)) return -1; /* a sane cap on guest fds */
  uint32_t n = w->n_fds ? w->n_fds * 2 : 8;
  wasi_fd *t = realloc(w->fds, n * sizeof *t);
  if (!t) return -1;
  memset(t + w->n_fds, 0, (n - w->n_fds) * sizeof *t);
  for (uint32_t i = w->n_fds; i < n; i++) t[i].host = -1;
  w->fds = t;
  uint32_t first = w->n_fds;
  w->n_fds = n;
  return first;
}

void wasi_fd_release(wasi_fd *f) {
  if (f->own && f->host >= 0) close(f->host);
  for (size_t i = 0; i < f->n_dir; i++) free(f->dir[i].name);
  free(f->dir);
  free(f->preopen);
  memset(f, 0, sizeof *f);
  f->host = -1;
}

uint32_t wasi_wait(wasi_env *e, rusm_wasi_wait_kind kind, const rusm_wasi_waitfd *fds, size_t n,
                   uint64_t deadline_ns) {
  wasi_pending *p = &e->w->pending;
  if (n > p->fds_cap) {
    rusm_wasi_waitfd *t = realloc(p->fds, n * sizeof *t);
    if (!t) return WASI_ENOMEM;
    p->fds = t;
    p->fds_cap = n;
  }
  if (n) memcpy(p->fds, fds, n * sizeof *fds);
  p->wait = (rusm_wasi_wait){kind, n, p->fds, deadline_ns};
  return WASI_SUSPEND;
}

/* ------------------------------------------------------------ lifetime */

__attribute__((format(printf, 3, 4))) static bool ctx_fail(char *err, size_t cap, const char *fmt,
                                                           ...) {
  if (err && cap) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, cap, fmt, ap);
    va_end(ap);
  }
  return false;
}

static bool ctx_stdio(rusm_wasi *w, const rusm_caps *caps, const rusm_wasi_options *opt) {
  bool granted = rusm_caps_has(caps, RUSM_CAP_STDIO);
  int given[3] = {opt ? opt->stdin_fd : -1, opt ? opt->stdout_fd : -1, opt ? opt->stderr_fd : -1};
  for (int i = 0; i < 3; i++) {
    if (wasi_fd_alloc(w) != i) return false;
    wasi_fd *f = &w->fds[i];
    f->filetype = WASI_FT_CHAR;
    /* No seek/tell: libc then treats the stream as a terminal-like device. */
    f->base = WASI_R_ALL & ~(uint64_t)(WASI_R_FD_SEEK | WASI_R_FD_TELL);
    if (!granted) {
      f->kind = i == 0 ? WFD_NULL_IN : WFD_NULL_OUT;
      continue;
    }
    f->kind = WFD_HOST;
    f->host = given[i] >= 0 ? given[i] : i;
    struct stat st;
    if (fstat(f->host, &st) == 0) {
      f->filetype = wasi_filetype(st.st_mode);
      if (S_ISREG(st.st_mode)) f->base = WASI_R_ALL;
    }
  }
  return true;
}

/* Preopened listening sockets (after the directories), as wasmtime's
** --tcplisten: the guest accepts on them with sock_accept. */
static bool ctx_sockets(rusm_wasi *w, const rusm_caps *caps, const rusm_wasi_options *opt,
                        char *err, size_t cap) {
  if (!rusm_caps_has(caps, RUSM_CAP_NETWORK))
    return ctx_fail(err, cap, "a preopened socket needs the network capability");
  for (size_t i = 0; i < opt->n_sockets; i++) {
    int fd = fcntl(opt->sockets[i], F_DUPFD_CLOEXEC, 0);
    if (fd < 0)
      return ctx_fail(err, cap, "preopened socket %d: %s", opt->sockets[i], strerror(errno));
    int64_t slot = wasi_fd_alloc(w);
    if (slot < 0) {
      close(fd);
      return ctx_fail(err, cap, "out of memory");
    }
    w->fds[slot] = (wasi_fd){.kind = WFD_HOST,
                             .filetype = WASI_FT_SOCK_STREAM,
                             .own = true,
                             .host = fd,
                             .base = WASI_R_SOCK_ACCEPT | WASI_R_POLL_FD_READWRITE |
                                     WASI_R_FD_FDSTAT_SET_FLAGS | WASI_R_FD_FILESTAT_GET};
  }
  return true;
}

static bool ctx_preopens(rusm_wasi *w, const rusm_caps *caps, char *err, size_t cap) {
  for (size_t i = 0; i < rusm_caps_preopen_count(caps); i++) {
    const char *host, *guest;
    bool ro;
    rusm_caps_preopen_at(caps, i, &host, &guest, &ro);
    int fd = open(host, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
      return ctx_fail(err, cap, "preopen %s: host directory %s: %s", guest, host, strerror(errno));
    int64_t slot = wasi_fd_alloc(w);
    char *name = strdup(guest);
    if (slot < 0 || !name) {
      close(fd);
      free(name);
      return ctx_fail(err, cap, "preopen %s: out of memory", guest);
    }
    wasi_fd *f = &w->fds[slot];
    uint64_t r = ro ? WASI_R_ALL & ~WASI_R_MUTATE : WASI_R_ALL;
    *f = (wasi_fd){.kind = WFD_HOST,
                   .filetype = WASI_FT_DIR,
                   .own = true,
                   .read_only = ro,
                   .host = fd,
                   .base = r & ~WASI_R_DIR_NEVER, /* a directory fd cannot seek */
                   .inheriting = r,
                   .preopen = name};
  }
  return true;
}

static char *ctx_join(const char *k, const char *v) {
  size_t a = strlen(k), b = strlen(v);
  char *s = malloc(a + b + 2);
  if (!s) return NULL;
  memcpy(s, k, a);
  s[a] = '=';
  memcpy(s + a + 1, v, b + 1);
  return s;
}

rusm_wasi *rusm_wasi_new(const rusm_caps *caps, int argc, const char *const *argv,
                         const rusm_wasi_options *opt, char *err, size_t err_cap) {
  if (err && err_cap) err[0] = 0;
  if (!caps || !rusm_caps_ok(caps)) {
    ctx_fail(err, err_cap, "invalid capabilities (a builder call failed)");
    return NULL;
  }
  rusm_wasi *w = calloc(1, sizeof *w);
  if (!w) {
    ctx_fail(err, err_cap, "out of memory");
    return NULL;
  }
  w->has_net = rusm_caps_has(caps, RUSM_CAP_NETWORK);
  size_t n_args = argc > 0 ? (size_t)argc : 0;
  w->argv = calloc(n_args + 1, sizeof *w->argv);
  w->envc = rusm_caps_env_count(caps);
  w->env = calloc(w->envc + 1, sizeof *w->env);
  bool ok = w->argv && w->env;
  for (size_t i = 0; ok && i < n_args; i++) {
    ok = (w->argv[i] = strdup(argv[i] ? argv[i] : "")) != NULL;
    if (ok) w->argv_bytes += strlen(w->argv[i]) + 1, w->argc++;
  }
  for (size_t i = 0; ok && i < w->envc; i++) {
    const char *k, *v;
    rusm_caps_env_at(caps, i, &k, &v);
    ok = (w->env[i] = ctx_join(k, v)) != NULL;
    if (ok) w->env_bytes += strlen(w->env[i]) + 1;
  }
  if (!ok) ctx_fail(err, err_cap, "out of memory");
  if (ok && !ctx_stdio(w, caps, opt)) {
    ctx_fail(err, err_cap, "out of memory");
    ok = false;
  }
  if (ok) ok = ctx_preopens(w, caps, err, err_cap);
  if (ok && opt && opt->n_sockets) ok = ctx_sockets(w, caps, opt, err, err_cap);
  if (!ok) {
    rusm_wasi_free(w);
    return NULL;
  }
  return w;
}

void rusm_wasi_free(rusm_wasi *w) {
  if (!w) return;
  for (size_t i = 0; w->argv && w->argv[i]; i++) free(w->argv[i]);
  for (size_t i = 0; w->env && i < w->envc; i++) free(w->env[i]);
  free(w->argv);
  free(w->env);
  for (uint32_t i = 0; i < w->n_fds; i++) wasi_fd_release(&w->fds[i]);
  free(w->fds);
  free(w->pending.fds);
  free(w);
}

bool rusm_wasi_exited(const rusm_wasi *w, uint32_t *o_code) {
  if (w->exited && o_code) *o_code = w->exit_code;
  return w->exited;
}

const rusm_wasi_wait *rusm_wasi_pending(const rusm_wasi *w) {
  return w->pending.active ? &w->pending.wait : NULL;
}
