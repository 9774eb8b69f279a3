/* SPDX-License-Identifier: GPL-2.0-only */
/* What a CC mode of the config means for KVM and for the launch. */
#ifndef CVMM_CC_MODE_H
#define CVMM_CC_MODE_H

#include <stdbool.h>

#include "config/config.h"

/* The modes whose launch is measured, from firmware. */
static inline bool cc_mode_is_measured(enum cc_mode mode)
{
	return mode == CC_MODE_SNP || mode == CC_MODE_TDX;
}

/* The KVM VM type that a cvmm CC mode runs in. */
unsigned long cc_mode_vm_type(enum cc_mode mode);

#endif
