/*
** rusm/stream.h: bounded byte streams between processes (reference 1.8).
**
** A stream is a FIFO of chunks (owned byte buffers) with room for
** `capacity` chunks. It has one read end and any number of write ends
** (clones of the first writer). A writer that finds the stream full parks
** until the reader makes room, so a fast producer holds at most capacity
** chunks in memory (back-pressure). The reader sees end-of-stream once
** every writer is closed and the buffered chunks are drained; a writer sees
** RUSM_STREAM_CLOSED once the reader is gone.
**
** Ownership of the ends. A stream end is either owned by a process or
** unowned. An owned end is released (closed) when its process ends, however
** it ends (return, crash, kill), so a dead producer means EOF for its
** reader and a dead consumer means CLOSED for its writers. An end becomes
** owned by the process that created it (rusm_stream_new / clone with a
** ctx), by the process that receives it in a RUSM_ITEM_STREAM item, or by
** rusm_stream_*_adopt. Ends made with ctx == NULL (host threads, tests) are
** unowned until adopted. Only the owner (or, for an unowned end, one thread
** at a time) may use, move or close an end.
**
** Native bodies use the blocking calls (they park the process, never the
** worker thread). Resumable bodies use the try_ calls and arm a wake-up with
** rusm_wait_stream_* before returning RUSM_STEP_WAIT.
*/
#ifndef RUSM_STREAM_H
#define RUSM_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rusm/otp.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rusm_stream_writer rusm_stream_writer;
/* rusm_stream_reader is declared in rusm/otp.h (it travels in mailbox items). */

#define RUSM_STREAM_DEFAULT_CAPACITY 16

/* Results of stream calls, defined once. */
#define RUSM_STREAM_STATUSES(X)                                                                    \
  X(OK, "ok")                   /* done */                                                         \
  X(WOULD_BLOCK, "would-block") /* try_ call: full (write) or empty (read) */                      \
  X(CLOSED, "closed")           /* write: the reader is gone; read: end of stream */               \
  X(KILLED, "killed")           /* the calling process was killed while it waited */               \
  X(NOMEM, "no-memory")         /* a copy could not be allocated */

typedef enum {
#define X(n, s) RUSM_STREAM_##n,
  RUSM_STREAM_STATUSES(X)
#undef X
} rusm_stream_status;

const char *rusm_stream_status_name(rusm_stream_status s); /* static string */

/* A chunk read from a stream: data is malloc'd and owned by the caller
** (free() it); data may be NULL when len is 0. */
typedef struct rusm_chunk {
  uint8_t *data;
  size_t len;
} rusm_chunk;

/* Creates a stream of capacity chunks (0 = RUSM_STREAM_DEFAULT_CAPACITY).
** Both ends are owned by ctx's process, or unowned when ctx is NULL.
** false only when memory cannot be had (nothing is returned then). */
bool rusm_stream_new(rusm_ctx *ctx, size_t capacity, rusm_stream_writer **o_writer,
                     rusm_stream_reader **o_reader);

/* Another write end of w's stream (fan-in), owned by ctx's process (or
** unowned when ctx is NULL). Borrows w. NULL when memory cannot be had. */
rusm_stream_writer *rusm_stream_writer_clone(rusm_ctx *ctx, rusm_stream_writer *w);

/* Closes one write end; the reader sees EOF after the last one. Takes w. */
void rusm_stream_writer_close(rusm_stream_writer *w);
/* Closes the read end; buffered chunks are dropped and writers see CLOSED.
** Takes r. */
void rusm_stream_reader_close(rusm_stream_reader *r);

/* Moving an end between processes: the owner disowns it (it is then
** unowned, not closed) and the new process adopts it (a NULL ctx leaves it
** unowned). Readers move on their own with rusm_send_stream. */
void rusm_stream_writer_disown(rusm_stream_writer *w);
void rusm_stream_writer_adopt(rusm_ctx *ctx, rusm_stream_writer *w);
void rusm_stream_reader_disown(rusm_stream_reader *r);
void rusm_stream_reader_adopt(rusm_ctx *ctx, rusm_stream_reader *r);

/* Sends the read end to pid as a RUSM_ITEM_STREAM item; the receiver owns
** it from its receive on. Takes r: if pid is not alive (or memory fails)
** the reader is closed and the result is false. */
bool rusm_send_stream(rusm_rt *rt, rusm_pid to, rusm_stream_reader *r);

/* ------------------------------------------------------- native bodies */

/* Appends one chunk, parking the calling native process while the stream is
** full. data is a malloc'd buffer of len bytes (NULL allowed when len is 0).
** On RUSM_STREAM_OK the stream owns data; on any other result the chunk is
** handed back: the caller still owns data. Results: OK, CLOSED (the reader
** is gone), KILLED (the caller was killed while parked). Called from
** anything but the process's own fiber (or with a NULL ctx) it behaves as
** try_write. */
rusm_stream_status rusm_stream_write(rusm_ctx *ctx, rusm_stream_writer *w, void *data, size_t len);

/* As rusm_stream_write, but copies the bytes first (borrows data). */
rusm_stream_status rusm_stream_write_copy(rusm_ctx *ctx, rusm_stream_writer *w, const void *data,
                                          size_t len);

/* Takes the next chunk, parking while the stream is empty. OK fills
** *o_chunk (the caller owns it); CLOSED is end of stream (every writer
** closed and the buffer drained); KILLED as above. Off the process's own
** fiber (or with a NULL ctx) it behaves as try_read. */
rusm_stream_status rusm_stream_read(rusm_ctx *ctx, rusm_stream_reader *r, rusm_chunk *o_chunk);

/* ---------------------------------------------------- resumable bodies */

/* Never park. try_write: OK (takes data), WOULD_BLOCK or CLOSED (data is
** still the caller's). try_read: OK (fills *o_chunk), WOULD_BLOCK or CLOSED
** (end of stream). Usable from any thread. */
rusm_stream_status rusm_stream_try_write(rusm_stream_writer *w, void *data, size_t len);
rusm_stream_status rusm_stream_try_read(rusm_stream_reader *r, rusm_chunk *o_chunk);

/* Arms a wake-up of the calling process for when the stream has room (or
** the reader is gone) / has a chunk (or reached its end); if that is
** already so, the next RUSM_STEP_WAIT returns at once. One wake-up per arm;
** a spurious wake-up is possible, so retry the try_ call. */
void rusm_wait_stream_writable(rusm_ctx *ctx, rusm_stream_writer *w);
void rusm_wait_stream_readable(rusm_ctx *ctx, rusm_stream_reader *r);

/* Chunks buffered now (a snapshot; for tests and introspection). */
size_t rusm_stream_buffered(rusm_stream_reader *r);

#ifdef __cplusplus
}
#endif
#endif
