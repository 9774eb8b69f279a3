// SPDX-License-Identifier: GPL-2.0-only
/*
 * x86-64 state for guests entered directly in long mode (the test guest
 * and, later, the Linux 64-bit boot protocol): identity-mapped page tables,
 * a flat GDT, segment registers, and CPUID derived from what KVM supports.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "memory/memory.h"
#include "lib/kvm.h"
#include "vmm/x86/regs.h"

#define PTE_PRESENT (1ull << 0)
#define PTE_RW (1ull << 1)
#define PTE_PS (1ull << 7)

#define CR0_PE (1ull << 0)
#define CR0_MP (1ull << 1)
#define CR0_ET (1ull << 4)
#define CR0_NE (1ull << 5)
#define CR0_PG (1ull << 31)
#define CR4_PAE (1ull << 5)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)

/* Flat 64-bit code (L=1), flat 32-bit code (D=1) and flat data. */
#define GDT_CODE64 0x00af9b000000ffffull
#define GDT_CODE32 0x00cf9b000000ffffull
#define GDT_DATA 0x00cf93000000ffffull

int x86_write_boot_tables(struct guest_memory *mem, uint64_t pml4_gpa,
			  uint64_t gdt_gpa)
{
	uint64_t *pml4 = mem_gpa_to_hva(mem, pml4_gpa, 6 * PAGE_SIZE);
	uint64_t *gdt = mem_gpa_to_hva(mem, gdt_gpa, 4 * sizeof(uint64_t));
	uint64_t *pdpt, *pd;

	if (!pml4 || !gdt)
		return -EFAULT;
	pdpt = pml4 + 512;
	pd = pdpt + 512;
	memset(pml4, 0, 6 * PAGE_SIZE);
	pml4[0] = (pml4_gpa + PAGE_SIZE) | PTE_PRESENT | PTE_RW;
	for (uint64_t i = 0; i < 4; i++)
		pdpt[i] = (pml4_gpa + (2 + i) * PAGE_SIZE) | PTE_PRESENT | PTE_RW;
	for (uint64_t i = 0; i < 4 * 512; i++)
		pd[i] = (i * SZ_2M) | PTE_PRESENT | PTE_RW | PTE_PS;

	gdt[0] = 0;
	gdt[1] = 0;
	gdt[X86_BOOT_CS / 8] = GDT_CODE64;
	gdt[X86_BOOT_DS / 8] = GDT_DATA;
	mem->stats.bytes_populated += 6 * PAGE_SIZE + 4 * sizeof(uint64_t);
	return 0;
}

/* code64: a 64-bit code segment (L=1); the others are 32-bit (D/B=1). */
static struct kvm_segment flat_segment(uint16_t selector, uint8_t type,
				       bool code64)
{
	return (struct kvm_segment){
		.base = 0,
		.limit = 0xffffffff,
		.selector = selector,
		.type = type,
		.present = 1,
		.s = 1,
		.l = code64,
		.db = !code64,
		.g = 1,
	};
}

int x86_enter_long_mode(int vcpu_fd, uint64_t pml4_gpa, uint64_t gdt_gpa,
			uint64_t rip, uint64_t rsp, uint64_t rsi, uint64_t rdi)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs = {
		.rip = rip,
		.rsp = rsp,
		.rsi = rsi,
		.rdi = rdi,
		.rflags = 0x2,
	};
	int r;

	r = kvm_ioctl(vcpu_fd, KVM_GET_SREGS, &sregs);
	if (r < 0)
		return r;
	sregs.cs = flat_segment(X86_BOOT_CS, 0xb, true);
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss =
		flat_segment(X86_BOOT_DS, 0x3, false);
	sregs.gdt.base = gdt_gpa;
	sregs.gdt.limit = 4 * sizeof(uint64_t) - 1;
	sregs.cr3 = pml4_gpa;
	sregs.cr4 = CR4_PAE;
	sregs.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_PG;
	sregs.efer = EFER_LME | EFER_LMA;
	r = kvm_ioctl(vcpu_fd, KVM_SET_SREGS, &sregs);
	if (r < 0)
		return r;
	r = kvm_ioctl(vcpu_fd, KVM_SET_REGS, &regs);
	return r < 0 ? r : 0;
}

int x86_write_gdt32(struct guest_memory *mem, uint64_t gdt_gpa)
{
	uint64_t *gdt = mem_gpa_to_hva(mem, gdt_gpa, 3 * sizeof(uint64_t));

	if (!gdt)
		return -EFAULT;
	gdt[0] = 0;
	gdt[X86_PVH_CS / 8] = GDT_CODE32;
	gdt[X86_PVH_DS / 8] = GDT_DATA;
	mem->stats.bytes_populated += 3 * sizeof(uint64_t);
	return 0;
}

/*
 * Xen's PVH ABI (docs/misc/pvh.pandoc): CR0.PE set and the other writable
 * bits clear (ET reads as 1 anyway), paging off, TR a 32-bit TSS of limit
 * 0x67, EFLAGS.IF clear. The kernel loads its own GDT and stack at once.
 */
int x86_enter_protected_mode(int vcpu_fd, uint64_t gdt_gpa, uint32_t eip,
			     uint32_t ebx)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs = {
		.rip = eip,
		.rbx = ebx,
		.rflags = 0x2,
	};
	int r;

	r = kvm_ioctl(vcpu_fd, KVM_GET_SREGS, &sregs);
	if (r < 0)
		return r;
	sregs.cs = flat_segment(X86_PVH_CS, 0xb, false);
	sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss =
		flat_segment(X86_PVH_DS, 0x3, false);
	sregs.tr.base = 0;
	sregs.tr.limit = 0x67;
	sregs.tr.type = 0xb;
	sregs.tr.present = 1;
	sregs.gdt.base = gdt_gpa;
	sregs.gdt.limit = 3 * sizeof(uint64_t) - 1;
	sregs.cr0 = CR0_PE | CR0_ET;
	sregs.cr3 = 0;
	sregs.cr4 = 0;
	sregs.efer = 0;
	r = kvm_ioctl(vcpu_fd, KVM_SET_SREGS, &sregs);
	if (r < 0)
		return r;
	r = kvm_ioctl(vcpu_fd, KVM_SET_REGS, &regs);
	return r < 0 ? r : 0;
}

int x86_get_cpuid(int fd, unsigned long request, struct kvm_cpuid2 **ret)
{
	for (uint32_t nent = 64; nent <= 4096; nent *= 2) {
		struct kvm_cpuid2 *cpuid;
		int r;

		cpuid = calloc(1, sizeof(*cpuid) + nent * sizeof(cpuid->entries[0]));
		if (!cpuid)
			return -ENOMEM;
		cpuid->nent = nent;
		r = kvm_ioctl_val(fd, request, cpuid);
		if (r >= 0) {
			*ret = cpuid;
			return 0;
		}
		free(cpuid);
		if (r != -E2BIG)
			return r;
	}
	return -E2BIG;
}

/*
 * Per-vCPU fix-ups: the initial APIC ID in leaf 1 and the x2APIC ID in
 * leaf 0xB, and the logical processor count.
 */
static void fixup_entry(struct kvm_cpuid_entry2 *e, uint32_t apic_id,
			uint32_t nr_vcpus)
{
	switch (e->function) {
	case 1:
		e->ebx = (e->ebx & 0x0000ffff) | (MIN(nr_vcpus, 255u) << 16) |
			 (apic_id << 24);
		break;
	case 0xb:
	case 0x1f:
		e->edx = apic_id;
		break;
	}
}

int x86_set_cpuid(int vcpu_fd, const struct kvm_cpuid2 *cpuid,
		  uint32_t apic_id, uint32_t nr_vcpus)
{
	size_t size = sizeof(*cpuid) + cpuid->nent * sizeof(cpuid->entries[0]);
	_cleanup_free_ struct kvm_cpuid2 *copy = malloc(size);
	int r;

	if (!copy)
		return -ENOMEM;
	memcpy(copy, cpuid, size);
	for (uint32_t i = 0; i < copy->nent; i++)
		fixup_entry(&copy->entries[i], apic_id, nr_vcpus);
	r = kvm_ioctl_val(vcpu_fd, KVM_SET_CPUID2, copy);
	return r < 0 ? r : 0;
}

void x86_dump_registers(int vcpu_fd, const char *prefix)
{
	struct kvm_regs r;
	struct kvm_sregs s;

	if (kvm_ioctl(vcpu_fd, KVM_GET_REGS, &r) < 0 ||
	    kvm_ioctl(vcpu_fd, KVM_GET_SREGS, &s) < 0) {
		fprintf(stderr, "%s: registers unavailable\n", prefix);
		return;
	}
	fprintf(stderr,
		"%s: rip %016llx rsp %016llx rflags %08llx\n"
		"%s: rax %016llx rbx %016llx rcx %016llx rdx %016llx\n"
		"%s: rsi %016llx rdi %016llx rbp %016llx\n"
		"%s: r8  %016llx r9  %016llx r10 %016llx r11 %016llx\n"
		"%s: r12 %016llx r13 %016llx r14 %016llx r15 %016llx\n"
		"%s: cr0 %016llx cr2 %016llx cr3 %016llx cr4 %016llx efer %llx\n"
		"%s: cs %04x ss %04x idt %llx/%x gdt %llx/%x\n",
		prefix, r.rip, r.rsp, r.rflags, prefix, r.rax, r.rbx, r.rcx,
		r.rdx, prefix, r.rsi, r.rdi, r.rbp, prefix, r.r8, r.r9, r.r10,
		r.r11, prefix, r.r12, r.r13, r.r14, r.r15, prefix, s.cr0, s.cr2,
		s.cr3, s.cr4, s.efer, prefix, s.cs.selector, s.ss.selector,
		s.idt.base, s.idt.limit, s.gdt.base, s.gdt.limit);
}
