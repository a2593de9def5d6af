/*
** test_wasi_cov.c: the WASI layer's less travelled paths: sockets handed
** in as stdio (accept, recv, send, shutdown and their errnos), unknown
** poll subscriptions, readdir file types, confinement limits (too long,
** too many hops, non-directories) in both resolution modes, the errno and
** file-type maps, context and driver failures, a call with no context.
*/
#include "../test.h"
#include "wasi_fixture.h"

#include "../../src/host/wasi/wasi_int.h"
#include "../engine/wbuild.h"

#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

#include "wasi_call.h"

#define OUT 200  /* a result slot */
#define OUT2 208 /* a second one */
#define IOV 300  /* one iovec: {4096, len} */
#define BAD 0xfffffff0u

static uint32_t ld32(uint32_t off) {
  return wasi_ld32(MEM + off);
}
static uint32_t ld16(uint32_t off) {
  return (uint32_t)MEM[off] | (uint32_t)MEM[off + 1] << 8;
}

static void iov_to(const char *s, uint32_t len) {
  if (s) memcpy(MEM + 4096, s, len);
  wasi_put32(&E, IOV, 4096);
  wasi_put32(&E, IOV + 4, len);
}

static rusm_wasi *stdio_ctx(int in, int out, rusm_caps **o_caps) {
  *o_caps = rusm_caps_allow_stdio(rusm_caps_new(), true);
  rusm_wasi_options o = {in, out, out, NULL, NULL, NULL, 0};
  char err[200];
  const char *argv[] = {"prog"};
  rusm_wasi *w = rusm_wasi_new(*o_caps, 1, argv, &o, err, sizeof err);
  if (!w) fprintf(stderr, "  rusm_wasi_new: %s\n", err);
  return w;
}

TEST(connected_socket_as_stdio) {
  int sv[2];
  REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  rusm_caps *c;
  rusm_wasi *w = stdio_ctx(sv[0], sv[0], &c);
  REQUIRE(w);
  env_for(w);
  /* The fd's type comes from the host: a stream socket. */
  CHECK_EQ(CALL(fd_fdstat_get, 0, OUT), 0);
  CHECK_EQ(MEM[OUT], WASI_FT_SOCK_STREAM);
  /* A socket has no seek right, so no positional reads. */
  iov_to(NULL, 8);
  CHECK_EQ(CALL(fd_pread, 0, IOV, 1, 0, OUT), WASI_ENOTCAPABLE);

  /* recv: argument checks, then a wait when nothing is there. */
  CHECK_EQ(CALL(sock_recv, 0, IOV, 1, 0, BAD, OUT2), WASI_EFAULT);
  CHECK_EQ(CALL(sock_recv, 0, IOV, 1, 0, OUT, BAD), WASI_EFAULT);
  CHECK_EQ(CALL(sock_recv, 0, IOV, 1, 4, OUT, OUT2), WASI_EINVAL);
  CHECK_EQ(CALL(sock_recv, 0, IOV, 1, 0, OUT, OUT2), WASI_SUSPEND);
  CHECK_EQ(w->pending.wait.kind, RUSM_WASI_WAIT_EVENTS);
  CHECK_EQ(w->pending.wait.n_fds, 1);
  CHECK_EQ(w->pending.wait.fds[0].fd, sv[0]);
  CHECK(!w->pending.wait.fds[0].write);
  CHECK_EQ(write(sv[1], "hello", 5), 5);
  /* MSG_PEEK (riflags 1) leaves the bytes; a 3-byte buffer truncates. */
  iov_to(NULL, 3);
  CHECK_EQ(CALL(sock_recv, 0, IOV, 1, 1, OUT, OUT2), 0);
  CHECK_EQ(ld32(OUT), 3);
  CHECK(memcmp(MEM + 4096, "hel", 3) == 0);
  iov_to(NULL, 16);
  CHECK_EQ(CALL(sock_recv, 0, IOV, 1, 0, OUT, OUT2), 0);
  CHECK_EQ(ld32(OUT), 5);
  CHECK(memcmp(MEM + 4096, "hello", 5) == 0);
  CHECK_EQ(MEM[OUT2], 0); /* no ro_flags */
  /* A bad iovec array is a fault, not a host crash. */
  CHECK_EQ(CALL(sock_recv, 0, BAD, 1, 0, OUT, OUT2), WASI_EFAULT);

  /* send: flags must be 0; data reaches the peer. */
  iov_to("hey", 3);
  CHECK_EQ(CALL(sock_send, 1, IOV, 1, 1, OUT), WASI_EINVAL);
  CHECK_EQ(CALL(sock_send, 1, IOV, 1, 0, BAD), WASI_EFAULT);
  CHECK_EQ(CALL(sock_send, 1, BAD, 1, 0, OUT), WASI_EFAULT);
  CHECK_EQ(CALL(sock_send, 1, IOV, 1, 0, OUT), 0);
  CHECK_EQ(ld32(OUT), 3);
  char buf[16] = {0};
  CHECK_EQ(read(sv[1], buf, sizeof buf), 3);
  CHECK_STR(buf, "hey");
  /* A full socket buffer gives a wait for writability. */
  iov_to(NULL, 60000);
  uint32_t r = 0;
  for (int i = 0; i < 1000 && (r = CALL(sock_send, 1, IOV, 1, 0, OUT)) == 0; i++) {
  }
  CHECK_EQ(r, WASI_SUSPEND);
  CHECK_EQ(w->pending.wait.fds[0].fd, sv[0]);
  CHECK(w->pending.wait.fds[0].write);
  /* The guest's own non-blocking flag gives EAGAIN instead of waits. */
  CHECK_EQ(CALL(fd_fdstat_set_flags, 1, WASI_FDF_NONBLOCK), 0);
  CHECK_EQ(CALL(sock_send, 1, IOV, 1, 0, OUT), WASI_EAGAIN);

  /* shutdown: how is 1..3; after SHUT_WR a send is EPIPE. */
  CHECK_EQ(CALL(sock_shutdown, 0, 0), WASI_EINVAL);
  CHECK_EQ(CALL(sock_shutdown, 0, 4), WASI_EINVAL);
  CHECK_EQ(CALL(sock_shutdown, 0, 2), 0);
  iov_to("x", 1);
  CHECK_EQ(CALL(sock_send, 1, IOV, 1, 0, OUT), WASI_EPIPE);
  /* accept on a connected socket: a wait while nothing is readable, then
  ** the host's EINVAL once something is. */
  CHECK_EQ(CALL(sock_accept, 0, 0, OUT), WASI_SUSPEND);
  CHECK_EQ(write(sv[1], "z", 1), 1);
  CHECK_EQ(CALL(sock_accept, 0, 0, OUT), WASI_EINVAL);
  /* Unknown fds are BADF. */
  CHECK_EQ(CALL(sock_shutdown, 9, 1), WASI_EBADF);
  rusm_wasi_free(w);
  rusm_caps_free(c);
  close(sv[0]);
  close(sv[1]);
}

TEST(listening_socket_as_stdio) {
  int l = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(l >= 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t al = sizeof a;
  REQUIRE(bind(l, (struct sockaddr *)&a, sizeof a) == 0 && listen(l, 4) == 0);
  REQUIRE(getsockname(l, (struct sockaddr *)&a, &al) == 0);
  rusm_caps *c;
  rusm_wasi *w = stdio_ctx(l, l, &c);
  REQUIRE(w);
  env_for(w);
  CHECK_EQ(CALL(sock_accept, 0, 2, OUT), WASI_EINVAL); /* only NONBLOCK is a flag */
  CHECK_EQ(CALL(sock_accept, 0, 0, BAD), WASI_EFAULT);
  /* Nobody is connecting: a wait, not a thread parked in accept(2). */
  CHECK_EQ(CALL(sock_accept, 0, 0, OUT), WASI_SUSPEND);
  CHECK_EQ(w->pending.wait.fds[0].fd, l);
  CHECK(!w->pending.wait.fds[0].write);
  /* recv on a listening socket: the host's ENOTCONN. */
  iov_to(NULL, 8);
  CHECK_EQ(CALL(sock_recv, 0, IOV, 1, 0, OUT, OUT2), WASI_ENOTCONN);
  int cl = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(cl >= 0);
  REQUIRE(connect(cl, (struct sockaddr *)&a, sizeof a) == 0);
  CHECK_EQ(CALL(sock_accept, 0, WASI_FDF_NONBLOCK, OUT), 0);
  uint32_t fd = ld32(OUT);
  CHECK_EQ(fd, 3);
  CHECK_EQ(CALL(fd_fdstat_get, fd, OUT2), 0);
  CHECK_EQ(MEM[OUT2], WASI_FT_SOCK_STREAM);
  CHECK_EQ(ld16(OUT2 + 2), WASI_FDF_NONBLOCK);
  /* The accepted socket was made non-blocking by the guest: EAGAIN. */
  iov_to(NULL, 8);
  CHECK_EQ(CALL(sock_recv, fd, IOV, 1, 0, OUT, OUT2), WASI_EAGAIN);
  CHECK_EQ(write(cl, "ping", 4), 4);
  CHECK_EQ(CALL(sock_recv, fd, IOV, 1, 0, OUT, OUT2), 0);
  CHECK_EQ(ld32(OUT), 4);
  /* With its own NONBLOCK flag the listener says EAGAIN too. */
  CHECK_EQ(CALL(fd_fdstat_set_flags, 0, WASI_FDF_NONBLOCK), 0);
  CHECK_EQ(CALL(sock_accept, 0, 0, OUT), WASI_EAGAIN);
  CHECK_EQ(CALL(fd_close, fd), 0);
  rusm_wasi_free(w);
  rusm_caps_free(c);
  close(cl);
  close(l);
}

TEST(unconnected_socket_errnos) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(s >= 0);
  rusm_caps *c;
  rusm_wasi *w = stdio_ctx(s, s, &c);
  REQUIRE(w);
  env_for(w);
  CHECK_EQ(CALL(sock_shutdown, 0, 1), WASI_ENOTCONN);
  iov_to("x", 1);
  CHECK_EQ(CALL(sock_send, 1, IOV, 1, 0, OUT), WASI_EPIPE);
  rusm_wasi_free(w);
  rusm_caps_free(c);
  close(s);
}

TEST(non_sockets_are_notsock) {
  int p[2];
  REQUIRE(pipe(p) == 0);
  rusm_caps *c;
  rusm_wasi *w = stdio_ctx(p[0], p[1], &c);
  REQUIRE(w);
  env_for(w);
  iov_to("x", 1);
  CHECK_EQ(CALL(sock_recv, 0, IOV, 1, 0, OUT, OUT2), WASI_ENOTSOCK);
  CHECK_EQ(CALL(sock_send, 1, IOV, 1, 0, OUT), WASI_ENOTSOCK);
  CHECK_EQ(CALL(sock_shutdown, 1, 1), WASI_ENOTSOCK);
  CHECK_EQ(CALL(sock_accept, 0, 0, OUT), WASI_ENOTSOCK);
  rusm_wasi_free(w);
  rusm_caps_free(c);
  /* Without the stdio grant the streams are null devices: not sockets either. */
  c = rusm_caps_new();
  w = rusm_wasi_new(c, 0, NULL, NULL, NULL, 0);
  REQUIRE(w);
  env_for(w);
  CHECK_EQ(CALL(sock_recv, 0, IOV, 1, 0, OUT, OUT2), WASI_ENOTSOCK);
  rusm_wasi_free(w);
  rusm_caps_free(c);
  close(p[0]);
  close(p[1]);
}

TEST(poll_unknown_subscription_type_is_einval) {
  rusm_caps *c = rusm_caps_new();
  rusm_wasi *w = rusm_wasi_new(c, 0, NULL, NULL, NULL, 0);
  REQUIRE(w);
  env_for(w);
  uint8_t *s = MEM + 1000;
  uint64_t ud = 0x1122334455667788ull;
  memcpy(s, &ud, 8);
  s[8] = 7; /* no such eventtype */
  CHECK_EQ(CALL(poll_oneoff, 1000, 3000, 1, OUT), 0);
  CHECK_EQ(ld32(OUT), 1);
  CHECK(memcmp(MEM + 3000, &ud, 8) == 0);
  CHECK_EQ(ld16(3008), WASI_EINVAL);
  CHECK_EQ(MEM[3010], 7);
  rusm_wasi_free(w);
  rusm_caps_free(c);
}

/* fd_readdir's d_type for an entry named name, or -1 if absent. */
static int dtype_of(uint32_t fd, const char *name) {
  if (CALL(fd_readdir, fd, 8192, 16384, 0, OUT)) return -1;
  uint32_t used = ld32(OUT), off = 0;
  while (off + 24 <= used) {
    uint32_t nl = ld32(8192 + off + 16);
    if (nl == strlen(name) && memcmp(MEM + 8192 + off + 24, name, nl) == 0)
      return MEM[8192 + off + 20];
    off += 24 + nl;
  }
  return -1;
}

TEST(readdir_types_sockets_and_fifos) {
  char root[128];
  REQUIRE(fx_tree(root) == 0);
  char p[300];
  snprintf(p, sizeof p, "%s/box/sock", root);
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un un = {.sun_family = AF_UNIX};
  REQUIRE(strlen(p) < sizeof un.sun_path);
  memcpy(un.sun_path, p, strlen(p) + 1);
  REQUIRE(s >= 0 && bind(s, (struct sockaddr *)&un, sizeof un) == 0);
  snprintf(p, sizeof p, "%s/box/fifo", root);
  REQUIRE(mkfifo(p, 0600) == 0);
  snprintf(p, sizeof p, "%s/box", root);
  rusm_caps *c = rusm_caps_preopen(rusm_caps_new(), p, "/box", false);
  rusm_wasi *w = rusm_wasi_new(c, 0, NULL, NULL, NULL, 0);
  REQUIRE(w);
  env_for(w);
  CHECK_EQ(dtype_of(3, "sock"), WASI_FT_SOCK_STREAM);
  CHECK_EQ(dtype_of(3, "fifo"), WASI_FT_UNKNOWN); /* witx has no FIFO type */
  CHECK_EQ(dtype_of(3, "."), WASI_FT_DIR);
  /* A trailing slash on a non-directory is ENOTDIR; an empty symlink
  ** target is ENOENT. */
  memcpy(MEM + 1024, "fifo/", 5);
  CHECK_EQ(CALL(path_filestat_get, 3, 0, 1024, 5, 2048), WASI_ENOTDIR);
  CHECK_EQ(CALL(path_filestat_get, 3, 0, 1024, 4, 2048), 0);
  CHECK_EQ(MEM[2048 + 16], WASI_FT_UNKNOWN);
  /* A FIFO opened from the preopen cannot be read at an offset. */
  uint64_t rights = WASI_R_FD_READ | WASI_R_FD_SEEK;
  CHECK_EQ(CALL(path_open, 3, 0, 1024, 4, 0, rights, 0, 0, OUT), 0);
  uint32_t ffd = ld32(OUT);
  iov_to(NULL, 8);
  CHECK_EQ(CALL(fd_pread, ffd, IOV, 1, 0, OUT), WASI_ESPIPE);
  CHECK_EQ(CALL(fd_close, ffd), 0);
  memcpy(MEM + 1100, "lnk", 3);
  CHECK_EQ(CALL(path_symlink, 1024, 0, 3, 1100, 3), WASI_ENOENT);
  rusm_wasi_free(w);
  rusm_caps_free(c);
  close(s);
  fx_rmtree(root);
}

/* Every entry of a read-only /dev preopen has the type the host gives it
** (char devices, block devices where there are any, links, dirs). */
TEST(readdir_types_in_dev) {
  rusm_caps *c = rusm_caps_preopen(rusm_caps_new(), "/dev", "/dev", true);
  rusm_wasi *w = rusm_wasi_new(c, 0, NULL, NULL, NULL, 0);
  REQUIRE(w);
  env_for(w);
  CHECK_EQ(dtype_of(3, "null"), WASI_FT_CHAR);
  uint32_t used = ld32(OUT), off = 0;
  int n = 0, wrong = 0;
  while (off + 24 <= used) {
    uint32_t nl = ld32(8192 + off + 16);
    if (off + 24 + nl > used) break; /* cut off at the buffer's end */
    char name[300], path[320];
    snprintf(name, sizeof name, "%.*s", (int)nl, (const char *)MEM + 8192 + off + 24);
    snprintf(path, sizeof path, "/dev/%s", name);
    struct stat st;
    if (lstat(path, &st) == 0 && MEM[8192 + off + 20] != wasi_filetype(st.st_mode)) {
      fprintf(stderr, "  /dev/%s: d_type %u\n", name, MEM[8192 + off + 20]);
      wrong++;
    }
    n++;
    off += 24 + nl;
  }
  CHECK(n > 3);
  CHECK_EQ(wrong, 0);
  rusm_wasi_free(w);
  rusm_caps_free(c);
}

TEST(caps_refuse_an_unknown_grant) {
  rusm_caps *c = rusm_caps_new();
  CHECK(rusm_caps_ok(c));
  rusm_caps_set(c, RUSM_CAP_COUNT_, true);
  CHECK(!rusm_caps_ok(c));
  CHECK(!rusm_caps_has(c, RUSM_CAP_COUNT_));
  /* A failed set is kept by clones, and a context refuses it. */
  rusm_caps *d = rusm_caps_clone(c);
  REQUIRE(d);
  CHECK(!rusm_caps_ok(d));
  char err[200];
  CHECK(rusm_wasi_new(d, 0, NULL, NULL, err, sizeof err) == NULL);
  CHECK_STR(err, "invalid capabilities (a builder call failed)");
  rusm_caps_free(d);
  rusm_caps_free(c);
}

/* Confinement limits, run in both resolution modes. */
static void make_link(const char *root, const char *name, const char *target) {
  char p[300];
  snprintf(p, sizeof p, "%s/box/%s", root, name);
  if (symlink(target, p) != 0) fprintf(stderr, "  symlink %s: %s\n", p, strerror(errno));
}

static char *repeat(const char *unit, int n, const char *tail) {
  size_t u = strlen(unit), t = strlen(tail);
  char *s = malloc(u * (size_t)n + t + 1);
  for (int i = 0; i < n; i++) memcpy(s + u * (size_t)i, unit, u);
  memcpy(s + u * (size_t)n, tail, t + 1);
  return s;
}

static uint32_t resolve(int dirfd, const char *path, bool follow) {
  int parent = -1;
  char leaf[NAME_MAX + 1];
  uint32_t r = wasi_resolve(dirfd, path, follow, &parent, leaf, NULL);
  if (parent >= 0 && !r) close(parent);
  return r;
}

static void limits(bool fallback) {
  char root[128];
  REQUIRE(fx_tree(root) == 0);
  REQUIRE(fx_escape_links(root) == 0);
  /* grow -> "back/" + 1999 x "c/" (4000 bytes); back -> 2000 x "./": each
  ** hop is short enough alone, but splicing one into the other is not. */
  char *grow = repeat("c/", 1999, "");
  char *growt = repeat("", 0, "back/");
  growt = realloc(growt, 4100);
  strcat(growt, grow);
  make_link(root, "grow", growt);
  char *back = repeat("./", 2000, "");
  make_link(root, "back", back);
  /* self -> 2000 x "./" then "self": following it never ends, and the
  ** leaf position makes the path longer on each hop. */
  char *selft = repeat("./", 2000, "self");
  make_link(root, "self", selft);
  make_link(root, "leafbig", selft);
  char p[300];
  snprintf(p, sizeof p, "%s/box", root);
  int box = open(p, O_RDONLY | O_DIRECTORY);
  REQUIRE(box >= 0);
  wasi_confine_force_fallback(fallback);
  char *longname = repeat("n", NAME_MAX + 1, "");
  char *longdir = repeat("", 0, "");
  longdir = realloc(longdir, NAME_MAX + 20);
  snprintf(longdir, NAME_MAX + 20, "%s/x", longname);
  CHECK_EQ(resolve(box, longname, false), WASI_ENAMETOOLONG); /* the leaf */
  CHECK_EQ(resolve(box, longdir, false), WASI_ENAMETOOLONG);  /* a directory part */
  CHECK_EQ(resolve(box, "nothere/x", false), WASI_ENOENT);
  CHECK_EQ(resolve(box, "file/x", false), WASI_ENOTDIR);
  CHECK_EQ(resolve(box, "loop/x", false), WASI_ELOOP);
  /* The walk refuses to splice past its buffer; the kernel expands the
  ** links itself and then finds no "c". */
  CHECK_EQ(resolve(box, "grow/x", false), fallback ? WASI_ENAMETOOLONG : WASI_ENOENT);
  CHECK_EQ(resolve(box, "self", true), WASI_ENAMETOOLONG);
  CHECK_EQ(resolve(box, "/abs", false), WASI_ENOTCAPABLE);
  CHECK_EQ(resolve(box, "", false), WASI_ENOENT);
  /* The same directories resolve fine when the walk stays short. */
  CHECK_EQ(resolve(box, "sub/up/file", false), 0);
  CHECK_EQ(resolve(box, "back/file", true), 0);
  wasi_confine_force_fallback(false);
  close(box);
  free(grow);
  free(growt);
  free(back);
  free(selft);
  free(longname);
  free(longdir);
  fx_rmtree(root);
}

TEST(confinement_limits_with_openat2) {
  limits(false);
}
TEST(confinement_limits_with_the_component_walk) {
  limits(true);
}

/* The component walk when the process runs out of fds: with none free the
** first directory cannot be opened, with one free the final copy of it
** cannot be made; both report EMFILE and leak nothing. */
TEST(walk_out_of_fds_is_emfile) {
  char root[128];
  REQUIRE(fx_tree(root) == 0);
  REQUIRE(fx_escape_links(root) == 0);
  char p[300];
  snprintf(p, sizeof p, "%s/box", root);
  int box = open(p, O_RDONLY | O_DIRECTORY);
  REQUIRE(box >= 0);
  struct rlimit old;
  REQUIRE(getrlimit(RLIMIT_NOFILE, &old) == 0);
  struct rlimit low = {256, old.rlim_max};
  REQUIRE(setrlimit(RLIMIT_NOFILE, &low) == 0);
  int fill[256], n = 0;
  while (n < 256 && (fill[n] = open("/dev/null", O_RDONLY)) >= 0) n++;
  REQUIRE(n > 2);
  wasi_confine_force_fallback(true);
  CHECK_EQ(resolve(box, "sub/file", false), WASI_EMFILE); /* no fd for "sub" */
  close(fill[--n]);
  CHECK_EQ(resolve(box, "sub/file", false), WASI_EMFILE); /* "sub" opened, no copy */
  close(fill[--n]);
  close(fill[--n]);
  CHECK_EQ(resolve(box, "sub/file", false), 0); /* and it works again with room */
  wasi_confine_force_fallback(false);
  while (n) close(fill[--n]);
  setrlimit(RLIMIT_NOFILE, &old);
  close(box);
  fx_rmtree(root);
}

TEST(errno_and_filetype_maps) {
  CHECK_EQ(wasi_errno(0), WASI_ESUCCESS);
  CHECK_EQ(wasi_errno(ENOENT), WASI_ENOENT);
  CHECK_EQ(wasi_errno(EACCES), WASI_EACCES);
  CHECK_EQ(wasi_errno(EHWPOISON), WASI_EIO); /* no witx errno: EIO */
  CHECK_EQ(wasi_errno(-5), WASI_EIO);
  CHECK_EQ(wasi_filetype(S_IFBLK), WASI_FT_BLOCK);
  CHECK_EQ(wasi_filetype(S_IFCHR), WASI_FT_CHAR);
  CHECK_EQ(wasi_filetype(S_IFSOCK), WASI_FT_SOCK_STREAM);
  CHECK_EQ(wasi_filetype(S_IFLNK), WASI_FT_SYMLINK);
  CHECK_EQ(wasi_filetype(S_IFIFO), WASI_FT_UNKNOWN);
}

TEST(context_needs_valid_caps) {
  char err[200];
  CHECK(rusm_wasi_new(NULL, 0, NULL, NULL, err, sizeof err) == NULL);
  CHECK_STR(err, "invalid capabilities (a builder call failed)");
  rusm_caps *c = rusm_caps_env(rusm_caps_new(), "A=B", "x"); /* '=' in a key */
  err[0] = 0;
  CHECK(rusm_wasi_new(c, 0, NULL, NULL, err, sizeof err) == NULL);
  CHECK_STR(err, "invalid capabilities (a builder call failed)");
  CHECK(rusm_wasi_new(c, 0, NULL, NULL, NULL, 0) == NULL); /* no buffer is fine */
  rusm_caps_free(c);
}

/* ------------------------------------------------- the run driver */

#define TYPE_VOID "\x01\x60\x00\x00"
#define WASI_MOD "\x16wasi_snapshot_preview1"

static void run_bytes(const wbuf *b, const rusm_caps *caps, rusm_wasi_run_result *r) {
  const char *argv[] = {"prog"};
  rusm_wasi_run(b->b, b->n, caps, 1, argv, NULL, r);
}

/* _start: one function of type 0 with body (which ends in 0x0b). */
static void start_module(wbuf *b, const char *body, size_t n) {
  wb_init(b);
  WB_SEC(b, 1, TYPE_VOID);
  WB_SEC(b, 3, "\x01\x00");
  WB_SEC(b, 7, "\x01\x06_start\x00\x00");
  wb_code1(b, body, n);
}

TEST(driver_failures_are_named) {
  rusm_caps *c = rusm_caps_new();
  rusm_wasi_run_result r;
  wbuf b;
  /* Not a module. */
  b.n = 0;
  wb_put(&b, "nope", 4);
  run_bytes(&b, c, &r);
  CHECK_EQ(r.status, RUSM_WASI_RUN_ERROR);
  CHECK(strncmp(r.msg, "load", 4) == 0);
  /* An import WASI does not have. */
  wb_init(&b);
  WB_SEC(&b, 1, TYPE_VOID);
  WB_SEC(&b, 2, "\x01" WASI_MOD "\x04nope\x00\x00");
  run_bytes(&b, c, &r);
  CHECK_EQ(r.status, RUSM_WASI_RUN_ERROR);
  CHECK(strncmp(r.msg, "link", 4) == 0);
  CHECK(strstr(r.msg, "nope") != NULL);
  /* No _start. */
  wb_init(&b);
  run_bytes(&b, c, &r);
  CHECK_EQ(r.status, RUSM_WASI_RUN_ERROR);
  CHECK_STR(r.msg, "no _start export");
  /* A data segment past the end of memory. */
  wb_init(&b);
  WB_SEC(&b, 5, "\x01\x00\x01");
  WB_SEC(&b, 11, "\x01\x00\x41\xf0\xa2\x04\x0b\x01x"); /* i32.const 70000 */
  run_bytes(&b, c, &r);
  CHECK_EQ(r.status, RUSM_WASI_RUN_ERROR);
  CHECK(strncmp(r.msg, "instantiate", 11) == 0);
  /* A preopen whose host directory is missing. */
  rusm_caps *bad = rusm_caps_preopen(rusm_caps_new(), "/nonexistent-rusm-dir", "/d", false);
  start_module(&b, "\x0b", 1);
  run_bytes(&b, bad, &r);
  CHECK_EQ(r.status, RUSM_WASI_RUN_ERROR);
  CHECK(strstr(r.msg, "preopen /d: host directory /nonexistent-rusm-dir") != NULL);
  rusm_caps_free(bad);
  /* A trap is a trap, with its message. */
  start_module(&b, "\x00\x0b", 2);
  run_bytes(&b, c, &r);
  CHECK_EQ(r.status, RUSM_WASI_RUN_TRAP);
  CHECK(strstr(r.msg, "unreachable") != NULL);
  /* _start returning is exit 0. */
  start_module(&b, "\x0b", 1);
  run_bytes(&b, c, &r);
  CHECK_EQ(r.status, RUSM_WASI_RUN_EXITED);
  CHECK_EQ(r.exit_code, 0);
  rusm_caps_free(c);
}

TEST(driver_continues_after_the_budget) {
  /* A loop of 3 million iterations outlasts a slice's budget: the driver
  ** continues it (and it still returns normally). */
  wbuf b;
  wb_init(&b);
  WB_SEC(&b, 1, TYPE_VOID);
  WB_SEC(&b, 3, "\x01\x00");
  WB_SEC(&b, 7, "\x01\x06_start\x00\x00");
  /* local i32; loop: l = l + 1; br_if (l < 3000000) */
  static const char body[] = "\x01\x01\x7f"
                             "\x03\x40"
                             "\x20\x00\x41\x01\x6a\x22\x00"
                             "\x41\xc0\x8d\xb7\x01\x49\x0d\x00"
                             "\x0b\x0b";
  wbuf code = {.n = 0};
  wb_leb(&code, 1);
  wb_leb(&code, sizeof body - 1);
  wb_put(&code, body, sizeof body - 1);
  wb_sec(&b, 10, (const char *)code.b, code.n);
  rusm_caps *c = rusm_caps_new();
  rusm_wasi_run_result r;
  run_bytes(&b, c, &r);
  if (r.status != RUSM_WASI_RUN_EXITED) fprintf(stderr, "  %s\n", r.msg);
  CHECK_EQ(r.status, RUSM_WASI_RUN_EXITED);
  CHECK_EQ(r.exit_code, 0);
  rusm_caps_free(c);
}

TEST(a_call_without_a_context_traps) {
  /* _start calls sched_yield on an instance that has no WASI context. */
  wbuf b;
  wb_init(&b);
  WB_SEC(&b, 1, "\x02\x60\x00\x00\x60\x00\x01\x7f");
  WB_SEC(&b, 2, "\x01" WASI_MOD "\x0bsched_yield\x00\x01");
  WB_SEC(&b, 3, "\x01\x00");
  WB_SEC(&b, 7, "\x01\x06_start\x00\x01");
  wb_code1(&b, "\x10\x00\x1a\x0b", 4);
  rusm_error err;
  rusm_module *m = rusm_module_load(b.b, b.n, &err);
  REQUIRE(m);
  rusm_wasi_link *l = rusm_wasi_link_new(NULL, NULL);
  REQUIRE(l);
  size_t n = 0;
  rusm_extern *ext = rusm_wasi_imports(l, m, &n, &err);
  REQUIRE(ext);
  CHECK_EQ(n, 1);
  rusm_prepared *p = rusm_prepare(m, ext, n, &err);
  REQUIRE(p);
  rusm_instance_config cfg = {0};
  rusm_instance *inst = rusm_instantiate(p, &cfg, &err);
  REQUIRE(inst);
  rusm_extern start;
  REQUIRE(rusm_instance_export(inst, "_start", &start));
  CHECK_EQ(rusm_invoke(inst, start.u.func, NULL, 1000000), RUSM_EXEC_TRAP);
  char msg[200];
  rusm_trap_format(rusm_last_trap(inst), msg, sizeof msg);
  if (!strstr(msg, "no WASI context")) fprintf(stderr, "  trap: %s\n", msg);
  CHECK(strstr(msg, "no WASI context for this instance") != NULL);
  rusm_instance_free(inst);
  rusm_prepared_free(p);
  free(ext);
  rusm_wasi_link_free(l);
  rusm_module_free(m);
}

TEST_MAIN(connected_socket_as_stdio, listening_socket_as_stdio, unconnected_socket_errnos,
          non_sockets_are_notsock, poll_unknown_subscription_type_is_einval,
          readdir_types_sockets_and_fifos, readdir_types_in_dev, caps_refuse_an_unknown_grant,
          confinement_limits_with_openat2, confinement_limits_with_the_component_walk,
          walk_out_of_fds_is_emfile, errno_and_filetype_maps, context_needs_valid_caps,
          driver_failures_are_named, driver_continues_after_the_budget,
          a_call_without_a_context_traps)
