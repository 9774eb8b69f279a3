/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The arm64 machine's device tree, built with libfdt from a plain
 * description. Pure: no KVM, so tests can read the blob back anywhere.
 */
#ifndef CVMM_ARM64_FDT_H
#define CVMM_ARM64_FDT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/util.h"

/* The blob's fixed size; the kernel accepts up to 2 MiB. */
#define ARM64_FDT_MAX_SIZE 0x10000

/* phandles of the nodes others refer to */
enum {
	ARM64_PHANDLE_GIC = 1,
	ARM64_PHANDLE_ITS = 2,
};

struct arm64_fdt_desc {
	uint64_t ram_gpa;
	uint64_t ram_size;
	unsigned int nr_vcpus;
	/* The GIC has an ITS (KVM_DEV_TYPE_ARM_VGIC_ITS was created). */
	bool its;
	/* The vCPUs have a PMUv3 (KVM_ARM_VCPU_PMU_V3). */
	bool pmu;
	const char *bootargs;
	/* initrd_size 0: no initrd. */
	uint64_t initrd_gpa;
	uint64_t initrd_size;
};

/*
 * MPIDR affinity KVM gives vCPU id (Aff0 the low 4 bits, Aff1 the next
 * 8, Aff2 the next 8: Linux arch/arm64/kvm/sys_regs.c, reset_mpidr()).
 */
uint64_t arm64_vcpu_mpidr(unsigned int id);

/*
 * Write the device tree of desc into buf (size bytes, at least
 * ARM64_FDT_MAX_SIZE). -ENOSPC if it does not fit, -EINVAL for a
 * description libfdt refuses.
 */
int __must_check arm64_fdt_build(const struct arm64_fdt_desc *desc, void *buf,
				 size_t size);

#endif
