/*
** conformance.c: a WASI preview1 conformance set in the spirit of the
** WebAssembly wasi-testsuite (own code, same areas): raw calls with exact
** errnos on a writable scratch preopen "/sandbox". Prints PASS/FAIL per
** case and "conformance P/N"; the exit code is the number of failures.
*/
#include "guest.h"

#include <stdlib.h>

static int dir; /* the /sandbox preopen */
static const __wasi_rights_t ALL = (__wasi_rights_t)((1ull << 30) - 1);
/* A directory's own rights: everything but reading, writing, seeking and sizing it. */
static const __wasi_rights_t DIR_RIGHTS =
    ALL & ~(__wasi_rights_t)(__WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE |
                             __WASI_RIGHTS_FD_SEEK | __WASI_RIGHTS_FD_TELL |
                             __WASI_RIGHTS_FD_ALLOCATE | __WASI_RIGHTS_FD_FILESTAT_SET_SIZE);

#define CHK(c)                                                                                     \
  do {                                                                                             \
    if (!(c)) {                                                                                    \
      fprintf(stderr, "  line %d: %s\n", __LINE__, #c);                                            \
      return 0;                                                                                    \
    }                                                                                              \
  } while (0)
#define E(call, want) CHK((call) == (want))

static __wasi_fd_t open_f(const char *p, __wasi_oflags_t of, __wasi_fdflags_t ff) {
  __wasi_fd_t fd = (__wasi_fd_t)-1;
  if (__wasi_path_open(dir, 0, p, of, ALL, ALL, ff, &fd) != 0) return (__wasi_fd_t)-1;
  return fd;
}
static int put(__wasi_fd_t fd, const char *s) {
  __wasi_ciovec_t v = {(const uint8_t *)s, strlen(s)};
  __wasi_size_t n = 0;
  return __wasi_fd_write(fd, &v, 1, &n) == 0 && n == strlen(s);
}
static int get(__wasi_fd_t fd, char *buf, size_t cap, __wasi_size_t *o_n) {
  __wasi_iovec_t v = {(uint8_t *)buf, cap};
  return __wasi_fd_read(fd, &v, 1, o_n) == 0;
}
static int mkfile(const char *p, const char *content) {
  __wasi_fd_t fd = open_f(p, __WASI_OFLAGS_CREAT | __WASI_OFLAGS_TRUNC, 0);
  if (fd == (__wasi_fd_t)-1) return 0;
  int ok = put(fd, content);
  return __wasi_fd_close(fd) == 0 && ok;
}
static void rm(const char *p) {
  if (__wasi_path_unlink_file(dir, p) != 0 && __wasi_path_remove_directory(dir, p) != 0) {
  }
}
static __wasi_filetype_t ftype(const char *p, __wasi_lookupflags_t lf) {
  __wasi_filestat_t st;
  return __wasi_path_filestat_get(dir, lf, p, &st) == 0 ? st.filetype : 255;
}

static int t_args_environ_sizes(void) {
  __wasi_size_t n, sz;
  E(__wasi_args_sizes_get(&n, &sz), 0);
  char **v = malloc((n + 1) * sizeof *v), *buf = malloc(sz);
  E(__wasi_args_get((uint8_t **)v, (uint8_t *)buf), 0);
  size_t total = 0;
  for (size_t i = 0; i < n; i++) total += strlen(v[i]) + 1;
  CHK(total == sz);
  free(v);
  free(buf);
  E(__wasi_environ_sizes_get(&n, &sz), 0);
  CHK(n == 0 && sz == 0);
  return 1;
}
static int t_clock_monotonic(void) {
  __wasi_timestamp_t a, b, r;
  E(__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &a), 0);
  E(__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &b), 0);
  E(__wasi_clock_res_get(__WASI_CLOCKID_REALTIME, &r), 0);
  CHK(b >= a && r > 0);
  return 1;
}
static int t_random_zero_len(void) {
  uint8_t b[1] = {42};
  E(__wasi_random_get(b, 0), 0);
  CHK(b[0] == 42);
  return 1;
}
static int t_sched_yield(void) {
  E(__wasi_sched_yield(), 0);
  return 1;
}
static int t_stdio_fdstat(void) {
  for (int fd = 0; fd < 3; fd++) {
    __wasi_fdstat_t st;
    E(__wasi_fd_fdstat_get(fd, &st), 0);
    __wasi_prestat_t ps;
    E(__wasi_fd_prestat_get(fd, &ps), __WASI_ERRNO_BADF);
  }
  return 1;
}
static int t_poll_stdout_ready(void) {
  __wasi_subscription_t s = {.userdata = 5, .u.tag = __WASI_EVENTTYPE_FD_WRITE};
  s.u.u.fd_write.file_descriptor = 1;
  __wasi_event_t ev;
  __wasi_size_t n;
  E(__wasi_poll_oneoff(&s, &ev, 1, &n), 0);
  CHK(n == 1 && ev.userdata == 5 && ev.error == 0 && ev.type == __WASI_EVENTTYPE_FD_WRITE);
  return 1;
}
static int t_poll_zero_timeout_and_empty(void) {
  __wasi_subscription_t s = {.userdata = 9, .u.tag = __WASI_EVENTTYPE_CLOCK};
  s.u.u.clock.id = __WASI_CLOCKID_MONOTONIC;
  __wasi_event_t ev;
  __wasi_size_t n;
  E(__wasi_poll_oneoff(&s, &ev, 1, &n), 0);
  CHK(n == 1 && ev.userdata == 9 && ev.type == __WASI_EVENTTYPE_CLOCK);
  E(__wasi_poll_oneoff(&s, &ev, 0, &n), __WASI_ERRNO_INVAL);
  return 1;
}
static int t_poll_file_read_ready(void) {
  CHK(mkfile("p.txt", "abc"));
  __wasi_fd_t fd = open_f("p.txt", 0, 0);
  __wasi_subscription_t s = {.userdata = 1, .u.tag = __WASI_EVENTTYPE_FD_READ};
  s.u.u.fd_read.file_descriptor = fd;
  __wasi_event_t ev;
  __wasi_size_t n;
  E(__wasi_poll_oneoff(&s, &ev, 1, &n), 0);
  CHK(n == 1 && ev.error == 0 && ev.fd_readwrite.nbytes == 3);
  E(__wasi_fd_close(fd), 0);
  rm("p.txt");
  return 1;
}
static int t_path_open_create_existing(void) {
  CHK(mkfile("e.txt", "x"));
  __wasi_fd_t fd;
  E(__wasi_path_open(dir, 0, "e.txt", __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL, ALL, ALL, 0, &fd),
    __WASI_ERRNO_EXIST);
  rm("e.txt");
  return 1;
}
static int t_path_open_missing(void) {
  __wasi_fd_t fd;
  E(__wasi_path_open(dir, 0, "missing", 0, ALL, ALL, 0, &fd), __WASI_ERRNO_NOENT);
  E(__wasi_path_open(dir, 0, "missing/x", __WASI_OFLAGS_CREAT, ALL, ALL, 0, &fd),
    __WASI_ERRNO_NOENT);
  return 1;
}
static int t_path_open_dirfd_not_dir(void) {
  CHK(mkfile("nd.txt", "x"));
  __wasi_fd_t f = open_f("nd.txt", 0, 0), fd;
  E(__wasi_path_open(f, 0, "x", 0, ALL, ALL, 0, &fd), __WASI_ERRNO_NOTDIR);
  E(__wasi_path_open(dir, 0, "nd.txt", __WASI_OFLAGS_DIRECTORY, ALL, ALL, 0, &fd),
    __WASI_ERRNO_NOTDIR);
  E(__wasi_fd_close(f), 0);
  rm("nd.txt");
  return 1;
}
static int t_path_open_dot(void) {
  __wasi_fd_t fd;
  E(__wasi_path_open(dir, 0, ".", __WASI_OFLAGS_DIRECTORY, DIR_RIGHTS, ALL, 0, &fd), 0);
  /* ... but not for writing: a directory opened with the write right is EISDIR. */
  __wasi_fd_t wfd;
  E(__wasi_path_open(dir, 0, ".", __WASI_OFLAGS_DIRECTORY, ALL, ALL, 0, &wfd), __WASI_ERRNO_ISDIR);
  __wasi_fdstat_t st;
  E(__wasi_fd_fdstat_get(fd, &st), 0);
  CHK(st.fs_filetype == __WASI_FILETYPE_DIRECTORY);
  E(__wasi_fd_close(fd), 0);
  return 1;
}
static int t_file_seek_tell(void) {
  __wasi_fd_t fd = open_f("s.txt", __WASI_OFLAGS_CREAT, 0);
  CHK(put(fd, "0123456789"));
  __wasi_filesize_t pos;
  E(__wasi_fd_tell(fd, &pos), 0);
  CHK(pos == 10);
  E(__wasi_fd_seek(fd, -3, __WASI_WHENCE_CUR, &pos), 0);
  CHK(pos == 7);
  E(__wasi_fd_seek(fd, -20, __WASI_WHENCE_CUR, &pos), __WASI_ERRNO_INVAL);
  E(__wasi_fd_seek(fd, 5, __WASI_WHENCE_END, &pos), 0);
  CHK(put(fd, "!"));
  __wasi_filestat_t st;
  E(__wasi_fd_filestat_get(fd, &st), 0);
  CHK(st.size == 16);
  E(__wasi_fd_close(fd), 0);
  rm("s.txt");
  return 1;
}
static int t_directory_seek(void) {
  __wasi_fd_t fd;
  E(__wasi_path_open(dir, 0, ".", __WASI_OFLAGS_DIRECTORY, DIR_RIGHTS, ALL, 0, &fd), 0);
  __wasi_fdstat_t ds;
  E(__wasi_fd_fdstat_get(fd, &ds), 0);
  CHK(!(ds.fs_rights_base & (__WASI_RIGHTS_FD_SEEK | __WASI_RIGHTS_FD_TELL))); /* never for a dir */
  __wasi_filesize_t pos;
  E(__wasi_fd_seek(fd, 0, __WASI_WHENCE_CUR, &pos) == __WASI_ERRNO_BADF ||
        __wasi_fd_seek(fd, 0, __WASI_WHENCE_CUR, &pos) == __WASI_ERRNO_NOTCAPABLE,
    1);
  E(__wasi_fd_close(fd), 0);
  return 1;
}
static int t_file_pread_pwrite(void) {
  __wasi_fd_t fd = open_f("pw.txt", __WASI_OFLAGS_CREAT, 0);
  __wasi_ciovec_t w = {(const uint8_t *)"hello", 5};
  __wasi_size_t n;
  E(__wasi_fd_pwrite(fd, &w, 1, 3, &n), 0);
  CHK(n == 5);
  __wasi_filesize_t pos;
  E(__wasi_fd_tell(fd, &pos), 0);
  CHK(pos == 0);
  char buf[8] = {0};
  __wasi_iovec_t r = {(uint8_t *)buf, 4};
  E(__wasi_fd_pread(fd, &r, 1, 4, &n), 0);
  CHK(n == 4 && memcmp(buf, "ello", 4) == 0);
  E(__wasi_fd_close(fd), 0);
  rm("pw.txt");
  return 1;
}
static int t_scatter_gather(void) {
  __wasi_fd_t fd = open_f("sg.txt", __WASI_OFLAGS_CREAT, 0);
  __wasi_ciovec_t w[3] = {
      {(const uint8_t *)"ab", 2}, {(const uint8_t *)"", 0}, {(const uint8_t *)"cde", 3}};
  __wasi_size_t n;
  E(__wasi_fd_write(fd, w, 3, &n), 0);
  CHK(n == 5);
  __wasi_filesize_t pos;
  E(__wasi_fd_seek(fd, 0, __WASI_WHENCE_SET, &pos), 0);
  char a[3] = {0}, b[3] = {0};
  __wasi_iovec_t r[2] = {{(uint8_t *)a, 2}, {(uint8_t *)b, 3}};
  E(__wasi_fd_read(fd, r, 2, &n), 0);
  CHK(n == 5 && memcmp(a, "ab", 2) == 0 && memcmp(b, "cde", 3) == 0);
  E(__wasi_fd_read(fd, r, 2, &n), 0);
  CHK(n == 0);
  E(__wasi_fd_close(fd), 0);
  rm("sg.txt");
  return 1;
}
static int t_file_truncation(void) {
  CHK(mkfile("t.txt", "long content"));
  __wasi_fd_t fd = open_f("t.txt", __WASI_OFLAGS_TRUNC, 0);
  __wasi_filestat_t st;
  E(__wasi_fd_filestat_get(fd, &st), 0);
  CHK(st.size == 0);
  E(__wasi_fd_filestat_set_size(fd, 100), 0);
  E(__wasi_fd_filestat_get(fd, &st), 0);
  CHK(st.size == 100);
  E(__wasi_fd_close(fd), 0);
  rm("t.txt");
  return 1;
}
static int t_truncation_rights(void) {
  CHK(mkfile("tr.txt", "x"));
  __wasi_fd_t fd;
  E(__wasi_path_open(dir, 0, "tr.txt", 0, __WASI_RIGHTS_FD_READ, 0, 0, &fd), 0);
  E(__wasi_fd_filestat_set_size(fd, 0), __WASI_ERRNO_NOTCAPABLE);
  E(__wasi_fd_close(fd), 0);
  rm("tr.txt");
  return 1;
}
static int t_file_allocate(void) {
  __wasi_fd_t fd = open_f("al.txt", __WASI_OFLAGS_CREAT, 0);
  E(__wasi_fd_allocate(fd, 0, 4096), 0);
  __wasi_filestat_t st;
  E(__wasi_fd_filestat_get(fd, &st), 0);
  CHK(st.size == 4096);
  E(__wasi_fd_close(fd), 0);
  rm("al.txt");
  return 1;
}
static int t_fd_advise(void) {
  __wasi_fd_t fd = open_f("ad.txt", __WASI_OFLAGS_CREAT, 0);
  E(__wasi_fd_advise(fd, 0, 100, __WASI_ADVICE_SEQUENTIAL), 0);
  E(__wasi_fd_advise(fd, 0, 100, 42), __WASI_ERRNO_INVAL);
  E(__wasi_fd_close(fd), 0);
  rm("ad.txt");
  return 1;
}
static int t_append(void) {
  CHK(mkfile("ap.txt", "abc"));
  __wasi_fd_t fd = open_f("ap.txt", 0, __WASI_FDFLAGS_APPEND);
  __wasi_filesize_t pos;
  E(__wasi_fd_seek(fd, 0, __WASI_WHENCE_SET, &pos), 0);
  CHK(put(fd, "d"));
  __wasi_fdstat_t fs;
  E(__wasi_fd_fdstat_get(fd, &fs), 0);
  CHK(fs.fs_flags & __WASI_FDFLAGS_APPEND);
  __wasi_filestat_t st;
  E(__wasi_fd_filestat_get(fd, &st), 0);
  CHK(st.size == 4);
  E(__wasi_fd_close(fd), 0);
  fd = open_f("ap.txt", 0, 0);
  E(__wasi_fd_fdstat_set_flags(fd, __WASI_FDFLAGS_APPEND), 0);
  CHK(put(fd, "e"));
  E(__wasi_fd_filestat_get(fd, &st), 0);
  CHK(st.size == 5);
  E(__wasi_fd_close(fd), 0);
  rm("ap.txt");
  return 1;
}
static int t_fd_filestat_set_times(void) {
  __wasi_fd_t fd = open_f("ft.txt", __WASI_OFLAGS_CREAT, 0);
  E(__wasi_fd_filestat_set_times(fd, 123000000000ull, 456000000000ull,
                                 __WASI_FSTFLAGS_ATIM | __WASI_FSTFLAGS_MTIM),
    0);
  __wasi_filestat_t st;
  E(__wasi_fd_filestat_get(fd, &st), 0);
  CHK(st.atim == 123000000000ull && st.mtim == 456000000000ull);
  E(__wasi_fd_filestat_set_times(fd, 0, 0, __WASI_FSTFLAGS_MTIM_NOW), 0);
  E(__wasi_fd_filestat_get(fd, &st), 0);
  CHK(st.mtim > 456000000000ull && st.atim == 123000000000ull);
  E(__wasi_fd_filestat_set_times(fd, 0, 0, __WASI_FSTFLAGS_MTIM | __WASI_FSTFLAGS_MTIM_NOW),
    __WASI_ERRNO_INVAL);
  E(__wasi_fd_close(fd), 0);
  rm("ft.txt");
  return 1;
}
static int t_fd_fdstat_set_rights(void) {
  __wasi_fd_t fd = open_f("rr.txt", __WASI_OFLAGS_CREAT, 0);
  E(__wasi_fd_fdstat_set_rights(fd, __WASI_RIGHTS_FD_WRITE, 0), 0);
  char b[4];
  __wasi_size_t n;
  CHK(!get(fd, b, sizeof b, &n));
  __wasi_iovec_t v = {(uint8_t *)b, 4};
  E(__wasi_fd_read(fd, &v, 1, &n), __WASI_ERRNO_NOTCAPABLE);
  E(__wasi_fd_fdstat_set_rights(fd, ALL, 0), __WASI_ERRNO_NOTCAPABLE);
  E(__wasi_fd_close(fd), 0);
  rm("rr.txt");
  return 1;
}
static int t_inheriting_rights(void) {
  E(__wasi_path_create_directory(dir, "ih"), 0);
  __wasi_fd_t d, f;
  E(__wasi_path_open(dir, 0, "ih", __WASI_OFLAGS_DIRECTORY, DIR_RIGHTS, __WASI_RIGHTS_FD_READ, 0,
                     &d),
    0);
  E(__wasi_path_open(d, 0, "x", __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_WRITE, 0, 0, &f),
    __WASI_ERRNO_NOTCAPABLE);
  E(__wasi_fd_close(d), 0);
  rm("ih");
  return 1;
}
static int t_fd_readdir_cookies(void) {
  E(__wasi_path_create_directory(dir, "rd"), 0);
  CHK(mkfile("rd/a", "1") && mkfile("rd/b", "2") && mkfile("rd/c", "3"));
  __wasi_fd_t d;
  E(__wasi_path_open(dir, 0, "rd", __WASI_OFLAGS_DIRECTORY, DIR_RIGHTS, ALL, 0, &d), 0);
  static uint8_t buf[1024];
  __wasi_size_t used;
  E(__wasi_fd_readdir(d, buf, sizeof buf, 0, &used), 0);
  int n = 0;
  __wasi_dircookie_t second = 0;
  char names[8][8];
  for (size_t off = 0; off < used && n < 8; n++) {
    __wasi_dirent_t de;
    memcpy(&de, buf + off, sizeof de);
    CHK(de.d_namlen < 8);
    memcpy(names[n], buf + off + sizeof de, de.d_namlen);
    names[n][de.d_namlen] = 0;
    if (n == 1) second = de.d_next;
    off += sizeof de + de.d_namlen;
  }
  CHK(n == 5);
  /* Resuming at the second entry's cookie lists entries 3.. again. */
  E(__wasi_fd_readdir(d, buf, sizeof buf, second, &used), 0);
  __wasi_dirent_t de;
  memcpy(&de, buf, sizeof de);
  CHK(de.d_namlen == strlen(names[2]) && memcmp(buf + sizeof de, names[2], de.d_namlen) == 0);
  E(__wasi_fd_close(d), 0);
  rm("rd/a");
  rm("rd/b");
  rm("rd/c");
  rm("rd");
  return 1;
}
static int t_readdir_not_dir(void) {
  CHK(mkfile("nr.txt", "x"));
  __wasi_fd_t fd = open_f("nr.txt", 0, 0);
  uint8_t buf[64];
  __wasi_size_t used;
  E(__wasi_fd_readdir(fd, buf, sizeof buf, 0, &used), __WASI_ERRNO_NOTDIR);
  E(__wasi_fd_close(fd), 0);
  rm("nr.txt");
  return 1;
}
static int t_create_remove_directory(void) {
  E(__wasi_path_create_directory(dir, "cd"), 0);
  E(__wasi_path_create_directory(dir, "cd"), __WASI_ERRNO_EXIST);
  E(__wasi_path_create_directory(dir, "nope/cd"), __WASI_ERRNO_NOENT);
  CHK(ftype("cd", 0) == __WASI_FILETYPE_DIRECTORY);
  E(__wasi_path_remove_directory(dir, "cd/"), 0);
  E(__wasi_path_remove_directory(dir, "cd"), __WASI_ERRNO_NOENT);
  return 1;
}
static int t_remove_nonempty_directory(void) {
  E(__wasi_path_create_directory(dir, "ne"), 0);
  CHK(mkfile("ne/f", "x"));
  E(__wasi_path_remove_directory(dir, "ne"), __WASI_ERRNO_NOTEMPTY);
  rm("ne/f");
  E(__wasi_path_remove_directory(dir, "ne"), 0);
  return 1;
}
static int t_remove_directory_on_file(void) {
  CHK(mkfile("rf", "x"));
  E(__wasi_path_remove_directory(dir, "rf"), __WASI_ERRNO_NOTDIR);
  rm("rf");
  return 1;
}
static int t_unlink_file_errors(void) {
  E(__wasi_path_create_directory(dir, "ud"), 0);
  E(__wasi_path_unlink_file(dir, "ud"), __WASI_ERRNO_ISDIR);
  CHK(mkfile("uf", "x"));
  E(__wasi_path_unlink_file(dir, "uf/"), __WASI_ERRNO_NOTDIR);
  E(__wasi_path_unlink_file(dir, "uf"), 0);
  E(__wasi_path_unlink_file(dir, "uf"), __WASI_ERRNO_NOENT);
  rm("ud");
  return 1;
}
static int t_path_link(void) {
  CHK(mkfile("l1", "x"));
  E(__wasi_path_link(dir, 0, "l1", dir, "l2"), 0);
  __wasi_filestat_t st;
  E(__wasi_path_filestat_get(dir, 0, "l2", &st), 0);
  CHK(st.nlink == 2);
  E(__wasi_path_link(dir, 0, "l1", dir, "l2"), __WASI_ERRNO_EXIST);
  E(__wasi_path_create_directory(dir, "ld"), 0);
  E(__wasi_path_link(dir, 0, "ld", dir, "ld2"), __WASI_ERRNO_PERM);
  rm("l1");
  rm("l2");
  rm("ld");
  return 1;
}
static int t_path_rename(void) {
  CHK(mkfile("r1", "x"));
  E(__wasi_path_create_directory(dir, "rdir"), 0);
  E(__wasi_path_rename(dir, "r1", dir, "rdir"), __WASI_ERRNO_ISDIR);
  E(__wasi_path_rename(dir, "rdir", dir, "r1"), __WASI_ERRNO_NOTDIR);
  E(__wasi_path_rename(dir, "r1", dir, "rdir/r2"), 0);
  CHK(ftype("rdir/r2", 0) == __WASI_FILETYPE_REGULAR_FILE);
  E(__wasi_path_create_directory(dir, "rdir2"), 0);
  E(__wasi_path_rename(dir, "rdir2", dir, "rdir"), __WASI_ERRNO_NOTEMPTY);
  E(__wasi_path_rename(dir, "missing", dir, "x"), __WASI_ERRNO_NOENT);
  rm("rdir/r2");
  E(__wasi_path_rename(dir, "rdir2/", dir, "rdir"), 0);
  CHK(ftype("rdir2", 0) == 255);
  rm("rdir");
  return 1;
}
static int t_symlink_filestat(void) {
  CHK(mkfile("sf", "abc"));
  E(__wasi_path_symlink("sf", dir, "sl"), 0);
  CHK(ftype("sl", 0) == __WASI_FILETYPE_SYMBOLIC_LINK);
  CHK(ftype("sl", __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW) == __WASI_FILETYPE_REGULAR_FILE);
  E(__wasi_path_symlink("sf", dir, "sl"), __WASI_ERRNO_EXIST);
  E(__wasi_path_filestat_set_times(dir, 0, "sl", 5000000000ull, 0, __WASI_FSTFLAGS_ATIM), 0);
  rm("sl");
  rm("sf");
  return 1;
}
static int t_readlink(void) {
  E(__wasi_path_symlink("target/path", dir, "rl"), 0);
  char buf[32];
  __wasi_size_t n;
  E(__wasi_path_readlink(dir, "rl", (uint8_t *)buf, sizeof buf, &n), 0);
  CHK(n == 11 && memcmp(buf, "target/path", 11) == 0);
  E(__wasi_path_readlink(dir, "rl", (uint8_t *)buf, 4, &n), 0);
  CHK(n == 4 && memcmp(buf, "targ", 4) == 0);
  CHK(mkfile("notlink", "x"));
  E(__wasi_path_readlink(dir, "notlink", (uint8_t *)buf, sizeof buf, &n), __WASI_ERRNO_INVAL);
  rm("rl");
  rm("notlink");
  return 1;
}
static int t_dangling_symlink(void) {
  E(__wasi_path_symlink("nowhere", dir, "dl"), 0);
  __wasi_fd_t fd;
  E(__wasi_path_open(dir, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "dl", 0, ALL, ALL, 0, &fd),
    __WASI_ERRNO_NOENT);
  E(__wasi_path_open(dir, 0, "dl", 0, ALL, ALL, 0, &fd), __WASI_ERRNO_LOOP);
  rm("dl");
  return 1;
}
static int t_symlink_loop(void) {
  E(__wasi_path_symlink("lp", dir, "lp"), 0);
  __wasi_fd_t fd;
  E(__wasi_path_open(dir, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "lp", 0, ALL, ALL, 0, &fd),
    __WASI_ERRNO_LOOP);
  rm("lp");
  return 1;
}
static int t_nofollow_directory_link(void) {
  E(__wasi_path_create_directory(dir, "nd"), 0);
  E(__wasi_path_symlink("nd", dir, "ndl"), 0);
  __wasi_fd_t fd;
  __wasi_errno_t e = __wasi_path_open(dir, 0, "ndl", __WASI_OFLAGS_DIRECTORY, ALL, ALL, 0, &fd);
  CHK(e == __WASI_ERRNO_LOOP || e == __WASI_ERRNO_NOTDIR);
  E(__wasi_path_open(dir, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, "ndl/", __WASI_OFLAGS_DIRECTORY,
                     DIR_RIGHTS, ALL, 0, &fd),
    0);
  E(__wasi_fd_close(fd), 0);
  rm("ndl");
  rm("nd");
  return 1;
}
static int t_symlink_trailing_slash(void) {
  CHK(mkfile("ts", "x"));
  E(__wasi_path_symlink("ts", dir, "tsl/"), __WASI_ERRNO_NOENT);
  rm("ts");
  return 1;
}
static int t_interesting_paths(void) {
  E(__wasi_path_create_directory(dir, "ip"), 0);
  CHK(mkfile("ip/f", "x"));
  const char *ok[] = {"ip/./f", "ip//f", "ip/../ip/f", "./ip/f"};
  for (int i = 0; i < 4; i++) CHK(ftype(ok[i], 0) == __WASI_FILETYPE_REGULAR_FILE);
  __wasi_fd_t fd;
  E(__wasi_path_open(dir, 0, "ip/f/", 0, ALL, ALL, 0, &fd), __WASI_ERRNO_NOTDIR);
  E(__wasi_path_open(dir, 0, "ip/f/x", 0, ALL, ALL, 0, &fd), __WASI_ERRNO_NOTDIR);
  E(__wasi_path_open(dir, 0, "", 0, ALL, ALL, 0, &fd), __WASI_ERRNO_NOENT);
  rm("ip/f");
  rm("ip");
  return 1;
}
static int t_renumber(void) {
  CHK(mkfile("rn1", "one") && mkfile("rn2", "two"));
  __wasi_fd_t a = open_f("rn1", 0, 0), b = open_f("rn2", 0, 0);
  E(__wasi_fd_renumber(a, b), 0);
  char buf[4];
  __wasi_size_t n;
  CHK(get(b, buf, 3, &n) && n == 3 && memcmp(buf, "one", 3) == 0);
  __wasi_fdstat_t st;
  E(__wasi_fd_fdstat_get(a, &st), __WASI_ERRNO_BADF);
  E(__wasi_fd_renumber(b, 1000), __WASI_ERRNO_BADF);
  E(__wasi_fd_close(b), 0);
  E(__wasi_fd_close(b), __WASI_ERRNO_BADF);
  rm("rn1");
  rm("rn2");
  return 1;
}
static int t_sync(void) {
  __wasi_fd_t fd = open_f("sy", __WASI_OFLAGS_CREAT, 0);
  CHK(put(fd, "x"));
  E(__wasi_fd_sync(fd), 0);
  E(__wasi_fd_datasync(fd), 0);
  E(__wasi_fd_close(fd), 0);
  rm("sy");
  return 1;
}
static int t_sockets_on_files(void) {
  __wasi_fd_t fd;
  E(__wasi_sock_accept(dir, 0, &fd), __WASI_ERRNO_NOTSOCK);
  E(__wasi_sock_shutdown(1, __WASI_SDFLAGS_WR), __WASI_ERRNO_NOTSOCK);
  E(__wasi_sock_shutdown(999, __WASI_SDFLAGS_WR), __WASI_ERRNO_BADF);
  return 1;
}
/* wasi-libc leaves proc_raise out of its header. */
__attribute__((import_module("wasi_snapshot_preview1"), import_name("proc_raise"))) uint16_t
raw_proc_raise(uint32_t sig);
static int t_proc_raise(void) {
  E(raw_proc_raise(15), __WASI_ERRNO_NOSYS);
  return 1;
}
static int t_close_preopen(void) {
  __wasi_fd_t d;
  E(__wasi_path_open(dir, 0, ".", __WASI_OFLAGS_DIRECTORY, DIR_RIGHTS, ALL, 0, &d), 0);
  E(__wasi_fd_renumber(d, 100), __WASI_ERRNO_BADF); /* 100 is not open */
  E(__wasi_fd_close(d), 0);
  return 1;
}

#define CASES(X)                                                                                   \
  X(args_environ_sizes)                                                                            \
  X(clock_monotonic)                                                                               \
  X(random_zero_len)                                                                               \
  X(sched_yield)                                                                                   \
  X(stdio_fdstat)                                                                                  \
  X(poll_stdout_ready)                                                                             \
  X(poll_zero_timeout_and_empty)                                                                   \
  X(poll_file_read_ready)                                                                          \
  X(path_open_create_existing)                                                                     \
  X(path_open_missing)                                                                             \
  X(path_open_dirfd_not_dir)                                                                       \
  X(path_open_dot)                                                                                 \
  X(file_seek_tell)                                                                                \
  X(directory_seek)                                                                                \
  X(file_pread_pwrite)                                                                             \
  X(scatter_gather)                                                                                \
  X(file_truncation)                                                                               \
  X(truncation_rights)                                                                             \
  X(file_allocate)                                                                                 \
  X(fd_advise)                                                                                     \
  X(append)                                                                                        \
  X(fd_filestat_set_times)                                                                         \
  X(fd_fdstat_set_rights)                                                                          \
  X(inheriting_rights)                                                                             \
  X(fd_readdir_cookies)                                                                            \
  X(readdir_not_dir)                                                                               \
  X(create_remove_directory)                                                                       \
  X(remove_nonempty_directory)                                                                     \
  X(remove_directory_on_file)                                                                      \
  X(unlink_file_errors)                                                                            \
  X(path_link)                                                                                     \
  X(path_rename)                                                                                   \
  X(symlink_filestat)                                                                              \
  X(readlink)                                                                                      \
  X(dangling_symlink)                                                                              \
  X(symlink_loop)                                                                                  \
  X(nofollow_directory_link)                                                                       \
  X(symlink_trailing_slash)                                                                        \
  X(interesting_paths)                                                                             \
  X(renumber)                                                                                      \
  X(sync)                                                                                          \
  X(sockets_on_files)                                                                              \
  X(proc_raise)                                                                                    \
  X(close_preopen)

int main(void) {
  dir = guest_preopen("/sandbox");
  if (dir < 0) {
    fprintf(stderr, "no /sandbox preopen\n");
    return 100;
  }
  int pass = 0, total = 0;
#define X(n)                                                                                       \
  {                                                                                                \
    int ok = t_##n();                                                                              \
    printf("%s %s\n", ok ? "PASS" : "FAIL", #n);                                                   \
    pass += ok;                                                                                    \
    total++;                                                                                       \
  }
  CASES(X)
#undef X
  printf("conformance %d/%d\n", pass, total);
  return total - pass;
}
