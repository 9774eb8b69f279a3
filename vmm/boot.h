/* SPDX-License-Identifier: GPL-2.0-only */
/* Loading what the guest boots: the embedded test guest (or, later, a
 * kernel or firmware) written in place into guest memory. */
#ifndef CVMM_BOOT_H
#define CVMM_BOOT_H

#include <stddef.h>

#include "lib/util.h"

struct vm;

/* The test guest image, generated from tests/guest by the build. */
extern const unsigned char guest_image[];
extern const size_t guest_image_size;

/* Write the boot images and set every vCPU's initial state. */
int __must_check boot_load(struct vm *vm);

#endif
