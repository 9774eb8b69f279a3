/* SPDX-License-Identifier: GPL-2.0-only */
/* cvmm run --plan: the launch plan of a config, printed (cc/plan.h). */
#ifndef CVMM_PLAN_PRINT_H
#define CVMM_PLAN_PRINT_H

#include <stdio.h>

#include "cc/image.h"
#include "config/config.h"

/*
 * Print the launch steps of @cfg (checked by vm_validate()) to @f,
 * using only the config, @img (SNP, TDX: the firmware and kernel
 * vm_validate() read) and the files it names: no /dev/kvm. Errors go to
 * stderr as "cvmm: error: ...". Returns 0, -EINVAL for a config that
 * cannot be launched (exit 2), or another -errno (exit 1).
 */
int launch_plan_print(const struct vm_config *cfg, const struct cc_image *img,
		      FILE *f);

#endif
