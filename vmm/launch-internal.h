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
#else
static inline int launch_snp_step(struct vm *vm, const struct launch_step *s)
{
	(void)vm;
	(void)s;
	return -EOPNOTSUPP;
}
#endif
#if CONFIG_TDX
int launch_tdx_step(struct vm *vm, const struct launch_step *s);
#else
static inline int launch_tdx_step(struct vm *vm, const struct launch_step *s)
{
	(void)vm;
	(void)s;
	return -EOPNOTSUPP;
}
#endif

#endif
