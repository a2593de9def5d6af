/*
** decode.h: the binary-format decoder (module structure, sections).
**
** wasm_decode_module checks everything the binary format says about a
** module *outside* function bodies (section ids, order and sizes, LEB128
** encodings, UTF-8 names, limits and type encodings, segment layouts, the
** function/code and data-count/data length agreements) and builds a
** wasm_module. Function bodies are only delimited here (their locals are
** decoded); their instructions are decoded once, by the validator's
** instruction stream (validate.h), which reports malformed instructions
** with the same spec wording. Errors use the spec test suite's texts, e.g.
** "unexpected end", "integer representation too long", "section size
** mismatch".
**
** Hostile input never makes the decoder allocate more than a small multiple
** of the input size: every count is checked against the bytes left before
** anything is allocated.
*/
#ifndef RUSM_ENGINE_DECODE_H
#define RUSM_ENGINE_DECODE_H

#include "leb.h"
#include "module.h"
#include "validate.h"

/* Decodes bytes[0..len). Copies what it keeps (the module owns a copy of the
** binary). Returns a new module owned by the caller (wasm_module_free), or
** NULL with *o_err filled (o_err may be NULL). Does not validate. */
wasm_module *wasm_decode_module(const uint8_t *bytes, size_t len, rusm_error *o_err);

/* ------------------------------------------- engine-internal helpers */

/* A bump allocator that owns every block of a module. */
wasm_arena *wasm_arena_new(void);
void wasm_arena_free(wasm_arena *a); /* takes a; NULL is fine */
/* Zeroed, 16-byte aligned; NULL if out of memory. Lives as long as a. */
void *wasm_arena_alloc(wasm_arena *a, size_t size);
/* The same, not zeroed (for blocks about to be overwritten). */
void *wasm_arena_alloc_raw(wasm_arena *a, size_t size);

/* A growable u32 buffer (br_table targets). */
typedef struct wasm_u32buf {
  uint32_t *v;
  size_t cap;
} wasm_u32buf;

/* Reads one instruction (opcode and immediates) at r into *ins: op, offset,
** and imm. Nothing is resolved against a module: indices are unchecked and
** a BLOCKTYPE is left raw in imm.i64 (the s33: -64 empty, a negative
** valtype, or a type index); SELECT_T leaves the vector length in
** imm.pair.a and the first type in ins->type. br_table targets go to *buf
** (grown as needed) and imm.br_table points there; with buf NULL they are
** skipped. false with r->err set if malformed (or out of memory). */
bool wasm_read_instr(wasm_reader *r, wasm_instr *ins, wasm_u32buf *buf);

/* Reads a function body's instructions syntactically only (opcodes,
** immediates, block nesting, the final end at code_end), as the reference
** interpreter does while decoding. Used on failure paths to find the error
** the spec would report first. false with *o_err filled if malformed. */
bool wasm_scan_body(const uint8_t *bytes, size_t len, uint32_t code_start, uint32_t code_end,
                    rusm_error *o_err);

/* true if b is a value type byte in 2.0. */
static inline bool wasm_is_valtype(unsigned b) {
  return (b >= 0x7b && b <= 0x7f) || b == 0x70 || b == 0x6f;
}
static inline bool wasm_is_reftype(unsigned b) {
  return b == 0x70 || b == 0x6f;
}

#endif
