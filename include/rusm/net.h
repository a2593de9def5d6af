/*
** rusm/net.h: fd readiness for processes, and TCP with one process per
** connection (reference 1.10).
**
** Every wait here parks the calling process on the runtime's one epoll
** poller; no worker thread ever blocks in a socket call. Sockets are
** non-blocking, close-on-exec and TCP_NODELAY, and are written with
** MSG_NOSIGNAL, so a reset peer is an error code, never a SIGPIPE.
**
** Errors are negative errno values (-ECONNREFUSED, -ECONNRESET, -EPIPE,
** -ETIMEDOUT, -EINVAL for a bad address, ...). A call that was waiting when
** its process was killed returns -ECANCELED and rusm_killed is then true.
**
** Ownership: a connection (and a listening socket) is owned by a process,
** like a stream end (rusm/stream.h): the process that connected, or the
** connection process the acceptor spawned for it. When the owner ends
** (return, crash, kill) the socket is closed, so a crashed handler never
** leaks its fd and killing the acceptor closes the port.
*/
#ifndef RUSM_NET_H
#define RUSM_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "rusm/otp.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------- fd readiness */

#define RUSM_FD_READ 1u  /* readable, or a listening socket has a connection */
#define RUSM_FD_WRITE 2u /* writable */
#define RUSM_FD_ERROR 4u /* error or hang-up: always reported, asked for or not */

/* Native bodies: parks the calling process until fd is ready for one of
** events (RUSM_FD_READ | RUSM_FD_WRITE), or timeout_us passes (RUSM_FOREVER
** = no limit, 0 = just look). Returns the ready RUSM_FD_* bits; 0 on
** timeout or kill (rusm_killed tells which). A file that epoll cannot watch
** (a regular file) is always ready. Borrows fd. */
uint32_t rusm_fd_wait(rusm_ctx *ctx, int fd, uint32_t events, int64_t timeout_us);

/* Resumable bodies: arms a wake-up for the next RUSM_STEP_WAIT when fd is
** ready for events (as rusm_wait_deadline arms a timer; several fds may be
** armed for one wait). One wake-up per arm; wake-ups can be spurious, so
** retry the operation after resuming. Borrows fd. */
void rusm_wait_fd(rusm_ctx *ctx, int fd, uint32_t events);

/* Drops every wait armed on fd and wakes the processes parked on it; call
** it before closing an fd that processes may wait on, so that a reused fd
** number never inherits old waiters. */
void rusm_fd_forget(rusm_rt *rt, int fd);

/* ---------------------------------------------------------------- TCP */

typedef struct rusm_tcp_conn rusm_tcp_conn;

#define RUSM_TCP_ADDR_MAX 64 /* "host:port" text, with the NUL; "[v6]:port" fits */

/* The body of a connection process: borrows conn (closed at the process's
** end unless the handler closed it) and arg (the listen call's). */
typedef void (*rusm_tcp_handler)(rusm_ctx *ctx, rusm_tcp_conn *conn, void *arg);

/* Binds and listens on addr ("127.0.0.1:0", "[::1]:8080", "localhost:80";
** port 0 picks a free one) and starts the acceptor process, which runs
** handler in a new process for each accepted connection. Returns the
** acceptor's pid (kill it to close the port) and writes the bound address
** to o_bound (RUSM_TCP_ADDR_MAX bytes, may be NULL). On failure returns
** RUSM_PID_NONE and sets *o_err (may be NULL) to -errno. arg is borrowed:
** it must outlive the acceptor and every connection process. When fds run
** out (EMFILE/ENFILE) the acceptor backs off briefly and keeps serving. */
rusm_pid rusm_tcp_listen(rusm_rt *rt, const char *addr, rusm_tcp_handler handler, void *arg,
                         char *o_bound, int *o_err);

/* Connects to addr, parking up to timeout_us (RUSM_FOREVER = the kernel's
** limit). On 0 *o_conn is a connection owned by ctx's process. */
int rusm_tcp_connect(rusm_ctx *ctx, const char *addr, int64_t timeout_us, rusm_tcp_conn **o_conn);

/* The same in two steps, never parking (resumable bodies). start: 0 =
** connected; -EINPROGRESS = *o_conn is set and owned by ctx's process:
** wait for RUSM_FD_WRITE on rusm_tcp_fd, then call finish; other -errno =
** failed, nothing returned. finish: 0 = connected, -EINPROGRESS = not yet,
** other -errno = the connection failed (close conn). */
int rusm_tcp_connect_start(rusm_ctx *ctx, const char *addr, rusm_tcp_conn **o_conn);
int rusm_tcp_connect_finish(rusm_tcp_conn *conn);

/* A listening socket without an acceptor process, for a process that
** accepts by itself. open: binds and listens on addr; the listener is owned
** by ctx's process (closed at its exit); o_bound as for rusm_tcp_listen.
** 0 or -errno. */
typedef struct rusm_tcp_listener rusm_tcp_listener;
int rusm_tcp_listener_open(rusm_ctx *ctx, const char *addr, char *o_bound,
                           rusm_tcp_listener **o_listener);
/* Accepts one connection, owned by ctx's process (NULL: unowned): 0, -EAGAIN (none
** pending; wait for RUSM_FD_READ on rusm_tcp_listener_fd), or -errno
** (-EMFILE/-ENFILE when out of fds: the connection stays pending). */
int rusm_tcp_try_accept(rusm_ctx *ctx, rusm_tcp_listener *l, rusm_tcp_conn **o_conn);
/* Native bodies: as try_accept, parking while none is pending. */
int rusm_tcp_accept(rusm_ctx *ctx, rusm_tcp_listener *l, rusm_tcp_conn **o_conn);
int rusm_tcp_listener_fd(const rusm_tcp_listener *l);
void rusm_tcp_listener_close(rusm_tcp_listener *l); /* takes l */

/* Reads up to cap bytes, parking until some arrive: >0 bytes, 0 at end of
** stream (the peer shut down its side), or -errno. */
ssize_t rusm_tcp_read(rusm_ctx *ctx, rusm_tcp_conn *conn, void *buf, size_t cap);

/* Writes all len bytes, parking while the socket buffer is full: len, or
** -errno (-EPIPE / -ECONNRESET when the peer is gone; bytes may have been
** sent before the error). Borrows data. */
ssize_t rusm_tcp_write(rusm_ctx *ctx, rusm_tcp_conn *conn, const void *data, size_t len);

/* Never park (resumable bodies; wait with rusm_wait_fd on rusm_tcp_fd):
** bytes moved, 0 at end of stream (read), or -errno with -EAGAIN for
** "not now". */
ssize_t rusm_tcp_try_read(rusm_tcp_conn *conn, void *buf, size_t cap);
ssize_t rusm_tcp_try_write(rusm_tcp_conn *conn, const void *data, size_t len);

/* Half-close: the peer reads end of stream; this side can still read.
** 0 or -errno. */
int rusm_tcp_shutdown_write(rusm_tcp_conn *conn);

/* Closes the socket and frees conn. Takes conn. */
void rusm_tcp_close(rusm_tcp_conn *conn);

/* The socket (for rusm_wait_fd); still owned by conn. */
int rusm_tcp_fd(const rusm_tcp_conn *conn);

/* "ip:port" of the peer / of this end into buf (RUSM_TCP_ADDR_MAX bytes). */
bool rusm_tcp_peer_addr(const rusm_tcp_conn *conn, char *buf);
bool rusm_tcp_local_addr(const rusm_tcp_conn *conn, char *buf);

/* Moving a connection to another process: the owner disowns it, the new
** process adopts it (as for stream ends). */
void rusm_tcp_disown(rusm_tcp_conn *conn);
void rusm_tcp_adopt(rusm_ctx *ctx, rusm_tcp_conn *conn);

#ifdef __cplusplus
}
#endif
#endif
