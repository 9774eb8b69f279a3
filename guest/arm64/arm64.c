// SPDX-License-Identifier: GPL-2.0-only
/*
 * The arm64 test guest's runtime: the UART and the test "ports" on MMIO,
 * the end of the VM through PSCI, and the identity map start.S turns on.
 */
#include "guest/guest.h"

/* start.S repeats these; they must agree. */
_Static_assert(GUEST_ARM64_RAM_GPA == 0x80000000, "start.S RAM");
_Static_assert(GUEST_BOOTINFO_GPA == 0x7000, "start.S BOOTINFO");
_Static_assert(GUEST_STACK_TOP == 0xa0000, "start.S STACK_TOP");
_Static_assert(GUEST_STACK_SIZE == 0x2000, "start.S STACK_SIZE");
_Static_assert(GUEST_PML4_GPA == 0x1000, "start.S TABLE");

void secondary_entry(void);
void mmu_write_table(void);

/* The 16550's transmitter is always ready in cvmm: no LSR polling. */
void uart_putc(char c)
{
	mmio_write8(GUEST_ARM64_UART_GPA, c);
}

/*
 * Status 0 is PSCI SYSTEM_OFF, as a kernel powers off; any other status
 * goes to the exit register, which ends the VM with it.
 */
void guest_exit(uint32_t status)
{
	for (;;) {
		if (status == 0)
			psci_call(PSCI_SYSTEM_OFF, 0, 0, 0);
		else
			mmio_write32(GUEST_PORT_EXIT, status);
	}
}

/* PSCI CPU_OFF: KVM powers the vCPU off; it never returns. */
void guest_park(void)
{
	for (;;)
		psci_call(PSCI_CPU_OFF, 0, 0, 0);
}

int64_t start_vcpu(uint32_t id)
{
	return psci_call(PSCI_CPU_ON, vcpu_mpidr(id),
			 (uint64_t)(uintptr_t)secondary_entry, id);
}

/*
 * Level-1 block descriptors (1 GiB): valid block, AttrIndx, inner
 * shareable, access flag; devices also execute-never.
 */
#define BLOCK_NORMAL (0x1ull | 1ull << 2 | 3ull << 8 | 1ull << 10)
#define BLOCK_DEVICE (0x1ull | 0ull << 2 | 1ull << 10 | 3ull << 53)
#define GIB (1ull << 30)

/*
 * The identity map of the boot vCPU, written with the MMU off (so as
 * Device memory: aligned 64-bit stores only): everything below RAM is
 * Device (the GIC, the UART, the test ports), RAM is Normal memory.
 */
void mmu_write_table(void)
{
	volatile uint64_t *l1 = RAM_PTR(GUEST_PML4_GPA);
	const struct bootinfo *info = RAM_PTR(GUEST_BOOTINFO_GPA);
	uint64_t ram_end = GUEST_ARM64_RAM_GPA + info->ram_size;

	for (uint64_t i = 0; i < 512; i++) {
		uint64_t base = i * GIB;

		if (base < GUEST_ARM64_RAM_GPA)
			l1[i] = base | BLOCK_DEVICE;
		else if (base < ram_end)
			l1[i] = base | BLOCK_NORMAL;
		else
			l1[i] = 0;
	}
	asm volatile("dsb sy" ::: "memory");
}
