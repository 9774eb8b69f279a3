/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Per-thread seccomp filters. Each thread role has one allow-list in
 * vmm/seccomp.c; a thread installs its role's filter itself, after all
 * privileged setup and before it handles anything the guest controls.
 * docs/security.md lists what each role may do.
 */
#ifndef CVMM_SECCOMP_H
#define CVMM_SECCOMP_H

#include "config/config.h"
#include "lib/util.h"

enum seccomp_role {
	/* The main thread: event loop, back-ends, teardown and --stats. */
	SECCOMP_ROLE_MAIN,
	/* A vCPU thread: KVM_RUN and the exit handlers it runs inline. */
	SECCOMP_ROLE_VCPU,
	/* The TDX GetQuote relay: a Unix socket to the quote service. */
	SECCOMP_ROLE_QUOTE,
	SECCOMP_NR_ROLES,
};

/*
 * Install @role's filter on the calling thread as cfg->seccomp says: kill
 * (a forbidden call is reported on stderr, then cvmm dies of SIGSYS), log
 * (the kernel logs it and the call goes through) or off (nothing). The
 * filter stays for the life of the thread and of threads it creates.
 * Returns 0 or -errno; the caller must not go on after an error.
 */
int __must_check seccomp_install(enum seccomp_role role,
				 const struct vm_config *cfg);

const char *seccomp_role_name(enum seccomp_role role);

#endif
