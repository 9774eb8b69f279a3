/* SPDX-License-Identifier: GPL-2.0-only */
/* Shared between vmm/launch.c and its SNP and TDX halves. */
#ifndef CVMM_LAUNCH_INTERNAL_H
#define CVMM_LAUNCH_INTERNAL_H

#include "build-config.h"
#include "vmm/launch.h"
#include "vmm/vm.h"

/* A LAUNCH_WRITE step (launch-write.c). Logs. */
int launch_write_step(struct vm *vm, const struct launch_step *s);

/* Compute and log the measurement a launch should now have (launch-report.c). */
void launch_expect_measurement(struct vm *vm);

/*
 * Steps of the plan only an SNP or only a TDX launch has. Log. A build
 * without one (-Dsnp=disabled, -Dtdx=disabled) leaves its code out, and
 * vm_validate() refuses the mode before any step.
 */
#if CONFIG_SNP
int launch_snp_step(struct vm *vm, const struct launch_step *s);
/*
 * SNP, before KVM_CREATE_VM: the ID block's launch digest against the one
 * this launch will give. Logs; 0 or -EINVAL.
 */
int launch_snp_prepare(struct vm *vm);
#else
static inline int launch_snp_step(struct vm *vm, const struct launch_step *s)
{
	(void)vm;
	(void)s;
	return -EOPNOTSUPP;
}

static inline int launch_snp_prepare(struct vm *vm)
{
	(void)vm;
	return -EOPNOTSUPP;
}
#endif
#if CONFIG_TDX
int launch_tdx_step(struct vm *vm, const struct launch_step *s);
/* MRCONFIGID, MROWNER, MROWNERCONFIG of the plan into INIT_VM's struct. */
void tdx_init_vm_inputs(const struct vm *vm, struct cvmm_tdx_init_vm *init);
/* TDX with cc.tdx.quote_service: start the GetQuote relay. Logs. */
int launch_tdx_quote_start(struct vm *vm);
#else
static inline int launch_tdx_step(struct vm *vm, const struct launch_step *s)
{
	(void)vm;
	(void)s;
	return -EOPNOTSUPP;
}

static inline int launch_tdx_quote_start(struct vm *vm)
{
	(void)vm;
	return -EOPNOTSUPP;
}
#endif

#endif
