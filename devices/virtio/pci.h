/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The modern virtio-pci transport (virtio 1.2 section 4.1), no legacy
 * interface: a PCI function 0x1040 + device ID whose one 32-bit memory BAR
 * holds the common configuration, ISR status, device configuration and
 * notification structures named by vendor capabilities, plus the MSI-X
 * table and PBA.
 *
 * Notifications: a queue's notify address (its own 4 bytes) is a KVM
 * ioeventfd on the queue's kick eventfd, which the main loop serves; a
 * write KVM does not match (another width) reaches the BAR handler, which
 * signals the same eventfd. Interrupts: each MSI-X vector has a GSI route
 * and an irqfd, the route updated when the guest unmasks a vector it
 * reprogrammed; without MSI-X, INTx through the ISR register.
 *
 * The BAR goes where the guest puts it: the PCI host decodes it at its
 * current address (devices/pci.h), and the queues' ioeventfds follow it
 * (OVMF assigns BARs of its own, and Linux may move them again into the
 * window the ACPI tables name): they sit at the notify addresses while
 * memory decoding is on, and nowhere while it is off.
 */
#ifndef CVMM_VIRTIO_PCI_H
#define CVMM_VIRTIO_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/pci.h"
#include "devices/virtio/virtio.h"
#include "lib/event-loop.h"

struct guest_memory;

/*
 * The interrupt and notification services of the VM, as calls so that the
 * transport runs without KVM in tests; vmm/x86/pc-virtio.c backs them with
 * vmm/irq.h. All return 0 or -errno.
 */
struct virtio_pci_irq_ops {
	/*
	 * A GSI for an MSI route, not delivering anything useful yet. devid
	 * is the device's requester ID (bus << 8 | devfn), which an MSI
	 * carries beside its address and data: an Arm GICv3 ITS translates
	 * by it, an x86 APIC ignores it. A route keeps its devid.
	 */
	int (*msi_route_add)(void *ctx, uint32_t devid, uint32_t *ret_gsi);
	int (*msi_route_update)(void *ctx, uint32_t gsi, uint64_t addr,
				uint32_t data);
	int (*irqfd_assign)(void *ctx, int fd, uint32_t gsi);
	/* A 2-byte write at gpa signals fd; and no more. */
	int (*ioeventfd_assign)(void *ctx, int fd, uint64_t gpa);
	int (*ioeventfd_deassign)(void *ctx, int fd, uint64_t gpa);
	int (*signal_msi)(void *ctx, uint32_t devid, uint64_t addr,
			  uint32_t data);
	int (*set_intx)(void *ctx, uint32_t gsi, bool level);
};

/* Where a device is plugged in. */
struct virtio_pci_platform {
	struct pci_host *pci;
	struct event_loop *loop;
	const struct virtio_pci_irq_ops *irq;
	void *irq_ctx;
	/* GSI of INTA# for a device in slot s: intx_base + (s % 4). */
	uint32_t intx_base;
};

/* One MSI-X table entry (PCI 3.0 section 6.8.2.8) and its wiring. */
struct virtio_msix_vector {
	uint32_t addr_lo, addr_hi, data, ctrl;
	uint32_t gsi;
	int irqfd;
	/* The route does not hold the current address and data yet. */
	bool dirty;
	bool pending;
};

#define VIRTIO_PCI_MAX_VECTORS (VIRTIO_MAX_QUEUES + 1)
#define VP_NO_IOEVENTFDS UINT64_MAX

struct virtio_pci {
	struct pci_device pci;
	struct virtio_device *vdev;
	const struct virtio_pci_platform *plat;
	unsigned int slot;
	/* Where pci_alloc_mmio() put the BAR first. */
	uint64_t bar_gpa;
	/* The BAR address of the queues' ioeventfds, or VP_NO_IOEVENTFDS. */
	uint64_t ioeventfd_bar;

	/* Mirrors of config space, updated by the config_write hook. */
	bool intx_disabled;
	bool msix_enabled;
	bool msix_masked;

	/* Common configuration registers (section 4.1.4.3). */
	uint32_t device_feature_select;
	uint32_t driver_feature_select;
	uint16_t queue_select;
	uint16_t config_vector;
	uint16_t queue_vector[VIRTIO_MAX_QUEUES];
	uint8_t isr;
	bool intx_level;

	unsigned int nr_vectors;
	struct virtio_msix_vector msix[VIRTIO_PCI_MAX_VECTORS];
};

/* A transport for vdev, which it owns from now on; NULL without memory. */
struct virtio_pci *virtio_pci_alloc(struct virtio_device *vdev);

/*
 * Put the device on the PCI bus: config space, BAR, MSI-X routes and
 * irqfds, kick handlers on the loop; before the vCPUs start. The
 * ioeventfds come when the guest turns memory decoding on.
 * Whatever happens, the caller frees vp with virtio_pci_free() once no
 * vCPU runs (the bus and the host bridge keep pointers to it).
 */
int __must_check virtio_pci_plug(struct virtio_pci *vp,
				 const struct virtio_pci_platform *plat);

/* Free the transport and its device; accepts NULL, returns NULL. */
struct virtio_pci *virtio_pci_free(struct virtio_pci *vp);

#endif
