/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Is a config's kernel one this build can boot? Checked when the config
 * is loaded; one implementation per architecture (config-kernel-*.c).
 */
#ifndef CVMM_CONFIG_KERNEL_H
#define CVMM_CONFIG_KERNEL_H

#include "config/config.h"

/* 0, or -EINVAL with the reason reported through d. */
int cfg_check_kernel(int fd, const char *shown, const char *json_path,
		     struct cfg_diag *d);

#endif
