/*
 * Entry of the arm64 test guest, at EL1 with the MMU off. The boot vCPU
 * comes from cvmm with x0 = the boot info and x1 = 0; the others come
 * from the boot vCPU's PSCI CPU_ON with x0 = their index (the context
 * id). Each takes its stack, the boot vCPU writes the translation table,
 * every vCPU turns its MMU on with it, then guest_main(index, boot info).
 * The constants are guest/bootinfo.h's (checked in arm64.c).
 */
	.equ	RAM, 0x80000000
	.equ	BOOTINFO, RAM + 0x7000
	.equ	STACK_TOP, RAM + 0xa0000
	.equ	STACK_SIZE, 0x2000

	.section .text.start, "ax"
	.globl	_start
_start:
	mov	x19, x1
	b	1f

	.globl	secondary_entry
secondary_entry:
	mov	x19, x0
1:	msr	daifset, #0xf
	ldr	x2, =STACK_TOP
	mov	x3, #STACK_SIZE
	msub	x2, x19, x3, x2
	mov	sp, x2
	cbnz	x19, 2f
	bl	mmu_write_table
2:	bl	mmu_enable
	mov	w0, w19
	ldr	x1, =BOOTINFO
	bl	guest_main
	/* guest_main ends the VM or parks the vCPU itself. */
3:	wfi
	b	3b

/*
 * MAIR: attribute 0 Device-nGnRnE, 1 Normal write-back. TCR: 39-bit
 * input addresses from TTBR0 (T0SZ 25, walks from level 1), 4K granule,
 * non-cacheable walks (the table was written with the MMU off), no TTBR1
 * walks (EPD1), 40-bit output addresses (IPS 2).
 */
	.equ	MAIR, 0xff00
	.equ	TCR, (25 | (1 << 23) | (2 << 32))
	.equ	TABLE, RAM + 0x1000

mmu_enable:
	ldr	x0, =MAIR
	msr	mair_el1, x0
	ldr	x0, =TCR
	msr	tcr_el1, x0
	ldr	x0, =TABLE
	msr	ttbr0_el1, x0
	isb
	tlbi	vmalle1
	dsb	nsh
	isb
	mrs	x0, sctlr_el1
	orr	x0, x0, #(1 << 0)	/* M: the MMU */
	orr	x0, x0, #(1 << 2)	/* C: data cache */
	orr	x0, x0, #(1 << 12)	/* I: instruction cache */
	bic	x0, x0, #(1 << 1)	/* A: no alignment checks */
	msr	sctlr_el1, x0
	isb
	ret

	.ltorg
	.section .note.GNU-stack, "", @progbits
