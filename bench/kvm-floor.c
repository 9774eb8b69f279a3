// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvm-floor: the least a VMM can do before its first KVM_RUN, for
 * bench/startup --rig to set cvmm's start-up against: open /dev/kvm,
 * create a VM with 64 KiB of RAM and one vCPU (real mode, CS:IP 0:0), run
 * it until its hlt, and print "kvm-floor: NS", the CLOCK_MONOTONIC time
 * just before that first KVM_RUN. No capability checks, no CPUID, no
 * seccomp, no privileges dropped: not a VMM, a lower bound.
 */
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define RAM_SIZE 0x10000

static int fail(const char *what)
{
	perror(what);
	return 1;
}

int main(void)
{
	struct kvm_userspace_memory_region region = {
		.memory_size = RAM_SIZE,
	};
	struct kvm_sregs sregs;
	struct kvm_regs regs = { .rflags = 2 };
	struct kvm_run *run;
	struct timespec ts;
	int kvm, vm, vcpu, size;
	unsigned char *ram;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		return fail("/dev/kvm");
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		return fail("KVM_CREATE_VM");
	ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ram == MAP_FAILED)
		return fail("mmap");
	ram[0] = 0xf4;	/* hlt */
	region.userspace_addr = (unsigned long)ram;
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return fail("KVM_SET_USER_MEMORY_REGION");
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		return fail("KVM_CREATE_VCPU");
	size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size < 0)
		return fail("KVM_GET_VCPU_MMAP_SIZE");
	run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		return fail("mmap vcpu");
	if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
		return fail("KVM_GET_SREGS");
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0 ||
	    ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
		return fail("KVM_SET_SREGS/REGS");
	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (ioctl(vcpu, KVM_RUN, 0) < 0)
		return fail("KVM_RUN");
	if (run->exit_reason != KVM_EXIT_HLT) {
		fprintf(stderr, "kvm-floor: exit %u, not hlt\n",
			run->exit_reason);
		return 1;
	}
	printf("kvm-floor: %lld\n",
	       (long long)ts.tv_sec * 1000000000ll + ts.tv_nsec);
	return 0;
}
