/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Two rules of KVM that bind every VM type, and so the TDX launch order
 * (tdx.md section 3), run as one sequence of raw ioctls on a DEFAULT VM:
 *  - KVM_ENABLE_CAP(KVM_CAP_X86_APIC_BUS_CYCLES_NS) is -ENXIO while the VM
 *    has no irqchip (x86.c: !irqchip_in_kernel()), in-kernel or split, and
 *    -EINVAL once a vCPU exists;
 *  - a host write of an x2APIC-mode APIC base (MSR 0x1b with X2APIC_ENABLE
 *    and XAPIC_ENABLE) fails while the vCPU's CPUID lacks X2APIC
 *    (lapic.c, kvm_apic_set_base(): X2APIC_ENABLE is then a reserved bit):
 *    KVM_SET_MSRS sets 0 of 1 MSRs, KVM_SET_SREGS returns -EINVAL. It
 *    succeeds once KVM_SET_CPUID2 gave the vCPU X2APIC. KVM_TDX_INIT_VCPU
 *    writes that very value, which is why a TD's CPUID comes first.
 *
 * The same sequence runs against the real KVM in the rig (tests/rig/
 * kvm-rules.c) and against the KVM model of tests/unit/test-launch.c, so
 * the model's answers are the kernel's. Each step reports what it wanted
 * and what it got: -errno for a failed ioctl, else its return value.
 */
#ifndef CVMM_TESTS_KVM_RULES_H
#define CVMM_TESTS_KVM_RULES_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>

#define KVM_RULES_MSR_APIC_BASE 0x1b
#define KVM_RULES_APIC_BSP (1ull << 8)
#define KVM_RULES_X2APIC_ENABLE (1ull << 10)
#define KVM_RULES_XAPIC_ENABLE (1ull << 11)
#define KVM_RULES_X2APIC_BASE                                           \
	(0xfee00000ull | KVM_RULES_XAPIC_ENABLE | KVM_RULES_X2APIC_ENABLE | \
	 KVM_RULES_APIC_BSP)
#define KVM_RULES_CPUID_X2APIC (1u << 21)
#define KVM_RULES_APIC_BUS_NS 40
#define KVM_RULES_MAX_CPUID 256

#ifndef KVM_CAP_X86_APIC_BUS_CYCLES_NS
#define KVM_CAP_X86_APIC_BUS_CYCLES_NS 237
#endif

/* One step: what it is, what the kernel answers, what came back. */
typedef void (*kvm_rules_report_fn)(const char *what, long want, long got);

static inline long kvm_rules_ret(long r)
{
	return r < 0 ? -errno : r;
}

static inline long kvm_rules_apic_bus(int vm_fd)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_X86_APIC_BUS_CYCLES_NS,
		.args = { KVM_RULES_APIC_BUS_NS },
	};

	return kvm_rules_ret(ioctl(vm_fd, KVM_ENABLE_CAP, &cap));
}

/* KVM_SET_MSRS returns how many MSRs it set: 1, or 0 if refused. */
static inline long kvm_rules_set_apic_base(int vcpu_fd, uint64_t value)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} msrs = {
		.hdr.nmsrs = 1,
		.e = { .index = KVM_RULES_MSR_APIC_BASE, .data = value },
	};

	return kvm_rules_ret(ioctl(vcpu_fd, KVM_SET_MSRS, &msrs));
}

static inline long kvm_rules_get_apic_base(int vcpu_fd, uint64_t *ret)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} msrs = {
		.hdr.nmsrs = 1,
		.e = { .index = KVM_RULES_MSR_APIC_BASE },
	};
	long r = kvm_rules_ret(ioctl(vcpu_fd, KVM_GET_MSRS, &msrs));

	*ret = msrs.e.data;
	return r;
}

static inline long kvm_rules_sregs_apic_base(int vcpu_fd, uint64_t value)
{
	struct kvm_sregs sregs;
	long r = kvm_rules_ret(ioctl(vcpu_fd, KVM_GET_SREGS, &sregs));

	if (r < 0)
		return r;
	sregs.apic_base = value;
	return kvm_rules_ret(ioctl(vcpu_fd, KVM_SET_SREGS, &sregs));
}

/* KVM_SET_CPUID2 with the supported CPUID, X2APIC on or off. */
static inline long kvm_rules_set_cpuid(int kvm_fd, int vcpu_fd, bool x2apic)
{
	size_t size = sizeof(struct kvm_cpuid2) +
		      KVM_RULES_MAX_CPUID * sizeof(struct kvm_cpuid_entry2);
	struct kvm_cpuid2 *cpuid = calloc(1, size);
	long r;

	if (!cpuid)
		return -ENOMEM;
	cpuid->nent = KVM_RULES_MAX_CPUID;
	r = kvm_rules_ret(ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid));
	for (uint32_t i = 0; r >= 0 && i < cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *e = &cpuid->entries[i];

		if (e->function != 1)
			continue;
		if (x2apic)
			e->ecx |= KVM_RULES_CPUID_X2APIC;
		else
			e->ecx &= ~KVM_RULES_CPUID_X2APIC;
	}
	if (r >= 0)
		r = kvm_rules_ret(ioctl(vcpu_fd, KVM_SET_CPUID2, cpuid));
	free(cpuid);
	return r;
}

static inline void kvm_rules_close(int *fds, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/*
 * Runs the sequence on DEFAULT VMs of @kvm_fd. Returns 0, or -errno when
 * a VM or vCPU could not be created at all (nothing to check then).
 */
static inline int kvm_rules_run(int kvm_fd, kvm_rules_report_fn report)
{
	/* VM with the in-kernel irqchip, its vCPU, VM with the split one. */
	int fds[3] = { -1, -1, -1 };
	struct kvm_enable_cap split = {
		.cap = KVM_CAP_SPLIT_IRQCHIP,
		.args = { 24 },
	};
	uint64_t base = 0;

	fds[0] = ioctl(kvm_fd, KVM_CREATE_VM, 0);
	if (fds[0] < 0)
		return -errno;
	report("APIC_BUS_CYCLES_NS before any irqchip", -ENXIO,
	       kvm_rules_apic_bus(fds[0]));
	report("KVM_CREATE_IRQCHIP", 0,
	       kvm_rules_ret(ioctl(fds[0], KVM_CREATE_IRQCHIP, 0)));
	report("APIC_BUS_CYCLES_NS after KVM_CREATE_IRQCHIP", 0,
	       kvm_rules_apic_bus(fds[0]));
	fds[1] = ioctl(fds[0], KVM_CREATE_VCPU, 0);
	if (fds[1] < 0) {
		kvm_rules_close(fds, 3);
		return -errno;
	}
	report("APIC_BUS_CYCLES_NS once a vCPU exists", -EINVAL,
	       kvm_rules_apic_bus(fds[0]));

	report("x2APIC base by KVM_SET_MSRS before any CPUID (MSRs set)", 0,
	       kvm_rules_set_apic_base(fds[1], KVM_RULES_X2APIC_BASE));
	report("x2APIC base by KVM_SET_SREGS before any CPUID", -EINVAL,
	       kvm_rules_sregs_apic_base(fds[1], KVM_RULES_X2APIC_BASE));
	report("KVM_SET_CPUID2 without X2APIC", 0,
	       kvm_rules_set_cpuid(kvm_fd, fds[1], false));
	report("x2APIC base by KVM_SET_MSRS, CPUID without X2APIC (MSRs set)",
	       0, kvm_rules_set_apic_base(fds[1], KVM_RULES_X2APIC_BASE));
	report("KVM_SET_CPUID2 with X2APIC", 0,
	       kvm_rules_set_cpuid(kvm_fd, fds[1], true));
	report("x2APIC base by KVM_SET_MSRS, CPUID with X2APIC (MSRs set)", 1,
	       kvm_rules_set_apic_base(fds[1], KVM_RULES_X2APIC_BASE));
	report("KVM_GET_MSRS of the APIC base (MSRs read)", 1,
	       kvm_rules_get_apic_base(fds[1], &base));
	report("the APIC base read back is the x2APIC one", 1,
	       base == KVM_RULES_X2APIC_BASE);

	fds[2] = ioctl(kvm_fd, KVM_CREATE_VM, 0);
	if (fds[2] < 0) {
		kvm_rules_close(fds, 3);
		return -errno;
	}
	report("APIC_BUS_CYCLES_NS before the split irqchip", -ENXIO,
	       kvm_rules_apic_bus(fds[2]));
	report("KVM_CAP_SPLIT_IRQCHIP", 0,
	       kvm_rules_ret(ioctl(fds[2], KVM_ENABLE_CAP, &split)));
	report("APIC_BUS_CYCLES_NS after the split irqchip", 0,
	       kvm_rules_apic_bus(fds[2]));
	kvm_rules_close(fds, 3);
	return 0;
}

#endif
