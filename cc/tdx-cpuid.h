/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The CPUID a TD is created with (tdx.md section 3 step 6): the host's
 * supported CPUID reduced to the bits KVM_TDX_CAPABILITIES lists as
 * configurable, and the XFAM that goes with it. Pure.
 */
#ifndef CVMM_CC_TDX_CPUID_H
#define CVMM_CC_TDX_CPUID_H

#include <stdint.h>

#include "lib/kvm-abi.h"

/**
 * tdx_cpuid_mask() - the CPUID entries for KVM_TDX_INIT_VM
 * @ret: room for @host->nent entries
 *
 * As QEMU: each entry of @host whose (function, index) @conf lists is
 * ANDed register by register with it; entries @conf does not list are
 * dropped. Returns the number of entries written.
 */
uint32_t tdx_cpuid_mask(const struct kvm_cpuid2 *host,
			const struct kvm_cpuid2 *conf,
			struct kvm_cpuid_entry2 *ret);

/*
 * XCR0 | XSS bits the CPUID's leaf 0xD offers: subleaf 0 EDX:EAX and
 * subleaf 1 EDX:ECX. The caller ANDs it with supported_xfam.
 */
uint64_t tdx_cpuid_xfam(const struct kvm_cpuid_entry2 *e, uint32_t nent);

/* tdx.md section 6: GPAW 48 puts the shared bit at 47. */
#define TDX_GPAW 48
/* CPUID.1:ECX: the x2APIC a TD's vCPU must advertise before INIT_VCPU. */
#define CPUID_1_ECX_X2APIC (1u << 21)

/*
 * Ask KVM for a GPAW of @gpaw bits: KVM reads CPUID 0x80000008 EAX[23:16]
 * of KVM_TDX_INIT_VM (48 or 52, else EINVAL; the leaf must be present).
 * Returns 0, or -ENOENT when @e has no leaf 0x80000008.
 */
int tdx_cpuid_set_gpaw(struct kvm_cpuid_entry2 *e, uint32_t nent,
		       unsigned int gpaw);

/* Sets X2APIC in leaf 1; -ENOENT when @e has no leaf 1. */
int cpuid_set_x2apic(struct kvm_cpuid_entry2 *e, uint32_t nent);

/* CPUID 0x80000008 EAX[7:0], the physical-address width; 0 if absent. */
unsigned int cpuid_phys_bits(const struct kvm_cpuid_entry2 *e,
			     uint32_t nent);

#endif
