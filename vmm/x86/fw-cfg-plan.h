/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The firmware platform of an SNP or TDX guest as `cvmm run --plan` shows
 * it, without a VM: the devices, the irqchip, and the fw_cfg items and
 * files with their sizes, built with the same fw_cfg calls as the VM's
 * (vmm/x86/boot-firmware.c; test-launch compares the two directories).
 */
#ifndef CVMM_FW_CFG_PLAN_H
#define CVMM_FW_CFG_PLAN_H

#include <stdio.h>

#include "cc/image.h"
#include "cc/plan.h"
#include "config/config.h"
#include "devices/fw-cfg.h"

/*
 * Fill @fc (no guest memory: DMA is not served) with what the VM of @cfg
 * and @plan would serve, the kernel and initrd from @img. Returns 0,
 * -EINVAL with @reason for a kernel or shim fw_cfg cannot carry, or
 * -ENOMEM.
 */
int __must_check fw_cfg_plan_build(const struct vm_config *cfg,
				   const struct launch_plan *plan,
				   const struct cc_image *img,
				   struct fw_cfg *fc, char *reason,
				   size_t len);

/* The platform and @fc's items and files, one per line. */
void fw_cfg_plan_write(const struct vm_config *cfg, const struct fw_cfg *fc,
		       FILE *f);

#endif
