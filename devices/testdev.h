/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The test guest's window on the host (port GUEST_PORT_TEST): allocated
 * bytes, the host's view of shared memory and the conversion counters,
 * so that memory scenarios can check what they did from inside the guest.
 * Registered only for the embedded test guest.
 */
#ifndef CVMM_TESTDEV_H
#define CVMM_TESTDEV_H

#include "devices/bus.h"
#include "memory/memory.h"

struct testdev {
	struct guest_memory *mem;
	/* GPA of the request block (bootinfo.req) in shared guest memory. */
	uint64_t req_gpa;
	/*
	 * TESTDEV_FORBIDDEN_SYSCALL calls it with req.arg; set only in builds
	 * with -Ddebug_hooks=true (vmm/debug-hooks.c), else EINVAL.
	 */
	int (*debug_hook)(void *ctx, uint64_t arg);
	void *debug_ctx;
};

int __must_check testdev_register(struct testdev *td, struct bus *pio);

#endif
