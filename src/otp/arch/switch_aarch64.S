/*
** switch_aarch64.S: the fiber context switch for AArch64 (AAPCS64).
**
** otp_ctx_switch(void **save_sp, void *to_sp) saves x19-x30 and d8-d15 in a
** 176-byte frame, stores sp in *save_sp, loads to_sp and restores the frame
** found there. FPCR is not switched (shared by all bodies of a thread).
**
** A fresh context (see fiber.c) is such a frame with x19 = argument,
** x20 = function, x29 = 0 and x30 = otp_ctx_entry; otp_ctx_entry calls
** x20(x19), which never returns.
*/
#if defined(__aarch64__)
        .text
        .globl otp_ctx_switch
        .type otp_ctx_switch,%function
        .p2align 4
otp_ctx_switch:
        sub sp, sp, #176
        stp x19, x20, [sp, #0]
        stp x21, x22, [sp, #16]
        stp x23, x24, [sp, #32]
        stp x25, x26, [sp, #48]
        stp x27, x28, [sp, #64]
        stp x29, x30, [sp, #80]
        stp d8, d9, [sp, #96]
        stp d10, d11, [sp, #112]
        stp d12, d13, [sp, #128]
        stp d14, d15, [sp, #144]
        mov x2, sp
        str x2, [x0]
        mov sp, x1
        ldp x19, x20, [sp, #0]
        ldp x21, x22, [sp, #16]
        ldp x23, x24, [sp, #32]
        ldp x25, x26, [sp, #48]
        ldp x27, x28, [sp, #64]
        ldp x29, x30, [sp, #80]
        ldp d8, d9, [sp, #96]
        ldp d10, d11, [sp, #112]
        ldp d12, d13, [sp, #128]
        ldp d14, d15, [sp, #144]
        add sp, sp, #176
        ret
        .size otp_ctx_switch,.-otp_ctx_switch

        .globl otp_ctx_entry
        .type otp_ctx_entry,%function
        .p2align 4
otp_ctx_entry:
        mov x0, x19
        blr x20
        brk #0
        .size otp_ctx_entry,.-otp_ctx_entry
#endif
        .section .note.GNU-stack,"",%progbits
