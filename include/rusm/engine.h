/*
** rusm/engine.h: RUSM's WebAssembly 2.0 engine (public API).
**
** The engine knows nothing of processes. It decodes and validates a binary
** module once (rusm_module), links it against imports once (rusm_prepared),
** and then makes cheap instances from a pool (rusm_instance). Execution is
** suspendable: rusm_invoke/rusm_continue run under a reduction budget and
** return DONE, TRAP, YIELD (budget spent or interrupted: call rusm_continue
** later) or SUSPEND (a host import asked to park: call rusm_resume_host with
** its results later). Wasm-to-Wasm calls never recurse on the C stack.
**
** Error model: load/link/instantiate return NULL and fill a rusm_error
** (section, offset, reason); execution reports traps as codes (rusm_trap)
** naming the function. Nothing here prints, aborts, or longjmps across the
** API. Ownership is stated per function.
*/
#ifndef RUSM_ENGINE_H
#define RUSM_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rusm_module
    rusm_module; /* decoded + validated + translated; immutable, thread-safe */
typedef struct rusm_prepared rusm_prepared; /* module + resolved imports + instance pool */
typedef struct rusm_instance rusm_instance; /* one instance; used by one thread at a time */
typedef struct rusm_func rusm_func;         /* a function: host, or (instance, index) */
typedef struct rusm_memory rusm_memory;     /* a linear memory (may be shared by import) */
typedef struct rusm_table rusm_table;
typedef struct rusm_global rusm_global;
typedef struct rusm_call rusm_call; /* what a host function sees of its caller */

/* ------------------------------------------------------------ values */

typedef enum {
  RUSM_I32 = 0x7f,
  RUSM_I64 = 0x7e,
  RUSM_F32 = 0x7d,
  RUSM_F64 = 0x7c,
  RUSM_V128 = 0x7b,
  RUSM_FUNCREF = 0x70,
  RUSM_EXTERNREF = 0x6f
} rusm_valtype;

/* A value; the type is known from context. References are pointers, NULL
** is the null reference (a funcref is a rusm_func*; an externref is the
** embedder's own pointer). Floats travel as bits so NaN payloads survive. */
typedef union rusm_val {
  int32_t i32;
  int64_t i64;
  uint32_t f32_bits;
  uint64_t f64_bits;
  uint64_t v128[2]; /* little-endian lanes: v128[0] holds bytes 0..7 */
  void *ref;
} rusm_val;

/* ------------------------------------------------------------- errors */

typedef struct rusm_error {
  char section[24]; /* "type", "code", "import", ...; "" if not in a section */
  size_t offset;    /* byte offset in the binary where the problem was found */
  char reason[200]; /* the spec's wording where it has one, e.g. "type mismatch" */
} rusm_error;

/* Traps, defined once. The strings are the spec test suite's wording. */
#define RUSM_TRAPS(X)                                                                              \
  X(NONE, "no trap")                                                                               \
  X(UNREACHABLE, "unreachable")                                                                    \
  X(MEMORY_OOB, "out of bounds memory access")                                                     \
  X(TABLE_OOB, "out of bounds table access")                                                       \
  X(UNDEFINED_ELEMENT, "undefined element")                                                        \
  X(UNINITIALIZED_ELEMENT, "uninitialized element")                                                \
  X(INDIRECT_TYPE, "indirect call type mismatch")                                                  \
  X(DIV_ZERO, "integer divide by zero")                                                            \
  X(INT_OVERFLOW, "integer overflow")                                                              \
  X(INVALID_CONVERSION, "invalid conversion to integer")                                           \
  X(STACK_EXHAUSTED, "call stack exhausted")                                                       \
  X(OUT_OF_MEMORY, "out of memory")                                                                \
  X(HOST, "host trap")

typedef enum {
#define X(n, s) RUSM_TRAP_##n,
  RUSM_TRAPS(X)
#undef X
} rusm_trap_kind;

const char *rusm_trap_name(rusm_trap_kind k);

typedef struct rusm_trap {
  rusm_trap_kind kind;
  uint32_t func_index;   /* in the module that trapped; UINT32_MAX if none */
  const char *func_name; /* from the name section or the export; NULL if unknown; lives as long as
                            the module */
  char host_msg[128];    /* for RUSM_TRAP_HOST: the host's reason */
} rusm_trap;

/* Formats "<trap> in function <name|#index>" into buf; returns buf. */
char *rusm_trap_format(const rusm_trap *t, char *buf, size_t cap);

/* ------------------------------------------------------------ modules */

typedef enum {
  RUSM_EXTERN_FUNC,
  RUSM_EXTERN_TABLE,
  RUSM_EXTERN_MEMORY,
  RUSM_EXTERN_GLOBAL
} rusm_extern_kind;

typedef struct rusm_functype {
  uint32_t n_params, n_results;
  const rusm_valtype *params, *results; /* owned by the module or func */
} rusm_functype;

typedef struct rusm_limits {
  uint64_t min;
  uint64_t max; /* UINT64_MAX = none */
} rusm_limits;

typedef struct rusm_externtype {
  rusm_extern_kind kind;
  rusm_functype func; /* FUNC */
  struct {
    rusm_valtype elem;
    rusm_limits limits;
  } table;            /* TABLE */
  rusm_limits memory; /* MEMORY, in 64 KiB pages */
  struct {
    rusm_valtype type;
    bool mutable_;
  } global; /* GLOBAL */
} rusm_externtype;

/* Decodes, validates and translates. Copies what it keeps of bytes.
** NULL on failure with *o_err filled (o_err may be NULL). */
rusm_module *rusm_module_load(const uint8_t *bytes, size_t len, rusm_error *o_err);
void rusm_module_free(rusm_module *m); /* takes m; no prepared module may still use it */

size_t rusm_module_import_count(const rusm_module *m);
/* Borrowed strings, valid while m lives. */
void rusm_module_import(const rusm_module *m, size_t i, const char **o_module, const char **o_name,
                        rusm_externtype *o_type);
size_t rusm_module_export_count(const rusm_module *m);
void rusm_module_export(const rusm_module *m, size_t i, const char **o_name,
                        rusm_externtype *o_type);
/* Index of the export named name, or -1. */
long rusm_module_find_export(const rusm_module *m, const char *name);

/* ---------------------------------------------------- host functions */

typedef enum {
  RUSM_HOST_OK,     /* results written */
  RUSM_HOST_TRAP,   /* rusm_call_trap was called */
  RUSM_HOST_SUSPEND /* park the caller; results come with rusm_resume_host */
} rusm_host_status;

typedef rusm_host_status (*rusm_host_fn)(rusm_call *call, void *env, const rusm_val *args,
                                         rusm_val *o_results);

/* A host function with a fixed type. Copies the type; env is borrowed.
** The returned func is owned by the caller (rusm_func_free) and must
** outlive every prepared module linked against it. */
rusm_func *rusm_func_new_host(const rusm_functype *type, rusm_host_fn fn, void *env);
void rusm_func_free(rusm_func *f);
void rusm_func_type(const rusm_func *f, rusm_functype *o_type);

/* What a host function may do with its caller. */
rusm_instance *rusm_call_instance(rusm_call *call);
/* Bounds-checked view of the caller's memory 0 (NULL if the range is out of
** bounds or there is no memory). Valid until the guest runs again. */
uint8_t *rusm_call_mem(rusm_call *call, uint64_t offset, uint64_t len);
void rusm_call_trap(rusm_call *call, const char *msg); /* then return RUSM_HOST_TRAP */

/* ----------------------------------------------- memories, tables, globals */

/* Standalone objects (for the spectest host module and for sharing). The
** caller owns them; they must outlive their users. */
rusm_memory *rusm_memory_new(rusm_limits pages);
void rusm_memory_free(rusm_memory *mem);
uint8_t *rusm_memory_data(rusm_memory *mem, uint64_t *o_size_bytes);
rusm_table *rusm_table_new(rusm_valtype elem, rusm_limits limits);
void rusm_table_free(rusm_table *t);
rusm_global *rusm_global_new(rusm_valtype type, bool mutable_, rusm_val init);
void rusm_global_free(rusm_global *g);
rusm_val rusm_global_get(const rusm_global *g);

typedef struct rusm_extern {
  rusm_extern_kind kind;
  union {
    rusm_func *func;
    rusm_table *table;
    rusm_memory *memory;
    rusm_global *global;
  } u;
} rusm_extern;

/* ------------------------------------------------- prepare, instantiate */

/* Resolves imports once: imports[i] satisfies import i (types are checked
** here, "incompatible import type" / "unknown import" style errors). Borrows
** m and the externs (they must outlive the result). */
rusm_prepared *rusm_prepare(rusm_module *m, const rusm_extern *imports, size_t n_imports,
                            rusm_error *o_err);
void rusm_prepared_free(rusm_prepared *p); /* no instance may be live */

typedef struct rusm_instance_config {
  uint64_t max_memory_bytes; /* cap for memory.grow (denied -> -1); 0 = the module's own max */
  uint32_t max_call_depth;   /* frames before "call stack exhausted"; 0 = default (10000) */
  void *user;                /* embedder data, see rusm_instance_user */
} rusm_instance_config;

/* Takes a slot from the prepared module's pool and initialises it: memory
** image, globals, tables, active segments. A failing active segment gives
** NULL and the error (as the spec's instantiation failure). The start
** function is not run here: see rusm_run_start. */
rusm_instance *rusm_instantiate(rusm_prepared *p, const rusm_instance_config *cfg,
                                rusm_error *o_err);
void rusm_instance_free(rusm_instance *inst); /* back to the pool */
void *rusm_instance_user(const rusm_instance *inst);
const rusm_module *rusm_instance_module(const rusm_instance *inst);

/* Exports of a live instance (borrowed; valid while inst lives). */
bool rusm_instance_export(rusm_instance *inst, const char *name, rusm_extern *o_ext);
rusm_memory *rusm_instance_memory(rusm_instance *inst, uint32_t index);
/* Bounds-checked view of inst's memory 0, like rusm_call_mem but outside a
** host call (e.g. writing a resumed call's results). NULL if out of bounds.
** Prefer it to rusm_memory_data for writes: the pool then resets only the
** bytes written instead of the whole memory. Valid until the guest runs. */
uint8_t *rusm_instance_mem(rusm_instance *inst, uint64_t offset, uint64_t len);
/* Export number i of the module (as rusm_module_export), without a lookup
** by name: the spawn path resolves its entry this way. false if out of range. */
bool rusm_instance_export_at(rusm_instance *inst, size_t i, rusm_extern *o_ext);

/* --------------------------------------------------------- execution */

typedef enum {
  RUSM_EXEC_DONE,   /* results ready: rusm_results */
  RUSM_EXEC_TRAP,   /* rusm_last_trap says why; the call is over */
  RUSM_EXEC_YIELD,  /* budget spent or interrupted; rusm_continue */
  RUSM_EXEC_SUSPEND /* a host import parked; rusm_resume_host */
} rusm_exec_status;

/* Begins running the start function (DONE at once if there is none). */
rusm_exec_status rusm_run_start(rusm_instance *inst, uint32_t budget);
/* Begins a call of f (any function, also another instance's or a host's)
** with this instance's execution stack. args are copied. */
rusm_exec_status rusm_invoke(rusm_instance *inst, rusm_func *f, const rusm_val *args,
                             uint32_t budget);
rusm_exec_status rusm_continue(rusm_instance *inst, uint32_t budget);
/* Finishes the suspended host call with its results (copied), then runs on. */
rusm_exec_status rusm_resume_host(rusm_instance *inst, const rusm_val *results, uint32_t budget);
/* The suspended host call's arguments and identity, for the embedder. */
const rusm_val *rusm_suspended_args(rusm_instance *inst);
void rusm_results(const rusm_instance *inst, rusm_val *o_results);
const rusm_trap *rusm_last_trap(const rusm_instance *inst);

/* Preemption: the interpreter yields at a call or loop back-edge once
** *epoch >= deadline (an epoch thread bumps *epoch): at the first one after
** rusm_invoke/continue/resume, else within 64 of them. epoch is borrowed and
** may be NULL (budget only). */
void rusm_instance_set_epoch(rusm_instance *inst, const volatile uint64_t *epoch,
                             uint64_t deadline);

#ifdef __cplusplus
}
#endif
#endif
