// SPDX-License-Identifier: GPL-2.0-only
/*
 * cvmm run --plan: the same checks and the same plan as the launch, from
 * the config and the firmware alone, so that a person can review on any
 * host what a launch would do.
 */
#include "cc/plan.h"
#include "cli/plan-print.h"
#include "vmm/boot-firmware.h"

int launch_plan_print(const struct vm_config *cfg, FILE *f)
{
	_cleanup_free_ struct launch_plan *plan = NULL;
	struct cc_image img = {};
	char reason[CC_REASON_MAX];
	int r;

	if (cfg->boot.firmware && !cc_mode_is_measured(cfg->cc.mode))
		return boot_firmware_plan(cfg, f);
	r = cc_config_check(cfg, reason, sizeof(reason));
	if (r == 0 && cc_mode_is_measured(cfg->cc.mode))
		r = cc_image_load(cfg, &img, reason, sizeof(reason));
	if (r == 0)
		r = launch_plan_build(cfg,
				      cc_mode_is_measured(cfg->cc.mode) ?
					      &img : NULL,
				      &plan, reason, sizeof(reason));
	if (r == -ENOMEM)
		fprintf(stderr, "cvmm: error: out of memory\n");
	else if (r < 0)
		fprintf(stderr, "cvmm: error: %s\n", reason);
	else
		launch_plan_write(plan, cfg, f);
	cc_image_free(&img);
	return r;
}
