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

/* Arm the hooks for the test guest's VM; without debug hooks, nothing. */
int __must_check debug_hooks_init(struct vm *vm);

#endif
