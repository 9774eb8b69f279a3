/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The arm64 test guest's hardware: MMIO accessors (single loads and
 * stores, which KVM can decode), the counter, PSCI through hvc.
 * Included by guest/guest.h on aarch64.
 */
#ifndef CVMM_GUEST_ARM64_H
#define CVMM_GUEST_ARM64_H

#include <stdint.h>

/* Where the boot info says things are: offsets from RAM (bootinfo.h). */
#define RAM_PTR(off) ((void *)(uintptr_t)(GUEST_ARM64_RAM_GPA + (off)))

static inline void mmio_write8(uint64_t addr, uint8_t v)
{
	asm volatile("strb %w0, [%1]" : : "rZ"(v), "r"(addr) : "memory");
}

static inline void mmio_write32(uint64_t addr, uint32_t v)
{
	asm volatile("str %w0, [%1]" : : "rZ"(v), "r"(addr) : "memory");
}

static inline uint8_t mmio_read8(uint64_t addr)
{
	uint8_t v;

	asm volatile("ldrb %w0, [%1]" : "=r"(v) : "r"(addr) : "memory");
	return v;
}

static inline uint32_t mmio_read32(uint64_t addr)
{
	uint32_t v;

	asm volatile("ldr %w0, [%1]" : "=r"(v) : "r"(addr) : "memory");
	return v;
}

/* The virtual counter: it runs in real time, however slow the vCPU. */
static inline uint64_t counter(void)
{
	uint64_t v;

	asm volatile("isb\n\tmrs %0, cntvct_el0" : "=r"(v) : : "memory");
	return v;
}

static inline uint64_t counter_hz(void)
{
	uint64_t v;

	asm volatile("mrs %0, cntfrq_el0" : "=r"(v));
	return v;
}

static inline void cpu_relax(void)
{
	asm volatile("yield" ::: "memory");
}

/* PSCI 0.2+ function ids (SMC calling convention, 64-bit where it matters). */
#define PSCI_VERSION 0x84000000u
#define PSCI_CPU_OFF 0x84000002u
#define PSCI_CPU_ON 0xc4000003u
#define PSCI_SYSTEM_OFF 0x84000008u
#define PSCI_SYSTEM_RESET 0x84000009u

static inline int64_t psci_call(uint64_t fn, uint64_t a1, uint64_t a2,
				uint64_t a3)
{
	register uint64_t x0 asm("x0") = fn;
	register uint64_t x1 asm("x1") = a1;
	register uint64_t x2 asm("x2") = a2;
	register uint64_t x3 asm("x3") = a3;

	asm volatile("hvc #0"
		     : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
		     :
		     : "memory");
	return (int64_t)x0;
}

/* KVM's reset MPIDR of vCPU id (Linux arch/arm64/kvm/sys_regs.c). */
static inline uint64_t vcpu_mpidr(uint32_t id)
{
	return (id & 0xf) | ((uint64_t)((id >> 4) & 0xff) << 8) |
	       ((uint64_t)((id >> 12) & 0xff) << 16);
}

/* Start vCPU id at secondary_entry (start.S): 0 or a PSCI error. */
int64_t start_vcpu(uint32_t id);

#endif
