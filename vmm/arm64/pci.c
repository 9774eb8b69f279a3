// SPDX-License-Identifier: GPL-2.0-only
/*
 * The arm64 machine's PCIe host and its virtio devices: the generic ECAM
 * host of the device tree (config cycles are MMIO exits, BARs in the
 * 32-bit window of its `ranges`), the shared device wiring of
 * vmm/virtio-devices.c, and the interrupt services the transport needs:
 *
 * - MSI-X through the GICv3 ITS where KVM made one (vmm/arm64/gic.c): each
 *   vector is an MSI route with the device's requester ID as its ITS
 *   device ID (KVM_MSI_VALID_DEVID; the device tree's msi-map is the
 *   identity), fired by an irqfd, or KVM_SIGNAL_MSI for a route that
 *   could not be updated. The guest's ITS tables decide the LPI.
 * - INTx otherwise: INTA of slot s is SPI ARM64_PCI_INTX_SPI + s % 4 (the
 *   device tree's interrupt-map), driven with KVM_IRQ_LINE.
 * - Queue notifications: an ioeventfd on each queue's notify address.
 *
 * Built after the GIC's CTRL_INIT: KVM/arm64 takes irqfds only once the
 * vGIC is initialised.
 */
#include <stdlib.h>

#include "lib/kvm.h"
#include "lib/log.h"
#include "vmm/arm64/arm64.h"
#include "vmm/arm64/layout.h"
#include "vmm/virtio-devices.h"

/* KVM_MAX_IRQ_ROUTES is 4096; a few vectors per device is all we need. */
#define ARM64_MAX_MSI_ROUTES 256

struct arm64_msi_routes {
	/* Serialises changes of the table (vCPU threads unmask vectors). */
	pthread_mutex_t lock;
	struct kvm_irq_routing *table;
};

struct arm64_pci {
	struct pci_host host;
	struct arm64_msi_routes routes;
	struct vm *vm;
	struct vm_virtio *virtio;
};

static int commit_locked(struct arm64_pci *ap)
{
	int r = kvm_ioctl(ap->vm->vm_fd, KVM_SET_GSI_ROUTING,
			  ap->routes.table);

	return r < 0 ? r : 0;
}

/*
 * GSIs count from 0: the table replaces KVM's default one (GSI n to SPI
 * n), which nothing here uses (SPIs are raised with KVM_IRQ_LINE).
 */
static int msi_route_add(void *ctx, uint32_t devid, uint32_t *ret_gsi)
{
	struct arm64_pci *ap = ctx;
	struct arm64_msi_routes *rt = &ap->routes;
	uint32_t gsi;
	int r;

	pthread_mutex_lock(&rt->lock);
	if (rt->table->nr == ARM64_MAX_MSI_ROUTES) {
		pthread_mutex_unlock(&rt->lock);
		return -ENOSPC;
	}
	gsi = rt->table->nr;
	rt->table->entries[gsi] = (struct kvm_irq_routing_entry){
		.gsi = gsi,
		.type = KVM_IRQ_ROUTING_MSI,
		.flags = KVM_MSI_VALID_DEVID,
		.u.msi.devid = devid,
	};
	rt->table->nr++;
	r = commit_locked(ap);
	if (r < 0)
		rt->table->nr--;
	pthread_mutex_unlock(&rt->lock);
	if (r == 0)
		*ret_gsi = gsi;
	return r;
}

static int msi_route_update(void *ctx, uint32_t gsi, uint64_t addr,
			    uint32_t data)
{
	struct arm64_pci *ap = ctx;
	struct arm64_msi_routes *rt = &ap->routes;
	struct kvm_irq_routing_entry *e, old;
	int r;

	pthread_mutex_lock(&rt->lock);
	if (gsi >= rt->table->nr) {
		pthread_mutex_unlock(&rt->lock);
		return -ENOENT;
	}
	e = &rt->table->entries[gsi];
	old = *e;
	e->u.msi.address_lo = (uint32_t)addr;
	e->u.msi.address_hi = addr >> 32;
	e->u.msi.data = data;
	r = commit_locked(ap);
	if (r < 0)
		*e = old;
	pthread_mutex_unlock(&rt->lock);
	return r;
}

static int irqfd_assign(void *ctx, int fd, uint32_t gsi)
{
	struct arm64_pci *ap = ctx;
	struct kvm_irqfd req = { .fd = fd, .gsi = gsi };
	int r = kvm_ioctl(ap->vm->vm_fd, KVM_IRQFD, &req);

	return r < 0 ? r : 0;
}

static int ioeventfd_assign(void *ctx, int fd, uint64_t gpa)
{
	struct arm64_pci *ap = ctx;
	struct kvm_ioeventfd req = { .addr = gpa, .len = 2, .fd = fd };
	int r = kvm_ioctl(ap->vm->vm_fd, KVM_IOEVENTFD, &req);

	return r < 0 ? r : 0;
}

static int ioeventfd_deassign(void *ctx, int fd, uint64_t gpa)
{
	struct arm64_pci *ap = ctx;
	struct kvm_ioeventfd req = {
		.addr = gpa,
		.len = 2,
		.fd = fd,
		.flags = KVM_IOEVENTFD_FLAG_DEASSIGN,
	};
	int r = kvm_ioctl(ap->vm->vm_fd, KVM_IOEVENTFD, &req);

	return r < 0 ? r : 0;
}

static int signal_msi(void *ctx, uint32_t devid, uint64_t addr, uint32_t data)
{
	struct arm64_pci *ap = ctx;
	struct kvm_msi msi = {
		.address_lo = (uint32_t)addr,
		.address_hi = addr >> 32,
		.data = data,
		.flags = KVM_MSI_VALID_DEVID,
		.devid = devid,
	};
	int r = kvm_ioctl(ap->vm->vm_fd, KVM_SIGNAL_MSI, &msi);

	return r < 0 ? r : 0;
}

static int set_intx(void *ctx, uint32_t spi, bool level)
{
	struct arm64_pci *ap = ctx;

	return arm64_gic_set_spi(ap->vm, spi, level);
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

static int init_routes(struct arm64_msi_routes *rt)
{
	pthread_mutex_init(&rt->lock, NULL);
	rt->table = calloc(1, sizeof(*rt->table) + ARM64_MAX_MSI_ROUTES *
				      sizeof(rt->table->entries[0]));
	return rt->table ? 0 : -ENOMEM;
}

int arm64_pci_create(struct vm *vm)
{
	const struct pci_host_layout layout = {
		.ecam_gpa = ARM64_PCI_ECAM_GPA,
		.mmio32_base = ARM64_PCI_MMIO_GPA,
		.mmio32_size = ARM64_PCI_MMIO_SIZE,
	};
	struct arm64_pci *ap = calloc(1, sizeof(*ap));
	struct virtio_pci_platform plat;
	int r;

	if (!ap)
		return log_error_errno(-ENOMEM, "allocating the PCIe host");
	vm->arm64->pci = ap;
	ap->vm = vm;
	r = init_routes(&ap->routes);
	if (r < 0)
		return log_error_errno(r, "allocating MSI routes");
	r = pci_host_init_ecam(&ap->host, &vm->mmio, &layout);
	if (r < 0)
		return log_error_errno(r, "registering the PCIe host's ECAM");
	plat = (struct virtio_pci_platform){
		.pci = &ap->host,
		.loop = &vm->loop,
		.irq = &irq_ops,
		.irq_ctx = ap,
		.intx_base = ARM64_PCI_INTX_SPI,
	};
	return vm_virtio_create(vm, &plat, &ap->virtio);
}

void arm64_pci_destroy(struct arm64_machine *m)
{
	struct arm64_pci *ap = m->pci;

	if (!ap)
		return;
	ap->virtio = vm_virtio_free(ap->virtio);
	free(ap->routes.table);
	free(ap);
	m->pci = NULL;
}
