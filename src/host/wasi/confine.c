/*
** confine.c: path resolution that never leaves a preopened directory.
**
** Every path call splits its path into "the directory holding the last
** component" and that component. The directory is opened beneath the
** preopen with openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS) when the
** kernel has it; otherwise (ENOSYS, or forced for tests) by walking one
** component at a time with O_NOFOLLOW, keeping a stack of directory fds so
** that ".." pops and never climbs past the preopen, and splicing relative
** symlink targets into the remaining path (absolute targets are refused).
** The last component is then used with the *at() calls and
** AT_SYMLINK_NOFOLLOW / O_NOFOLLOW; when the guest asked to follow it, a
** symlink there is re-resolved here from the preopen, so the kernel never
** follows a link on its own. Escapes give NOTCAPABLE.
*/
#define _GNU_SOURCE
#include "wasi_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CONFINE_MAX_HOPS 40     /* symlinks followed per resolution, as Linux */
#define CONFINE_MAX_PATH 65536u /* longer guest paths are refused before copying */

enum { MODE_UNKNOWN, MODE_OPENAT2, MODE_WALK };
static atomic_int confine_mode = MODE_UNKNOWN;

void wasi_confine_force_fallback(bool on) {
  atomic_store(&confine_mode, on ? MODE_WALK : MODE_UNKNOWN);
}

uint32_t wasi_path_arg(wasi_env *e, uint32_t ptr, uint32_t len, char **o_path) {
  const uint8_t *p = wasi_ptr(e, ptr, len);
  if (!p) return WASI_EFAULT;
  if (len > CONFINE_MAX_PATH) return WASI_ENAMETOOLONG;
  if (memchr(p, 0, len)) return WASI_EINVAL;
  char *s = malloc((size_t)len + 1);
  if (!s) return WASI_ENOMEM;
  memcpy(s, p, len);
  s[len] = 0;
  *o_path = s;
  return 0;
}

/* openat2 of a directory beneath dirfd: fd, or -errno (-ENOSYS: no openat2). */
static int confine_openat2(int dirfd, const char *path) {
#ifdef SYS_openat2
  struct open_how how = {.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
                         .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS};
  long fd;
  int tries = 0;
  do /* EAGAIN: a racing rename; a few retries, then the guest sees it */
    fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
  while (fd < 0 && (errno == EAGAIN || errno == EINTR) && ++tries < 8);
  return fd >= 0 ? (int)fd : -errno;
#else
  return -ENOSYS;
#endif
}

/* The fallback walk: opens path (relative) as a directory beneath dirfd. */
static uint32_t confine_walk(int dirfd, const char *path, int *o_fd) {
  size_t cap = strlen(path) + PATH_MAX + 2;
  char *rest = malloc(cap);
  int *stack = NULL;
  size_t depth = 0, stack_cap = 0; /* stack[0..depth) are fds we opened */
  uint32_t err = 0;
  int hops = 0;
  if (!rest) return WASI_ENOMEM;
  strcpy(rest, path);
  size_t pos = 0;
  while (!err) {
    while (rest[pos] == '/') pos++;
    if (!rest[pos]) break;
    size_t end = pos;
    while (rest[end] && rest[end] != '/') end++;
    char name[NAME_MAX + 1];
    if (end - pos > NAME_MAX) {
      err = WASI_ENAMETOOLONG;
      break;
    }
    memcpy(name, rest + pos, end - pos);
    name[end - pos] = 0;
    pos = end;
    int cur = depth ? stack[depth - 1] : dirfd;
    if (strcmp(name, ".") == 0) continue;
    if (strcmp(name, "..") == 0) {
      if (!depth)
        err = WASI_ENOTCAPABLE; /* would climb above the preopen */
      else
        close(stack[--depth]);
      continue;
    }
    /* readlinkat both finds links and reports a missing name; EINVAL means
    ** "not a link", and openat below then insists on a directory. Linux
    ** has no empty link targets (symlink(2) refuses them). */
    char target[PATH_MAX];
    ssize_t n = readlinkat(cur, name, target, sizeof target - 1);
    if (n < 0 && errno != EINVAL) {
      err = wasi_errno(errno);
      break;
    }
    if (n >= 0) {
      target[n] = 0;
      if (++hops > CONFINE_MAX_HOPS)
        err = WASI_ELOOP;
      else if (target[0] == '/')
        err = WASI_ENOTCAPABLE;
      else if ((size_t)n + 1 + strlen(rest + pos) + 1 > cap)
        err = WASI_ENAMETOOLONG;
      if (err) break;
      /* rest = target + "/" + what was left after this component */
      size_t left = strlen(rest + pos);
      memmove(rest + n + 1, rest + pos, left + 1);
      memcpy(rest, target, (size_t)n);
      rest[n] = '/';
      pos = 0;
      continue;
    }
    int fd = openat(cur, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
      err = errno == ELOOP ? WASI_ENOTCAPABLE : wasi_errno(errno); /* swapped for a link */
      break;
    }
    if (depth == stack_cap) {
      size_t n = stack_cap ? stack_cap * 2 : 16;
      int *t = realloc(stack, n * sizeof *t);
      if (!t) {
        close(fd);
        err = WASI_ENOMEM;
        break;
      }
      stack = t;
      stack_cap = n;
    }
    stack[depth++] = fd;
  }
  if (!err) {
    int fd = depth ? dup(stack[depth - 1]) : openat(dirfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
      err = wasi_errno(errno);
    else
      *o_fd = fd;
  }
  while (depth) close(stack[--depth]);
  free(stack);
  free(rest);
  return err;
}

/* Opens path as a directory beneath dirfd. */
static uint32_t confine_dir(int dirfd, const char *path, int *o_fd) {
  if (!*path) path = ".";
  if (path[0] == '/') return WASI_ENOTCAPABLE;
  if (atomic_load(&confine_mode) != MODE_WALK) {
    int fd = confine_openat2(dirfd, path);
    if (fd >= 0) {
      atomic_store(&confine_mode, MODE_OPENAT2);
      *o_fd = fd;
      return 0;
    }
    if (fd != -ENOSYS && fd != -EPERM) /* EPERM: a seccomp filter refused it */
      return fd == -EXDEV ? WASI_ENOTCAPABLE : wasi_errno(-fd);
    atomic_store(&confine_mode, MODE_WALK);
  }
  return confine_walk(dirfd, path, o_fd);
}

uint32_t wasi_resolve(int dirfd, const char *path, bool follow, int *o_parent, char *o_leaf,
                      bool *o_trailing_slash) {
  if (!*path) return WASI_ENOENT;
  if (path[0] == '/') return WASI_ENOTCAPABLE;
  size_t cap = strlen(path) + PATH_MAX + 4;
  char *cur = malloc(cap);
  if (!cur) return WASI_ENOMEM;
  strcpy(cur, path);
  bool trailing = false;
  uint32_t err = 0;
  for (int hops = 0;; hops++) {
    size_t len = strlen(cur);
    while (len > 1 && cur[len - 1] == '/') cur[--len] = 0, trailing = true;
    char *slash = strrchr(cur, '/');
    const char *leaf = slash ? slash + 1 : cur;
    if (strlen(leaf) > NAME_MAX) {
      err = WASI_ENAMETOOLONG;
      break;
    }
    int parent;
    if (strcmp(leaf, ".") == 0 || strcmp(leaf, "..") == 0) {
      /* The whole path names a directory: operate on "." inside it. */
      err = confine_dir(dirfd, cur, &parent);
      if (!err) {
        *o_parent = parent;
        strcpy(o_leaf, ".");
      }
      break;
    }
    char leafbuf[NAME_MAX + 1];
    strcpy(leafbuf, leaf);
    if (slash) *slash = 0;
    err = confine_dir(dirfd, slash ? cur : ".", &parent);
    if (err) break;
    /* A leaf that is not a link (or not there) is left to the caller's
    ** own call, which reports it. */
    char target[PATH_MAX];
    ssize_t n = follow || trailing ? readlinkat(parent, leafbuf, target, sizeof target - 1) : -1;
    if (n >= 0) {
      target[n] = 0;
      close(parent);
      if (hops >= CONFINE_MAX_HOPS)
        err = WASI_ELOOP;
      else if (target[0] == '/')
        err = WASI_ENOTCAPABLE;
      if (err) break;
      /* Continue from the link's directory: prefix + "/" + target. */
      size_t plen = slash ? strlen(cur) : 0;
      if (plen + 1 + (size_t)n + 2 > cap) {
        err = WASI_ENAMETOOLONG;
        break;
      }
      if (slash) cur[plen++] = '/';
      memcpy(cur + plen, target, (size_t)n + 1);
      if (trailing) strcat(cur, "/");
      continue;
    }
    *o_parent = parent;
    strcpy(o_leaf, leafbuf);
    break;
  }
  if (!err && o_trailing_slash) *o_trailing_slash = trailing;
  free(cur);
  return err;
}
