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

static host_proc *proc_of(rusm_call *call) { return host_proc_of(rusm_call_instance(call)); }

static rusm_host_status h_own_pid(rusm_call *call, void *env, const rusm_val *args,
                                  rusm_val *res) {
  res[0].i64 = (int64_t)host_proc_pid(proc_of(call));
  return RUSM_HOST_OK;
}

/* Counted per process and added to the runtime's total when the process
** ends or yields, so bystanders on two cores never share a cache line. */
static rusm_host_status h_notify(rusm_call *call, void *env, const rusm_val *args,
                                 rusm_val *res) {
  host_proc_notify(proc_of(call));
  return RUSM_HOST_OK;
}

/* ---------------------------------------------------- guest memory */

/* The guest's bytes [ptr, ptr+len), or NULL (after arming a trap) when the
** range is out of bounds. The ABI takes i32 offsets into memory 0, which a
** guest using it exports as `memory`. */
static uint8_t *guest_bytes(rusm_call *call, int32_t ptr, int32_t len) {
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

static rusm_host_status h_send(rusm_call *call, void *env, const rusm_val *args,
                               rusm_val *res) {
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

static rusm_host_status h_kill(rusm_call *call, void *env, const rusm_val *args,
                               rusm_val *res) {
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

static rusm_host_status h_whereis(rusm_call *call, void *env, const rusm_val *args,
                                  rusm_val *res) {
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
  uint64_t size;
  uint8_t *base = rusm_memory_data(rusm_instance_memory(inst, 0), &size);
  /* The range was checked before suspending and memories never shrink. */
  rusm_val r = {.i32 = deliver(it, base + (uint32_t)args[0].i32, (uint32_t)args[1].i32)};
  return rusm_resume_host(inst, &r, budget);
}

static rusm_host_status h_receive(rusm_call *call, void *env, const rusm_val *args,
                                  rusm_val *res) {
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
