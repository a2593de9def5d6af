/*
** path.c: the path_* calls. Each resolves its path beneath the directory
** fd with wasi_resolve (confine.c) and then acts on one component with a
** *at() call that does not follow symlinks. Rights decide what a
** directory allows; a read-only preopen lacks every mutating right, so its
** tree refuses writes, creation, removal, renames and links (NOTCAPABLE).
*/
#define _GNU_SOURCE
#include "wasi_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

typedef struct path_at {
  int parent; /* -1 when not open */
  char leaf[NAME_MAX + 1];
  bool trailing;
  wasi_fd *dir;
} path_at;

/* Checks the directory fd's rights, copies the guest path, resolves it. */
static uint32_t path_begin(wasi_env *e, uint32_t fd, uint64_t rights, uint32_t ptr, uint32_t len,
                           bool follow, path_at *o) {
  o->parent = -1;
  uint32_t err = wasi_fd_get(e->w, fd, rights, &o->dir);
  if (err) return err;
  if (o->dir->filetype != WASI_FT_DIR || o->dir->host < 0) return WASI_ENOTDIR;
  char *path;
  if ((err = wasi_path_arg(e, ptr, len, &path))) return err;
  err = wasi_resolve(o->dir->host, path, follow, &o->parent, o->leaf, &o->trailing);
  free(path);
  return err;
}

static uint32_t path_fail(path_at *p, uint32_t err) {
  if (p->parent >= 0) close(p->parent);
  return err;
}

/* Closes the parent and maps a host call's result (r < 0: errno). */
static uint32_t path_end(path_at *p, int r) {
  uint32_t err = r < 0 ? wasi_errno(errno) : 0;
  if (p->parent >= 0) close(p->parent);
  return err;
}

uint32_t wasi_h_path_create_directory(wasi_env *e, const rusm_val *a) {
  path_at p;
  uint32_t err = path_begin(e, WA32(0), WASI_R_PATH_CREATE_DIRECTORY, WA32(1), WA32(2), false, &p);
  if (err) return path_fail(&p, err);
  return path_end(&p, mkdirat(p.parent, p.leaf, 0777));
}

uint32_t wasi_h_path_filestat_get(wasi_env *e, const rusm_val *a) {
  path_at p;
  uint8_t *out = wasi_ptr(e, WA32(4), 64);
  if (!out) return WASI_EFAULT;
  uint32_t err = path_begin(e, WA32(0), WASI_R_PATH_FILESTAT_GET, WA32(2), WA32(3),
                            WA32(1) & WASI_LOOKUP_FOLLOW, &p);
  if (err) return path_fail(&p, err);
  struct stat st;
  int r = fstatat(p.parent, p.leaf, &st, AT_SYMLINK_NOFOLLOW);
  if (r == 0 && p.trailing && !S_ISDIR(st.st_mode)) {
    errno = ENOTDIR;
    r = -1;
  }
  if (r == 0) wasi_filestat(out, &st);
  return path_end(&p, r);
}

uint32_t wasi_h_path_filestat_set_times(wasi_env *e, const rusm_val *a) {
  struct timespec t[2];
  if (!wasi_times(WA64(4), WA64(5), WA32(6), t)) return WASI_EINVAL;
  path_at p;
  uint32_t err = path_begin(e, WA32(0), WASI_R_PATH_FILESTAT_SET_TIMES, WA32(2), WA32(3),
                            WA32(1) & WASI_LOOKUP_FOLLOW, &p);
  if (err) return path_fail(&p, err);
  return path_end(&p, utimensat(p.parent, p.leaf, t, AT_SYMLINK_NOFOLLOW));
}

uint32_t wasi_h_path_link(wasi_env *e, const rusm_val *a) {
  path_at from, to = {.parent = -1};
  uint32_t err = path_begin(e, WA32(0), WASI_R_PATH_LINK_SOURCE, WA32(2), WA32(3),
                            WA32(1) & WASI_LOOKUP_FOLLOW, &from);
  if (!err) err = path_begin(e, WA32(4), WASI_R_PATH_LINK_TARGET, WA32(5), WA32(6), false, &to);
  int r = 0;
  if (!err && to.trailing) err = WASI_ENOENT;
  if (!err) r = linkat(from.parent, from.leaf, to.parent, to.leaf, 0);
  if (!err && r < 0) err = wasi_errno(errno);
  path_end(&from, 0);
  path_end(&to, 0);
  return err;
}

/* Host open flags for the rights and flags asked for. */
static int path_oflags(uint64_t base, uint32_t oflags, uint32_t fdflags) {
  bool rd = base & (WASI_R_FD_READ | WASI_R_FD_READDIR);
  bool wr = base & (WASI_R_FD_WRITE | WASI_R_FD_DATASYNC | WASI_R_FD_ALLOCATE |
                    WASI_R_FD_FILESTAT_SET_SIZE);
  int fl = wr ? (rd ? O_RDWR : O_WRONLY) : O_RDONLY;
  if (oflags & WASI_O_CREAT) fl |= O_CREAT;
  if (oflags & WASI_O_DIRECTORY) fl |= O_DIRECTORY;
  if (oflags & WASI_O_EXCL) fl |= O_EXCL;
  if (oflags & WASI_O_TRUNC) fl |= O_TRUNC;
  if (fdflags & WASI_FDF_APPEND) fl |= O_APPEND;
  if (fdflags & WASI_FDF_DSYNC) fl |= O_DSYNC;
  if (fdflags & WASI_FDF_SYNC) fl |= O_SYNC;
  if (fdflags & WASI_FDF_RSYNC) fl |= O_RSYNC;
  /* O_NONBLOCK: opening a FIFO must not block the thread either; the
  ** guest's own non-blocking flag is kept apart (wasi_fd.fdflags). */
  return fl | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
}

uint32_t wasi_h_path_open(wasi_env *e, const rusm_val *a) {
  uint32_t oflags = WA32(4), fdflags = WA32(7), out = WA32(8);
  uint64_t base = WA64(5), inh = WA64(6);
  if (!wasi_ptr(e, out, 4)) return WASI_EFAULT;
  uint64_t need = WASI_R_PATH_OPEN;
  if (oflags & WASI_O_CREAT) need |= WASI_R_PATH_CREATE_FILE;
  if (oflags & WASI_O_TRUNC) need |= WASI_R_PATH_FILESTAT_SET_SIZE;
  path_at p;
  uint32_t err = wasi_fd_get(e->w, WA32(0), need, &p.dir);
  if (err) return err;
  /* What the new fd may do is bounded by what the directory hands down. */
  if ((base & ~p.dir->inheriting) || (inh & ~p.dir->inheriting)) return WASI_ENOTCAPABLE;
  if ((fdflags & WASI_FDF_APPEND) && p.dir->read_only) return WASI_ENOTCAPABLE;
  if (oflags & ~15u) return WASI_EINVAL;
  err = path_begin(e, WA32(0), need, WA32(2), WA32(3), WA32(1) & WASI_LOOKUP_FOLLOW, &p);
  if (err) return path_fail(&p, err);
  if (p.trailing && (oflags & WASI_O_CREAT)) return path_fail(&p, WASI_EISDIR);
  int fl = path_oflags(base, oflags, fdflags) | (p.trailing ? O_DIRECTORY : 0);
  int fd = openat(p.parent, p.leaf, fl, 0666);
  /* Write rights on a directory mean nothing (and libc asks for them when
  ** it opens a path without O_DIRECTORY): open it read-only; fd_write on it
  ** then reports EISDIR. Asked for explicitly, with O_DIRECTORY, a directory
  ** opened for writing is EISDIR (as wasmtime and the wasi-testsuite expect). */
  if (fd < 0 && errno == EISDIR && !(oflags & (WASI_O_CREAT | WASI_O_TRUNC)) &&
      !((oflags & WASI_O_DIRECTORY) && (base & WASI_R_FD_WRITE)))
    fd = openat(p.parent, p.leaf, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  uint32_t r = path_end(&p, fd);
  if (r) return r;
  struct stat st;
  int64_t slot = fstat(fd, &st) == 0 ? wasi_fd_alloc(e->w) : -1;
  if (slot < 0) {
    close(fd);
    return WASI_ENOMEM;
  }
  wasi_fd *src = NULL;
  wasi_fd_get(e->w, WA32(0), 0, &src); /* the table may have moved */
  bool ro = src ? src->read_only : true;
  e->w->fds[slot] = (wasi_fd){.kind = WFD_HOST,
                              .filetype = wasi_filetype(st.st_mode),
                              .fdflags = (uint16_t)(fdflags & 0x1f),
                              .own = true,
                              .read_only = ro,
                              .host = fd,
                              .base = S_ISDIR(st.st_mode) ? base & ~WASI_R_DIR_NEVER : base,
                              .inheriting = inh};
  wasi_put32(e, out, (uint32_t)slot);
  return 0;
}

uint32_t wasi_h_path_readlink(wasi_env *e, const rusm_val *a) {
  uint32_t buf = WA32(3), cap = WA32(4), out = WA32(5);
  uint8_t *b = wasi_ptr(e, buf, cap);
  if (!b || !wasi_ptr(e, out, 4)) return WASI_EFAULT;
  path_at p;
  uint32_t err = path_begin(e, WA32(0), WASI_R_PATH_READLINK, WA32(1), WA32(2), false, &p);
  if (err) return path_fail(&p, err);
  char tmp[PATH_MAX];
  ssize_t n = readlinkat(p.parent, p.leaf, tmp, sizeof tmp);
  err = path_end(&p, (int)n);
  if (err) return err;
  uint32_t used = (uint64_t)n < cap ? (uint32_t)n : cap;
  memcpy(b, tmp, used);
  wasi_put32(e, out, used);
  return 0;
}

uint32_t wasi_h_path_remove_directory(wasi_env *e, const rusm_val *a) {
  path_at p;
  uint32_t err = path_begin(e, WA32(0), WASI_R_PATH_REMOVE_DIRECTORY, WA32(1), WA32(2), false, &p);
  if (err) return path_fail(&p, err);
  return path_end(&p, unlinkat(p.parent, p.leaf, AT_REMOVEDIR));
}

uint32_t wasi_h_path_rename(wasi_env *e, const rusm_val *a) {
  path_at from, to = {.parent = -1};
  uint32_t err = path_begin(e, WA32(0), WASI_R_PATH_RENAME_SOURCE, WA32(1), WA32(2), false, &from);
  if (!err) err = path_begin(e, WA32(3), WASI_R_PATH_RENAME_TARGET, WA32(4), WA32(5), false, &to);
  if (!err && renameat(from.parent, from.leaf, to.parent, to.leaf) != 0) err = wasi_errno(errno);
  path_end(&from, 0);
  path_end(&to, 0);
  return err;
}

uint32_t wasi_h_path_symlink(wasi_env *e, const rusm_val *a) {
  char *target;
  uint32_t err = wasi_path_arg(e, WA32(0), WA32(1), &target);
  if (err) return err;
  /* An absolute target could never resolve inside the sandbox: refuse it
  ** rather than leave a trap for the host's own tools. */
  path_at p = {.parent = -1};
  if (target[0] == '/')
    err = WASI_ENOTCAPABLE;
  else if (!target[0])
    err = WASI_ENOENT;
  else
    err = path_begin(e, WA32(2), WASI_R_PATH_SYMLINK, WA32(3), WA32(4), false, &p);
  if (!err && p.trailing) err = WASI_ENOENT;
  if (!err && symlinkat(target, p.parent, p.leaf) != 0) err = wasi_errno(errno);
  free(target);
  path_end(&p, 0);
  return err;
}

uint32_t wasi_h_path_unlink_file(wasi_env *e, const rusm_val *a) {
  path_at p;
  uint32_t err = path_begin(e, WA32(0), WASI_R_PATH_UNLINK_FILE, WA32(1), WA32(2), false, &p);
  if (err) return path_fail(&p, err);
  if (p.trailing) {
    struct stat st;
    if (fstatat(p.parent, p.leaf, &st, AT_SYMLINK_NOFOLLOW) == 0)
      err = S_ISDIR(st.st_mode) ? WASI_EISDIR : WASI_ENOTDIR;
    if (err) return path_fail(&p, err);
  }
  return path_end(&p, unlinkat(p.parent, p.leaf, 0));
}
