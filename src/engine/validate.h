/*
** validate.h: the validator, and the instruction stream the translator
** drives.
**
** Two layers:
**
** 1. Module level. wasm_validate_module checks a decoded module completely:
**    types, imports, limits, globals and their constant expressions,
**    exports, start, segments, and every function body. Or, for a loader
**    that translates as it validates: wasm_validate_module_level (all but
**    the bodies) then one instruction stream per defined function.
**
** 2. The instruction stream (wasm_fv). It decodes one instruction at a time
**    from a function body and types it with the spec's validation algorithm
**    (appendix "Validation Algorithm": an operand-type stack and a control
**    stack; after unreachable/br/br_table/return the frame's stack is
**    polymorphic). Each call to wasm_fv_next yields the decoded instruction
**    (opcode, immediates) together with the typing facts a translator needs,
**    so nothing downstream re-decodes LEB128s or re-implements typing:
**
**      wasm_fv *v = wasm_fv_new(m);
**      for each defined function f:
**        wasm_fv_begin(v, f, &err);
**        wasm_instr ins;
**        int r;
**        while ((r = wasm_fv_next(v, &ins, &err)) > 0) {
**          ... ins.op, ins.imm, ins.height, ins.ctrl, ins.unreachable ...
**          ... wasm_fv_stack(v) / wasm_fv_height(v) give the state after ...
**        }
**        if (r < 0) fail with err;   // r == 0: body complete and valid
**      wasm_fv_free(v);
**
**    The final `end` of the body is yielded like any other END (its ctrl is
**    the function frame, op 0); the next call returns 0.
**
** Stack heights count values (not bytes) from the bottom of the function's
** operand stack (locals are not on it). Frame heights are absolute in the
** same unit, so a register-style translator can map value n to a slot.
**
** Errors: "type mismatch", "unknown local 3", "unknown label", ... (the spec
** test suite's wording; indices are appended where the suite expects them),
** and for malformed bodies the binary-format texts ("illegal opcode",
** "unexpected end", "integer too large", "zero byte expected", "data count
** section required", ...). rusm_error.section is "code", offset the byte
** offset in the binary.
*/
#ifndef RUSM_ENGINE_VALIDATE_H
#define RUSM_ENGINE_VALIDATE_H

#include "module.h"
#include "opcodes.h"

/* Unknown operand type: a value popped from a polymorphic (unreachable)
** stack. Matches every type. */
#define WASM_T_UNKNOWN 0

/* A block type, resolved: n_params/n_results with their types. */
typedef struct wasm_blocktype {
  uint32_t n_params, n_results;
  const rusm_valtype *params, *results;
  uint32_t type_index; /* WASM_NONE for the empty or single-value forms */
} wasm_blocktype;

/* A control frame. */
typedef struct wasm_ctrl {
  uint16_t op;      /* WASM_OP_BLOCK / LOOP / IF / ELSE (an if after its else); 0: the function */
  bool unreachable; /* the rest of this frame is dead code (stack polymorphic) */
  bool has_else;    /* IF/ELSE frames: an else was seen */
  uint32_t height;  /* operand height at entry, below the block's params */
  wasm_blocktype type;
  uint64_t user; /* free for the driver (e.g. the translator's patch list); 0 on push */
} wasm_ctrl;

/* The label types of a frame: what a branch to it carries. */
static inline uint32_t wasm_ctrl_label_arity(const wasm_ctrl *c) {
  return c->op == WASM_OP_LOOP ? c->type.n_params : c->type.n_results;
}
static inline const rusm_valtype *wasm_ctrl_label_types(const wasm_ctrl *c) {
  return c->op == WASM_OP_LOOP ? c->type.params : c->type.results;
}

/* One decoded and typed instruction. */
typedef struct wasm_instr {
  uint16_t op;      /* flat opcode (wasm_op) */
  bool unreachable; /* in dead code: its operands may be WASM_T_UNKNOWN */
  uint32_t offset;  /* offset of the opcode in m->bytes */
  uint32_t height;  /* operand stack height before the instruction */
  /* drop / select (untyped): the operand type, WASM_T_UNKNOWN in dead code;
  ** local.* / global.*: the variable's type; table.*: the element type;
  ** ref.null: the reftype; ref.is_null: the operand type. */
  rusm_valtype type;
  /* BLOCK/LOOP/IF: the new frame. ELSE: the if's frame. END: the frame just
  ** closed (valid until the next call). BR/BR_IF: the target frame (imm.index
  ** is the depth). RETURN: the function frame. Otherwise NULL. */
  const wasm_ctrl *ctrl;
  union {
    uint32_t index; /* LABEL, FUNC, LOCAL, GLOBAL, TABLE, DATA, ELEM */
    struct {
      uint32_t a, b;
    } pair; /* CALL_INDIRECT (type, table), TABLE_INIT (elem, table), TABLE_COPY (dst, src),
               MEMORY_INIT (data, 0) */
    struct {
      uint32_t align; /* log2 */
      uint32_t offset;
      uint8_t lane; /* MEMARG_LANE */
    } mem;
    uint8_t lane; /* LANE */
    int32_t i32;
    int64_t i64;
    uint32_t f32_bits;
    uint64_t f64_bits;
    uint8_t bytes[16]; /* V128 (little-endian), SHUFFLE (lane indices) */
    struct {
      uint32_t n;              /* number of targets, default excluded */
      const uint32_t *targets; /* n + 1 depths, the default last; valid until the next call */
    } br_table;
    wasm_blocktype block; /* BLOCKTYPE (also in ctrl->type) */
  } imm;
} wasm_instr;

/* ------------------------------------------------------ module level */

/* Validates m completely, bodies included. Marks funcs[].declared and fills
** constexpr types. false with *o_err filled (o_err may be NULL). Borrows m. */
bool wasm_validate_module(wasm_module *m, rusm_error *o_err);

/* The same, except function bodies: a driver then streams each body. */
bool wasm_validate_module_level(wasm_module *m, rusm_error *o_err);

/* After any failure of module-level or body validation: if some function
** body of m is malformed, replaces *io_err by that error, which is what the
** spec reports first (it decodes all bodies before validating anything).
** wasm_validate_module does this itself; a driver that streams bodies
** should call it when it fails. Cheap: only runs on the failure path. */
void wasm_refine_error(const wasm_module *m, rusm_error *io_err);

/* ------------------------------------------------------ instruction stream */

typedef struct wasm_fv wasm_fv;

/* A reusable stream over m's bodies; m must have passed
** wasm_validate_module_level and must outlive it. NULL if out of memory.
** Caller owns the result (wasm_fv_free). */
wasm_fv *wasm_fv_new(const wasm_module *m);
void wasm_fv_free(wasm_fv *v); /* takes v; NULL is fine */

/* Starts function func_index (a defined function). false with *o_err filled
** if the index is not a defined function. */
bool wasm_fv_begin(wasm_fv *v, uint32_t func_index, rusm_error *o_err);

/* Decodes and validates the next instruction into *o_ins. 1: an instruction;
** 0: the body is complete and valid; -1: malformed or invalid, *o_err filled
** (the stream must then be restarted with wasm_fv_begin). */
int wasm_fv_next(wasm_fv *v, wasm_instr *o_ins, rusm_error *o_err);

/* The state after the last instruction yielded. */
uint32_t wasm_fv_height(const wasm_fv *v);           /* operand stack height */
const uint8_t *wasm_fv_stack(const wasm_fv *v);      /* types [0, height); 0 = unknown */
uint32_t wasm_fv_depth(const wasm_fv *v);            /* control frames, function frame incl. */
wasm_ctrl *wasm_fv_ctrl(wasm_fv *v, uint32_t depth); /* 0 = innermost; NULL if too deep */
uint32_t wasm_fv_max_height(const wasm_fv *v);       /* highest operand height so far */

/* Tests only: true makes every instruction take the general path, so a test
** can check that the fast paths yield exactly the same stream. */
extern bool wasm_fv_general_only;

/* Convenience: streams one whole body through v without a driver. */
bool wasm_validate_func(wasm_fv *v, uint32_t func_index, rusm_error *o_err);

#endif
