/*
** instance.h: the engine's runtime objects (module, prepared module,
** instance, function, memory, table, global) and the execution state that
** the interpreter saves when it yields or suspends. Internal to src/engine.
*/
#ifndef RUSM_ENGINE_INSTANCE_H
#define RUSM_ENGINE_INSTANCE_H

#include <pthread.h>
#include <stdatomic.h>

#include "compile.h"
#include "module.h"

#define INST_PAGE 65536u
#define INST_DEFAULT_DEPTH 10000u
#define INST_MAX_STACK_SLOTS (1u << 24) /* 128 MiB of value stack per instance */

/* A loaded module: the decoded form plus the translated code. */
struct rusm_module {
  wasm_module *wm;     /* owned */
  cmp_func *funcs;     /* owned; funcs[i] is defined function n_imported_funcs + i */
  uint64_t *type_hash; /* owned; per type index, for cross-module call_indirect checks */
  const char **names;  /* owned array, borrowed strings: per function, name or export name */
};

enum { FUNC_HOST, FUNC_WASM };

struct rusm_func {
  uint8_t kind;
  rusm_functype type; /* HOST: owned copy; WASM: points into the module */
  uint64_t type_hash;
  uint32_t n_param_slots, n_result_slots;
  /* HOST */
  rusm_host_fn fn;
  void *env;
  /* WASM */
  rusm_instance *inst;
  const cmp_func *code;
};

struct rusm_memory {
  uint8_t *data; /* owned (malloc); NULL when size and capacity are 0 */
  uint64_t size; /* bytes, a multiple of INST_PAGE */
  uint64_t cap;  /* bytes allocated */
  uint64_t max_pages;
  uint64_t hw;      /* high-water mark of writes: bytes [hw, size) were not written since reset */
  uint64_t map_len; /* != 0: data is a MAP_PRIVATE mapping of a prepared image (memfd) */
};

struct rusm_table {
  rusm_valtype elem;
  uint32_t size, cap;
  uint64_t max;
  void **elems; /* owned; funcref elements are rusm_func* */
};

struct rusm_global {
  uint64_t v[2]; /* the value in slot form (v128 uses both) */
  rusm_valtype type;
  bool mutable_;
};

/* One frame record on the call stack (values live on the value stack). */
typedef struct inst_frame {
  const uint32_t *ret_pc; /* NULL: return to the embedder */
  uint32_t fp_off;        /* caller's frame pointer, as a slot offset */
  const cmp_func *fn;     /* caller's function */
  rusm_instance *inst;    /* caller's instance */
} inst_frame;

struct rusm_call {
  rusm_instance *inst; /* the instance whose code made the call */
  struct inst_exec *x;
};

enum { EXEC_IDLE, EXEC_RUNNING, EXEC_YIELDED, EXEC_SUSPENDED };

/* The execution stack and saved registers of one instance. */
typedef struct inst_exec {
  uint64_t *stack; /* owned value stack */
  uint32_t stack_cap;
  inst_frame *frames; /* owned call stack */
  uint32_t n_frames, frames_cap, max_depth;
  uint8_t state;
  /* Saved registers while YIELDED/SUSPENDED. */
  const uint32_t *pc;
  uint32_t fp_off;
  const cmp_func *fn;
  rusm_instance *cur;
  uint32_t budget;
  /* Preemption. */
  const volatile uint64_t *epoch;
  uint64_t deadline;
  /* The embedder's call: its result types. */
  const rusm_functype *entry_type;
  rusm_func *entry;
  /* A suspended host call: where its results go. */
  rusm_func *host;
  uint32_t host_base; /* slot offset of its args/results */
  rusm_val *host_args;
  uint32_t host_args_cap;
  rusm_trap trap;
} inst_exec;

struct rusm_prepared {
  rusm_module *mod;     /* borrowed */
  rusm_extern *imports; /* owned copy of the array */
  size_t n_imports;
  /* Initial memory image for an own memory 0 (NULL: apply segments at instantiate). */
  uint8_t *image;
  uint64_t image_len; /* bytes from 0 that the image covers (the rest is zero) */
  bool image_ok;
  int image_fd; /* memfd holding the initial memory for copy-on-write mapping, or -1 */
  /* Pool of free instance slots. */
  pthread_mutex_t lock;
  rusm_instance *free_list;
  atomic_size_t live;
};

struct rusm_instance {
  rusm_prepared *prep;
  const rusm_module *mod;
  const wasm_module *wm;
  rusm_func **funcs;    /* per function index */
  rusm_func *own_funcs; /* defined functions */
  rusm_memory **mems;   /* per memory index */
  rusm_memory own_mem;  /* 2.0: at most one memory */
  rusm_memory *mem0;    /* mems[0], or an empty memory: the interpreter never tests */
  rusm_table **tables;
  rusm_table *own_tables;
  rusm_global **globals;
  rusm_global *own_globals;
  uint8_t *data_dropped, *elem_dropped;
  uint64_t mem_cap_bytes;
  void *user;
  inst_exec x;
  rusm_instance *next_free;
};

/* memory.c */
bool mem_init(rusm_memory *m, uint64_t min_pages, uint64_t max_pages);
/* Grows by delta pages within cap_bytes; returns the old size in pages or -1. */
int64_t mem_grow(rusm_memory *m, uint64_t delta, uint64_t cap_bytes);
void mem_release(rusm_memory *m);
/* Zeroes [from, to) of m (large ranges are handed back to the kernel). */
void mem_zero(rusm_memory *m, uint64_t from, uint64_t to);
/* Gives back capacity above bytes (bytes a multiple of the page size). */
void mem_shrink(rusm_memory *m, uint64_t bytes);
/* Maps bytes of fd copy-on-write as the memory's initial contents. */
bool mem_map_image(rusm_memory *m, int fd, uint64_t bytes, uint64_t max_pages);
/* Drops the private pages of [0, hw): they read as the image again. */
void mem_unmap_dirty(rusm_memory *m);

/* Raises m's high-water mark to cover [0, end), rounded up to a 4 KiB page
** (at most m->size), and returns the new mark. end <= m->size. */
uint64_t mem_raise_hw(rusm_memory *m, uint64_t end);

/* Images at least this large are mapped copy-on-write instead of copied
** (measured: engine_bench; a copy of 64 KiB costs 2 us, a map+unmap 7 us). */
#define INST_COW_MIN (256u << 10)

/* table.c */
bool tab_init(rusm_table *t, rusm_valtype elem, uint64_t min, uint64_t max);
int64_t tab_grow(rusm_table *t, uint64_t delta, void *init);
void tab_release(rusm_table *t);

/* func.c */
uint64_t func_type_hash(const rusm_valtype *p, uint32_t np, const rusm_valtype *r, uint32_t nr);
bool func_type_eq(const rusm_functype *a, const rusm_functype *b);
uint32_t func_slots(const rusm_valtype *t, uint32_t n);
void func_init_wasm(rusm_func *f, rusm_instance *inst, const cmp_func *code);

/* global.c: slot form <-> rusm_val */
void glob_to_slots(rusm_valtype t, const rusm_val *v, uint64_t *slots);
void glob_from_slots(rusm_valtype t, const uint64_t *slots, rusm_val *v);

/* interp.c: runs owner->x until done, trap, yield or suspend. */
rusm_exec_status interp_run(rusm_instance *owner);
int interp_simd(const uint32_t *pc, uint64_t *fp, rusm_memory *m0);
void interp_store_results(const rusm_functype *t, const rusm_val *res, uint64_t *slots);

/* compile.c: translates every defined function of mod->wm into mod->funcs. */
bool cmp_translate_module(rusm_module *mod, rusm_error *err);
void cmp_free_module(rusm_module *mod);

/* exec.c */
void exec_release(inst_exec *x);
void exec_trap(inst_exec *x, rusm_trap_kind k, const cmp_func *fn, const rusm_instance *inst);
/* Makes room for `need` slots above fp_off; false if over the limit. */
bool exec_grow_stack(inst_exec *x, uint64_t need);
bool exec_grow_frames(inst_exec *x);

/* instance.c: segment helpers shared with the interpreter. */
bool inst_table_init(rusm_instance *inst, rusm_table *t, uint32_t seg, uint64_t d, uint64_t s,
                     uint64_t n);
void *inst_elem_item(rusm_instance *inst, const wasm_constexpr *e);

#endif
