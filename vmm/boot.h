/* SPDX-License-Identifier: GPL-2.0-only */
/* Loading what the guest boots: the embedded test guest (or, later, a
 * kernel or firmware) written in place into guest memory. */
#ifndef CVMM_BOOT_H
#define CVMM_BOOT_H

#include <stddef.h>

#include "guest/image.h"
#include "lib/util.h"

struct vm;

/* Write the boot images and set every vCPU's initial state. */
int __must_check boot_load(struct vm *vm);

#endif
