/*
** fd.c: the fd_* calls: reads and writes (suspending instead of
** blocking), seeking, stat, flags and rights, preopen names, readdir,
** renumber and close.
*/
#define _GNU_SOURCE
#include "wasi_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/uio.h>
#include <unistd.h>

static uint64_t fd_ts(struct timespec t) {
  return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

void wasi_filestat(uint8_t *p, const struct stat *st) {
  uint64_t v[8] = {(uint64_t)st->st_dev,   (uint64_t)st->st_ino,  0,
                   (uint64_t)st->st_nlink, (uint64_t)st->st_size, fd_ts(st->st_atim),
                   fd_ts(st->st_mtim),     fd_ts(st->st_ctim)};
  memcpy(p, v, sizeof v);
  memset(p + 16, 0, 8);
  p[16] = wasi_filetype(st->st_mode);
}

/* Gathers guest iovecs into host ones; sets *o_total. */
uint32_t wasi_iovs(wasi_env *e, uint32_t ptr, uint32_t n, struct iovec *iov, int *o_n,
                   uint64_t *o_total) {
  if (n > WASI_MAX_IOV) n = WASI_MAX_IOV;
  const uint8_t *v = wasi_ptr(e, ptr, (uint64_t)n * 8);
  if (!v) return WASI_EFAULT;
  uint64_t total = 0;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t buf = wasi_ld32(v + i * 8), len = wasi_ld32(v + i * 8 + 4);
    uint8_t *b = wasi_ptr(e, buf, len);
    if (!b) return WASI_EFAULT;
    iov[i] = (struct iovec){b, len};
    total += len;
  }
  *o_n = (int)n;
  *o_total = total;
  return 0;
}

/* Whether a read/write on f would block; then either EAGAIN (the guest
** asked for non-blocking) or a wait request. 0 when it can go ahead. */
static uint32_t fd_block(wasi_env *e, wasi_fd *f, bool write) {
  if (f->filetype == WASI_FT_REG || f->filetype == WASI_FT_DIR) return 0;
  if (wasi_ready(f->host, write)) return 0;
  if (f->fdflags & WASI_FDF_NONBLOCK) return WASI_EAGAIN;
  rusm_wasi_waitfd wf = {f->host, write};
  return wasi_wait(e, RUSM_WASI_WAIT_EVENTS, &wf, 1, UINT64_MAX);
}

static uint32_t fd_rw(wasi_env *e, const rusm_val *a, bool write, bool positional) {
  wasi_fd *f;
  uint64_t need = write ? WASI_R_FD_WRITE : WASI_R_FD_READ;
  if (positional) need |= WASI_R_FD_SEEK;
  uint32_t err = wasi_fd_get(e->w, WA32(0), need, &f);
  if (err) return err;
  uint32_t out = positional ? WA32(4) : WA32(3);
  if (!wasi_ptr(e, out, 4)) return WASI_EFAULT;
  struct iovec iov[WASI_MAX_IOV];
  int n;
  uint64_t total;
  if ((err = wasi_iovs(e, WA32(1), WA32(2), iov, &n, &total))) return err;
  if (f->kind == WFD_NULL_IN || f->kind == WFD_NULL_OUT) {
    if ((f->kind == WFD_NULL_OUT) != write) return WASI_EBADF;
    if (total > UINT32_MAX) total = UINT32_MAX;
    wasi_put32(e, out, write ? (uint32_t)total : 0); /* discarded / end of file */
    return 0;
  }
  if (positional && (f->filetype == WASI_FT_CHAR || f->filetype == WASI_FT_UNKNOWN ||
                     f->filetype == WASI_FT_SOCK_STREAM))
    return WASI_ESPIPE;
  if (f->filetype == WASI_FT_DIR) return WASI_EISDIR;
  if (!positional && (err = fd_block(e, f, write))) return err;
  ssize_t r;
  do {
    if (positional) {
      off_t off = (off_t)WA64(3);
      if (WA64(3) > INT64_MAX) return WASI_EINVAL;
      r = write ? pwritev(f->host, iov, n, off) : preadv(f->host, iov, n, off);
    } else {
      r = write ? writev(f->host, iov, n) : readv(f->host, iov, n);
    }
  } while (r < 0 && errno == EINTR);
  if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && !positional &&
      !(f->fdflags & WASI_FDF_NONBLOCK)) {
    rusm_wasi_waitfd wf = {f->host, write};
    return wasi_wait(e, RUSM_WASI_WAIT_EVENTS, &wf, 1, UINT64_MAX);
  }
  if (r < 0) return wasi_errno(errno);
  wasi_put32(e, out, (uint32_t)r);
  return 0;
}

uint32_t wasi_h_fd_read(wasi_env *e, const rusm_val *a) {
  return fd_rw(e, a, false, false);
}
uint32_t wasi_h_fd_write(wasi_env *e, const rusm_val *a) {
  return fd_rw(e, a, true, false);
}
uint32_t wasi_h_fd_pread(wasi_env *e, const rusm_val *a) {
  return fd_rw(e, a, false, true);
}
uint32_t wasi_h_fd_pwrite(wasi_env *e, const rusm_val *a) {
  return fd_rw(e, a, true, true);
}

/* A host fd for calls that need one. */
static uint32_t fd_host(wasi_env *e, uint32_t fd, uint64_t rights, wasi_fd **o_f) {
  uint32_t err = wasi_fd_get(e->w, fd, rights, o_f);
  if (!err && (*o_f)->host < 0) err = WASI_EBADF;
  return err;
}

uint32_t wasi_h_fd_seek(wasi_env *e, const rusm_val *a) {
  wasi_fd *f;
  int64_t off = a[1].i64;
  uint32_t whence = WA32(2);
  uint64_t need = (off == 0 && whence == 1) ? WASI_R_FD_TELL : WASI_R_FD_SEEK;
  uint32_t err = fd_host(e, WA32(0), need, &f);
  if (err) return err;
  if (!wasi_ptr(e, WA32(3), 8)) return WASI_EFAULT;
  if (whence > 2) return WASI_EINVAL;
  if (f->filetype == WASI_FT_DIR) return WASI_EBADF;
  static const int how[3] = {SEEK_SET, SEEK_CUR, SEEK_END};
  off_t r = lseek(f->host, (off_t)off, how[whence]);
  if (r < 0) return wasi_errno(errno);
  wasi_put64(e, WA32(3), (uint64_t)r);
  return 0;
}

uint32_t wasi_h_fd_tell(wasi_env *e, const rusm_val *a) {
  wasi_fd *f;
  uint32_t err = fd_host(e, WA32(0), WASI_R_FD_TELL, &f);
  if (err) return err;
  if (!wasi_ptr(e, WA32(1), 8)) return WASI_EFAULT;
  off_t r = lseek(f->host, 0, SEEK_CUR);
  if (r < 0) return wasi_errno(errno);
  wasi_put64(e, WA32(1), (uint64_t)r);
  return 0;
}

uint32_t wasi_h_fd_close(wasi_env *e, const rusm_val *a) {
  wasi_fd *f;
  uint32_t err = wasi_fd_get(e->w, WA32(0), 0, &f);
  if (err) return err;
  wasi_fd_release(f);
  return 0;
}

static uint32_t fd_sync_common(wasi_env *e, const rusm_val *a, uint64_t right, bool data) {
  wasi_fd *f;
  uint32_t err = wasi_fd_get(e->w, WA32(0), right, &f);
  if (err) return err;
  if (f->host < 0) return WASI_EINVAL;
  int r = data ? fdatasync(f->host) : fsync(f->host);
  return r ? wasi_errno(errno) : 0;
}
uint32_t wasi_h_fd_datasync(wasi_env *e, const rusm_val *a) {
  return fd_sync_common(e, a, WASI_R_FD_DATASYNC, true);
}
uint32_t wasi_h_fd_sync(wasi_env *e, const rusm_val *a) {
  return fd_sync_common(e, a, WASI_R_FD_SYNC, false);
}

uint32_t wasi_h_fd_advise(wasi_env *e, const rusm_val *a) {
  wasi_fd *f;
  uint32_t err = fd_host(e, WA32(0), WASI_R_FD_ADVISE, &f);
  if (err) return err;
  static const int adv[6] = {POSIX_FADV_NORMAL,   POSIX_FADV_SEQUENTIAL, POSIX_FADV_RANDOM,
                             POSIX_FADV_WILLNEED, POSIX_FADV_DONTNEED,   POSIX_FADV_NOREUSE};
  if (WA32(3) > 5) return WASI_EINVAL;
  if (f->filetype == WASI_FT_DIR) return WASI_EBADF;
  int r = posix_fadvise(f->host, (off_t)WA64(1), (off_t)WA64(2), adv[WA32(3)]);
  return r ? wasi_errno(r) : 0;
}

uint32_t wasi_h_fd_allocate(wasi_env *e, const rusm_val *a) {
  wasi_fd *f;
  uint32_t err = fd_host(e, WA32(0), WASI_R_FD_ALLOCATE, &f);
  if (err) return err;
  if (f->filetype == WASI_FT_DIR) return WASI_EBADF;
  if (WA64(1) > INT64_MAX || WA64(2) > INT64_MAX || WA64(2) == 0) return WASI_EINVAL;
  int r = posix_fallocate(f->host, (off_t)WA64(1), (off_t)WA64(2));
  return r ? wasi_errno(r) : 0;
}

uint32_t wasi_h_fd_fdstat_get(wasi_env *e, const rusm_val *a) {
  wasi_fd *f;
  uint32_t err = wasi_fd_get(e->w, WA32(0), 0, &f);
  if (err) return err;
  uint8_t *p = wasi_ptr(e, WA32(1), 24);
  if (!p) return WASI_EFAULT;
  memset(p, 0, 24);
  p[0] = f->filetype;
  memcpy(p + 2, &f->fdflags, 2);
  memcpy(p + 8, &f->base, 8);
  memcpy(p + 16, &f->inheriting, 8);
  return 0;
}

uint32_t wasi_h_fd_fdstat_set_flags(wasi_env *e, const rusm_val *a) {
  wasi_fd *f;
  uint32_t err = wasi_fd_get(e->w, WA32(0), WASI_R_FD_FDSTAT_SET_FLAGS, &f);
  if (err) return err;
  uint32_t fl = WA32(1);
  if (fl & ~(uint32_t)(WASI_FDF_APPEND | WASI_FDF_NONBLOCK)) return WASI_ENOTSUP;
  if ((fl & WASI_FDF_APPEND) && f->read_only) return WASI_ENOTCAPABLE;
  /* Non-blocking is ours to emulate (EAGAIN instead of a wait); append is
  ** the host's, and only on fds we own (never on the embedder's stdio). */
  if (f->own && f->host >= 0 && ((fl ^ f->fdflags) & WASI_FDF_APPEND)) {
    int cur = fcntl(f->host, F_GETFL);
    if (cur < 0) return wasi_errno(errno);
    cur = (fl & WASI_FDF_APPEND) ? cur | O_APPEND : cur & ~O_APPEND;
    if (fcntl(f->host, F_SETFL, cur) != 0) return wasi_errno(errno);
  }
  f->fdflags = (uint16_t)fl;
  return 0;
}

uint32_t wasi_h_fd_fdstat_set_rights(wasi_env *e, const rusm_val *a) {
  wasi_fd *f;
  uint32_t err = wasi_fd_get(e->w, WA32(0), 0, &f);
  if (err) return err;
  if ((WA64(1) & ~f->base) || (WA64(2) & ~f->inheriting)) return WASI_ENOTCAPABLE;
  f->base = WA64(1);
  f->inheriting = WA64(2);
  return 0;
}

uint32_t wasi_h_fd_filestat_get(wasi_env *e, const rusm_val *a) {
  wasi_fd *f;
  uint32_t err = wasi_fd_get(e->w, WA32(0), WASI_R_FD_FILESTAT_GET, &f);
  if (err) return err;
  uint8_t *p = wasi_ptr(e, WA32(1), 64);
  if (!p) return WASI_EFAULT;
  struct stat st = {.st_mode = S_IFCHR};
  if (f->host >= 0 && fstat(f->host, &st) != 0) return wasi_errno(errno);
  wasi_filestat(p, &st);
  if (f->host >= 0 && f->filetype != WASI_FT_CHAR) p[16] = f->filetype;
  return 0;
}

uint32_t wasi_h_fd_filestat_set_size(wasi_env *e, const rusm_val *a) {
  wasi_fd *f;
  uint32_t err = fd_host(e, WA32(0), WASI_R_FD_FILESTAT_SET_SIZE, &f);
  if (err) return err;
  if (WA64(1) > INT64_MAX) return WASI_EINVAL;
  return ftruncate(f->host, (off_t)WA64(1)) ? wasi_errno(errno) : 0;
}

/* witx timestamps + fstflags -> utimensat times; false on a bad combination. */
static bool fd_times(uint64_t atim, uint64_t mtim, uint32_t fl, struct timespec t[2]) {
  if ((fl & WASI_FST_ATIM && fl & WASI_FST_ATIM_NOW) ||
      (fl & WASI_FST_MTIM && fl & WASI_FST_MTIM_NOW) || fl > 15)
    return false;
  uint64_t v[2] = {atim, mtim};
  for (int i = 0; i < 2; i++) {
    uint32_t set = i ? WASI_FST_MTIM : WASI_FST_ATIM,
             now = i ? WASI_FST_MTIM_NOW : WASI_FST_ATIM_NOW;
    if (fl & now)
      t[i] = (struct timespec){0, UTIME_NOW};
    else if (fl & set)
      t[i] = (struct timespec){(time_t)(v[i] / 1000000000ull), (long)(v[i] % 1000000000ull)};
    else
      t[i] = (struct timespec){0, UTIME_OMIT};
  }
  return true;
}

uint32_t wasi_h_fd_filestat_set_times(wasi_env *e, const rusm_val *a) {
  wasi_fd *f;
  uint32_t err = fd_host(e, WA32(0), WASI_R_FD_FILESTAT_SET_TIMES, &f);
  if (err) return err;
  struct timespec t[2];
  if (!fd_times(WA64(1), WA64(2), WA32(3), t)) return WASI_EINVAL;
  return futimens(f->host, t) ? wasi_errno(errno) : 0;
}

bool wasi_times(uint64_t atim, uint64_t mtim, uint32_t fl, struct timespec t[2]) {
  return fd_times(atim, mtim, fl, t);
}

uint32_t wasi_h_fd_prestat_get(wasi_env *e, const rusm_val *a) {
  wasi_fd *f;
  uint32_t err = wasi_fd_get(e->w, WA32(0), 0, &f);
  if (err) return err;
  if (!f->preopen) return WASI_EBADF;
  uint8_t *p = wasi_ptr(e, WA32(1), 8);
  if (!p) return WASI_EFAULT;
  memset(p, 0, 8); /* tag 0: a directory */
  uint32_t len = (uint32_t)strlen(f->preopen);
  memcpy(p + 4, &len, 4);
  return 0;
}

uint32_t wasi_h_fd_prestat_dir_name(wasi_env *e, const rusm_val *a) {
  wasi_fd *f;
  uint32_t err = wasi_fd_get(e->w, WA32(0), 0, &f);
  if (err) return err;
  if (!f->preopen) return WASI_EBADF;
  size_t len = strlen(f->preopen);
  if (WA32(2) < len) return WASI_ENAMETOOLONG;
  uint8_t *p = wasi_ptr(e, WA32(1), len);
  if (!p) return WASI_EFAULT;
  memcpy(p, f->preopen, len);
  return 0;
}

uint32_t wasi_h_fd_renumber(wasi_env *e, const rusm_val *a) {
  wasi_fd *from, *to;
  uint32_t err = wasi_fd_get(e->w, WA32(0), 0, &from);
  if (!err) err = wasi_fd_get(e->w, WA32(1), 0, &to);
  if (err) return err;
  if (from == to) return 0;
  wasi_fd_release(to);
  *to = *from;
  memset(from, 0, sizeof *from);
  from->host = -1;
  return 0;
}

/* ------------------------------------------------------------ readdir */

static uint8_t fd_dtype(int dirfd, const struct dirent *d) {
  switch (d->d_type) {
  case DT_DIR: return WASI_FT_DIR;
  case DT_REG: return WASI_FT_REG;
  case DT_LNK: return WASI_FT_SYMLINK;
  case DT_CHR: return WASI_FT_CHAR;
  case DT_BLK: return WASI_FT_BLOCK;
  case DT_SOCK: return WASI_FT_SOCK_STREAM;
  default: {
    struct stat st;
    return fstatat(dirfd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) ? WASI_FT_UNKNOWN
                                                               : wasi_filetype(st.st_mode);
  }
  }
}

/* Takes a fresh snapshot of the directory's entries. */
static uint32_t fd_snapshot(wasi_fd *f) {
  for (size_t i = 0; i < f->n_dir; i++) free(f->dir[i].name);
  free(f->dir);
  f->dir = NULL;
  f->n_dir = 0;
  int d = openat(f->host, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (d < 0) return wasi_errno(errno);
  DIR *dir = fdopendir(d);
  if (!dir) {
    close(d);
    return wasi_errno(errno);
  }
  size_t cap = 0;
  uint32_t err = 0;
  for (struct dirent *de; !err && (de = readdir(dir));) {
    if (f->n_dir == cap) {
      cap = cap ? cap * 2 : 16;
      wasi_dirent *t = realloc(f->dir, cap * sizeof *t);
      if (!t) {
        err = WASI_ENOMEM;
        break;
      }
      f->dir = t;
    }
    char *name = strdup(de->d_name);
    if (!name)
      err = WASI_ENOMEM;
    else
      f->dir[f->n_dir++] = (wasi_dirent){de->d_ino, fd_dtype(d, de), name};
  }
  closedir(dir);
  return err;
}

uint32_t wasi_h_fd_readdir(wasi_env *e, const rusm_val *a) {
  wasi_fd *f;
  uint32_t err = fd_host(e, WA32(0), WASI_R_FD_READDIR, &f);
  if (err) return err;
  if (f->filetype != WASI_FT_DIR) return WASI_ENOTDIR;
  uint32_t buf = WA32(1), cap = WA32(2);
  uint64_t cookie = WA64(3);
  uint8_t *out = wasi_ptr(e, buf, cap);
  if (!out || !wasi_ptr(e, WA32(4), 4)) return WASI_EFAULT;
  /* Cookie 0 rereads the directory; later cookies index that snapshot. */
  if ((cookie == 0 || !f->dir) && (err = fd_snapshot(f))) return err;
  uint32_t used = 0;
  for (uint64_t i = cookie; i < f->n_dir && used < cap; i++) {
    const wasi_dirent *d = &f->dir[i];
    uint32_t namlen = (uint32_t)strlen(d->name);
    uint8_t hdr[24] = {0};
    uint64_t next = i + 1;
    memcpy(hdr, &next, 8);
    memcpy(hdr + 8, &d->ino, 8);
    memcpy(hdr + 16, &namlen, 4);
    hdr[20] = d->type;
    uint32_t n = cap - used < 24 ? cap - used : 24;
    memcpy(out + used, hdr, n); /* a truncated last entry tells libc to grow its buffer */
    used += n;
    n = cap - used < namlen ? cap - used : namlen;
    memcpy(out + used, d->name, n);
    used += n;
  }
  wasi_put32(e, WA32(4), used);
  return 0;
}
