// SPDX-License-Identifier: GPL-2.0-only
/*
 * The in-kernel GICv3 (Linux Documentation/virt/kvm/devices/arm-vgic-v3.rst
 * and arm-vgic-its.rst): a distributor, one redistributor frame pair per
 * vCPU in one region, and an ITS where KVM offers one. Created once every
 * vCPU exists (the redistributor region covers them all), initialised
 * with KVM_DEV_ARM_VGIC_CTRL_INIT before the first KVM_RUN.
 */
#include <unistd.h>

#include "lib/kvm.h"
#include "lib/log.h"
#include "vmm/arm64/arm64.h"
#include "vmm/arm64/layout.h"

static int set_attr(int dev_fd, uint32_t group, uint64_t attr,
		    const void *addr)
{
	struct kvm_device_attr a = {
		.group = group,
		.attr = attr,
		.addr = (uintptr_t)addr,
	};
	int r = kvm_ioctl(dev_fd, KVM_SET_DEVICE_ATTR, &a);

	return r < 0 ? r : 0;
}

static int create_device(int vm_fd, uint32_t type)
{
	struct kvm_create_device dev = { .type = type };
	int r = kvm_ioctl(vm_fd, KVM_CREATE_DEVICE, &dev);

	return r < 0 ? r : (int)dev.fd;
}

/* Best effort: without an ITS, PCI devices use INTx through SPIs. */
static void create_its(struct vm *vm, struct arm64_machine *m)
{
	const uint64_t base = ARM64_GIC_ITS_GPA;
	int fd = create_device(vm->vm_fd, KVM_DEV_TYPE_ARM_VGIC_ITS);
	int r;

	if (fd < 0) {
		log_debug("no ITS (KVM_CREATE_DEVICE(KVM_DEV_TYPE_ARM_VGIC_ITS): %s), ignoring",
			  errno_name(fd));
		return;
	}
	r = set_attr(fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_ITS_ADDR_TYPE,
		     &base);
	if (r == 0)
		r = set_attr(fd, KVM_DEV_ARM_VGIC_GRP_CTRL,
			     KVM_DEV_ARM_VGIC_CTRL_INIT, NULL);
	if (r < 0) {
		log_debug("ITS setup failed: %s, ignoring", errno_name(r));
		close(fd);
		return;
	}
	m->its_fd = fd;
}

int arm64_gic_create(struct vm *vm)
{
	struct arm64_machine *m = vm->arm64;
	const uint64_t dist = ARM64_GIC_DIST_GPA;
	const uint64_t redist = ARM64_GIC_REDIST_GPA;
	int r;

	r = create_device(vm->vm_fd, KVM_DEV_TYPE_ARM_VGIC_V3);
	if (r < 0) {
		log_error("this host's KVM cannot create a GICv3 (KVM_CREATE_DEVICE(KVM_DEV_TYPE_ARM_VGIC_V3): %s)",
			  errno_name(r));
		return VM_ERR_NO_CAP;
	}
	m->gic_fd = r;
	r = set_attr(m->gic_fd, KVM_DEV_ARM_VGIC_GRP_ADDR,
		     KVM_VGIC_V3_ADDR_TYPE_DIST, &dist);
	if (r < 0)
		return log_error_errno(r, "KVM_SET_DEVICE_ATTR(KVM_VGIC_V3_ADDR_TYPE_DIST)");
	r = set_attr(m->gic_fd, KVM_DEV_ARM_VGIC_GRP_ADDR,
		     KVM_VGIC_V3_ADDR_TYPE_REDIST, &redist);
	if (r < 0)
		return log_error_errno(r, "KVM_SET_DEVICE_ATTR(KVM_VGIC_V3_ADDR_TYPE_REDIST)");
	return 0;
}

int arm64_gic_init(struct vm *vm)
{
	struct arm64_machine *m = vm->arm64;
	int r;

	r = set_attr(m->gic_fd, KVM_DEV_ARM_VGIC_GRP_CTRL,
		     KVM_DEV_ARM_VGIC_CTRL_INIT, NULL);
	if (r < 0)
		return log_error_errno(r, "KVM_DEV_ARM_VGIC_CTRL_INIT");
	/* The ITS needs an initialised GICv3. */
	create_its(vm, m);
	return 0;
}

void arm64_gic_destroy(struct arm64_machine *m)
{
	if (m->its_fd >= 0)
		close(m->its_fd);
	if (m->gic_fd >= 0)
		close(m->gic_fd);
	m->its_fd = m->gic_fd = -1;
}

int arm64_gic_set_spi(struct vm *vm, uint32_t spi, bool level)
{
	struct kvm_irq_level irq = {
		.irq = KVM_ARM_IRQ_TYPE_SPI << KVM_ARM_IRQ_TYPE_SHIFT |
		       (ARM64_SPI_BASE + spi),
		.level = level,
	};
	int r = kvm_ioctl(vm->vm_fd, KVM_IRQ_LINE, &irq);

	return r < 0 ? r : 0;
}
