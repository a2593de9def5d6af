/* escape.c: every way out of the preopen /box, through the raw WASI calls
** (exact errnos) and through libc. The host prepared these links in box:
** abs_link -> <root>/outside/secret, abs_dir -> <root>/outside,
** rel_link -> ../outside/secret, chain1 -> chain2 -> sub/../../outside,
** sub/upup -> ../.., loop -> loop, dangling -> ../outside/created. */
#include "guest.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static int box;

static __wasi_errno_t open_raw(const char *p, __wasi_lookupflags_t lf, __wasi_oflags_t of) {
  __wasi_fd_t fd;
  __wasi_errno_t e = __wasi_path_open(box, lf, p, of, __WASI_RIGHTS_FD_READ, 0, 0, &fd);
  if (e == 0 && __wasi_fd_close(fd) != 0) return 99;
  return e;
}

int main(void) {
  box = guest_preopen("/box");
  EXPECT(box >= 3);
  const __wasi_lookupflags_t F = __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW;
  const char *bad[] = {"../outside/secret",
                       "/etc/passwd",
                       "sub/../../outside/secret",
                       "abs_link",
                       "rel_link",
                       "chain1/secret",
                       "abs_dir/secret",
                       "sub/upup/outside/secret",
                       "..",
                       "./../box/inside",
                       "dangling"};
  for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    __wasi_errno_t e = open_raw(bad[i], F, 0);
    if (e != __WASI_ERRNO_NOTCAPABLE) fprintf(stderr, "open %s -> %u\n", bad[i], e);
    EXPECT_EQ(e, __WASI_ERRNO_NOTCAPABLE);
  }
  EXPECT_EQ(open_raw("dangling", F, __WASI_OFLAGS_CREAT), __WASI_ERRNO_NOTCAPABLE);
  EXPECT_EQ(open_raw("loop", F, 0), __WASI_ERRNO_LOOP);
  EXPECT_EQ(open_raw("inside", F, 0), 0);
  __wasi_filestat_t st;
  EXPECT_EQ(__wasi_path_filestat_get(box, F, "../outside", &st), __WASI_ERRNO_NOTCAPABLE);
  EXPECT_EQ(__wasi_path_create_directory(box, "../evil"), __WASI_ERRNO_NOTCAPABLE);
  EXPECT_EQ(__wasi_path_create_directory(box, "chain1/evil"), __WASI_ERRNO_NOTCAPABLE);
  EXPECT_EQ(__wasi_path_rename(box, "inside", box, "../outside/moved"), __WASI_ERRNO_NOTCAPABLE);
  EXPECT_EQ(__wasi_path_rename(box, "inside", box, "abs_dir/moved"), __WASI_ERRNO_NOTCAPABLE);
  EXPECT_EQ(__wasi_path_link(box, 0, "inside", box, "../outside/hard"), __WASI_ERRNO_NOTCAPABLE);
  EXPECT_EQ(__wasi_path_link(box, F, "rel_link", box, "stolen"), __WASI_ERRNO_NOTCAPABLE);
  EXPECT_EQ(__wasi_path_unlink_file(box, "abs_dir/secret"), __WASI_ERRNO_NOTCAPABLE);
  EXPECT_EQ(__wasi_path_remove_directory(box, "../outside"), __WASI_ERRNO_NOTCAPABLE);
  EXPECT_EQ(__wasi_path_symlink("/etc/passwd", box, "mine"), __WASI_ERRNO_NOTCAPABLE);
  EXPECT_EQ(__wasi_path_symlink("../outside/secret", box, "mine"), 0);
  EXPECT_EQ(open_raw("mine", F, 0), __WASI_ERRNO_NOTCAPABLE);
  /* The same through libc: errno is ENOTCAPABLE or, for paths that no
  ** preopen covers, ENOENT/ENOTCAPABLE from libc's own lookup. */
  errno = 0;
  EXPECT(open("/box/../outside/secret", O_RDONLY) == -1);
  EXPECT(errno == ENOTCAPABLE || errno == ENOENT);
  EXPECT(open("/box/rel_link", O_RDONLY) == -1 && errno == ENOTCAPABLE);
  EXPECT(open("/etc/passwd", O_RDONLY) == -1);
  EXPECT(mkdir("/box/abs_dir/x", 0755) == -1 && errno == ENOTCAPABLE);
  EXPECT(rename("/box/inside", "/box/chain1/x") == -1 && errno == ENOTCAPABLE);
  printf("escape ok %d\n", guest_failures);
  return guest_failures;
}
