// SPDX-License-Identifier: GPL-2.0-only
/*
 * Interrupt controllers, GSI routing, MSIs, irqfds and ioeventfds; the
 * model is described in irq.h.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "vmm/irq.h"
#include "lib/kvm.h"
#include "vmm/vm.h"

/* The legacy PICs: GSI 0-7 on the master, 8-15 on the slave. */
#define PIC_PINS 8
#define ISA_IRQS 16

static struct kvm_irq_routing_entry chip_route(uint32_t gsi, uint32_t chip,
					       uint32_t pin)
{
	return (struct kvm_irq_routing_entry){
		.gsi = gsi,
		.type = KVM_IRQ_ROUTING_IRQCHIP,
		.u.irqchip = { .irqchip = chip, .pin = pin },
	};
}

/*
 * KVM_SET_GSI_ROUTING replaces the whole table, so ours starts as a copy
 * of the default KVM installs with the irqchip: every ISA IRQ on both the
 * IOAPIC and a PIC, the PCI pins 16-23 on the IOAPIC only.
 */
static void add_default_routes(struct kvm_irq_routing *rt)
{
	for (uint32_t gsi = 0; gsi < IRQ_IOAPIC_PINS; gsi++) {
		rt->entries[rt->nr++] = chip_route(gsi, KVM_IRQCHIP_IOAPIC,
						   gsi);
		if (gsi < ISA_IRQS)
			rt->entries[rt->nr++] = chip_route(
				gsi,
				gsi < PIC_PINS ? KVM_IRQCHIP_PIC_MASTER :
						 KVM_IRQCHIP_PIC_SLAVE,
				gsi % PIC_PINS);
	}
}

static int require_cap(int vm_fd, long cap, const char *name)
{
	if (kvm_check_extension(vm_fd, cap) > 0)
		return 0;
	log_error("this host's KVM lacks %s, needed for a PC platform", name);
	return VM_ERR_NO_CAP;
}

/* MSIs sent by hand and irqfds: both irqchip modes deliver through them. */
static int require_msi(int vm_fd)
{
	int r = require_cap(vm_fd, KVM_CAP_SIGNAL_MSI, "KVM_CAP_SIGNAL_MSI");

	return r ? r : require_cap(vm_fd, KVM_CAP_IRQFD, "KVM_CAP_IRQFD");
}

static struct kvm_irq_routing_entry msi_route(uint32_t gsi, uint64_t addr,
					       uint32_t data)
{
	return (struct kvm_irq_routing_entry){
		.gsi = gsi,
		.type = KVM_IRQ_ROUTING_MSI,
		.u.msi = {
			.address_lo = (uint32_t)addr,
			.address_hi = addr >> 32,
			.data = data,
		},
	};
}

static int commit_routes_locked(struct vm_irq *irq)
{
	int r = kvm_ioctl(irq->vm_fd, KVM_SET_GSI_ROUTING, irq->routes);

	return r < 0 ? r : 0;
}

static int create_in_kernel(struct vm_irq *irq, bool chip_exists)
{
	/* Dummy speaker: port 0x61 is KVM's, and it never beeps. */
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
	int r;

	r = require_cap(irq->vm_fd, KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP");
	if (!r)
		r = require_cap(irq->vm_fd, KVM_CAP_PIT2, "KVM_CAP_PIT2");
	if (!r)
		r = require_msi(irq->vm_fd);
	if (r < 0)
		return r;
	r = chip_exists ? 0 : kvm_ioctl_val(irq->vm_fd, KVM_CREATE_IRQCHIP, 0);
	if (r < 0)
		return log_error_errno(r, "KVM_CREATE_IRQCHIP");
	/* The PIT raises GSI 0, so it needs the PIC and IOAPIC first. */
	r = kvm_ioctl(irq->vm_fd, KVM_CREATE_PIT2, &pit);
	if (r < 0)
		return log_error_errno(r, "KVM_CREATE_PIT2");
	add_default_routes(irq->routes);
	return 0;
}

static int ioapic_signal_msi(void *ctx, uint64_t addr, uint32_t data)
{
	int r = irq_signal_msi(ctx, addr, data);

	if (r < 0)
		log_debug("IOAPIC MSI 0x%llx/0x%x: %s",
			  (unsigned long long)addr, data, errno_name(r));
	return r;
}

static int ioapic_route_update(void *ctx, uint32_t pin, uint64_t addr,
			       uint32_t data)
{
	int r = irq_msi_route_update(ctx, pin, addr, data);

	if (r < 0)
		log_debug("IOAPIC pin %u route 0x%llx/0x%x: %s", pin,
			  (unsigned long long)addr, data, errno_name(r));
	return r;
}

static const struct ioapic_ops ioapic_ops = {
	.signal_msi = ioapic_signal_msi,
	.route_update = ioapic_route_update,
};

/*
 * GSI 0-23 are MSI routes carrying the IOAPIC's messages: KVM scans the
 * routes below the pin count given to KVM_CAP_SPLIT_IRQCHIP and
 * intercepts the EOIs of those whose trigger bit says level.
 */
static void add_ioapic_routes(struct vm_irq *irq)
{
	struct kvm_irq_routing *rt = irq->routes;

	for (uint32_t pin = 0; pin < IRQ_IOAPIC_PINS; pin++) {
		uint64_t addr;
		uint32_t data;

		ioapic_pin_msi(&irq->ioapic, pin, &addr, &data);
		rt->entries[rt->nr++] = msi_route(pin, addr, data);
	}
}

/*
 * Only the local APICs in KVM, enabled before any vCPU exists; no PIT,
 * which raises its interrupt through the in-kernel PIC.
 */
static int create_split(struct vm_irq *irq, struct bus *mmio,
			bool chip_exists)
{
	int r;

	r = require_cap(irq->vm_fd, KVM_CAP_SPLIT_IRQCHIP,
			"KVM_CAP_SPLIT_IRQCHIP");
	if (!r)
		r = require_msi(irq->vm_fd);
	if (r < 0)
		return r;
	r = chip_exists ? 0 : kvm_enable_cap(irq->vm_fd, KVM_CAP_SPLIT_IRQCHIP,
					     IRQ_IOAPIC_PINS);
	if (r < 0)
		return log_error_errno(r, "KVM_ENABLE_CAP(KVM_CAP_SPLIT_IRQCHIP, %u)",
				       IRQ_IOAPIC_PINS);
	ioapic_init(&irq->ioapic, &ioapic_ops, irq);
	add_ioapic_routes(irq);
	/* No other thread exists yet to race for the lock. */
	r = commit_routes_locked(irq);
	if (r < 0)
		return log_error_errno(r, "KVM_SET_GSI_ROUTING of the IOAPIC pins");
	r = ioapic_register(&irq->ioapic, mmio, IRQ_IOAPIC_GPA);
	if (r < 0)
		return log_error_errno(r, "registering the IOAPIC");
	return 0;
}

static int init(struct vm_irq *irq, int vm_fd, enum irqchip mode,
		struct bus *mmio, bool chip_exists)
{
	*irq = (struct vm_irq){
		.vm_fd = vm_fd,
		.mode = mode,
		.next_gsi = IRQ_FIRST_MSI_GSI,
	};
	pthread_mutex_init(&irq->lock, NULL);
	irq->routes = calloc(1, sizeof(*irq->routes) + IRQ_MAX_ROUTES *
				     sizeof(irq->routes->entries[0]));
	if (!irq->routes)
		return log_error_errno(-ENOMEM, "allocating GSI routes");
	switch (mode) {
	case IRQCHIP_IN_KERNEL:
		return create_in_kernel(irq, chip_exists);
	case IRQCHIP_SPLIT:
		return create_split(irq, mmio, chip_exists);
	default:
		log_error("irqchip mode %s cannot be built",
			  irqchip_name(mode));
		return -EINVAL;
	}
}

int irq_init(struct vm_irq *irq, int vm_fd, enum irqchip mode,
	     struct bus *mmio)
{
	return init(irq, vm_fd, mode, mmio, false);
}

int irq_adopt(struct vm_irq *irq, int vm_fd, enum irqchip mode,
	      struct bus *mmio)
{
	return init(irq, vm_fd, mode, mmio, true);
}

void irq_fini(struct vm_irq *irq)
{
	if (irq->mode == IRQCHIP_SPLIT && irq->ioapic.ops)
		ioapic_fini(&irq->ioapic);
	free(irq->routes);
	irq->routes = NULL;
}

int irq_set_level(struct vm_irq *irq, uint32_t gsi, bool level)
{
	struct kvm_irq_level line = { .irq = gsi, .level = level };
	int r;

	if (irq->mode == IRQCHIP_SPLIT)
		return ioapic_set_level(&irq->ioapic, gsi, level);
	r = kvm_ioctl(irq->vm_fd, KVM_IRQ_LINE, &line);
	return r < 0 ? r : 0;
}

int irq_ioapic_eoi(struct vm_irq *irq, uint8_t vector)
{
	if (irq->mode != IRQCHIP_SPLIT || !irq->ioapic.ops)
		return -ENODEV;
	ioapic_eoi(&irq->ioapic, vector);
	return 0;
}

int irq_signal_msi(struct vm_irq *irq, uint64_t addr, uint32_t data)
{
	struct kvm_msi msi = {
		.address_lo = (uint32_t)addr,
		.address_hi = addr >> 32,
		.data = data,
	};
	int r = kvm_ioctl(irq->vm_fd, KVM_SIGNAL_MSI, &msi);

	/* 0: the MSI was blocked (e.g. masked by the guest); not an error. */
	return r < 0 ? r : 0;
}

static struct kvm_irq_routing_entry *find_msi_route_locked(struct vm_irq *irq,
							   uint32_t gsi)
{
	struct kvm_irq_routing *rt = irq->routes;

	for (uint32_t i = 0; i < rt->nr; i++)
		if (rt->entries[i].gsi == gsi &&
		    rt->entries[i].type == KVM_IRQ_ROUTING_MSI)
			return &rt->entries[i];
	return NULL;
}

int irq_msi_route_add(struct vm_irq *irq, uint64_t addr, uint32_t data,
		      uint32_t *ret_gsi)
{
	struct kvm_irq_routing *rt = irq->routes;
	uint32_t gsi;
	int r;

	pthread_mutex_lock(&irq->lock);
	if (rt->nr == IRQ_MAX_ROUTES) {
		pthread_mutex_unlock(&irq->lock);
		return -ENOSPC;
	}
	gsi = irq->next_gsi;
	rt->entries[rt->nr++] = msi_route(gsi, addr, data);
	r = commit_routes_locked(irq);
	if (r < 0)
		rt->nr--;
	else
		irq->next_gsi++;
	pthread_mutex_unlock(&irq->lock);
	if (r == 0)
		*ret_gsi = gsi;
	return r;
}

int irq_msi_route_update(struct vm_irq *irq, uint32_t gsi, uint64_t addr,
			 uint32_t data)
{
	struct kvm_irq_routing_entry *e, old;
	int r;

	pthread_mutex_lock(&irq->lock);
	e = find_msi_route_locked(irq, gsi);
	if (!e) {
		pthread_mutex_unlock(&irq->lock);
		return -ENOENT;
	}
	old = *e;
	e->u.msi.address_lo = (uint32_t)addr;
	e->u.msi.address_hi = addr >> 32;
	e->u.msi.data = data;
	r = commit_routes_locked(irq);
	if (r < 0)
		*e = old;
	pthread_mutex_unlock(&irq->lock);
	return r;
}

static int irqfd(struct vm_irq *irq, int fd, uint32_t gsi, uint32_t flags)
{
	struct kvm_irqfd req = { .fd = fd, .gsi = gsi, .flags = flags };
	int r = kvm_ioctl(irq->vm_fd, KVM_IRQFD, &req);

	return r < 0 ? r : 0;
}

int irq_irqfd_assign(struct vm_irq *irq, int fd, uint32_t gsi)
{
	return irqfd(irq, fd, gsi, 0);
}

int irq_irqfd_deassign(struct vm_irq *irq, int fd, uint32_t gsi)
{
	return irqfd(irq, fd, gsi, KVM_IRQFD_FLAG_DEASSIGN);
}

static int ioeventfd(struct vm_irq *irq, int fd, uint64_t addr, uint32_t len,
		     bool pio, const uint64_t *datamatch, uint32_t flags)
{
	struct kvm_ioeventfd req = {
		.datamatch = datamatch ? *datamatch : 0,
		.addr = addr,
		.len = len,
		.fd = fd,
		.flags = flags | (pio ? KVM_IOEVENTFD_FLAG_PIO : 0) |
			 (datamatch ? KVM_IOEVENTFD_FLAG_DATAMATCH : 0),
	};
	int r = kvm_ioctl(irq->vm_fd, KVM_IOEVENTFD, &req);

	return r < 0 ? r : 0;
}

int irq_ioeventfd_assign(struct vm_irq *irq, int fd, uint64_t addr,
			 uint32_t len, bool pio, const uint64_t *datamatch)
{
	return ioeventfd(irq, fd, addr, len, pio, datamatch, 0);
}

int irq_ioeventfd_deassign(struct vm_irq *irq, int fd, uint64_t addr,
			   uint32_t len, bool pio, const uint64_t *datamatch)
{
	return ioeventfd(irq, fd, addr, len, pio, datamatch,
			 KVM_IOEVENTFD_FLAG_DEASSIGN);
}
