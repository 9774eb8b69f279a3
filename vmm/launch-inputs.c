// SPDX-License-Identifier: GPL-2.0-only
/*
 * The TD's owner inputs in KVM_TDX_INIT_VM (tdx.md section 2): MRCONFIGID,
 * MROWNER and MROWNERCONFIG, 48 bytes each, go into the TD report as
 * given. KVM hands the three u64[6] arrays to the TDX module as bytes, so
 * the config's bytes are copied in order (QEMU copies its decoded base64
 * the same way). Unset values stay zero, as in QEMU.
 */
#include <string.h>

#include "vmm/launch-internal.h"

void tdx_init_vm_inputs(const struct vm *vm, struct cvmm_tdx_init_vm *init)
{
	const struct launch_plan *plan = vm->cc->plan;

	_Static_assert(sizeof(init->mrconfigid) == CFG_TDX_MR_SIZE &&
			       sizeof(init->mrowner) == CFG_TDX_MR_SIZE &&
			       sizeof(init->mrownerconfig) == CFG_TDX_MR_SIZE,
		       "KVM_TDX_INIT_VM's MR fields are 48 bytes");
	memcpy(init->mrconfigid, plan->tdx_mr[0], CFG_TDX_MR_SIZE);
	memcpy(init->mrowner, plan->tdx_mr[1], CFG_TDX_MR_SIZE);
	memcpy(init->mrownerconfig, plan->tdx_mr[2], CFG_TDX_MR_SIZE);
}
