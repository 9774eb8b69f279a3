/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The test guest's ports: 0x500 ends the VM with the status written, 0x504
 * stops the vCPU that writes it.
 */
#ifndef CVMM_DEBUG_EXIT_H
#define CVMM_DEBUG_EXIT_H

#include <stdint.h>

#include "devices/bus.h"

struct debug_exit {
	void (*on_exit)(void *ctx, uint32_t status);
	void *ctx;
};

int __must_check debug_exit_register(struct debug_exit *dx, struct bus *pio);

#endif
