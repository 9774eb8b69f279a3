/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the host's KVM offers a confidential VMM, probed once into plain
 * data: system-wide capabilities from /dev/kvm and, for every VM type
 * that KVM_CAP_VM_TYPES offers, the answers of a VM of that type (several
 * depend on the type, kvm-private-memory.md section 2). Nothing here holds
 * an fd after kvm_caps_probe() returns, so vm_validate() can check a
 * config against a struct kvm_caps before any fd of the VM is opened.
 */
#ifndef CVMM_CAPS_H
#define CVMM_CAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "lib/util.h"

/* KVM_CAP_VM_TYPES is an int bitmask: bit n = VM type n. */
#define KVM_CAPS_NR_VM_TYPES 32

struct kvm_vm_type_caps {
	/* 0 if KVM_CREATE_VM of this type worked, else its -errno. */
	int create_err;
	/* The rest is valid only when create_err is 0. */
	bool guest_memfd;
	/* KVM_CAP_GUEST_MEMFD_FLAGS: GUEST_MEMFD_FLAG_* this VM accepts. */
	uint64_t guest_memfd_flags;
	/* KVM_CAP_MEMORY_ATTRIBUTES: KVM_MEMORY_ATTRIBUTE_* this VM accepts. */
	uint64_t memory_attributes;
	unsigned int max_vcpus;
};

/*
 * arm64 (probed on aarch64 builds only, vmm/caps-arm64.c): the IPA limit,
 * the in-kernel GIC and vCPU features a default VM offers, and a VM of
 * the protected type (pKVM), which KVM_CAP_VM_TYPES does not list.
 */
struct kvm_arm64_caps {
	/* KVM_CAP_ARM_VM_IPA_SIZE: the largest IPA size a VM may ask for. */
	unsigned int ipa_size;
	bool psci_0_2;
	/* On a default VM: KVM_CREATE_DEVICE(KVM_CREATE_DEVICE_TEST). */
	bool gic_v3;
	bool gic_its;
	bool gic_v2;
	/* On a default VM: vCPU features KVM_ARM_VCPU_INIT may ask for. */
	bool pmu_v3;
	bool sve;
	bool ptrauth;
	bool mte;
	/* KVM_CAP_ARM_NISV_TO_USER: undecodable MMIO can exit to userspace. */
	bool nisv_to_user;
	/* The type cvmm creates for --cc pkvm, and what that VM answered. */
	unsigned long protected_type;
	struct kvm_vm_type_caps protected_vm;
};

struct kvm_caps {
	int api_version;
	/* KVM_CAP_VM_TYPES with bit 0 (DEFAULT, which every KVM has) set. */
	uint32_t vm_types;
	bool guest_memfd;
	uint64_t guest_memfd_flags;
	/* On /dev/kvm: every attribute this KVM knows. */
	uint64_t memory_attributes;
	bool memory_fault_info;
	/* KVM_CAP_EXIT_HYPERCALL: hypercalls that can exit to userspace. */
	uint64_t exit_hypercall;
	unsigned int max_vcpus;
	unsigned int nr_memslots;
	bool irqchip;
	bool split_irqchip;
	bool pre_fault_memory;
	bool user_memory2;
	/* Indexed by VM type; valid where vm_types has the bit. */
	struct kvm_vm_type_caps vm[KVM_CAPS_NR_VM_TYPES];
	/* aarch64 builds only (CONFIG_ARM64); zero elsewhere. */
	struct kvm_arm64_caps arm64;
};

/*
 * Fill *ret from /dev/kvm (kvm_fd) and from a throw-away VM of each type
 * that KVM offers. A VM type whose KVM_CREATE_VM fails is recorded in its
 * create_err and is not an error of the probe. Returns 0 or -errno.
 */
int __must_check kvm_caps_probe(int kvm_fd, struct kvm_caps *ret);

/*
 * The same with only the VM type @type asked (if KVM offers it): what a
 * run needs before it builds a VM of that type.
 */
int __must_check kvm_caps_probe_vm_type(int kvm_fd, unsigned long type,
					struct kvm_caps *ret);

bool kvm_caps_has_vm_type(const struct kvm_caps *caps, unsigned long type);

/*
 * vmm/caps-arm64.c: KVM_VM_TYPE_ARM_PROTECTED with an IPA size of 40 bits
 * or the host's limit ipa_limit (KVM_CAP_ARM_VM_IPA_SIZE) if lower; and
 * the arm64 probe, which asks a default and a protected VM.
 */
unsigned long kvm_arm64_protected_vm_type(int ipa_limit);
int __must_check kvm_caps_probe_arm64(int kvm_fd, struct kvm_arm64_caps *ret);

/* The answers of a VM of this type, NULL if there is no such VM. */
const struct kvm_vm_type_caps *kvm_caps_vm(const struct kvm_caps *caps,
					   unsigned long type);

/* KVM_HC_MAP_GPA_RANGE reaches userspace as KVM_EXIT_HYPERCALL. */
bool kvm_caps_has_map_gpa_range(const struct kvm_caps *caps);

/*
 * Whether this host (and this build) can run VMs of the given CC mode.
 * Returns 0, or -EOPNOTSUPP with the reason in reason[len] (which may be
 * NULL), e.g. "VM type snp (4) is not offered (KVM_CAP_VM_TYPES 0x1)".
 */
int kvm_caps_check_cc_mode(const struct kvm_caps *caps, enum cc_mode mode,
			   char *reason, size_t len);

/*
 * Names of the known GUEST_MEMFD_FLAG_* ("MMAP") and
 * KVM_MEMORY_ATTRIBUTE_* ("PRIVATE") bits, NULL for unknown ones.
 */
const char *kvm_caps_gmem_flag_name(unsigned int bit);
const char *kvm_caps_mem_attr_name(unsigned int bit);

#endif
