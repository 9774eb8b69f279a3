/* SPDX-License-Identifier: GPL-2.0-only */
/* x86-64 initial vCPU state: page tables, GDT, segments, CPUID. */
#ifndef CVMM_X86_H
#define CVMM_X86_H

#include <stdint.h>

#include "lib/util.h"
#include "lib/kvm-abi.h"

struct guest_memory;

/* Boot GDT selectors, as the Linux 64-bit boot protocol wants them. */
#define X86_BOOT_CS 0x10
#define X86_BOOT_DS 0x18

/*
 * Write an identity map of the low 4 GiB in 2 MiB pages (six pages from
 * pml4_gpa: PML4, PDPT, four PDs) and a boot GDT at gdt_gpa.
 */
int __must_check x86_write_boot_tables(struct guest_memory *mem,
				       uint64_t pml4_gpa, uint64_t gdt_gpa);

/*
 * Put vcpu_fd in 64-bit mode with paging on, using tables written by
 * x86_write_boot_tables(); rip, rsp, rsi and rdi as given.
 */
int __must_check x86_enter_long_mode(int vcpu_fd, uint64_t pml4_gpa,
				     uint64_t gdt_gpa, uint64_t rip,
				     uint64_t rsp, uint64_t rsi, uint64_t rdi);

/* The PVH entry's GDT selectors: flat 32-bit code and data. */
#define X86_PVH_CS 0x08
#define X86_PVH_DS 0x10

/* A GDT with those two descriptors (three entries) at gdt_gpa. */
int __must_check x86_write_gdt32(struct guest_memory *mem, uint64_t gdt_gpa);

/*
 * Put vcpu_fd in 32-bit protected mode with paging off (CR0 = PE, CR4 and
 * EFER 0), flat 4 GiB segments from x86_write_gdt32()'s GDT, at eip with
 * ebx as given: the PVH entry state.
 */
int __must_check x86_enter_protected_mode(int vcpu_fd, uint64_t gdt_gpa,
					  uint32_t eip, uint32_t ebx);

/*
 * KVM_GET_SUPPORTED_CPUID (request on /dev/kvm) or KVM_GET_CPUID2 (on a
 * vCPU) into a malloc'ed kvm_cpuid2, grown until it fits.
 */
int __must_check x86_get_cpuid(int fd, unsigned long request,
			       struct kvm_cpuid2 **ret);

/* Adapt cpuid for vCPU apic_id of nr_vcpus and KVM_SET_CPUID2 it. */
int __must_check x86_set_cpuid(int vcpu_fd, const struct kvm_cpuid2 *cpuid,
			       uint32_t apic_id, uint32_t nr_vcpus);

/* Dump the general and control registers of vcpu_fd to stderr. */
void x86_dump_registers(int vcpu_fd, const char *prefix);

#endif
