// SPDX-License-Identifier: GPL-2.0-only
/*
 * What KVM/arm64 offers: the IPA limit, PSCI, the in-kernel GIC (asked
 * with KVM_CREATE_DEVICE_TEST, which creates nothing), the vCPU features
 * a default VM offers, and whether a protected VM (pKVM) can be created,
 * with that VM's own answers. Plain ioctls: built on every host, called
 * on aarch64 only.
 */
#include "lib/kvm.h"
#include "lib/log.h"
#include "vmm/caps.h"

#ifndef KVM_VM_TYPE_ARM_PROTECTED
#define KVM_VM_TYPE_ARM_PROTECTED (1UL << 31)
#endif

unsigned long kvm_arm64_protected_vm_type(int ipa_limit)
{
	return KVM_VM_TYPE_ARM_PROTECTED |
	       (ipa_limit > 0 ? KVM_VM_TYPE_ARM_IPA_SIZE(MIN(ipa_limit, 40)) : 0);
}

static bool cap(int fd, long nr)
{
	return kvm_check_extension(fd, nr) > 0;
}

static bool device_offered(int vm_fd, uint32_t type)
{
	struct kvm_create_device dev = {
		.type = type,
		.flags = KVM_CREATE_DEVICE_TEST,
	};

	return kvm_ioctl(vm_fd, KVM_CREATE_DEVICE, &dev) == 0;
}

static int probe_default_vm(int kvm_fd, struct kvm_arm64_caps *c)
{
	_cleanup_close_ int vm_fd = kvm_create_vm(kvm_fd, 0);

	if (vm_fd < 0)
		return log_error_errno(vm_fd, "KVM_CREATE_VM(0)");
	c->gic_v3 = device_offered(vm_fd, KVM_DEV_TYPE_ARM_VGIC_V3);
	c->gic_its = device_offered(vm_fd, KVM_DEV_TYPE_ARM_VGIC_ITS);
	c->gic_v2 = device_offered(vm_fd, KVM_DEV_TYPE_ARM_VGIC_V2);
	c->pmu_v3 = cap(vm_fd, KVM_CAP_ARM_PMU_V3);
	c->sve = cap(vm_fd, KVM_CAP_ARM_SVE);
	c->ptrauth = cap(vm_fd, KVM_CAP_ARM_PTRAUTH_ADDRESS) &&
		     cap(vm_fd, KVM_CAP_ARM_PTRAUTH_GENERIC);
	c->mte = cap(vm_fd, KVM_CAP_ARM_MTE);
	c->nisv_to_user = cap(vm_fd, KVM_CAP_ARM_NISV_TO_USER);
	return 0;
}

/* A host without pKVM refuses the type: recorded, not an error. */
static void probe_protected_vm(int kvm_fd, struct kvm_arm64_caps *c)
{
	struct kvm_vm_type_caps *vm = &c->protected_vm;
	_cleanup_close_ int vm_fd = -1;

	c->protected_type = kvm_arm64_protected_vm_type(c->ipa_size);
	vm_fd = kvm_create_vm(kvm_fd, c->protected_type);
	if (vm_fd < 0) {
		vm->create_err = vm_fd;
		return;
	}
	vm->guest_memfd = cap(vm_fd, KVM_CAP_GUEST_MEMFD);
	vm->guest_memfd_flags = MAX(kvm_check_extension(vm_fd, KVM_CAP_GUEST_MEMFD_FLAGS), 0);
	vm->memory_attributes = MAX(kvm_check_extension(vm_fd, KVM_CAP_MEMORY_ATTRIBUTES), 0);
	vm->max_vcpus = MAX(kvm_check_extension(vm_fd, KVM_CAP_MAX_VCPUS), 0);
}

int kvm_caps_probe_arm64(int kvm_fd, struct kvm_arm64_caps *ret)
{
	struct kvm_arm64_caps c = { 0 };
	int r;

	c.ipa_size = MAX(kvm_check_extension(kvm_fd, KVM_CAP_ARM_VM_IPA_SIZE), 0);
	c.psci_0_2 = cap(kvm_fd, KVM_CAP_ARM_PSCI_0_2);
	r = probe_default_vm(kvm_fd, &c);
	if (r < 0)
		return r;
	probe_protected_vm(kvm_fd, &c);
	*ret = c;
	return 0;
}
