// SPDX-License-Identifier: GPL-2.0-only
/*
 * Debug builds only (-Ddebug_hooks=true): with CVMM_DEBUG_READ_GUEST set,
 * once the VM has ended cvmm reads one byte of the page the guest kernel
 * started from, through its own mapping, and says what happened. In a
 * default VM the read returns the byte; in a pKVM protected VM the page
 * was donated to the guest and the read faults (tests/rig-arm64). The
 * fault is caught, so cvmm itself goes on and exits as the guest asked.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "build-config.h"
#include "lib/log.h"
#include "vmm/arm64/arm64.h"

static sigjmp_buf probe_env;

static void on_fault(int sig)
{
	siglongjmp(probe_env, sig);
}

static bool enabled(void)
{
	return CONFIG_DEBUG_HOOKS && getenv("CVMM_DEBUG_READ_GUEST");
}

/* Before the seccomp filters, which do not allow sigaction(). */
void arm64_debug_read_prepare(void)
{
	const struct sigaction sa = { .sa_handler = on_fault };

	if (!enabled())
		return;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
}

void arm64_debug_read_guest(struct vm *vm)
{
	uint64_t gpa = vm->arm64->entry_gpa;
	volatile uint8_t *p;
	int sig;

	if (!enabled())
		return;
	p = mem_gpa_to_hva(&vm->mem, gpa, 1);
	if (!p)
		return;
	sig = sigsetjmp(probe_env, 1);
	if (!sig)
		log_info("debug: host read of guest page 0x%llx: 0x%02x",
			 (unsigned long long)gpa, *p);
	else
		log_info("debug: host read of guest page 0x%llx: %s",
			 (unsigned long long)gpa, sigabbrev_np(sig));
}
