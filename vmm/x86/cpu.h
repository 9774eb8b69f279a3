/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The virtual CPU a real OS sees: the CPUID policy built on top of
 * KVM_GET_SUPPORTED_CPUID (XSAVE leaves consistent with the XCR0 bits
 * kept, topology of the configured vCPUs, paravirt leaves, no AMD family
 * that makes Linux probe for a northbridge GART), and the MSR and local
 * APIC state of a PC at reset.
 */
#ifndef CVMM_CPU_H
#define CVMM_CPU_H

#include <stdint.h>

#include "lib/util.h"
#include "lib/kvm-abi.h"

/*
 * Turn KVM's supported CPUID (*cpuid, malloc'ed; it may be replaced) into
 * the template every vCPU gets; x86_set_cpuid() adds the APIC IDs.
 */
int __must_check cpu_build_cpuid(struct kvm_cpuid2 **cpuid,
				 unsigned int nr_vcpus);

/*
 * MSRs, XCR0 and LAPIC LVTs as firmware leaves them: fast strings on,
 * MTRRs on with write-back default, TSC 0, XCR0 = xcr0 (the template's,
 * cpu_cpuid_xcr0()), LINT0 ExtINT and LINT1 NMI. The LAPIC part needs the
 * in-kernel irqchip; KVM_SET_CPUID2 must have been done.
 */
int __must_check cpu_init_pc_state(int vcpu_fd, uint64_t xcr0);

/* XSAVE components of the template's XCR0 (for tests and logs). */
uint64_t cpu_cpuid_xcr0(const struct kvm_cpuid2 *cpuid);

#endif
