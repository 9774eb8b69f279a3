/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Interrupts of a VM with a PC platform: wires (GSIs), MSIs, and the
 * eventfds that let KVM raise an interrupt (irqfd) or catch a guest
 * write (ioeventfd) without a trip through userspace.
 *
 * Devices see only GSIs and MSI messages. Where the IOAPIC and PIC live
 * is this module's business:
 * - IRQCHIP_IN_KERNEL: KVM_CREATE_IRQCHIP gives KVM a PIC pair and an
 *   IOAPIC; a GSI level is KVM_IRQ_LINE, an MSI is KVM_SIGNAL_MSI, and
 *   the routing table maps GSI 0-15 to both chips, 16-23 to the IOAPIC
 *   and GSI 24 up to the MSI routes devices allocate.
 * - IRQCHIP_SPLIT (what TDX needs): KVM_CAP_SPLIT_IRQCHIP keeps only the
 *   local APICs in KVM. irq_set_level() drives the userspace IOAPIC of
 *   devices/x86/ioapic.c, whose redirection entries become irq_signal_msi()
 *   calls and whose level-triggered EOIs come back as KVM_EXIT_IOAPIC_EOI
 *   (irq_ioapic_eoi()); there is no PIC and no PIT. GSIs 0-23 are MSI
 *   routes that follow the entries, so that KVM knows which vectors are
 *   level-triggered. MSI routes and irqfds work the same, so devices built
 *   on this interface need no change.
 * Every function may be called from any thread once irq_init() is done.
 */
#ifndef CVMM_IRQ_H
#define CVMM_IRQ_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"
#include "devices/bus.h"
#include "devices/x86/ioapic.h"
#include "lib/util.h"
#include "lib/kvm-abi.h"

/* IOAPIC pins; GSIs from IRQ_FIRST_MSI_GSI up are MSI routes. */
#define IRQ_IOAPIC_PINS 24
#define IRQ_FIRST_MSI_GSI IRQ_IOAPIC_PINS
#define IRQ_MAX_ROUTES 1024

#define IRQ_IOAPIC_GPA 0xfec00000ull
#define IRQ_LAPIC_GPA 0xfee00000ull

struct vm_irq {
	int vm_fd;
	enum irqchip mode;
	/* Serialises changes of the routing table. */
	pthread_mutex_t lock;
	struct kvm_irq_routing *routes;
	uint32_t next_gsi;
	/* IRQCHIP_SPLIT only */
	struct ioapic ioapic;
};

/*
 * Create the interrupt controllers of mode on vm_fd, a userspace IOAPIC
 * on mmio for IRQCHIP_SPLIT. Must come before the first KVM_CREATE_VCPU
 * (KVM attaches each vCPU's LAPIC to the irqchip that exists then). Logs
 * its errors; VM_ERR_NO_CAP if the host lacks what the mode needs.
 */
int __must_check irq_init(struct vm_irq *irq, int vm_fd, enum irqchip mode,
			  struct bus *mmio);
/*
 * irq_init() for a VM whose irqchip an SNP or TDX launch has made already
 * (KVM_CREATE_IRQCHIP or KVM_CAP_SPLIT_IRQCHIP with IRQ_IOAPIC_PINS, in
 * the launch's order): the rest of what the mode needs (the PIT and
 * routes, or the IOAPIC), nothing made twice.
 */
int __must_check irq_adopt(struct vm_irq *irq, int vm_fd, enum irqchip mode,
			   struct bus *mmio);
void irq_fini(struct vm_irq *irq);

/* Drive the wire of gsi (level-triggered devices hold it high). */
int irq_set_level(struct vm_irq *irq, uint32_t gsi, bool level);

/*
 * KVM_EXIT_IOAPIC_EOI: a vCPU EOIed a level-triggered vector. -ENODEV
 * unless the IOAPIC is ours (IRQCHIP_SPLIT).
 */
int irq_ioapic_eoi(struct vm_irq *irq, uint8_t vector);

/* Deliver one MSI (address/data as the guest programmed them). */
int irq_signal_msi(struct vm_irq *irq, uint64_t addr, uint32_t data);

/*
 * Allocate a GSI that delivers the MSI addr/data, for an irqfd (MSI-X
 * vectors of virtio-pci). Update it when the guest reprograms the vector.
 */
int __must_check irq_msi_route_add(struct vm_irq *irq, uint64_t addr,
				   uint32_t data, uint32_t *ret_gsi);
int __must_check irq_msi_route_update(struct vm_irq *irq, uint32_t gsi,
				      uint64_t addr, uint32_t data);

/*
 * Writing 1 to eventfd fd raises gsi inside KVM (an edge, or an MSI for
 * an MSI route); any thread, even another process, can do it.
 */
int __must_check irq_irqfd_assign(struct vm_irq *irq, int fd, uint32_t gsi);
int irq_irqfd_deassign(struct vm_irq *irq, int fd, uint32_t gsi);

/*
 * A guest write of len bytes at addr (a port if pio) signals eventfd fd
 * instead of exiting, e.g. a virtqueue notify. With datamatch, only that
 * value does. KVM_IOEVENTFD has no irqchip dependency; it lives here
 * beside irqfd because devices use the two as a pair.
 */
int __must_check irq_ioeventfd_assign(struct vm_irq *irq, int fd,
				      uint64_t addr, uint32_t len, bool pio,
				      const uint64_t *datamatch);
int irq_ioeventfd_deassign(struct vm_irq *irq, int fd, uint64_t addr,
			   uint32_t len, bool pio, const uint64_t *datamatch);

#endif
