/*
 * Entry from cvmm, already in 64-bit mode with paging on: RSP is this
 * vCPU's stack, RSI points to the boot info, RDI is the vCPU index.
 */
	.section .text.start, "ax"
	.globl _start
_start:
	cld
	call guest_main
	/* guest_main ends the VM itself; never fall through. */
1:	ud2
	jmp 1b
	.section .note.GNU-stack, "", @progbits
