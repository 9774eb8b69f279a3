/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The arm64 machine beside struct vm: the in-kernel GICv3 (and ITS), the
 * console input, and what the vCPUs were initialised with. Internal to
 * vmm/arm64/.
 */
#ifndef CVMM_ARM64_H
#define CVMM_ARM64_H

#include <stdbool.h>
#include <stdint.h>

#include "vmm/console.h"
#include "vmm/vm.h"

/* Not in older uapi headers (Linux include/uapi/linux/kvm.h). */
#ifndef KVM_VM_TYPE_ARM_PROTECTED
#define KVM_VM_TYPE_ARM_PROTECTED (1UL << 31)
#endif
#ifndef KVM_EXIT_ARM_NISV
#define KVM_EXIT_ARM_NISV 28
#endif

struct arm64_pci;

struct arm64_machine {
	/* KVM_DEV_TYPE_ARM_VGIC_V3 and _ITS device fds; its_fd may be -1. */
	int gic_fd;
	int its_fd;
	/* The vCPUs have KVM_ARM_VCPU_PMU_V3. */
	bool pmu;
	struct kvm_vcpu_init vcpu_init;
	struct console console;
	bool console_ready;
	/* The PCIe host and its virtio devices (vmm/arm64/pci.c), or NULL. */
	struct arm64_pci *pci;
	/* Where the loader put things (vmm/arm64/boot.c). */
	uint64_t entry_gpa;
	uint64_t dtb_gpa;
};

/* vmm/arm64/gic.c: created after the vCPUs, initialised before any runs. */
int __must_check arm64_gic_create(struct vm *vm);
int __must_check arm64_gic_init(struct vm *vm);
void arm64_gic_destroy(struct arm64_machine *m);
/* Drive SPI spi (0-based) to level. */
int arm64_gic_set_spi(struct vm *vm, uint32_t spi, bool level);

/*
 * vmm/arm64/pci.c: the ECAM host and the virtio devices of cfg->devices,
 * after the GIC's init (irqfds need it); destroyed before the VM's fd.
 */
int __must_check arm64_pci_create(struct vm *vm);
void arm64_pci_destroy(struct arm64_machine *m);

/* vmm/arm64/vcpu.c */
int __must_check arm64_vcpu_init_pmu(struct vm *vm, struct vcpu *vcpu);
int __must_check arm64_vcpu_set_entry(struct vcpu *vcpu, uint64_t pc,
				      uint64_t x0);

/* vmm/arm64/boot.c: kernel, initrd and device tree into RAM. */
int __must_check arm64_boot_load(struct vm *vm);
/* vmm/arm64/boot-test.c: the embedded test guest, without --kernel. */
int __must_check arm64_boot_test_guest(struct vm *vm);

/* vmm/arm64/debug-read.c: debug builds, CVMM_DEBUG_READ_GUEST set. */
void arm64_debug_read_prepare(void);
void arm64_debug_read_guest(struct vm *vm);

#endif
