/*
** wasi_int.h: internals of the WASI preview1 layer shared by its files:
** the witx constants, the fd table, the per-call environment, guest
** memory accessors and the handler declarations. Cross-file functions
** use the wasi_ prefix.
*/
#ifndef RUSM_WASI_INT_H
#define RUSM_WASI_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include "funcs.h"
#include "rusm/wasi.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the WASI layer stores guest values with memcpy: little-endian hosts only"
#endif

/* witx errno values with a POSIX namesake (E<NAME>), defined once:
** X(NAME, value). SUCCESS (0) and NOTCAPABLE (76) have none. */
#define WASI_POSIX_ERRNOS(X)                                                                       \
  X(2BIG, 1)                                                                                       \
  X(ACCES, 2)                                                                                      \
  X(ADDRINUSE, 3)                                                                                  \
  X(ADDRNOTAVAIL, 4)                                                                               \
  X(AFNOSUPPORT, 5)                                                                                \
  X(AGAIN, 6)                                                                                      \
  X(ALREADY, 7)                                                                                    \
  X(BADF, 8)                                                                                       \
  X(BADMSG, 9)                                                                                     \
  X(BUSY, 10)                                                                                      \
  X(CANCELED, 11)                                                                                  \
  X(CHILD, 12)                                                                                     \
  X(CONNABORTED, 13)                                                                               \
  X(CONNREFUSED, 14)                                                                               \
  X(CONNRESET, 15)                                                                                 \
  X(DEADLK, 16)                                                                                    \
  X(DESTADDRREQ, 17)                                                                               \
  X(DOM, 18)                                                                                       \
  X(DQUOT, 19)                                                                                     \
  X(EXIST, 20)                                                                                     \
  X(FAULT, 21)                                                                                     \
  X(FBIG, 22)                                                                                      \
  X(HOSTUNREACH, 23)                                                                               \
  X(IDRM, 24)                                                                                      \
  X(ILSEQ, 25)                                                                                     \
  X(INPROGRESS, 26)                                                                                \
  X(INTR, 27)                                                                                      \
  X(INVAL, 28)                                                                                     \
  X(IO, 29)                                                                                        \
  X(ISCONN, 30)                                                                                    \
  X(ISDIR, 31)                                                                                     \
  X(LOOP, 32)                                                                                      \
  X(MFILE, 33)                                                                                     \
  X(MLINK, 34)                                                                                     \
  X(MSGSIZE, 35)                                                                                   \
  X(MULTIHOP, 36)                                                                                  \
  X(NAMETOOLONG, 37)                                                                               \
  X(NETDOWN, 38)                                                                                   \
  X(NETRESET, 39)                                                                                  \
  X(NETUNREACH, 40)                                                                                \
  X(NFILE, 41)                                                                                     \
  X(NOBUFS, 42)                                                                                    \
  X(NODEV, 43)                                                                                     \
  X(NOENT, 44)                                                                                     \
  X(NOEXEC, 45)                                                                                    \
  X(NOLCK, 46)                                                                                     \
  X(NOLINK, 47)                                                                                    \
  X(NOMEM, 48)                                                                                     \
  X(NOMSG, 49)                                                                                     \
  X(NOPROTOOPT, 50)                                                                                \
  X(NOSPC, 51)                                                                                     \
  X(NOSYS, 52)                                                                                     \
  X(NOTCONN, 53)                                                                                   \
  X(NOTDIR, 54)                                                                                    \
  X(NOTEMPTY, 55)                                                                                  \
  X(NOTRECOVERABLE, 56)                                                                            \
  X(NOTSOCK, 57)                                                                                   \
  X(NOTSUP, 58)                                                                                    \
  X(NOTTY, 59)                                                                                     \
  X(NXIO, 60)                                                                                      \
  X(OVERFLOW, 61)                                                                                  \
  X(OWNERDEAD, 62)                                                                                 \
  X(PERM, 63)                                                                                      \
  X(PIPE, 64)                                                                                      \
  X(PROTO, 65)                                                                                     \
  X(PROTONOSUPPORT, 66)                                                                            \
  X(PROTOTYPE, 67)                                                                                 \
  X(RANGE, 68)                                                                                     \
  X(ROFS, 69)                                                                                      \
  X(SPIPE, 70)                                                                                     \
  X(SRCH, 71)                                                                                      \
  X(STALE, 72)                                                                                     \
  X(TIMEDOUT, 73)                                                                                  \
  X(TXTBSY, 74)                                                                                    \
  X(XDEV, 75)

enum {
  WASI_ESUCCESS = 0,
#define X(n, v) WASI_E##n = v,
  WASI_POSIX_ERRNOS(X)
#undef X
      WASI_ENOTCAPABLE = 76
};

/* Handler outcomes beyond an errno. */
#define WASI_SUSPEND 0x10000u  /* wait request recorded */
#define WASI_TRAP 0x20000u     /* e->trap_msg says why */
#define WASI_NORESULT 0x40000u /* proc_exit: no result value */

/* Host errno -> WASI errno. */
uint32_t wasi_errno(int host_errno);

/* filetype */
enum {
  WASI_FT_UNKNOWN,
  WASI_FT_BLOCK,
  WASI_FT_CHAR,
  WASI_FT_DIR,
  WASI_FT_REG,
  WASI_FT_SOCK_DGRAM,
  WASI_FT_SOCK_STREAM,
  WASI_FT_SYMLINK
};

/* fdflags, oflags, lookupflags, fstflags */
enum {
  WASI_FDF_APPEND = 1,
  WASI_FDF_DSYNC = 2,
  WASI_FDF_NONBLOCK = 4,
  WASI_FDF_RSYNC = 8,
  WASI_FDF_SYNC = 16
};
enum { WASI_O_CREAT = 1, WASI_O_DIRECTORY = 2, WASI_O_EXCL = 4, WASI_O_TRUNC = 8 };
enum { WASI_LOOKUP_FOLLOW = 1 };
enum { WASI_FST_ATIM = 1, WASI_FST_ATIM_NOW = 2, WASI_FST_MTIM = 4, WASI_FST_MTIM_NOW = 8 };

/* rights, defined once: X(NAME, bit). */
#define WASI_RIGHTS(X)                                                                             \
  X(FD_DATASYNC, 0)                                                                                \
  X(FD_READ, 1)                                                                                    \
  X(FD_SEEK, 2)                                                                                    \
  X(FD_FDSTAT_SET_FLAGS, 3)                                                                        \
  X(FD_SYNC, 4)                                                                                    \
  X(FD_TELL, 5)                                                                                    \
  X(FD_WRITE, 6)                                                                                   \
  X(FD_ADVISE, 7)                                                                                  \
  X(FD_ALLOCATE, 8)                                                                                \
  X(PATH_CREATE_DIRECTORY, 9)                                                                      \
  X(PATH_CREATE_FILE, 10)                                                                          \
  X(PATH_LINK_SOURCE, 11)                                                                          \
  X(PATH_LINK_TARGET, 12)                                                                          \
  X(PATH_OPEN, 13)                                                                                 \
  X(FD_READDIR, 14)                                                                                \
  X(PATH_READLINK, 15)                                                                             \
  X(PATH_RENAME_SOURCE, 16)                                                                        \
  X(PATH_RENAME_TARGET, 17)                                                                        \
  X(PATH_FILESTAT_GET, 18)                                                                         \
  X(PATH_FILESTAT_SET_SIZE, 19)                                                                    \
  X(PATH_FILESTAT_SET_TIMES, 20)                                                                   \
  X(FD_FILESTAT_GET, 21)                                                                           \
  X(FD_FILESTAT_SET_SIZE, 22)                                                                      \
  X(FD_FILESTAT_SET_TIMES, 23)                                                                     \
  X(PATH_SYMLINK, 24)                                                                              \
  X(PATH_REMOVE_DIRECTORY, 25)                                                                     \
  X(PATH_UNLINK_FILE, 26)                                                                          \
  X(POLL_FD_READWRITE, 27)                                                                         \
  X(SOCK_SHUTDOWN, 28)                                                                             \
  X(SOCK_ACCEPT, 29)

/* All bits fit an int, so an enum holds them. */
enum {
#define X(n, b) WASI_R_##n = 1 << b,
  WASI_RIGHTS(X)
#undef X
};
#define WASI_R_ALL ((1ull << 30) - 1)
/* Rights that change the file system or a file's contents. */
#define WASI_R_MUTATE                                                                              \
  (uint64_t)(WASI_R_FD_DATASYNC | WASI_R_FD_WRITE | WASI_R_FD_ALLOCATE | WASI_R_FD_SYNC |          \
             WASI_R_PATH_CREATE_DIRECTORY | WASI_R_PATH_CREATE_FILE | WASI_R_PATH_LINK_SOURCE |    \
             WASI_R_PATH_LINK_TARGET | WASI_R_PATH_RENAME_SOURCE | WASI_R_PATH_RENAME_TARGET |     \
             WASI_R_PATH_FILESTAT_SET_SIZE | WASI_R_PATH_FILESTAT_SET_TIMES |                      \
             WASI_R_FD_FILESTAT_SET_SIZE | WASI_R_FD_FILESTAT_SET_TIMES | WASI_R_PATH_SYMLINK |    \
             WASI_R_PATH_REMOVE_DIRECTORY | WASI_R_PATH_UNLINK_FILE)
/* Rights a directory fd never has in its base set (it still hands them
** down to files opened beneath it): a directory is not read, written,
** seeked or sized like a file (wasmtime's directory rights; the
** wasi-testsuite checks them). */
#define WASI_R_DIR_NEVER                                                                           \
  (uint64_t)(WASI_R_FD_READ | WASI_R_FD_WRITE | WASI_R_FD_SEEK | WASI_R_FD_TELL |                  \
             WASI_R_FD_ALLOCATE | WASI_R_FD_FILESTAT_SET_SIZE)

/* ------------------------------------------------------------ fd table */

enum { WFD_FREE, WFD_HOST, WFD_NULL_IN, WFD_NULL_OUT };

typedef struct wasi_dirent {
  uint64_t ino;
  uint8_t type;
  char *name;
} wasi_dirent;

typedef struct wasi_fd {
  uint8_t kind;
  uint8_t filetype;
  uint16_t fdflags;
  bool own;       /* close host at free */
  bool read_only; /* beneath a read-only preopen */
  int host;       /* host fd, -1 if none */
  uint64_t base, inheriting;
  char *preopen;    /* guest path of a preopen, else NULL */
  wasi_dirent *dir; /* readdir snapshot, taken at cookie 0 */
  size_t n_dir;
} wasi_fd;

/* The suspended call. */
typedef struct wasi_pending {
  bool active;
  int func;          /* index in WASI_FUNCS */
  uint64_t start_ns; /* monotonic time of the first attempt */
  rusm_wasi_wait wait;
  rusm_wasi_waitfd *fds;
  size_t fds_cap;
} wasi_pending;

struct rusm_wasi {
  char **argv;
  size_t argc, argv_bytes;
  char **env; /* "K=V" */
  size_t envc, env_bytes;
  wasi_fd *fds;
  uint32_t n_fds;
  bool exited;
  uint32_t exit_code;
  bool has_net;
  wasi_pending pending;
};

/* What one handler invocation sees. */
typedef struct wasi_env {
  rusm_wasi *w;
  rusm_call *call; /* the live call, NULL on a retry (then mem/mem_size) */
  uint8_t *mem;    /* guest memory 0; NULL if none */
  uint64_t mem_size;
  bool retry; /* re-execution after a wait */
  char trap_msg[96];
} wasi_env;

/* Guest memory: NULL when [off, off+len) is out of bounds. Through the
** live call the engine learns exactly which bytes the host may write (its
** pool resets only those); a retry has only the whole memory. */
static inline uint8_t *wasi_ptr(wasi_env *e, uint32_t off, uint64_t len) {
  if (e->call) return rusm_call_mem(e->call, off, len);
  if (!e->mem || (uint64_t)off + len > e->mem_size) return NULL;
  return e->mem + off;
}
static inline bool wasi_put32(wasi_env *e, uint32_t off, uint32_t v) {
  uint8_t *p = wasi_ptr(e, off, 4);
  if (p) memcpy(p, &v, 4);
  return p != NULL;
}
static inline bool wasi_put64(wasi_env *e, uint32_t off, uint64_t v) {
  uint8_t *p = wasi_ptr(e, off, 8);
  if (p) memcpy(p, &v, 8);
  return p != NULL;
}
static inline uint32_t wasi_ld32(const uint8_t *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}
static inline uint64_t wasi_ld64(const uint8_t *p) {
  uint64_t v;
  memcpy(&v, p, 8);
  return v;
}
/* Arguments as unsigned values. */
#define WA32(i) ((uint32_t)a[i].i32)
#define WA64(i) ((uint64_t)a[i].i64)

/* ctx.c: fd table */
/* Looks fd up and checks rights: 0, BADF or NOTCAPABLE. */
uint32_t wasi_fd_get(rusm_wasi *w, uint32_t fd, uint64_t rights, wasi_fd **o_f);
/* Lowest free slot (growing the table); -1 when out of memory. */
int64_t wasi_fd_alloc(rusm_wasi *w);
void wasi_fd_release(wasi_fd *f); /* closes what it owns, frees the dirent snapshot */
uint8_t wasi_filetype(mode_t m);
uint64_t wasi_now_ns(int clock); /* clock_gettime in ns */
/* Records a wait (fds copied); returns WASI_SUSPEND or ENOMEM. */
uint32_t wasi_wait(wasi_env *e, rusm_wasi_wait_kind kind, const rusm_wasi_waitfd *fds, size_t n,
                   uint64_t deadline_ns);
/* 0: would block; 1: ready (or not pollable); host fd, POLLIN/POLLOUT */
int wasi_ready(int fd, bool write);

/* fd.c: guest iovecs (ciovec/iovec, 8 bytes each) -> host iovecs; at most
** WASI_MAX_IOV (more makes a short read/write). */
#define WASI_MAX_IOV 1024
uint32_t wasi_iovs(wasi_env *e, uint32_t ptr, uint32_t n, struct iovec *iov, int *o_n,
                   uint64_t *o_total);
/* fd.c: a witx filestat (64 bytes) from a host stat. */
void wasi_filestat(uint8_t *p, const struct stat *st);
/* witx timestamps + fstflags -> utimensat times; false on a bad combination. */
bool wasi_times(uint64_t atim, uint64_t mtim, uint32_t fstflags, struct timespec t[2]);

/* confine.c: resolution beneath a preopened directory.
** Opens the directory holding path's last component (beneath dirfd) and
** gives the component; with follow, a symlink there is resolved (still
** beneath dirfd). *o_parent is a new fd (caller closes). Returns a WASI
** errno; escapes give NOTCAPABLE. leaf must hold NAME_MAX + 1 bytes. */
uint32_t wasi_resolve(int dirfd, const char *path, bool follow, int *o_parent, char *o_leaf,
                      bool *o_trailing_slash);
/* Copies a guest path into a NUL-terminated heap string (caller frees);
** errno on failure (FAULT, INVAL for embedded NUL, NOMEM). */
uint32_t wasi_path_arg(wasi_env *e, uint32_t ptr, uint32_t len, char **o_path);
/* Whether the fallback (no openat2) is forced, for tests. */
void wasi_confine_force_fallback(bool on);

#define X(name, p, r) uint32_t wasi_h_##name(wasi_env *e, const rusm_val *a);
WASI_FUNCS(X)
#undef X

#endif
