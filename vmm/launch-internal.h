/* SPDX-License-Identifier: GPL-2.0-only */
/* Shared between vmm/launch.c and its SNP and TDX halves. */
#ifndef CVMM_LAUNCH_INTERNAL_H
#define CVMM_LAUNCH_INTERNAL_H

#include "vmm/launch.h"
#include "vmm/vm.h"

#define SEV_DEVICE_PATH "/dev/sev"

/* Steps of the plan only an SNP or only a TDX launch has. Log. */
int launch_snp_step(struct vm *vm, const struct launch_step *s);
int launch_tdx_step(struct vm *vm, const struct launch_step *s);

/*
 * SNP, before KVM_CREATE_VM: the ID block's launch digest against the one
 * this launch will give. Logs; 0 or -EINVAL.
 */
int launch_snp_prepare(struct vm *vm);

/* TDX with cc.tdx.quote_service: start the GetQuote relay. Logs. */
int launch_tdx_quote_start(struct vm *vm);

/* MRCONFIGID, MROWNER, MROWNERCONFIG of the plan into INIT_VM's struct. */
void tdx_init_vm_inputs(const struct vm *vm, struct cvmm_tdx_init_vm *init);

/* KVM_GET_CPUID2 of a vCPU into a malloc()ed kvm_cpuid2. */

/* CPUID(1).EAX, the family/model/stepping signature; 0 if absent. */
uint32_t launch_cpuid_sig(const struct kvm_cpuid2 *cpuid);

#endif
