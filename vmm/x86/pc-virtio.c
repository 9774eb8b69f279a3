// SPDX-License-Identifier: GPL-2.0-only
/*
 * The PC's side of its virtio-pci devices (vmm/virtio-devices.c): the
 * host bridge, and interrupts and notifications over vmm/irq.h.
 */
#include "devices/virtio/pci.h"
#include "vmm/virtio-devices.h"
#include "vmm/x86/pc.h"
#include "vmm/vm.h"

/* The _PRT in the DSDT sends INTA# of slot S to GSI 16 + S % 4. */
#define PCI_INTX_BASE_GSI 16

/* The transport's interrupt services, over vmm/irq.h. */
/* The PC's MSIs go to local APICs, which need no requester ID. */
static int msi_route_add(void *ctx, uint32_t devid, uint32_t *ret_gsi)
{
	(void)devid;
	return irq_msi_route_add(ctx, 0, 0, ret_gsi);
}

static int msi_route_update(void *ctx, uint32_t gsi, uint64_t addr,
			    uint32_t data)
{
	return irq_msi_route_update(ctx, gsi, addr, data);
}

static int irqfd_assign(void *ctx, int fd, uint32_t gsi)
{
	return irq_irqfd_assign(ctx, fd, gsi);
}

static int ioeventfd_assign(void *ctx, int fd, uint64_t gpa)
{
	return irq_ioeventfd_assign(ctx, fd, gpa, 2, false, NULL);
}

static int ioeventfd_deassign(void *ctx, int fd, uint64_t gpa)
{
	return irq_ioeventfd_deassign(ctx, fd, gpa, 2, false, NULL);
}

static int signal_msi(void *ctx, uint32_t devid, uint64_t addr,
		      uint32_t data)
{
	(void)devid;
	return irq_signal_msi(ctx, addr, data);
}

static int set_intx(void *ctx, uint32_t gsi, bool level)
{
	return irq_set_level(ctx, gsi, level);
}

static const struct virtio_pci_irq_ops irq_ops = {
	.msi_route_add = msi_route_add,
	.msi_route_update = msi_route_update,
	.irqfd_assign = irqfd_assign,
	.ioeventfd_assign = ioeventfd_assign,
	.ioeventfd_deassign = ioeventfd_deassign,
	.signal_msi = signal_msi,
	.set_intx = set_intx,
};

int pc_virtio_create(struct vm *vm)
{
	const struct virtio_pci_platform plat = {
		.pci = &vm->pc->pci,
		.loop = &vm->loop,
		.irq = &irq_ops,
		.irq_ctx = &vm->irq,
		.intx_base = PCI_INTX_BASE_GSI,
	};

	return vm_virtio_create(vm, &plat, &vm->pc->virtio);
}

void pc_virtio_destroy(struct vm *vm)
{
	vm->pc->virtio = vm_virtio_free(vm->pc->virtio);
}
