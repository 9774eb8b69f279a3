// SPDX-License-Identifier: GPL-2.0-only
/*
 * cvmm run --plan: the same checks and the same plan as the launch, from
 * the config and the firmware alone, so that a person can review on any
 * host what a launch would do.
 */
#include "cc/plan.h"
#include "cli/plan-print.h"
#include "vmm/x86/fw-cfg-plan.h"

/* SNP and TDX: the PC and fw_cfg the firmware finds, after the steps. */
static int platform_print(const struct vm_config *cfg,
			  const struct launch_plan *plan,
			  const struct cc_image *img, FILE *f)
{
	char reason[CC_REASON_MAX];
	struct fw_cfg fc;
	int r;

	r = fw_cfg_plan_build(cfg, plan, img, &fc, reason, sizeof(reason));
	if (r < 0)
		fprintf(stderr, "cvmm: error: %s\n", reason);
	else
		fw_cfg_plan_write(cfg, &fc, f);
	fw_cfg_free(&fc);
	return r;
}

int launch_plan_print(const struct vm_config *cfg, FILE *f)
{
	_cleanup_free_ struct launch_plan *plan = NULL;
	struct cc_image img = {};
	char reason[CC_REASON_MAX];
	int r = 0;

	if (cc_mode_is_measured(cfg->cc.mode))
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
	if (r == 0 && cc_mode_is_measured(cfg->cc.mode))
		r = platform_print(cfg, plan, &img, f);
	cc_image_free(&img);
	return r;
}
