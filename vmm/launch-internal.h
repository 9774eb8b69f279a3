/* SPDX-License-Identifier: GPL-2.0-only */
/* Shared between vmm/launch.c and its SNP and TDX halves. */
#ifndef CVMM_LAUNCH_INTERNAL_H
#define CVMM_LAUNCH_INTERNAL_H

#include "vmm/launch.h"
#include "vmm/vm.h"

/* Steps of the plan only an SNP or only a TDX launch has. Log. */
int launch_snp_step(struct vm *vm, const struct launch_step *s);
int launch_tdx_step(struct vm *vm, const struct launch_step *s);

#endif
