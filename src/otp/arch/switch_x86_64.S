/*
** switch_x86_64.S: the fiber context switch for x86-64 (System V).
**
** otp_ctx_switch(void **save_sp, void *to_sp) pushes the callee-saved
** registers, stores the stack pointer in *save_sp, loads to_sp and pops the
** registers saved there. MXCSR and the x87 control word are not switched:
** native bodies share the thread's floating-point mode, and Wasm cannot
** change it.
**
** A fresh context (see fiber.c) holds r15 r14 r13 r12 rbx rbp and then the
** address of otp_ctx_entry, which calls r13(r12) on a 16-byte aligned stack.
** The called function never returns (it switches away for good).
*/
#if defined(__x86_64__)
        .text
        .globl otp_ctx_switch
        .type otp_ctx_switch,@function
        .p2align 4
otp_ctx_switch:
        pushq %rbp
        pushq %rbx
        pushq %r12
        pushq %r13
        pushq %r14
        pushq %r15
        movq %rsp, (%rdi)
        movq %rsi, %rsp
        popq %r15
        popq %r14
        popq %r13
        popq %r12
        popq %rbx
        popq %rbp
        ret
        .size otp_ctx_switch,.-otp_ctx_switch

        .globl otp_ctx_entry
        .type otp_ctx_entry,@function
        .p2align 4
otp_ctx_entry:
        movq %r12, %rdi
        callq *%r13
        ud2
        .size otp_ctx_entry,.-otp_ctx_entry
#endif
        .section .note.GNU-stack,"",@progbits
