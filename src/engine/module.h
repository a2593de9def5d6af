/*
** module.h: the decoded form of a WebAssembly 2.0 binary module.
**
** wasm_decode_module (decode.h) fills a wasm_module from bytes;
** wasm_validate_module (validate.h) checks it. The struct is plain data that
** the translator and the instantiator read directly.
**
** Ownership: everything a wasm_module points to (arrays, strings, the copy
** of the binary) is owned by it and lives in its arena; wasm_module_free
** releases it all at once. Nothing points into the caller's input buffer.
**
** Index spaces follow the spec: imported functions, tables, memories and
** globals come first (in import order), then the module's own definitions.
** So funcs[i] is function index i whether imported or defined.
*/
#ifndef RUSM_ENGINE_MODULE_H
#define RUSM_ENGINE_MODULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rusm/engine.h"

#define WASM_NONE UINT32_MAX /* "no index" */

/* A name as in the binary: UTF-8 (validated), may contain NUL bytes.
** str is NUL-terminated for convenience; len is the real length. */
typedef struct wasm_name {
  const char *str;
  uint32_t len;
} wasm_name;

/* A function type. params and results point into one arena block.
** Layout-compatible use: fill a rusm_functype with the same four fields. */
typedef struct wasm_functype {
  uint32_t n_params, n_results;
  const rusm_valtype *params, *results;
  uint32_t canon; /* smallest type index with a structurally equal type */
} wasm_functype;

/* A constant expression (2.0: exactly one constant instruction, then end).
** The validator has checked its type against its context. */
typedef enum {
  WASM_CONST_I32,
  WASM_CONST_I64,
  WASM_CONST_F32,
  WASM_CONST_F64,
  WASM_CONST_V128,
  WASM_CONST_REF_NULL,   /* type says funcref or externref */
  WASM_CONST_REF_FUNC,   /* index is a function index */
  WASM_CONST_GLOBAL_GET, /* index is a global index (an imported global in 2.0) */
  /* Decoded but not valid; the validator reports them: */
  WASM_CONST_NONCONST, /* a non-constant instruction: "constant expression required" */
  WASM_CONST_ARITY     /* not exactly one value: "type mismatch" */
} wasm_const_kind;

typedef struct wasm_constexpr {
  uint8_t kind;      /* wasm_const_kind */
  rusm_valtype type; /* the type the expression produces (ref.null: its reftype; global.get: the
                        global's type, filled by the validator) */
  uint32_t index;    /* REF_FUNC / GLOBAL_GET */
  union {
    int32_t i32;
    int64_t i64;
    uint32_t f32_bits;
    uint64_t f64_bits;
    uint64_t v128[2]; /* little-endian lanes, as rusm_val */
  } u;
  uint32_t offset; /* of the expression in the binary, for error reports */
} wasm_constexpr;

typedef struct wasm_import {
  wasm_name module, name;
  rusm_extern_kind kind;
  uint32_t index; /* index in the kind's index space (funcs/tables/memories/globals) */
} wasm_import;

/* A run of locals of one type, as in the code section: `count` x `type`. */
typedef struct wasm_local_run {
  uint32_t count;
  rusm_valtype type;
} wasm_local_run;

typedef struct wasm_func {
  uint32_t type_index; /* into types[] */
  uint32_t import;     /* index into imports[], or WASM_NONE for a defined function */
  bool declared;       /* may be referenced by ref.func in a body (C.refs) */
  /* Defined functions only: */
  uint32_t n_local_runs;
  const wasm_local_run *local_runs;
  uint32_t n_locals;          /* total declared locals, params excluded */
  const rusm_valtype *locals; /* params then declared locals, expanded: n_params + n_locals */
  uint32_t body_offset;       /* offset in bytes[] of the code entry's size field */
  uint32_t code_start;        /* offset of the first instruction (after the locals) */
  uint32_t code_end;          /* offset just past the body (its final `end` once validated) */
} wasm_func;

typedef struct wasm_table {
  rusm_valtype elem; /* RUSM_FUNCREF or RUSM_EXTERNREF */
  rusm_limits limits;
  uint32_t import; /* index into imports[], or WASM_NONE */
} wasm_table;

typedef struct wasm_memory {
  rusm_limits limits; /* in 64 KiB pages; max UINT64_MAX = none */
  uint32_t import;    /* index into imports[], or WASM_NONE */
} wasm_memory;

typedef struct wasm_global {
  rusm_valtype type;
  bool mutable_;
  uint32_t import;     /* index into imports[], or WASM_NONE */
  wasm_constexpr init; /* defined globals only */
} wasm_global;

typedef struct wasm_export {
  wasm_name name;
  rusm_extern_kind kind;
  uint32_t index; /* in the kind's index space */
} wasm_export;

typedef enum { WASM_SEG_ACTIVE, WASM_SEG_PASSIVE, WASM_SEG_DECLARATIVE } wasm_seg_mode;

typedef struct wasm_elem {
  uint8_t mode;          /* wasm_seg_mode */
  rusm_valtype type;     /* RUSM_FUNCREF or RUSM_EXTERNREF */
  uint32_t table;        /* ACTIVE: table index */
  wasm_constexpr offset; /* ACTIVE: i32 offset */
  uint32_t n_items;
  const wasm_constexpr *items; /* each is REF_FUNC, REF_NULL or GLOBAL_GET (function-index
                                  encodings are stored as REF_FUNC) */
  uint32_t offset_in_binary;   /* where the segment starts, for error reports */
} wasm_elem;

typedef struct wasm_data {
  uint8_t mode; /* WASM_SEG_ACTIVE or WASM_SEG_PASSIVE */
  uint32_t memory;
  wasm_constexpr offset; /* ACTIVE: i32 offset */
  uint32_t bytes_offset; /* the segment's bytes are bytes[bytes_offset .. +len] */
  uint32_t len;
} wasm_data;

typedef struct wasm_arena wasm_arena; /* private to decode.c */

typedef struct wasm_module {
  const uint8_t *bytes; /* owned copy of the binary */
  size_t len;

  uint32_t n_types;
  const wasm_functype *types;

  uint32_t n_imports;
  const wasm_import *imports;
  uint32_t n_imported_funcs, n_imported_tables, n_imported_memories, n_imported_globals;

  uint32_t n_funcs; /* imported + defined */
  wasm_func *funcs;
  uint32_t n_tables;
  const wasm_table *tables;
  uint32_t n_memories;
  const wasm_memory *memories;
  uint32_t n_globals;
  const wasm_global *globals;

  uint32_t n_exports;
  const wasm_export *exports;
  const uint32_t *export_by_name; /* indices into exports[], sorted by name (bytes, then length) */

  uint32_t start; /* function index, or WASM_NONE */

  uint32_t n_elems;
  const wasm_elem *elems;

  uint32_t n_datas;
  const wasm_data *datas;
  bool has_data_count; /* a data count section was present (its value equals n_datas) */

  /* From the "name" custom section, if present and well formed: func_names[i]
  ** is function i's name or NULL. NULL array if there are no names. */
  const char *const *func_names;

  wasm_arena *arena; /* owns every block above */

  /* Offset of each known section's id byte (indexed by section id), 0 if
  ** absent; module-level validation errors point here. */
  uint32_t section_offset[13];
} wasm_module;

/* Releases m and everything it owns. Takes m; NULL is fine. */
void wasm_module_free(wasm_module *m);

/* Index into exports[] of the export named (name, len), or -1. */
long wasm_module_find_export(const wasm_module *m, const char *name, size_t len);

/* Function i's name from the name section, or NULL. */
const char *wasm_module_func_name(const wasm_module *m, uint32_t func_index);

/* Function i's type (any function index < n_funcs). */
static inline const wasm_functype *wasm_module_func_type(const wasm_module *m, uint32_t i) {
  return &m->types[m->funcs[i].type_index];
}

#endif
