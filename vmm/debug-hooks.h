/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Test hooks, compiled in only with meson -Ddebug_hooks=true (never in a
 * release build): the test port's TESTDEV_FORBIDDEN_SYSCALL makes a vCPU
 * thread (req.arg 0) or the main thread (req.arg 1) call socket(), which
 * both seccomp filters forbid (tests/kvm/test-security.sh).
 */
#ifndef CVMM_DEBUG_HOOKS_H
#define CVMM_DEBUG_HOOKS_H

#include "lib/util.h"

struct vm;
struct snp_kernel_hashes;

/* Arm the hooks for the test guest's VM; without debug hooks, nothing. */
int __must_check debug_hooks_init(struct vm *vm);

/*
 * CVMM_DEBUG_CORRUPT_SEV_HASH=kernel, initrd or cmdline: flip one bit of
 * that hash before a firmware boot writes the SEV kernel-hashes table of
 * an ordinary VM, so that the firmware's verifier must refuse that blob
 * (tests/rig/test-firmware-secure.py). Without debug hooks, nothing.
 */
void debug_corrupt_sev_hash(struct snp_kernel_hashes *h);

#endif
