// SPDX-License-Identifier: GPL-2.0-only
/*
 * cvmm run --plan: the same checks and the same plan as the launch, from
 * the config and the firmware alone, so that a person can review on any
 * host what a launch would do. For snp and tdx, the firmware platform
 * (the PC and what fw_cfg serves) follows the steps.
 */
#include "cc/plan.h"
#include "cli/plan-print.h"
#include "vmm/x86/boot-firmware.h"
#include "vmm/x86/fw-cfg-plan.h"

int launch_plan_print(const struct vm_config *cfg, const struct cc_image *img,
		      FILE *f)
{
	_cleanup_free_ struct launch_plan *plan = NULL;
	bool measured = cc_mode_is_measured(cfg->cc.mode);
	char reason[CC_REASON_MAX];
	struct fw_cfg fc = {};
	int r;

	if (cfg->boot.firmware && !measured)
		return boot_firmware_plan(cfg, f);
	r = launch_plan_build(cfg, measured ? img : NULL, &plan, reason,
			      sizeof(reason));
	/* Everything checked before the first line is printed. */
	if (r == 0 && measured)
		r = fw_cfg_plan_build(cfg, plan, img, &fc, reason,
				      sizeof(reason));
	if (r == -ENOMEM)
		fprintf(stderr, "cvmm: error: out of memory\n");
	else if (r < 0)
		fprintf(stderr, "cvmm: error: %s\n", reason);
	if (r == 0)
		launch_plan_write(plan, cfg, f);
	if (r == 0 && measured)
		fw_cfg_plan_write(cfg, &fc, f);
	fw_cfg_free(&fc);
	return r;
}
