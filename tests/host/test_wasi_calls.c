/*
** test_wasi_calls.c: the WASI handlers called directly over a fake guest
** memory (no engine): struct layouts, errnos, stdio without the grant,
** files in a preopen, every confinement escape (with openat2 and with the
** component walk), read-only preopens, waits instead of blocking.
*/
#include "../test.h"
#include "wasi_fixture.h"

#include "../../src/host/wasi/wasi_int.h"

#include <errno.h>
#include <time.h>

#include "wasi_call.h"

static uint32_t ld32(uint32_t off) {
  return wasi_ld32(MEM + off);
}
static uint64_t ld64(uint32_t off) {
  return wasi_ld64(MEM + off);
}

/* Guest strings live in 4 slots of 512 bytes from 1024. */
static uint32_t put(int slot, const char *s) {
  uint32_t off = 1024 + (uint32_t)slot * 512;
  memcpy(MEM + off, s, strlen(s));
  return off;
}
#define PS(slot, s) put(slot, s), (uint64_t)strlen(s)

#define RW_RIGHTS ((uint64_t)WASI_R_ALL)
#define RO_RIGHTS ((uint64_t)WASI_R_ALL & ~WASI_R_MUTATE)
#define OUT 200 /* a result slot */

static uint32_t open_at(uint32_t dir, const char *path, uint32_t lookup, uint32_t oflags,
                        uint64_t rights, uint32_t *o_fd) {
  uint32_t r = CALL(path_open, dir, lookup, PS(0, path), oflags, rights, rights, 0, OUT);
  *o_fd = r ? UINT32_MAX : ld32(OUT);
  return r;
}

/* Writes one iovec at 300 pointing at the data at 4096. */
static uint32_t write_str(uint32_t fd, const char *s) {
  memcpy(MEM + 4096, s, strlen(s));
  wasi_put32(&E, 300, 4096);
  wasi_put32(&E, 304, (uint32_t)strlen(s));
  return CALL(fd_write, fd, 300, 1, OUT);
}
static uint32_t read_buf(uint32_t fd, uint32_t len) {
  wasi_put32(&E, 300, 8192);
  wasi_put32(&E, 304, len);
  return CALL(fd_read, fd, 300, 1, OUT);
}

static rusm_wasi *new_ctx(rusm_caps *c, const rusm_wasi_options *o) {
  char err[200];
  const char *argv[] = {"prog", "a b", ""};
  rusm_wasi *w = rusm_wasi_new(c, 3, argv, o, err, sizeof err);
  if (!w) fprintf(stderr, "  rusm_wasi_new: %s\n", err);
  return w;
}

TEST(args_and_environ_layout) {
  rusm_caps *c = rusm_caps_new();
  rusm_caps_env(rusm_caps_env(c, "HOME", "/h"), "EMPTY", "");
  rusm_wasi *w = new_ctx(c, NULL);
  REQUIRE(w);
  env_for(w);
  CHECK_EQ(CALL(args_sizes_get, 100, 104), 0);
  CHECK_EQ(ld32(100), 3);
  CHECK_EQ(ld32(104), 5 + 4 + 1);
  CHECK_EQ(CALL(args_get, 400, 2000), 0);
  CHECK_EQ(ld32(400), 2000);
  CHECK_STR((char *)MEM + ld32(404), "a b");
  CHECK_STR((char *)MEM + ld32(408), "");
  CHECK_EQ(CALL(environ_sizes_get, 100, 104), 0);
  CHECK_EQ(ld32(100), 2);
  CHECK_EQ(ld32(104), 8 + 7);
  CHECK_EQ(CALL(environ_get, 400, 2000), 0);
  CHECK_STR((char *)MEM + ld32(400), "HOME=/h");
  CHECK_STR((char *)MEM + ld32(404), "EMPTY=");
  CHECK_EQ(CALL(args_get, 400, sizeof MEM - 4), WASI_EFAULT);
  CHECK_EQ(CALL(environ_sizes_get, sizeof MEM - 2, 104), WASI_EFAULT);
  rusm_wasi_free(w);
  rusm_caps_free(c);
}

TEST(stdio_without_grant_is_discarded) {
  rusm_caps *c = rusm_caps_new();
  rusm_wasi *w = new_ctx(c, NULL);
  REQUIRE(w);
  env_for(w);
  CHECK_EQ(write_str(1, "lost"), 0);
  CHECK_EQ(ld32(OUT), 4);
  CHECK_EQ(write_str(2, "lost too"), 0);
  CHECK_EQ(ld32(OUT), 8);
  CHECK_EQ(read_buf(0, 16), 0);
  CHECK_EQ(ld32(OUT), 0); /* end of file */
  CHECK_EQ(read_buf(1, 16), WASI_EBADF);
  CHECK_EQ(write_str(0, "x"), WASI_EBADF);
  CHECK_EQ(CALL(fd_fdstat_get, 1, 100), 0);
  CHECK_EQ(MEM[100], WASI_FT_CHAR);
  CHECK_EQ(CALL(fd_prestat_get, 3, 100), WASI_EBADF); /* no preopens */
  rusm_wasi_free(w);
  rusm_caps_free(c);
}

TEST(stdio_grant_uses_the_given_fds_and_waits_instead_of_blocking) {
  int in[2], out[2];
  REQUIRE(pipe(in) == 0 && pipe(out) == 0);
  rusm_caps *c = rusm_caps_allow_stdio(rusm_caps_new(), true);
  rusm_wasi_options o = {in[0], out[1], out[1], NULL, NULL, NULL, 0};
  rusm_wasi *w = new_ctx(c, &o);
  REQUIRE(w);
  env_for(w);
  CHECK_EQ(write_str(1, "hi"), 0);
  char buf[8] = {0};
  CHECK_EQ(read(out[0], buf, sizeof buf), 2);
  CHECK_STR(buf, "hi");
  /* Nothing to read: a wait on the pipe, not a sleeping thread. */
  CHECK_EQ(read_buf(0, 16), WASI_SUSPEND);
  CHECK_EQ(w->pending.wait.kind, RUSM_WASI_WAIT_EVENTS);
  CHECK_EQ(w->pending.wait.n_fds, 1);
  CHECK_EQ(w->pending.wait.fds[0].fd, in[0]);
  CHECK(!w->pending.wait.fds[0].write);
  CHECK_EQ(w->pending.wait.deadline_ns, UINT64_MAX);
  CHECK_EQ(write(in[1], "data", 4), 4);
  E.retry = true;
  CHECK_EQ(read_buf(0, 16), 0);
  CHECK_EQ(ld32(OUT), 4);
  CHECK(memcmp(MEM + 8192, "data", 4) == 0);
  /* The guest's own non-blocking flag gives EAGAIN instead. */
  CHECK_EQ(CALL(fd_fdstat_set_flags, 0, WASI_FDF_NONBLOCK), 0);
  CHECK_EQ(read_buf(0, 16), WASI_EAGAIN);
  close(in[1]);
  CHECK_EQ(read_buf(0, 16), 0);
  CHECK_EQ(ld32(OUT), 0);
  rusm_wasi_free(w); /* borrowed fds stay open */
  CHECK(fcntl(in[0], F_GETFD) >= 0);
  close(in[0]);
  close(out[0]);
  close(out[1]);
  rusm_caps_free(c);
}

TEST(full_pipe_and_poll_wait_on_fds) {
  int in[2], out[2];
  REQUIRE(pipe(in) == 0 && pipe(out) == 0);
  /* Fill the stdout pipe without blocking this test. */
  int fl = fcntl(out[1], F_GETFL);
  fcntl(out[1], F_SETFL, fl | O_NONBLOCK);
  static char junk[65536];
  while (write(out[1], junk, sizeof junk) > 0) {
  }
  fcntl(out[1], F_SETFL, fl);
  rusm_caps *c = rusm_caps_allow_stdio(rusm_caps_new(), true);
  rusm_wasi_options o = {in[0], out[1], out[1], NULL, NULL, NULL, 0};
  rusm_wasi *w = new_ctx(c, &o);
  REQUIRE(w);
  env_for(w);
  CHECK_EQ(write_str(1, "x"), WASI_SUSPEND);
  CHECK_EQ(w->pending.wait.n_fds, 1);
  CHECK_EQ(w->pending.wait.fds[0].fd, out[1]);
  CHECK(w->pending.wait.fds[0].write);
  fcntl(out[0], F_SETFL, fcntl(out[0], F_GETFL) | O_NONBLOCK);
  while (read(out[0], junk, sizeof junk) > 0) {
  }
  E.retry = true;
  CHECK_EQ(write_str(1, "x"), 0);
  CHECK_EQ(ld32(OUT), 1);
  /* poll_oneoff: stdin not ready + a 1 s timeout = a wait on both. */
  E.retry = false;
  uint8_t *s = MEM + 1000;
  memset(s, 0, 96);
  s[8] = 1; /* fd_read, fd 0 */
  s[48] = 9;
  s[56] = 0; /* clock */
  s[64] = 1; /* monotonic */
  uint64_t timeout = 1000000000;
  memcpy(s + 48 + 24, &timeout, 8);
  uint64_t before = wasi_now_ns(CLOCK_MONOTONIC);
  CHECK_EQ(CALL(poll_oneoff, 1000, 3000, 2, OUT), WASI_SUSPEND);
  CHECK_EQ(w->pending.wait.n_fds, 1);
  CHECK_EQ(w->pending.wait.fds[0].fd, in[0]);
  CHECK(!w->pending.wait.fds[0].write);
  CHECK(w->pending.wait.deadline_ns >= before + timeout);
  CHECK(w->pending.wait.deadline_ns < before + 2 * timeout);
  CHECK_EQ(write(in[1], "abc", 3), 3);
  E.retry = true;
  CHECK_EQ(CALL(poll_oneoff, 1000, 3000, 2, OUT), 0);
  CHECK_EQ(ld32(OUT), 1);
  CHECK_EQ(MEM[3010], 1);  /* fd_read event */
  CHECK_EQ(ld64(3016), 3); /* bytes available */
  rusm_wasi_free(w);
  close(in[0]);
  close(in[1]);
  close(out[0]);
  close(out[1]);
  rusm_caps_free(c);
}

TEST(missing_preopen_is_a_clear_error) {
  rusm_caps *c = rusm_caps_preopen(rusm_caps_new(), "/nonexistent/rusm-dir", "/data", false);
  char err[200];
  rusm_wasi *w = rusm_wasi_new(c, 0, NULL, NULL, err, sizeof err);
  CHECK(w == NULL);
  CHECK(strstr(err, "/nonexistent/rusm-dir") != NULL);
  CHECK(strstr(err, "/data") != NULL);
  CHECK(strstr(err, "No such file") != NULL);
  rusm_caps_free(c);
}

TEST(clocks_random_exit_yield) {
  rusm_caps *c = rusm_caps_new();
  rusm_wasi *w = new_ctx(c, NULL);
  REQUIRE(w);
  env_for(w);
  for (uint32_t id = 0; id < 4; id++) {
    CHECK_EQ(CALL(clock_res_get, id, 100), 0);
    CHECK(ld64(100) > 0);
    CHECK_EQ(CALL(clock_time_get, id, 1, 108), 0);
  }
  CHECK_EQ(CALL(clock_time_get, 0, 1, 100), 0);
  CHECK(ld64(100) > 1600000000ull * 1000000000ull); /* after 2020 */
  CHECK_EQ(CALL(clock_time_get, 1, 1, 100), 0);
  uint64_t t0 = ld64(100);
  struct timespec ts = {0, 2000000};
  nanosleep(&ts, NULL);
  CHECK_EQ(CALL(clock_time_get, 1, 1, 100), 0);
  CHECK(ld64(100) >= t0 + 2000000);
  CHECK_EQ(CALL(clock_time_get, 9, 1, 100), WASI_EINVAL);
  CHECK_EQ(CALL(clock_time_get, 1, 1, sizeof MEM - 4), WASI_EFAULT);
  CHECK_EQ(CALL(random_get, 5000, 256), 0);
  int nonzero = 0;
  for (int i = 0; i < 256; i++) nonzero += MEM[5000 + i] != 0;
  CHECK(nonzero > 200);
  memcpy(MEM + 6000, MEM + 5000, 256);
  CHECK_EQ(CALL(random_get, 5000, 256), 0);
  CHECK(memcmp(MEM + 6000, MEM + 5000, 256) != 0);
  CHECK_EQ(CALL(random_get, sizeof MEM - 10, 11), WASI_EFAULT);
  CHECK_EQ(CALL(proc_raise, 9), WASI_ENOSYS);
  rusm_val none[1];
  CHECK_EQ(wasi_h_sched_yield(&E, none), WASI_SUSPEND);
  CHECK_EQ(w->pending.wait.kind, RUSM_WASI_WAIT_YIELD);
  E.retry = true;
  CHECK_EQ(wasi_h_sched_yield(&E, none), 0);
  E.retry = false;
  uint32_t code = 99;
  CHECK(!rusm_wasi_exited(w, &code));
  CHECK_EQ(CALL(proc_exit, 42), WASI_TRAP);
  CHECK_STR(E.trap_msg, RUSM_WASI_EXIT_MSG);
  CHECK(rusm_wasi_exited(w, &code));
  CHECK_EQ(code, 42);
  rusm_wasi_free(w);
  rusm_caps_free(c);
}

TEST(poll_oneoff_records_deadlines) {
  rusm_caps *c = rusm_caps_new();
  rusm_wasi *w = new_ctx(c, NULL);
  REQUIRE(w);
  env_for(w);
  /* One relative monotonic clock of 50 ms at 1000. */
  uint8_t *s = MEM + 1000;
  memset(s, 0, 48);
  uint64_t ud = 0x1122334455667788ull, timeout = 50000000;
  memcpy(s, &ud, 8);
  s[8] = 0;  /* clock */
  s[16] = 1; /* monotonic */
  memcpy(s + 24, &timeout, 8);
  uint64_t before = wasi_now_ns(CLOCK_MONOTONIC);
  CHECK_EQ(CALL(poll_oneoff, 1000, 3000, 1, OUT), WASI_SUSPEND);
  uint64_t after = wasi_now_ns(CLOCK_MONOTONIC);
  CHECK(after - before < timeout); /* it did not sleep */
  CHECK_EQ(w->pending.wait.kind, RUSM_WASI_WAIT_EVENTS);
  CHECK_EQ(w->pending.wait.n_fds, 0);
  CHECK(w->pending.wait.deadline_ns >= before + timeout);
  CHECK(w->pending.wait.deadline_ns <= after + timeout);
  /* A retry before the deadline suspends again with the same deadline. */
  uint64_t d = w->pending.wait.deadline_ns;
  E.retry = true;
  CHECK_EQ(CALL(poll_oneoff, 1000, 3000, 1, OUT), WASI_SUSPEND);
  CHECK_EQ(w->pending.wait.deadline_ns, d);
  struct timespec ts = {0, 60000000};
  nanosleep(&ts, NULL);
  CHECK_EQ(CALL(poll_oneoff, 1000, 3000, 1, OUT), 0);
  CHECK_EQ(ld32(OUT), 1);
  CHECK_EQ(ld64(3000), ud);
  CHECK_EQ(ld32(3008) & 0xffff, 0);
  CHECK_EQ(MEM[3010], 0);
  /* An absolute realtime deadline in the past fires at once; a read
  ** subscription on null stdin is ready; a bad fd is an error event. */
  E.retry = false;
  s[16] = 0;
  s[40] = 1; /* abstime */
  timeout = 1;
  memcpy(s + 24, &timeout, 8);
  uint8_t *s2 = s + 48, *s3 = s + 96;
  memset(s2, 0, 96);
  s2[0] = 2;
  s2[8] = 1; /* fd_read */
  s2[16] = 0;
  s3[0] = 3;
  s3[8] = 2; /* fd_write */
  s3[16] = 77;
  CHECK_EQ(CALL(poll_oneoff, 1000, 3000, 3, OUT), 0);
  CHECK_EQ(ld32(OUT), 3);
  CHECK_EQ(MEM[3000 + 32], 2);
  CHECK_EQ(MEM[3000 + 32 + 10], 1);
  CHECK_EQ(MEM[3000 + 64], 3);
  CHECK_EQ(ld32(3000 + 64 + 8) & 0xffff, WASI_EBADF);
  CHECK_EQ(CALL(poll_oneoff, 1000, 3000, 0, OUT), WASI_EINVAL);
  CHECK_EQ(CALL(poll_oneoff, sizeof MEM - 40, 3000, 1, OUT), WASI_EFAULT);
  rusm_wasi_free(w);
  rusm_caps_free(c);
}

/* A context with root/box preopened at /box (fd 3), writable or not. */
static rusm_wasi *box_ctx(const char *root, bool ro, rusm_caps **o_caps) {
  char box[200];
  snprintf(box, sizeof box, "%s/box", root);
  *o_caps = rusm_caps_preopen(rusm_caps_new(), box, "/box", ro);
  rusm_wasi *w = new_ctx(*o_caps, NULL);
  if (w) env_for(w);
  return w;
}

TEST(files_in_a_preopen) {
  char root[128];
  REQUIRE(fx_tree(root) == 0);
  rusm_caps *c;
  rusm_wasi *w = box_ctx(root, false, &c);
  REQUIRE(w);
  CHECK_EQ(CALL(fd_prestat_get, 3, 100), 0);
  CHECK_EQ(MEM[100], 0);
  CHECK_EQ(ld32(104), 4);
  CHECK_EQ(CALL(fd_prestat_dir_name, 3, 120, 4), 0);
  CHECK(memcmp(MEM + 120, "/box", 4) == 0);
  CHECK_EQ(CALL(fd_prestat_dir_name, 3, 120, 3), WASI_ENAMETOOLONG);
  CHECK_EQ(CALL(fd_prestat_get, 4, 100), WASI_EBADF);
  CHECK_EQ(CALL(fd_fdstat_get, 3, 100), 0);
  CHECK_EQ(MEM[100], WASI_FT_DIR);
  CHECK_EQ(ld64(108), RW_RIGHTS & ~WASI_R_DIR_NEVER); /* a directory: no read, write, seek */
  CHECK_EQ(ld64(116), RW_RIGHTS);                     /* ... but it hands them all down */

  uint32_t fd;
  CHECK_EQ(open_at(3, "f.txt", 0, WASI_O_CREAT | WASI_O_EXCL, RW_RIGHTS, &fd), 0);
  CHECK_EQ(fd, 4);
  CHECK_EQ(write_str(fd, "hello world"), 0);
  CHECK_EQ(ld32(OUT), 11);
  CHECK_EQ(CALL(fd_tell, fd, 100), 0);
  CHECK_EQ(ld64(100), 11);
  CHECK_EQ(CALL(fd_seek, fd, 6, 0, 100), 0);
  CHECK_EQ(ld64(100), 6);
  CHECK_EQ(read_buf(fd, 100), 0);
  CHECK_EQ(ld32(OUT), 5);
  CHECK(memcmp(MEM + 8192, "world", 5) == 0);
  CHECK_EQ(CALL(fd_seek, fd, -1, 2, 100), 0);
  CHECK_EQ(ld64(100), 10);
  CHECK_EQ(CALL(fd_seek, fd, 0, 7, 100), WASI_EINVAL);
  /* pread does not move the offset */
  wasi_put32(&E, 300, 8192);
  wasi_put32(&E, 304, 5);
  CHECK_EQ(CALL(fd_pread, fd, 300, 1, 0, OUT), 0);
  CHECK(memcmp(MEM + 8192, "hello", 5) == 0);
  CHECK_EQ(CALL(fd_tell, fd, 100), 0);
  CHECK_EQ(ld64(100), 10);
  CHECK_EQ(CALL(fd_filestat_get, fd, 500), 0);
  CHECK_EQ(MEM[516], WASI_FT_REG);
  CHECK_EQ(ld64(532), 11);
  CHECK_EQ(ld64(524), 1); /* nlink */
  CHECK_EQ(CALL(fd_filestat_set_size, fd, 5), 0);
  CHECK_EQ(CALL(fd_filestat_get, fd, 500), 0);
  CHECK_EQ(ld64(532), 5);
  CHECK_EQ(CALL(fd_filestat_set_times, fd, 1000000000ull * 1000, 2000000000ull * 1000, 5), 0);
  CHECK_EQ(CALL(fd_filestat_get, fd, 500), 0);
  CHECK_EQ(ld64(540), 1000000000ull * 1000);
  CHECK_EQ(ld64(548), 2000000000ull * 1000);
  CHECK_EQ(CALL(fd_filestat_set_times, fd, 0, 0, 3), WASI_EINVAL);
  CHECK_EQ(CALL(fd_advise, fd, 0, 0, 1), 0);
  CHECK_EQ(CALL(fd_advise, fd, 0, 0, 9), WASI_EINVAL);
  CHECK_EQ(CALL(fd_allocate, fd, 0, 100), 0);
  CHECK_EQ(CALL(fd_datasync, fd), 0);
  CHECK_EQ(CALL(fd_sync, fd), 0);
  char host[256];
  CHECK_EQ(fx_read(root, "box/f.txt", host, sizeof host), 100);
  CHECK(memcmp(host, "hello", 5) == 0);
  CHECK_EQ(CALL(fd_close, fd), 0);
  CHECK_EQ(CALL(fd_close, fd), WASI_EBADF);
  CHECK_EQ(open_at(3, "f.txt", 0, WASI_O_CREAT | WASI_O_EXCL, RW_RIGHTS, &fd), WASI_EEXIST);
  CHECK_EQ(open_at(3, "nope", 0, 0, RW_RIGHTS, &fd), WASI_ENOENT);

  /* directories, rename, stat, unlink */
  CHECK_EQ(CALL(path_create_directory, 3, PS(0, "d")), 0);
  CHECK_EQ(CALL(path_create_directory, 3, PS(0, "d")), WASI_EEXIST);
  CHECK_EQ(CALL(path_rename, 3, PS(0, "f.txt"), 3, PS(1, "d/g.txt")), 0);
  CHECK_EQ(CALL(path_filestat_get, 3, 0, PS(0, "d/g.txt"), 500), 0);
  CHECK_EQ(MEM[516], WASI_FT_REG);
  CHECK_EQ(ld64(532), 100);
  CHECK_EQ(CALL(path_filestat_get, 3, 0, PS(0, "f.txt"), 500), WASI_ENOENT);
  CHECK_EQ(CALL(path_filestat_get, 3, 0, PS(0, "d"), 500), 0);
  CHECK_EQ(MEM[516], WASI_FT_DIR);
  CHECK_EQ(CALL(path_filestat_set_times, 3, 0, PS(0, "d/g.txt"), 5000000000ull, 0, 1), 0);
  CHECK_EQ(CALL(path_filestat_get, 3, 0, PS(0, "d/g.txt"), 500), 0);
  CHECK_EQ(ld64(540), 5000000000ull);
  CHECK_EQ(CALL(path_link, 3, 0, PS(0, "d/g.txt"), 3, PS(1, "hard")), 0);
  CHECK_EQ(CALL(path_filestat_get, 3, 0, PS(0, "hard"), 500), 0);
  CHECK_EQ(ld64(524), 2);
  CHECK_EQ(CALL(path_symlink, PS(0, "d/g.txt"), 3, PS(1, "sym")), 0);
  CHECK_EQ(CALL(path_readlink, 3, PS(0, "sym"), 600, 64, OUT), 0);
  CHECK_EQ(ld32(OUT), 7);
  CHECK(memcmp(MEM + 600, "d/g.txt", 7) == 0);
  CHECK_EQ(CALL(path_readlink, 3, PS(0, "sym"), 600, 3, OUT), 0);
  CHECK_EQ(ld32(OUT), 3);
  CHECK_EQ(CALL(path_filestat_get, 3, 0, PS(0, "sym"), 500), 0);
  CHECK_EQ(MEM[516], WASI_FT_SYMLINK);
  CHECK_EQ(CALL(path_filestat_get, 3, WASI_LOOKUP_FOLLOW, PS(0, "sym"), 500), 0);
  CHECK_EQ(MEM[516], WASI_FT_REG);
  CHECK_EQ(open_at(3, "sym", WASI_LOOKUP_FOLLOW, 0, RW_RIGHTS, &fd), 0);
  CHECK_EQ(CALL(fd_close, fd), 0);
  CHECK_EQ(open_at(3, "sym", 0, 0, RW_RIGHTS, &fd), WASI_ELOOP);
  CHECK_EQ(CALL(path_remove_directory, 3, PS(0, "d")), WASI_ENOTEMPTY);
  CHECK_EQ(CALL(path_unlink_file, 3, PS(0, "d")), WASI_EISDIR);
  CHECK_EQ(CALL(path_unlink_file, 3, PS(0, "d/g.txt")), 0);
  CHECK_EQ(CALL(path_remove_directory, 3, PS(0, "d")), 0);
  CHECK_EQ(CALL(path_unlink_file, 3, PS(0, "sym")), 0);
  CHECK_EQ(CALL(path_unlink_file, 3, PS(0, "hard")), 0);
  CHECK_EQ(fx_count(root, "box"), 0);
  CHECK_EQ(CALL(path_unlink_file, 3, PS(0, "")), WASI_ENOENT);
  CHECK_EQ(CALL(path_unlink_file, 3, sizeof MEM - 2, 10), WASI_EFAULT);
  rusm_wasi_free(w);
  rusm_caps_free(c);
  fx_rmtree(root);
}

TEST(readdir_layout_and_cookies) {
  char root[128];
  REQUIRE(fx_tree(root) == 0);
  rusm_caps *c;
  rusm_wasi *w = box_ctx(root, false, &c);
  REQUIRE(w);
  uint32_t fd;
  CHECK_EQ(open_at(3, "aaa", 0, WASI_O_CREAT, RW_RIGHTS, &fd), 0);
  CHECK_EQ(CALL(path_create_directory, 3, PS(0, "bb")), 0);
  CHECK_EQ(CALL(path_symlink, PS(0, "aaa"), 3, PS(1, "c")), 0);
  /* Whole listing: ".", "..", aaa, bb, c in some order. */
  CHECK_EQ(CALL(fd_readdir, 3, 10000, 4096, 0, OUT), 0);
  uint32_t used = ld32(OUT), off = 10000;
  int seen = 0, n = 0;
  uint64_t prev_next = 0;
  while (off < 10000 + used) {
    uint64_t next = ld64(off);
    uint32_t namlen = ld32(off + 16);
    uint8_t type = MEM[off + 20];
    const char *name = (const char *)MEM + off + 24;
    CHECK_EQ(next, prev_next + 1);
    prev_next = next;
    CHECK(ld64(off + 8) != 0);
    int want = -1, bit = 0;
    if (namlen == 3 && memcmp(name, "aaa", 3) == 0) want = WASI_FT_REG, bit = 1;
    if (namlen == 2 && memcmp(name, "bb", 2) == 0) want = WASI_FT_DIR, bit = 2;
    if (namlen == 1 && memcmp(name, "c", 1) == 0) want = WASI_FT_SYMLINK, bit = 4;
    if (bit) CHECK_EQ(type, want);
    seen |= bit;
    if (namlen == 1 && name[0] == '.') seen |= 8;
    off += 24 + namlen;
    n++;
  }
  CHECK_EQ(seen, 15);
  CHECK_EQ(n, 5);
  CHECK(used < 4096);
  /* Resuming at each cookie gives the rest; a small buffer truncates. */
  CHECK_EQ(CALL(fd_readdir, 3, 10000, 4096, 4, OUT), 0);
  CHECK_EQ(ld64(10000), 5);
  CHECK_EQ(CALL(fd_readdir, 3, 10000, 4096, 5, OUT), 0);
  CHECK_EQ(ld32(OUT), 0);
  CHECK_EQ(CALL(fd_readdir, 3, 10000, 30, 0, OUT), 0);
  CHECK_EQ(ld32(OUT), 30); /* full buffer: the caller must grow it */
  CHECK_EQ(CALL(fd_readdir, fd, 10000, 4096, 0, OUT), WASI_ENOTDIR);
  CHECK_EQ(CALL(fd_readdir, 3, sizeof MEM - 10, 4096, 0, OUT), WASI_EFAULT);
  rusm_wasi_free(w);
  rusm_caps_free(c);
  fx_rmtree(root);
}

static void escapes(bool fallback) {
  char root[128];
  REQUIRE(fx_tree(root) == 0);
  CHECK(fx_escape_links(root) == 0);
  wasi_confine_force_fallback(fallback);
  rusm_caps *c;
  rusm_wasi *w = box_ctx(root, false, &c);
  REQUIRE(w);
  uint32_t fd;
  const uint32_t F = WASI_LOOKUP_FOLLOW;
  const char *bad[] = {
      "../outside/secret", "/etc/passwd",    "sub/../../outside/secret", "abs_link", "rel_link",
      "chain1/secret",     "abs_dir/secret", "sub/upup/outside/secret",  "..",       "sub/../..",
      "./../box/file",     "dangling"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    uint32_t r = open_at(3, bad[i], F, 0, RW_RIGHTS, &fd);
    if (r != WASI_ENOTCAPABLE) fprintf(stderr, "  open %s -> %u\n", bad[i], r);
    CHECK_EQ(r, WASI_ENOTCAPABLE);
    r = CALL(path_filestat_get, 3, F, PS(0, bad[i]), 500);
    CHECK_EQ(r, WASI_ENOTCAPABLE);
  }
  CHECK_EQ(open_at(3, "dangling", F, WASI_O_CREAT, RW_RIGHTS, &fd), WASI_ENOTCAPABLE);
  CHECK_EQ(open_at(3, "loop", F, 0, RW_RIGHTS, &fd), WASI_ELOOP);
  CHECK_EQ(open_at(3, "rel_link", 0, 0, RW_RIGHTS, &fd), WASI_ELOOP);
  /* Links that stay inside work. */
  CHECK_EQ(open_at(3, "sub/up/sub/up/file", F, 0, RW_RIGHTS, &fd), 0);
  CHECK_EQ(read_buf(fd, 64), 0);
  CHECK_EQ(ld32(OUT), 6);
  CHECK_EQ(CALL(fd_close, fd), 0);
  CHECK_EQ(open_at(3, "sub/../file", F, 0, RW_RIGHTS, &fd), 0);
  CHECK_EQ(CALL(fd_close, fd), 0);
  CHECK_EQ(CALL(path_filestat_get, 3, 0, PS(0, "."), 500), 0);
  CHECK_EQ(CALL(path_filestat_get, 3, 0, PS(0, "abs_link"), 500), 0); /* the link itself */
  CHECK_EQ(MEM[516], WASI_FT_SYMLINK);
  /* Mutations that would land outside. */
  CHECK_EQ(CALL(path_create_directory, 3, PS(0, "../evil")), WASI_ENOTCAPABLE);
  CHECK_EQ(CALL(path_create_directory, 3, PS(0, "abs_dir/evil")), WASI_ENOTCAPABLE);
  CHECK_EQ(CALL(path_create_directory, 3, PS(0, "chain1/evil")), WASI_ENOTCAPABLE);
  CHECK_EQ(CALL(path_rename, 3, PS(0, "file"), 3, PS(1, "../outside/moved")), WASI_ENOTCAPABLE);
  CHECK_EQ(CALL(path_rename, 3, PS(0, "file"), 3, PS(1, "chain1/moved")), WASI_ENOTCAPABLE);
  CHECK_EQ(CALL(path_rename, 3, PS(0, "../outside/secret"), 3, PS(1, "got")), WASI_ENOTCAPABLE);
  CHECK_EQ(CALL(path_link, 3, 0, PS(0, "file"), 3, PS(1, "../outside/hard")), WASI_ENOTCAPABLE);
  CHECK_EQ(CALL(path_link, 3, 0, PS(0, "../outside/secret"), 3, PS(1, "h")), WASI_ENOTCAPABLE);
  CHECK_EQ(CALL(path_link, 3, F, PS(0, "rel_link"), 3, PS(1, "h")), WASI_ENOTCAPABLE);
  CHECK_EQ(CALL(path_unlink_file, 3, PS(0, "../outside/secret")), WASI_ENOTCAPABLE);
  CHECK_EQ(CALL(path_unlink_file, 3, PS(0, "abs_dir/secret")), WASI_ENOTCAPABLE);
  CHECK_EQ(CALL(path_remove_directory, 3, PS(0, "../outside")), WASI_ENOTCAPABLE);
  CHECK_EQ(CALL(path_symlink, PS(0, "/etc/passwd"), 3, PS(1, "newlink")), WASI_ENOTCAPABLE);
  CHECK_EQ(CALL(path_symlink, PS(0, "x"), 3, PS(1, "../outside/newlink")), WASI_ENOTCAPABLE);
  CHECK_EQ(CALL(path_filestat_set_times, 3, F, PS(0, "rel_link"), 1, 1, 5), WASI_ENOTCAPABLE);
  CHECK_EQ(CALL(path_readlink, 3, PS(0, "../outside/x"), 600, 64, OUT), WASI_ENOTCAPABLE);
  /* A relative link to outside may be made, but never followed. */
  CHECK_EQ(CALL(path_symlink, PS(0, "../outside/secret"), 3, PS(1, "made")), 0);
  CHECK_EQ(open_at(3, "made", F, 0, RW_RIGHTS, &fd), WASI_ENOTCAPABLE);
  /* Nothing outside changed. */
  char buf[64];
  CHECK_EQ(fx_count(root, "outside"), 1);
  CHECK_EQ(fx_read(root, "outside/secret", buf, sizeof buf), 6);
  CHECK_STR(buf, "secret");
  rusm_wasi_free(w);
  rusm_caps_free(c);
  wasi_confine_force_fallback(false);
  fx_rmtree(root);
}

TEST(escapes_fail_with_openat2) {
  escapes(false);
}
TEST(escapes_fail_with_the_component_walk) {
  escapes(true);
}

TEST(read_only_preopen_refuses_writes) {
  char root[128];
  REQUIRE(fx_tree(root) == 0);
  char p[300];
  snprintf(p, sizeof p, "%s/box/data", root);
  FILE *f = fopen(p, "w");
  REQUIRE(f);
  fputs("keep", f);
  fclose(f);
  snprintf(p, sizeof p, "%s/box/dir", root);
  mkdir(p, 0755);
  rusm_caps *c;
  rusm_wasi *w = box_ctx(root, true, &c);
  REQUIRE(w);
  CHECK_EQ(CALL(fd_fdstat_get, 3, 100), 0);
  CHECK_EQ(ld64(108) & WASI_R_MUTATE, 0);
  uint32_t fd;
  CHECK_EQ(open_at(3, "data", 0, 0, RW_RIGHTS, &fd), WASI_ENOTCAPABLE);
  CHECK_EQ(open_at(3, "new", 0, WASI_O_CREAT, RO_RIGHTS, &fd), WASI_ENOTCAPABLE);
  CHECK_EQ(open_at(3, "data", 0, WASI_O_TRUNC, RO_RIGHTS, &fd), WASI_ENOTCAPABLE);
  CHECK_EQ(CALL(path_open, 3, 0, PS(0, "data"), 0, RO_RIGHTS, RO_RIGHTS, WASI_FDF_APPEND, OUT),
           WASI_ENOTCAPABLE);
  CHECK_EQ(CALL(path_create_directory, 3, PS(0, "d2")), WASI_ENOTCAPABLE);
  CHECK_EQ(CALL(path_remove_directory, 3, PS(0, "dir")), WASI_ENOTCAPABLE);
  CHECK_EQ(CALL(path_unlink_file, 3, PS(0, "data")), WASI_ENOTCAPABLE);
  CHECK_EQ(CALL(path_rename, 3, PS(0, "data"), 3, PS(1, "moved")), WASI_ENOTCAPABLE);
  CHECK_EQ(CALL(path_link, 3, 0, PS(0, "data"), 3, PS(1, "h")), WASI_ENOTCAPABLE);
  CHECK_EQ(CALL(path_symlink, PS(0, "data"), 3, PS(1, "s")), WASI_ENOTCAPABLE);
  CHECK_EQ(CALL(path_filestat_set_times, 3, 0, PS(0, "data"), 1, 1, 5), WASI_ENOTCAPABLE);
  /* Reading works; the file's fd has no write rights either. */
  CHECK_EQ(open_at(3, "data", 0, 0, RO_RIGHTS, &fd), 0);
  CHECK_EQ(read_buf(fd, 64), 0);
  CHECK_EQ(ld32(OUT), 4);
  CHECK_EQ(write_str(fd, "x"), WASI_ENOTCAPABLE);
  CHECK_EQ(CALL(fd_filestat_set_size, fd, 0), WASI_ENOTCAPABLE);
  CHECK_EQ(CALL(fd_allocate, fd, 0, 10), WASI_ENOTCAPABLE);
  CHECK_EQ(CALL(fd_filestat_set_times, fd, 1, 1, 5), WASI_ENOTCAPABLE);
  CHECK_EQ(CALL(fd_fdstat_set_rights, fd, RW_RIGHTS, 0), WASI_ENOTCAPABLE);
  CHECK_EQ(CALL(fd_fdstat_set_flags, fd, WASI_FDF_APPEND), WASI_ENOTCAPABLE);
  /* A sub-directory opened from it hands down no write rights. */
  uint32_t dfd;
  CHECK_EQ(open_at(3, "dir", 0, WASI_O_DIRECTORY, RO_RIGHTS, &dfd), 0);
  CHECK_EQ(open_at(dfd, "x", 0, WASI_O_CREAT, RO_RIGHTS, &fd), WASI_ENOTCAPABLE);
  char buf[16];
  CHECK_EQ(fx_read(root, "box/data", buf, sizeof buf), 4);
  CHECK_STR(buf, "keep");
  CHECK_EQ(fx_count(root, "box"), 2);
  rusm_wasi_free(w);
  rusm_caps_free(c);
  fx_rmtree(root);
}

TEST(fd_table_operations) {
  char root[128];
  REQUIRE(fx_tree(root) == 0);
  rusm_caps *c;
  rusm_wasi *w = box_ctx(root, false, &c);
  REQUIRE(w);
  uint32_t a, b;
  CHECK_EQ(open_at(3, "a", 0, WASI_O_CREAT, RW_RIGHTS, &a), 0);
  CHECK_EQ(open_at(3, "b", 0, WASI_O_CREAT, RW_RIGHTS, &b), 0);
  CHECK_EQ(write_str(a, "A"), 0);
  CHECK_EQ(CALL(fd_renumber, a, b), 0);
  CHECK_EQ(CALL(fd_fdstat_get, a, 100), WASI_EBADF);
  CHECK_EQ(write_str(b, "B"), 0); /* b is now a's file */
  char buf[8];
  CHECK_EQ(fx_read(root, "box/a", buf, sizeof buf), 2);
  CHECK_EQ(fx_read(root, "box/b", buf, sizeof buf), 0);
  CHECK_EQ(CALL(fd_renumber, b, 99), WASI_EBADF);
  /* Rights only shrink. */
  CHECK_EQ(CALL(fd_fdstat_set_rights, b, WASI_R_FD_READ, 0), 0);
  CHECK_EQ(write_str(b, "x"), WASI_ENOTCAPABLE);
  CHECK_EQ(CALL(fd_fdstat_set_rights, b, RW_RIGHTS, 0), WASI_ENOTCAPABLE);
  CHECK_EQ(CALL(fd_fdstat_get, b, 100), 0);
  CHECK_EQ(ld64(108), WASI_R_FD_READ);
  /* Append mode */
  uint32_t ap;
  CHECK_EQ(CALL(path_open, 3, 0, PS(0, "a"), 0, RW_RIGHTS, RW_RIGHTS, WASI_FDF_APPEND, OUT), 0);
  ap = ld32(OUT);
  CHECK_EQ(CALL(fd_fdstat_get, ap, 100), 0);
  CHECK_EQ(ld32(100) >> 16, WASI_FDF_APPEND);
  CHECK_EQ(write_str(ap, "Z"), 0);
  CHECK_EQ(fx_read(root, "box/a", buf, sizeof buf), 3);
  CHECK_STR(buf, "ABZ");
  CHECK_EQ(CALL(fd_seek, 1, 0, 0, 100), WASI_ENOTCAPABLE); /* stdio cannot seek */
  CHECK_EQ(CALL(sock_accept, 3, 0, OUT), WASI_ENOTSOCK);
  CHECK_EQ(CALL(sock_recv, ap, 300, 1, 0, OUT, OUT + 4), WASI_ENOTSOCK);
  CHECK_EQ(CALL(sock_send, 1, 300, 1, 0, OUT), WASI_ENOTSOCK);
  CHECK_EQ(CALL(sock_shutdown, 42, 3), WASI_EBADF);
  CHECK_EQ(CALL(fd_close, 3), 0); /* preopens may be closed */
  CHECK_EQ(CALL(fd_prestat_get, 3, 100), WASI_EBADF);
  uint32_t again;
  CHECK_EQ(open_at(ap, "x", 0, 0, RW_RIGHTS, &again), WASI_ENOTDIR);
  rusm_wasi_free(w);
  rusm_caps_free(c);
  fx_rmtree(root);
}

TEST_MAIN(args_and_environ_layout, stdio_without_grant_is_discarded,
          stdio_grant_uses_the_given_fds_and_waits_instead_of_blocking,
          full_pipe_and_poll_wait_on_fds, missing_preopen_is_a_clear_error,
          clocks_random_exit_yield, poll_oneoff_records_deadlines, files_in_a_preopen,
          readdir_layout_and_cookies, escapes_fail_with_openat2,
          escapes_fail_with_the_component_walk, read_only_preopen_refuses_writes,
          fd_table_operations)
