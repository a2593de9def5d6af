/*
** io_int.h: internals shared by streams, the epoll poller and TCP
** (prefix otp_res_ / otp_io_; private to src/otp).
**
**   io_res.c    resources a process owns (stream ends, sockets), released
**               when it ends
**   io_poll.c   the runtime's epoll poller: fd waits that park processes
**   stream*.c   bounded byte streams
**   net*.c      TCP
*/
#ifndef OTP_IO_INT_H
#define OTP_IO_INT_H

#include "otp_int.h"

/* ------------------------------------------------------ owned resources */

/*
** A resource a process owns, embedded in the stream end or connection. The
** list lives in otp_proc.res and is touched only by its process (which is
** the only one allowed to use its resources) and by that process's exit,
** so it needs no lock.
*/
typedef struct otp_res {
  struct otp_res *next, **pprev;
  otp_proc *owner; /* NULL = unowned */
  /* closes and frees the resource at its owner's exit */
  void (*release)(struct otp_res *r);
} otp_res;

void otp_res_init(otp_res *r, void (*release)(otp_res *r));
/* Makes ctx's process the owner (NULL ctx = unowned); drops an old owner. */
void otp_res_own(rusm_ctx *ctx, otp_res *r);
void otp_res_disown(otp_res *r);

/* ------------------------------------------------------------ the poller */

struct sockaddr_storage;
/* net_addr.c: "host:port" to a socket address (0 or -errno), and back. */
int otp_net_parse(const char *addr, struct sockaddr_storage *o_ss, unsigned *o_len);
void otp_net_format(const struct sockaddr_storage *ss, char *buf); /* RUSM_TCP_ADDR_MAX */
/* net_conn.c: wraps a connected non-blocking socket (sets TCP_NODELAY);
** the connection is unowned. Takes fd (closed on failure). */
struct rusm_tcp_conn *otp_net_conn_new(rusm_rt *rt, int fd);
/* net_listener.c: an unowned listener (the acceptor process adopts none:
** its arg_free closes it). 0 or -errno. */
struct rusm_tcp_listener;
int otp_net_listener_open(rusm_rt *rt, const char *addr, char *o_bound,
                          struct rusm_tcp_listener **o_l);

/* Parks the calling native process until deadline_ns (monotonic) or a kill.
** Returns false if killed. */
bool otp_io_sleep(otp_proc *p, uint64_t deadline_ns);

/* Is p running on its own fiber now (so it may park)? */
static inline bool otp_io_can_park(otp_proc *p) {
  return otp_fiber_current(p->rt) == p;
}

/* Exit: drops the process's armed resumable fd waits (io_poll.c). */
void otp_io_proc_exit(otp_proc *p);

/* Wakes pid if it is alive. */
void otp_io_wake_pid(rusm_rt *rt, rusm_pid pid);

#endif
