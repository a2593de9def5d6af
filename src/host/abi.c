/*
** abi.c: the raw `rusm` import ABI for core modules (reference 2.5).
**
** Every function is listed once in HOST_ABI (host_int.h); this file holds
** the handlers and makes one engine host function per entry, once per
** runtime, so preparing a module links them by index and spawning links
** nothing. A handler finds its process through the instance's user
** pointer.
*/
#include <stdlib.h>
#include <string.h>

#include "host_int.h"
#include "rusm/stream.h"

static host_proc *proc_of(rusm_call *call) {
  return host_proc_of(rusm_call_instance(call));
}

static rusm_host_status h_own_pid(rusm_call *call, void *env, const rusm_val *args, rusm_val *res) {
  res[0].i64 = (int64_t)host_proc_pid(proc_of(call));
  return RUSM_HOST_OK;
}

/* Counted per process and added to the runtime's total when the process
** ends or yields, so bystanders on two cores never share a cache line. */
static rusm_host_status h_notify(rusm_call *call, void *env, const rusm_val *args, rusm_val *res) {
  host_proc_notify(proc_of(call));
  return RUSM_HOST_OK;
}

/* ---------------------------------------------------- guest memory */

/* The guest's bytes [ptr, ptr+len), or NULL (after arming a trap) when the
** range is out of bounds. The ABI takes i32 offsets into memory 0, which a
** guest using it exports as `memory`. */
static uint8_t *guest_bytes(rusm_call *call, int32_t ptr, int32_t len) {
  if (!host_proc_prepared(proc_of(call))->memory_export) {
    rusm_call_trap(call, "rusm: the module exports no memory named `memory`");
    return NULL;
  }
  uint8_t *p = rusm_call_mem(call, (uint32_t)ptr, (uint32_t)len);
  if (!p) rusm_call_trap(call, "rusm: pointer out of bounds of the exported memory");
  return p;
}

/* A NUL-terminated copy of a UTF-8 name in guest memory, or NULL with a
** trap armed (bad range, invalid UTF-8, an embedded NUL). Caller frees. */
static bool utf8_valid(const uint8_t *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    uint8_t c = s[i];
    size_t k;
    uint32_t cp;
    if (c < 0x80) {
      if (!c) return false;
      i++;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      k = 1, cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      k = 2, cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      k = 3, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + k >= n) return false; /* truncated sequence */
    for (size_t j = 1; j <= k; j++) {
      if ((s[i + j] & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (s[i + j] & 0x3f);
    }
    if ((k == 1 && cp < 0x80) || (k == 2 && cp < 0x800) || (k == 3 && cp < 0x10000) ||
        cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
      return false;
    i += k + 1;
  }
  return true;
}

static char *guest_name(rusm_call *call, int32_t ptr, int32_t len) {
  const uint8_t *p = guest_bytes(call, ptr, len);
  if (!p) return NULL;
  if (!utf8_valid(p, (uint32_t)len)) {
    rusm_call_trap(call, "rusm: name is not valid UTF-8");
    return NULL;
  }
  char *s = malloc((uint32_t)len + 1u);
  if (!s) {
    rusm_call_trap(call, "rusm: out of memory");
    return NULL;
  }
  memcpy(s, p, (uint32_t)len);
  s[len] = 0;
  return s;
}

static bool may_control(host_proc *hp, rusm_pid target) {
  const rusm_caps *c = host_proc_caps(hp);
  return target == host_proc_pid(hp) || (c && rusm_caps_has(c, RUSM_CAP_PROCESS_CONTROL));
}

/* ------------------------------------------------------------ handlers */

static rusm_host_status h_send(rusm_call *call, void *env, const rusm_val *args, rusm_val *res) {
  rusm_wasm *w = env;
  const uint8_t *p = guest_bytes(call, args[1].i32, args[2].i32);
  if (!p) return RUSM_HOST_TRAP;
  rusm_send(w->rt, (rusm_pid)args[0].i64, p, (uint32_t)args[2].i32);
  return RUSM_HOST_OK;
}

static rusm_host_status h_list_processes(rusm_call *call, void *env, const rusm_val *args,
                                         rusm_val *res) {
  rusm_wasm *w = env;
  host_proc *hp = proc_of(call);
  uint32_t cap = (uint32_t)args[1].i32;
  uint8_t *out = guest_bytes(call, args[0].i32, (int32_t)(cap * 8u));
  if (!out || cap > INT32_MAX / 8) return RUSM_HOST_TRAP;
  rusm_pid self = host_proc_pid(hp);
  rusm_pid *pids = &self;
  size_t total = 1;
  const rusm_caps *c = host_proc_caps(hp);
  if (c && rusm_caps_has(c, RUSM_CAP_PROCESS_CONTROL)) {
    /* A snapshot: the live count may change between the two calls. */
    size_t n = rusm_process_count(w->rt) + 64;
    pids = malloc(n * sizeof *pids);
    if (!pids) {
      rusm_call_trap(call, "rusm: out of memory");
      return RUSM_HOST_TRAP;
    }
    total = rusm_list(w->rt, pids, n);
    if (total > n) total = n;
  }
  for (size_t i = 0; i < total && i < cap; i++)
    for (int b = 0; b < 8; b++) out[i * 8 + (size_t)b] = (uint8_t)(pids[i] >> (8 * b));
  if (pids != &self) free(pids);
  res[0].i32 = (int32_t)total;
  return RUSM_HOST_OK;
}

static rusm_host_status h_is_alive(rusm_call *call, void *env, const rusm_val *args,
                                   rusm_val *res) {
  rusm_wasm *w = env;
  rusm_pid pid = (rusm_pid)args[0].i64;
  res[0].i32 = may_control(proc_of(call), pid) && rusm_is_alive(w->rt, pid);
  return RUSM_HOST_OK;
}

/* Self-kill takes effect at once: the guest parks as runnable and the
** scheduler, seeing it killed, ends it before it runs another instruction. */
static rusm_exec_status after_self_kill(host_proc *hp, rusm_instance *inst, uint32_t budget) {
  rusm_val r = {.i32 = 1};
  return rusm_resume_host(inst, &r, budget);
}

static rusm_host_status h_kill(rusm_call *call, void *env, const rusm_val *args, rusm_val *res) {
  rusm_wasm *w = env;
  host_proc *hp = proc_of(call);
  rusm_pid pid = (rusm_pid)args[0].i64;
  if (!may_control(hp, pid)) {
    res[0].i32 = 0;
    return RUSM_HOST_OK;
  }
  bool ok = rusm_kill(w->rt, pid);
  if (ok && pid == host_proc_pid(hp)) {
    host_proc_set_retry(hp, after_self_kill, true);
    return RUSM_HOST_SUSPEND;
  }
  res[0].i32 = ok;
  return RUSM_HOST_OK;
}

static rusm_host_status h_register(rusm_call *call, void *env, const rusm_val *args,
                                   rusm_val *res) {
  rusm_wasm *w = env;
  char *name = guest_name(call, args[0].i32, args[1].i32);
  if (!name) return RUSM_HOST_TRAP;
  res[0].i32 = rusm_register(w->rt, name, host_proc_pid(proc_of(call)));
  free(name);
  return RUSM_HOST_OK;
}

static rusm_host_status h_whereis(rusm_call *call, void *env, const rusm_val *args, rusm_val *res) {
  rusm_wasm *w = env;
  char *name = guest_name(call, args[0].i32, args[1].i32);
  if (!name) return RUSM_HOST_TRAP;
  rusm_pid pid = rusm_whereis(w->rt, name);
  res[0].i64 = pid == RUSM_PID_NONE ? -1 : (int64_t)pid;
  free(name);
  return RUSM_HOST_OK;
}

static rusm_host_status h_unregister(rusm_call *call, void *env, const rusm_val *args,
                                     rusm_val *res) {
  rusm_wasm *w = env;
  char *name = guest_name(call, args[0].i32, args[1].i32);
  if (!name) return RUSM_HOST_TRAP;
  res[0].i32 = rusm_unregister(w->rt, name);
  free(name);
  return RUSM_HOST_OK;
}

static rusm_host_status h_set_label(rusm_call *call, void *env, const rusm_val *args,
                                    rusm_val *res) {
  rusm_wasm *w = env;
  char *label = guest_name(call, args[0].i32, args[1].i32);
  if (!label) return RUSM_HOST_TRAP;
  rusm_set_label(w->rt, host_proc_pid(proc_of(call)), label);
  free(label);
  return RUSM_HOST_OK;
}

/* receive: the next user message; Down, Exit and Stream items met on the
** way are consumed and dropped (the raw ABI has no way to show them). */
static rusm_item *next_message(host_proc *hp) {
  rusm_ctx *ctx = host_proc_ctx(hp);
  rusm_item *it;
  while ((it = rusm_try_receive(ctx, NULL, NULL)) && it->kind != RUSM_ITEM_MESSAGE)
    rusm_item_free(it);
  return it;
}

static int32_t deliver(rusm_item *it, uint8_t *dst, uint32_t cap) {
  size_t n = it->u.msg.len < cap ? it->u.msg.len : cap;
  memcpy(dst, it->u.msg.data, n);
  int32_t full = it->u.msg.len > INT32_MAX ? INT32_MAX : (int32_t)it->u.msg.len;
  rusm_item_free(it);
  return full;
}

static rusm_exec_status retry_receive(host_proc *hp, rusm_instance *inst, uint32_t budget) {
  const rusm_val *args = rusm_suspended_args(inst);
  rusm_item *it = next_message(hp);
  if (!it) {
    host_proc_set_retry(hp, retry_receive, false);
    return RUSM_EXEC_SUSPEND;
  }
  /* The range was checked before suspending and memories never shrink. */
  uint8_t *dst = rusm_instance_mem(inst, (uint32_t)args[0].i32, (uint32_t)args[1].i32);
  rusm_val r = {.i32 = deliver(it, dst, (uint32_t)args[1].i32)};
  return rusm_resume_host(inst, &r, budget);
}

static rusm_host_status h_receive(rusm_call *call, void *env, const rusm_val *args, rusm_val *res) {
  host_proc *hp = proc_of(call);
  uint8_t *dst = guest_bytes(call, args[0].i32, args[1].i32);
  if (!dst) return RUSM_HOST_TRAP;
  rusm_item *it = next_message(hp);
  if (!it) {
    host_proc_set_retry(hp, retry_receive, false);
    return RUSM_HOST_SUSPEND;
  }
  res[0].i32 = deliver(it, dst, (uint32_t)args[1].i32);
  return RUSM_HOST_OK;
}

/* ------------------------------------------------------------ streams */

static int64_t streams_add(host_streams *s, bool is_writer, void *end) {
  if (s->n == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 4;
    host_stream *v = realloc(s->v, cap * sizeof *v);
    if (!v) return -1;
    s->v = v;
    s->cap = cap;
  }
  host_stream *e = &s->v[s->n];
  e->is_writer = is_writer;
  if (is_writer)
    e->u.w = end;
  else
    e->u.r = end;
  return (int64_t)s->n++;
}

static struct rusm_stream_writer *writer_of(host_streams *s, int64_t id) {
  if (id < 0 || (uint64_t)id >= s->n || !s->v[id].is_writer) return NULL;
  return s->v[id].u.w;
}

static rusm_stream_reader *reader_of(host_streams *s, int64_t id) {
  if (id < 0 || (uint64_t)id >= s->n || s->v[id].is_writer) return NULL;
  return s->v[id].u.r;
}

void host_streams_release(host_streams *s) {
  for (size_t i = 0; i < s->n; i++) {
    if (s->v[i].is_writer && s->v[i].u.w) rusm_stream_writer_close(s->v[i].u.w);
    if (!s->v[i].is_writer && s->v[i].u.r) rusm_stream_reader_close(s->v[i].u.r);
  }
  free(s->v);
  free(s->pending);
  memset(s, 0, sizeof *s);
}

/* stream_open(to) -> id | -1: a default-capacity stream whose read end goes
** to `to` as a Stream item; the caller keeps the write end. */
static rusm_host_status h_stream_open(rusm_call *call, void *env, const rusm_val *args,
                                      rusm_val *res) {
  rusm_wasm *w = env;
  host_proc *hp = proc_of(call);
  struct rusm_stream_writer *wr;
  rusm_stream_reader *rd;
  res[0].i64 = -1;
  if (!rusm_stream_new(host_proc_ctx(hp), RUSM_STREAM_DEFAULT_CAPACITY, &wr, &rd))
    return RUSM_HOST_OK;
  if (!rusm_send_stream(w->rt, (rusm_pid)args[0].i64, rd)) { /* takes rd */
    rusm_stream_writer_close(wr);
    return RUSM_HOST_OK;
  }
  res[0].i64 = streams_add(host_proc_streams(hp), true, wr);
  if (res[0].i64 < 0) rusm_stream_writer_close(wr);
  return RUSM_HOST_OK;
}

/* The pending chunk into the stream: 0 written, -1 reader gone, or 1 full
** (a wake-up is armed for when there is room). */
static int write_pending(host_proc *hp, struct rusm_stream_writer *wr) {
  host_streams *s = host_proc_streams(hp);
  rusm_stream_status st = rusm_stream_try_write(wr, s->pending, s->pending_len);
  if (st == RUSM_STREAM_WOULD_BLOCK) {
    rusm_wait_stream_writable(host_proc_ctx(hp), wr);
    return 1;
  }
  if (st != RUSM_STREAM_OK) free(s->pending); /* handed back: ours to drop */
  s->pending = NULL;
  return st == RUSM_STREAM_OK ? 0 : -1;
}

static rusm_exec_status retry_stream_write(host_proc *hp, rusm_instance *inst, uint32_t budget) {
  const rusm_val *args = rusm_suspended_args(inst);
  struct rusm_stream_writer *wr = writer_of(host_proc_streams(hp), args[0].i64);
  int rc = wr ? write_pending(hp, wr) : -1;
  if (rc == 1) {
    host_proc_set_retry(hp, retry_stream_write, false);
    return RUSM_EXEC_SUSPEND;
  }
  rusm_val r = {.i32 = rc};
  return rusm_resume_host(inst, &r, budget);
}

/* stream_write(id, ptr, len) -> 0 | -1, parking while the stream is full. */
static rusm_host_status h_stream_write(rusm_call *call, void *env, const rusm_val *args,
                                       rusm_val *res) {
  host_proc *hp = proc_of(call);
  host_streams *s = host_proc_streams(hp);
  const uint8_t *p = guest_bytes(call, args[1].i32, args[2].i32);
  if (!p) return RUSM_HOST_TRAP;
  struct rusm_stream_writer *wr = writer_of(s, args[0].i64);
  res[0].i32 = -1;
  if (!wr) return RUSM_HOST_OK;
  size_t len = (uint32_t)args[2].i32;
  s->pending = malloc(len ? len : 1);
  if (!s->pending) return RUSM_HOST_OK;
  memcpy(s->pending, p, len);
  s->pending_len = len;
  int rc = write_pending(hp, wr);
  if (rc == 1) {
    host_proc_set_retry(hp, retry_stream_write, false);
    return RUSM_HOST_SUSPEND;
  }
  res[0].i32 = rc;
  return RUSM_HOST_OK;
}

static rusm_host_status h_stream_close(rusm_call *call, void *env, const rusm_val *args,
                                       rusm_val *res) {
  host_streams *s = host_proc_streams(proc_of(call));
  struct rusm_stream_writer *wr = writer_of(s, args[0].i64);
  if (wr) {
    rusm_stream_writer_close(wr);
    s->v[args[0].i64].u.w = NULL;
  }
  return RUSM_HOST_OK;
}

/* The next Stream item's reader, dropping other items met on the way. */
static int64_t accept_one(host_proc *hp) {
  rusm_ctx *ctx = host_proc_ctx(hp);
  for (rusm_item *it; (it = rusm_try_receive(ctx, NULL, NULL));) {
    if (it->kind == RUSM_ITEM_STREAM && it->u.stream) {
      rusm_stream_reader *rd = it->u.stream;
      it->u.stream = NULL; /* moved out of the item */
      rusm_item_free(it);
      int64_t id = streams_add(host_proc_streams(hp), false, rd);
      if (id < 0) rusm_stream_reader_close(rd);
      return id;
    }
    rusm_item_free(it);
  }
  return INT64_MIN; /* nothing yet */
}

static rusm_exec_status retry_stream_accept(host_proc *hp, rusm_instance *inst, uint32_t budget) {
  int64_t id = accept_one(hp);
  if (id == INT64_MIN) {
    host_proc_set_retry(hp, retry_stream_accept, false);
    return RUSM_EXEC_SUSPEND;
  }
  rusm_val r = {.i64 = id};
  return rusm_resume_host(inst, &r, budget);
}

static rusm_host_status h_stream_accept(rusm_call *call, void *env, const rusm_val *args,
                                        rusm_val *res) {
  host_proc *hp = proc_of(call);
  int64_t id = accept_one(hp);
  if (id == INT64_MIN) {
    host_proc_set_retry(hp, retry_stream_accept, false);
    return RUSM_HOST_SUSPEND;
  }
  res[0].i64 = id;
  return RUSM_HOST_OK;
}

/* One chunk into dst: its full length, -1 at end of stream (the reader is
** released) or for an unknown id, or INT32_MIN when empty (a wake-up is
** armed). */
static int32_t read_one(host_proc *hp, int64_t id, uint8_t *dst, uint32_t cap) {
  host_streams *s = host_proc_streams(hp);
  rusm_stream_reader *rd = reader_of(s, id);
  if (!rd) return -1;
  rusm_chunk c;
  rusm_stream_status st = rusm_stream_try_read(rd, &c);
  if (st == RUSM_STREAM_WOULD_BLOCK) {
    rusm_wait_stream_readable(host_proc_ctx(hp), rd);
    return INT32_MIN;
  }
  if (st != RUSM_STREAM_OK) {
    rusm_stream_reader_close(rd);
    s->v[id].u.r = NULL;
    return -1;
  }
  memcpy(dst, c.data, c.len < cap ? c.len : cap);
  free(c.data);
  return c.len > INT32_MAX ? INT32_MAX : (int32_t)c.len;
}

static rusm_exec_status retry_stream_read(host_proc *hp, rusm_instance *inst, uint32_t budget) {
  const rusm_val *args = rusm_suspended_args(inst);
  /* The range was checked before suspending and memories never shrink. */
  uint8_t *dst = rusm_instance_mem(inst, (uint32_t)args[1].i32, (uint32_t)args[2].i32);
  int32_t n = read_one(hp, args[0].i64, dst, (uint32_t)args[2].i32);
  if (n == INT32_MIN) {
    host_proc_set_retry(hp, retry_stream_read, false);
    return RUSM_EXEC_SUSPEND;
  }
  rusm_val r = {.i32 = n};
  return rusm_resume_host(inst, &r, budget);
}

static rusm_host_status h_stream_read(rusm_call *call, void *env, const rusm_val *args,
                                      rusm_val *res) {
  host_proc *hp = proc_of(call);
  uint8_t *dst = guest_bytes(call, args[1].i32, args[2].i32);
  if (!dst) return RUSM_HOST_TRAP;
  int32_t n = read_one(hp, args[0].i64, dst, (uint32_t)args[2].i32);
  if (n == INT32_MIN) {
    host_proc_set_retry(hp, retry_stream_read, false);
    return RUSM_HOST_SUSPEND;
  }
  res[0].i32 = n;
  return RUSM_HOST_OK;
}

static const struct {
  const char *name, *params, *results;
  rusm_host_fn fn;
} abi_table[] = {
#define X(n, p, r) {#n, p, r, h_##n},
    HOST_ABI(X)
#undef X
};

int host_abi_find(const char *name) {
  for (int i = 0; i < HOST_ABI_COUNT; i++)
    if (strcmp(abi_table[i].name, name) == 0) return i;
  return -1;
}

static size_t sig_types(const char *sig, rusm_valtype *out) {
  size_t n = 0;
  for (; sig[n]; n++) out[n] = sig[n] == 'I' ? RUSM_I32 : RUSM_I64;
  return n;
}

bool host_abi_init(rusm_wasm *w) {
  w->abi_funcs = calloc(HOST_ABI_COUNT, sizeof *w->abi_funcs);
  if (!w->abi_funcs) return false;
  for (int i = 0; i < HOST_ABI_COUNT; i++) {
    rusm_valtype p[8], r[8];
    rusm_functype t;
    t.n_params = (uint32_t)sig_types(abi_table[i].params, p);
    t.n_results = (uint32_t)sig_types(abi_table[i].results, r);
    t.params = p;
    t.results = r;
    w->abi_funcs[i] = rusm_func_new_host(&t, abi_table[i].fn, w);
    if (!w->abi_funcs[i]) return false;
  }
  return true;
}

void host_abi_fini(rusm_wasm *w) {
  if (!w->abi_funcs) return;
  for (int i = 0; i < HOST_ABI_COUNT; i++) rusm_func_free(w->abi_funcs[i]);
  free(w->abi_funcs);
  w->abi_funcs = NULL;
}
