// SPDX-License-Identifier: GPL-2.0-only
/*
 * The KVM rules of tests/kvm-rules.h against the real KVM: run inside the
 * rig by test-kvm-rules.py (and anywhere /dev/kvm exists). Prints one line
 * per step and a summary; exits 0 if every answer is the expected one, 1
 * if not, 77 without /dev/kvm.
 */
#include <stdio.h>

#include "tests/kvm-rules.h"

static unsigned int passed, failed;

static void report(const char *what, long want, long got)
{
	if (want == got) {
		printf("ok   %s: %ld\n", what, got);
		passed++;
		return;
	}
	printf("FAIL %s: want %ld (%s), got %ld (%s)\n", what, want,
	       want < 0 ? strerror((int)-want) : "value", got,
	       got < 0 ? strerror((int)-got) : "value");
	failed++;
}

int main(void)
{
	int kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	int r;

	if (kvm_fd < 0) {
		printf("skipped: cannot open /dev/kvm: %s\n", strerror(errno));
		return 77;
	}
	r = kvm_rules_run(kvm_fd, report);
	close(kvm_fd);
	if (r < 0) {
		printf("FAIL creating a VM or vCPU: %s\n", strerror(-r));
		return 1;
	}
	printf("kvm-rules: %u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
