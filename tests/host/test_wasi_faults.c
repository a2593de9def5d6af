/*
** test_wasi_faults.c: the WASI layer when allocations (and fds) run out,
** through tests/fault: the caps builder and its clone, context
** construction, the import linker, the run driver, growing the fd table
** (path_open, sock_accept, preopened sockets), directory snapshots,
** poll_oneoff's staging, and the confinement walk. Each failure must reach
** the caller as the documented error, leave the object usable and leak
** nothing (memory or fds). Also: write readiness that lies (eventfd), CPU
** clocks in poll_oneoff, and the confinement falling back to the walk when
** a seccomp filter refuses openat2.
*/
#define _GNU_SOURCE
#include "../test.h"
#include "fault.h"
#include "wasi_fixture.h"

#include "../../src/host/wasi/wasi_int.h"
#include "../engine/wbuild.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <stddef.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "wasi_call.h"

#define OUT 200   /* a result slot */
#define OUT2 208  /* a second one */
#define IOV 300   /* one iovec: {4096, len} */
#define PATH 1024 /* a path argument */
#define BUF 8192  /* readdir / poll buffers */

static uint32_t ld32(uint32_t off) {
  return wasi_ld32(MEM + off);
}

/* Open fds of this process (the directory's own fd included). */
static int open_fds(void) {
  DIR *d = opendir("/proc/self/fd");
  int n = 0;
  if (!d) return -1;
  while (readdir(d)) n++;
  closedir(d);
  return n;
}

/* ------------------------------------------------------------ caps */

TEST(caps_builder_out_of_memory) {
  const char *k, *v;
  /* No room for another entry: the call fails, nothing is added. */
  rusm_caps *c = rusm_caps_new();
  REQUIRE(c);
  fault_arm(FAULT_realloc, 1, 0);
  rusm_caps_env(c, "A", "1");
  fault_reset();
  CHECK(!rusm_caps_ok(c));
  CHECK_EQ(rusm_caps_env_count(c), 0);
  rusm_caps_free(c);
  /* The key's copy, then the value's: the same. */
  for (uint64_t nth = 1; nth <= 2; nth++) {
    c = rusm_caps_new();
    fault_arm(FAULT_strdup, nth, 0);
    rusm_caps_env(c, "A", "1");
    fault_reset();
    CHECK(!rusm_caps_ok(c));
    CHECK_EQ(rusm_caps_env_count(c), 0);
    rusm_caps_free(c);
  }
  /* Replacing a value that cannot be copied keeps the old one. */
  c = rusm_caps_env(rusm_caps_new(), "K", "one");
  fault_arm(FAULT_strdup, 1, 0);
  rusm_caps_env(c, "K", "two");
  fault_reset();
  CHECK(!rusm_caps_ok(c));
  rusm_caps_env_at(c, 0, &k, &v);
  CHECK_STR(v, "one");
  rusm_caps_free(c);
  /* Preopens: the table, the host path's copy, the guest path's copy. */
  c = rusm_caps_new();
  fault_arm(FAULT_realloc, 1, 0);
  rusm_caps_preopen(c, "/tmp", "/t", true);
  fault_reset();
  CHECK(!rusm_caps_ok(c));
  CHECK_EQ(rusm_caps_preopen_count(c), 0);
  rusm_caps_free(c);
  for (uint64_t nth = 1; nth <= 2; nth++) {
    c = rusm_caps_new();
    fault_arm(FAULT_strdup, nth, 0);
    rusm_caps_preopen(c, "/tmp", "/t", true);
    fault_reset();
    CHECK(!rusm_caps_ok(c));
    CHECK_EQ(rusm_caps_preopen_count(c), 0);
    rusm_caps_free(c);
  }
}

TEST(caps_clone_out_of_memory_sweep) {
  rusm_caps *src = rusm_caps_new();
  rusm_caps_env(rusm_caps_env(src, "A", "1"), "B", "2");
  rusm_caps_preopen(rusm_caps_preopen(src, "/tmp", "/t", true), "/var", "/v", false);
  rusm_caps_allow_network(src, true);
  REQUIRE(rusm_caps_ok(src));
  fault_count_on();
  rusm_caps *d = rusm_caps_clone(src);
  uint64_t k = fault_seen(FAULT_ALLOC);
  fault_reset();
  REQUIRE(d);
  rusm_caps_free(d);
  CHECK(k >= 9); /* the set, two tables, eight strings (growth may merge) */
  /* Every allocation is needed: a clone missing any of them is refused. */
  for (uint64_t n = 1; n <= k; n++) {
    fault_arm(FAULT_ALLOC, n, 0);
    d = rusm_caps_clone(src);
    uint64_t failed = fault_failed(FAULT_ALLOC);
    fault_reset();
    CHECK_EQ(failed, 1);
    CHECK(d == NULL);
    rusm_caps_free(d);
  }
  /* A clone of a set that had already failed keeps saying so. */
  rusm_caps_env(src, "", "x");
  d = rusm_caps_clone(src);
  REQUIRE(d);
  CHECK(!rusm_caps_ok(d));
  CHECK_EQ(rusm_caps_env_count(d), 2);
  rusm_caps_free(d);
  rusm_caps_free(src);
}

/* ------------------------------------------------------------ contexts */

/* Six fds (copies of /dev/null) to hand in as preopened sockets: with
** stdio and two preopens they outgrow the first fd table. */
#define N_SOCK 6

TEST(context_out_of_memory_sweep) {
  char root[128];
  REQUIRE(fx_tree(root) == 0);
  char box[256];
  snprintf(box, sizeof box, "%s/box", root);
  rusm_caps *c = rusm_caps_allow_stdio(rusm_caps_new(), true);
  rusm_caps_allow_network(c, true);
  rusm_caps_env(rusm_caps_env(c, "A", "1"), "B", "2");
  rusm_caps_preopen(rusm_caps_preopen(c, box, "/a", false), box, "/b", true);
  int socks[N_SOCK];
  for (int i = 0; i < N_SOCK; i++) REQUIRE((socks[i] = open("/dev/null", O_RDONLY)) >= 0);
  rusm_wasi_options o = {-1, -1, -1, NULL, NULL, socks, N_SOCK};
  const char *argv[] = {"prog", "x", NULL};
  char err[200];
  int fds = open_fds();
  fault_count_on();
  rusm_wasi *w = rusm_wasi_new(c, 3, argv, &o, err, sizeof err);
  uint64_t k = fault_seen(FAULT_ALLOC);
  fault_reset();
  REQUIRE(w);
  CHECK_EQ(w->n_fds, 16); /* 3 + 2 + 6 slots: the table grew once */
  CHECK_EQ(w->argc, 3);
  CHECK_STR(w->argv[2], "");
  rusm_wasi_free(w);
  CHECK_EQ(open_fds(), fds);
  for (uint64_t n = 1; n <= k; n++) {
    fault_arm(FAULT_ALLOC, n, 0);
    err[0] = 0;
    w = rusm_wasi_new(c, 3, argv, &o, err, sizeof err);
    fault_reset();
    CHECK(w == NULL);
    if (!strstr(err, "out of memory"))
      fprintf(stderr, "  allocation %llu: '%s'\n", (unsigned long long)n, err);
    CHECK(strstr(err, "out of memory") != NULL);
    rusm_wasi_free(w);
    CHECK_EQ(open_fds(), fds); /* the preopens and socket copies were closed */
  }
  /* And it still builds afterwards. */
  w = rusm_wasi_new(c, 3, argv, &o, err, sizeof err);
  CHECK(w != NULL);
  rusm_wasi_free(w);
  for (int i = 0; i < N_SOCK; i++) close(socks[i]);
  rusm_caps_free(c);
  fx_rmtree(root);
}

TEST(preopened_sockets_need_network_and_real_fds) {
  int s = open("/dev/null", O_RDONLY);
  REQUIRE(s >= 0);
  rusm_wasi_options o = {-1, -1, -1, NULL, NULL, &s, 1};
  char err[200];
  rusm_caps *c = rusm_caps_new();
  CHECK(rusm_wasi_new(c, 0, NULL, &o, err, sizeof err) == NULL);
  CHECK_STR(err, "a preopened socket needs the network capability");
  rusm_caps_allow_network(c, true);
  int bad = -1;
  o.sockets = &bad;
  CHECK(rusm_wasi_new(c, 0, NULL, &o, err, sizeof err) == NULL);
  CHECK_STR(err, "preopened socket -1: Bad file descriptor");
  o.sockets = &s;
  rusm_wasi *w = rusm_wasi_new(c, 0, NULL, &o, err, sizeof err);
  REQUIRE(w);
  CHECK_EQ(w->fds[3].filetype, WASI_FT_SOCK_STREAM);
  CHECK(w->fds[3].host != s); /* a copy of its own */
  rusm_wasi_free(w);
  rusm_caps_free(c);
  close(s);
}

/* ------------------------------------------------------------ linking */

TEST(link_out_of_memory_sweep) {
  fault_count_on();
  rusm_wasi_link *l = rusm_wasi_link_new(NULL, NULL);
  uint64_t k = fault_seen(FAULT_ALLOC);
  fault_reset();
  REQUIRE(l);
  rusm_wasi_link_free(l);
  CHECK(k > 10); /* the linker, then one host function per WASI call */
  for (uint64_t n = 1; n <= k; n++) {
    fault_arm(FAULT_ALLOC, n, 0);
    l = rusm_wasi_link_new(NULL, NULL);
    fault_reset();
    CHECK(l == NULL);
    rusm_wasi_link_free(l);
  }
  /* The import list: one allocation, reported as the import section's. */
  wbuf b;
  wb_init(&b);
  rusm_error e;
  rusm_module *m = rusm_module_load(b.b, b.n, &e);
  REQUIRE(m);
  l = rusm_wasi_link_new(NULL, NULL);
  REQUIRE(l);
  size_t n_ext = 7;
  fault_arm(FAULT_ALLOC, 1, 0);
  rusm_extern *ext = rusm_wasi_imports(l, m, &n_ext, &e);
  fault_reset();
  CHECK(ext == NULL);
  CHECK_STR(e.section, "import");
  CHECK_STR(e.reason, "out of memory");
  ext = rusm_wasi_imports(l, m, &n_ext, &e);
  CHECK(ext != NULL);
  CHECK_EQ(n_ext, 0);
  free(ext);
  rusm_wasi_link_free(l);
  rusm_module_free(m);
}

/* _start calls fd_write(1, iov at 0 = {16, 3}, 1, 32), "hi\n" at 16, and
** then proc_exit(7). */
static void exit7_module(wbuf *b) {
  wb_init(b);
  WB_SEC(b, 1, "\x03\x60\x00\x00\x60\x04\x7f\x7f\x7f\x7f\x01\x7f\x60\x01\x7f\x00");
  WB_SEC(b, 2,
         "\x02\x16wasi_snapshot_preview1\x08"
         "fd_write\x00\x01"
         "\x16wasi_snapshot_preview1\x09proc_exit\x00\x02");
  WB_SEC(b, 3, "\x01\x00");
  WB_SEC(b, 5, "\x01\x00\x01");
  WB_SEC(b, 7, "\x02\x06_start\x00\x02\x06memory\x02\x00");
  static const char body[] = "\x41\x01\x41\x00\x41\x01\x41\x20\x10\x00\x1a"
                             "\x41\x07\x10\x01\x0b";
  wb_code1(b, body, sizeof body - 1);
  WB_SEC(b, 11,
         "\x01\x00\x41\x00\x0b\x13\x10\x00\x00\x00\x03\x00\x00\x00"
         "\x00\x00\x00\x00\x00\x00\x00\x00hi\n");
}

TEST(driver_out_of_memory_sweep) {
  wbuf b;
  exit7_module(&b);
  int p[2];
  REQUIRE(pipe(p) == 0);
  rusm_caps *c = rusm_caps_allow_stdio(rusm_caps_new(), true);
  rusm_wasi_options o = {-1, p[1], -1, NULL, NULL, NULL, 0};
  const char *argv[] = {"prog"};
  rusm_wasi_run_result r;
  fault_count_on();
  rusm_wasi_run(b.b, b.n, c, 1, argv, &o, &r);
  uint64_t k = fault_seen(FAULT_ALLOC);
  fault_reset();
  if (r.status != RUSM_WASI_RUN_EXITED) fprintf(stderr, "  %s\n", r.msg);
  REQUIRE(r.status == RUSM_WASI_RUN_EXITED);
  CHECK_EQ(r.exit_code, 7);
  char out[64] = {0};
  CHECK_EQ(read(p[0], out, sizeof out), 3);
  CHECK_STR(out, "hi\n");
  int fds = open_fds();
  int failed_runs = 0;
  fcntl(p[0], F_SETFL, O_NONBLOCK);
  for (uint64_t n = 1; n <= k; n++) {
    fault_arm(FAULT_ALLOC, n, 0);
    rusm_wasi_run(b.b, b.n, c, 1, argv, &o, &r);
    fault_reset();
    ssize_t got = read(p[0], out, sizeof out);
    /* The run could not be set up and says why; or the engine ran out
    ** while running it, a trap; or nothing it needed was missing and the
    ** guest ran to its exit. rusm_prepare names no reason when its own
    ** allocations fail (an engine gap, reported), hence the bare "link". */
    if (r.status == RUSM_WASI_RUN_ERROR) {
      failed_runs++;
      CHECK(strstr(r.msg, "out of memory") != NULL || strncmp(r.msg, "link: ", 6) == 0);
      CHECK(got < 0);
    } else if (r.status == RUSM_WASI_RUN_TRAP) {
      CHECK(r.msg[0] != 0);
    } else {
      CHECK_EQ(r.status, RUSM_WASI_RUN_EXITED);
      CHECK_EQ(r.exit_code, 7);
      CHECK_EQ(got, 3);
    }
    CHECK_EQ(open_fds(), fds);
  }
  CHECK(failed_runs > 0);
  close(p[0]);
  close(p[1]);
  rusm_caps_free(c);
}

/* ------------------------------------------------------------ fd tables */

/* A context with stdio and root/box preopened as fd 3. */
static rusm_wasi *box_ctx(const char *root, rusm_caps **o_caps) {
  char box[256];
  snprintf(box, sizeof box, "%s/box", root);
  *o_caps = rusm_caps_preopen(rusm_caps_new(), box, "/box", false);
  char err[200];
  rusm_wasi *w = rusm_wasi_new(*o_caps, 0, NULL, NULL, err, sizeof err);
  if (!w) fprintf(stderr, "  rusm_wasi_new: %s\n", err);
  return w;
}

static uint32_t open_in_box(const char *name, uint32_t oflags) {
  size_t n = strlen(name);
  memcpy(MEM + PATH, name, n);
  return CALL(path_open, 3, 0, PATH, n, oflags, WASI_R_FD_READ | WASI_R_FD_WRITE, 0, 0, OUT);
}

TEST(path_open_when_the_table_cannot_grow) {
  char root[128];
  REQUIRE(fx_tree(root) == 0);
  rusm_caps *c;
  rusm_wasi *w = box_ctx(root, &c);
  REQUIRE(w);
  env_for(w);
  /* fds 4..7 fill the first table. */
  for (uint32_t i = 4; i < 8; i++) {
    CHECK_EQ(open_in_box("f", WASI_O_CREAT), 0);
    CHECK_EQ(ld32(OUT), i);
  }
  int fds = open_fds();
  fault_arm(FAULT_realloc, 1, 0);
  CHECK_EQ(open_in_box("f", 0), WASI_ENOMEM);
  fault_reset();
  CHECK_EQ(open_fds(), fds); /* the host fd was closed again */
  CHECK_EQ(w->n_fds, 8);
  CHECK_EQ(open_in_box("f", 0), 0);
  CHECK_EQ(ld32(OUT), 8);
  rusm_wasi_free(w);
  rusm_caps_free(c);
  fx_rmtree(root);
}

TEST(readdir_snapshot_out_of_memory) {
  char root[128];
  REQUIRE(fx_tree(root) == 0);
  rusm_caps *c;
  rusm_wasi *w = box_ctx(root, &c);
  REQUIRE(w);
  env_for(w);
  CHECK_EQ(open_in_box("one", WASI_O_CREAT), 0);
  int fds = open_fds();
  /* The entry table, then an entry's name: ENOMEM, and the fd still lists. */
  fault_arm(FAULT_realloc, 1, 0);
  CHECK_EQ(CALL(fd_readdir, 3, BUF, 4096, 0, OUT), WASI_ENOMEM);
  fault_reset();
  fault_arm(FAULT_strdup, 1, 0);
  CHECK_EQ(CALL(fd_readdir, 3, BUF, 4096, 0, OUT), WASI_ENOMEM);
  fault_reset();
  CHECK_EQ(open_fds(), fds);
  CHECK_EQ(CALL(fd_readdir, 3, BUF, 4096, 0, OUT), 0);
  CHECK_EQ(w->fds[3].n_dir, 3); /* ".", ".." and "one" */
  CHECK_EQ(ld32(OUT), 3 * 24 + 1 + 2 + 3);
  rusm_wasi_free(w);
  rusm_caps_free(c);
  fx_rmtree(root);
}

/* A listener handed in as stdio; connects and accepts until fds 3..7 are
** taken, then the table cannot grow for the next one. */
TEST(accept_when_the_table_cannot_grow) {
  int l = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(l >= 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t al = sizeof a;
  REQUIRE(bind(l, (struct sockaddr *)&a, sizeof a) == 0 && listen(l, 16) == 0);
  REQUIRE(getsockname(l, (struct sockaddr *)&a, &al) == 0);
  rusm_caps *c = rusm_caps_allow_stdio(rusm_caps_new(), true);
  rusm_wasi_options o = {l, l, l, NULL, NULL, NULL, 0};
  rusm_wasi *w = rusm_wasi_new(c, 0, NULL, &o, NULL, 0);
  REQUIRE(w);
  env_for(w);
  int cl[7];
  for (int i = 0; i < 7; i++) {
    cl[i] = socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(cl[i] >= 0 && connect(cl[i], (struct sockaddr *)&a, sizeof a) == 0);
  }
  for (uint32_t i = 3; i < 8; i++) {
    CHECK_EQ(CALL(sock_accept, 0, 0, OUT), 0);
    CHECK_EQ(ld32(OUT), i);
  }
  int fds = open_fds();
  fault_arm(FAULT_realloc, 1, 0);
  CHECK_EQ(CALL(sock_accept, 0, 0, OUT), WASI_ENOMEM);
  fault_reset();
  CHECK_EQ(open_fds(), fds); /* the accepted connection was closed */
  struct pollfd pf = {cl[5], POLLIN, 0};
  char ch;
  CHECK_EQ(poll(&pf, 1, 2000), 1);
  CHECK_EQ(recv(cl[5], &ch, 1, MSG_DONTWAIT), 0); /* ... which its peer sees */
  CHECK_EQ(CALL(sock_accept, 0, 0, OUT), 0);
  CHECK_EQ(ld32(OUT), 8);
  rusm_wasi_free(w);
  rusm_caps_free(c);
  for (int i = 0; i < 7; i++) close(cl[i]);
  close(l);
}

/* ------------------------------------------------------------ poll */

/* A clock subscription at MEM + at: clock id, relative timeout. */
static void clock_sub(uint32_t at, uint64_t ud, uint32_t id, uint64_t timeout) {
  memset(MEM + at, 0, 48);
  memcpy(MEM + at, &ud, 8);
  MEM[at + 8] = 0; /* EV_CLOCK */
  memcpy(MEM + at + 16, &id, 4);
  memcpy(MEM + at + 24, &timeout, 8);
}

TEST(poll_staging_out_of_memory_and_cpu_clocks) {
  rusm_caps *c = rusm_caps_new();
  rusm_wasi *w = rusm_wasi_new(c, 0, NULL, NULL, NULL, 0);
  REQUIRE(w);
  env_for(w);
  clock_sub(BUF, 11, 2, 1000); /* the process's CPU time: not waitable */
  clock_sub(BUF + 48, 12, 1, 0);
  /* The wait list, then the staged events: either missing is ENOMEM. */
  for (uint64_t nth = 1; nth <= 2; nth++) {
    fault_arm(FAULT_malloc, nth, 0);
    CHECK_EQ(CALL(poll_oneoff, BUF, BUF + 1024, 2, OUT), WASI_ENOMEM);
    fault_reset();
  }
  CHECK_EQ(CALL(poll_oneoff, BUF, BUF + 1024, 2, OUT), 0);
  CHECK_EQ(ld32(OUT), 2);
  const uint8_t *ev = MEM + BUF + 1024;
  uint16_t err0, err1;
  memcpy(&err0, ev + 8, 2);
  memcpy(&err1, ev + 32 + 8, 2);
  CHECK_EQ(ev[0], 11);
  CHECK_EQ(err0, WASI_ENOTSUP);
  CHECK_EQ(ev[32], 12);
  CHECK_EQ(err1, 0);
  rusm_wasi_free(w);
  rusm_caps_free(c);
}

/* ------------------------------------------------------------ writes */

/* An eventfd is writable while its counter is below the maximum, yet a
** write that would overflow it is EAGAIN: a blocking guest then gets a
** wait for writability, a non-blocking one EAGAIN. */
TEST(write_that_would_block_after_readiness) {
  int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  REQUIRE(efd >= 0);
  uint64_t one = 1;
  REQUIRE(write(efd, &one, 8) == 8);
  rusm_caps *c = rusm_caps_allow_stdio(rusm_caps_new(), true);
  rusm_wasi_options o = {-1, efd, -1, NULL, NULL, NULL, 0};
  rusm_wasi *w = rusm_wasi_new(c, 0, NULL, &o, NULL, 0);
  REQUIRE(w);
  env_for(w);
  uint64_t big = 0xfffffffffffffffeull;
  memcpy(MEM + 4096, &big, 8);
  wasi_put32(&E, IOV, 4096);
  wasi_put32(&E, IOV + 4, 8);
  CHECK_EQ(CALL(fd_write, 1, IOV, 1, OUT), WASI_SUSPEND);
  CHECK_EQ(w->pending.wait.kind, RUSM_WASI_WAIT_EVENTS);
  CHECK_EQ(w->pending.wait.n_fds, 1);
  CHECK_EQ(w->pending.wait.fds[0].fd, efd);
  CHECK(w->pending.wait.fds[0].write);
  CHECK_EQ(CALL(fd_fdstat_set_flags, 1, WASI_FDF_NONBLOCK), 0);
  CHECK_EQ(CALL(fd_write, 1, IOV, 1, OUT), WASI_EAGAIN);
  /* Once the counter is read back to 0 the same write goes through. */
  uint64_t v;
  CHECK_EQ(read(efd, &v, 8), 8);
  CHECK_EQ(v, 1);
  CHECK_EQ(CALL(fd_write, 1, IOV, 1, OUT), 0);
  CHECK_EQ(ld32(OUT), 8);
  rusm_wasi_free(w);
  rusm_caps_free(c);
  close(efd);
}

/* ------------------------------------------------------------ confinement */

static uint32_t resolve(int dirfd, const char *path) {
  int parent = -1;
  char leaf[NAME_MAX + 1];
  uint32_t r = wasi_resolve(dirfd, path, true, &parent, leaf, NULL);
  if (!r) close(parent);
  return r;
}

TEST(walk_stack_out_of_memory) {
  char root[128];
  REQUIRE(fx_tree(root) == 0);
  REQUIRE(fx_escape_links(root) == 0);
  char p[300];
  snprintf(p, sizeof p, "%s/box", root);
  int box = open(p, O_RDONLY | O_DIRECTORY);
  REQUIRE(box >= 0);
  wasi_confine_force_fallback(true);
  int fds = open_fds();
  /* The path buffer, then the walk's stack of directory fds. */
  fault_arm(FAULT_malloc, 1, 0);
  CHECK_EQ(resolve(box, "sub/file"), WASI_ENOMEM);
  fault_reset();
  fault_arm(FAULT_realloc, 1, 0);
  CHECK_EQ(resolve(box, "sub/file"), WASI_ENOMEM);
  fault_reset();
  CHECK_EQ(open_fds(), fds);
  CHECK_EQ(resolve(box, "sub/file"), 0);
  wasi_confine_force_fallback(false);
  close(box);
  fx_rmtree(root);
}

/* Refuses openat2 with EPERM in this process from now on. */
static int refuse_openat2(void) {
  struct sock_filter f[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat2, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA)),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog = {sizeof f / sizeof f[0], f};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
  return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

/* What a child under the filter found: a bit per check that failed. */
static int confined_under_filter(int box) {
  if (refuse_openat2() != 0) return 1;
  int bad = 0;
  wasi_confine_force_fallback(false); /* let it find out by itself */
  if (resolve(box, "sub/file") != 0) bad |= 2;
  if (resolve(box, "sub/../../outside/secret") != WASI_ENOTCAPABLE) bad |= 4;
  if (resolve(box, "chain1/secret") != WASI_ENOTCAPABLE) bad |= 8;
  if (resolve(box, "nothere/x") != WASI_ENOENT) bad |= 16;
  return bad;
}

TEST(seccomp_refusing_openat2_falls_back_to_the_walk) {
  char root[128];
  REQUIRE(fx_tree(root) == 0);
  REQUIRE(fx_escape_links(root) == 0);
  char p[300];
  snprintf(p, sizeof p, "%s/box", root);
  int box = open(p, O_RDONLY | O_DIRECTORY);
  REQUIRE(box >= 0);
  fflush(NULL);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) exit(confined_under_filter(box)); /* exit: coverage data is written */
  int st = 0;
  REQUIRE(waitpid(pid, &st, 0) == pid);
  CHECK(WIFEXITED(st));
  CHECK_EQ(WEXITSTATUS(st), 0);
  /* This process was not filtered: openat2 still confines here. */
  CHECK_EQ(resolve(box, "sub/../../outside/secret"), WASI_ENOTCAPABLE);
  close(box);
  fx_rmtree(root);
}

TEST_MAIN(caps_builder_out_of_memory, caps_clone_out_of_memory_sweep, context_out_of_memory_sweep,
          preopened_sockets_need_network_and_real_fds, link_out_of_memory_sweep,
          driver_out_of_memory_sweep, path_open_when_the_table_cannot_grow,
          readdir_snapshot_out_of_memory, accept_when_the_table_cannot_grow,
          poll_staging_out_of_memory_and_cpu_clocks, write_that_would_block_after_readiness,
          walk_stack_out_of_memory, seccomp_refusing_openat2_falls_back_to_the_walk)
