/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A PCI host bridge with one bus: configuration space through ports
 * 0xcf8/0xcfc (mechanism #1, what Linux uses for the first 256 bytes) and
 * ECAM (the whole 4 KiB, named by the MCFG table), the host bridge itself
 * at 00.0, and room for 31 more devices.
 *
 * A device fills in its config space and write mask and registers before
 * the vCPUs start. The core applies guest writes through the mask, which
 * is all BAR sizing needs (the size bits are read-only 0s), then calls
 * the device's config_write hook so it can follow BAR moves, command
 * register changes or capability writes (MSI-X enable, ...).
 *
 * Memory BARs are decoded by the host, wherever the guest (firmware, then
 * maybe the OS) placed them: an MMIO access that no bus device claims
 * reaches the device's bar_access hook if the device has memory decoding
 * on and one of its BARs covers the access. pci_alloc_mmio() only gives
 * the BARs their first place.
 */
#ifndef CVMM_PCI_H
#define CVMM_PCI_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "devices/bus.h"
#include "lib/util.h"

#define PCI_CFG_SIZE 4096
#define PCI_MAX_DEVICES 32
#define PCI_NR_BARS 6

/* Mechanism #1 ports. */
#define PCI_CONFIG_ADDRESS 0xcf8
#define PCI_CONFIG_DATA 0xcfc

/*
 * Guest-physical layout in the 3-4 GiB hole: a 32-bit MMIO window for
 * BARs, then ECAM for bus 0. The 64-bit window starts above RAM.
 */
#define PCI_MMIO32_BASE 0xc0000000ull
#define PCI_MMIO32_SIZE 0x20000000ull
#define PCI_ECAM_BASE 0xe0000000ull
#define PCI_ECAM_SIZE 0x100000ull /* one bus */
#define PCI_MMIO64_SIZE (1ull << 36)
/* I/O window for BARs, clear of the legacy ports. */
#define PCI_IO_BASE 0x1000
#define PCI_IO_SIZE 0xf000

/* Config space offsets (PCI Local Bus 3.0 section 6.1). */
#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define PCI_COMMAND 0x04
#define PCI_STATUS 0x06
#define PCI_REVISION_ID 0x08
#define PCI_CLASS_PROG 0x09
#define PCI_HEADER_TYPE 0x0e
#define PCI_BAR0 0x10
#define PCI_SUBSYSTEM_VENDOR_ID 0x2c
#define PCI_SUBSYSTEM_ID 0x2e
#define PCI_CAPABILITY_LIST 0x34
#define PCI_INTERRUPT_LINE 0x3c
#define PCI_INTERRUPT_PIN 0x3d

#define PCI_COMMAND_IO 0x1
#define PCI_COMMAND_MEMORY 0x2
#define PCI_COMMAND_MASTER 0x4
#define PCI_COMMAND_INTX_DISABLE 0x400
#define PCI_STATUS_CAP_LIST 0x10

#define PCI_BAR_IO 0x1
#define PCI_BAR_MEM64 0x4
#define PCI_BAR_PREFETCH 0x8

struct pci_device {
	const char *name;
	uint8_t cfg[PCI_CFG_SIZE];
	/* Bits of cfg the guest may change. */
	uint8_t wmask[PCI_CFG_SIZE];
	/*
	 * Called after the guest wrote size bytes at reg (already applied to
	 * cfg), with the host's lock held; may be NULL.
	 */
	void (*config_write)(struct pci_device *dev, uint32_t reg,
			     uint32_t size);
	/* Sizes of the memory BARs pci_set_mem_bar() set up; 0: none. */
	uint64_t bar_size[PCI_NR_BARS];
	/*
	 * An access at offset into memory BAR bar, wherever it is now; as
	 * bus_device.access. Called without the host's lock; may be NULL.
	 */
	int (*bar_access)(struct pci_device *dev, unsigned int bar,
			  uint64_t offset, uint8_t *data, uint32_t size,
			  bool is_write);
	void *opaque;
};

/*
 * Where a host bridge's ECAM and its BAR windows sit in guest-physical
 * space; a window of size 0 does not exist.
 */
struct pci_host_layout {
	uint64_t ecam_gpa;
	uint64_t mmio32_base, mmio32_size;
	uint64_t mmio64_base, mmio64_size;
};

struct pci_host {
	/* Serialises config cycles: the address latch is shared by all. */
	pthread_mutex_t lock;
	uint32_t config_address;
	struct pci_device bridge;
	struct pci_device *devices[PCI_MAX_DEVICES];
	uint64_t mmio32_next, mmio32_end;
	uint64_t mmio64_base, mmio64_next, mmio64_end;
	/*
	 * A byte at 0xcf9 is the chipset's reset register on a PC (Q35),
	 * not the config address: forwarded here when set, with the host's
	 * lock not held.
	 */
	int (*cf9_access)(void *opaque, uint64_t offset, uint8_t *data,
			  uint32_t size, bool is_write);
	void *cf9_opaque;
};

/*
 * The PC's host bridge: register its ports and ECAM (PCI_ECAM_BASE, the
 * windows above); ram_end is the first GPA above RAM, where the 64-bit
 * window starts (1 GiB aligned).
 */
int __must_check pci_host_init(struct pci_host *host, struct bus *pio,
			       struct bus *mmio, uint64_t ram_end);

/* A host bridge reached through ECAM only, laid out as layout says. */
int __must_check pci_host_init_ecam(struct pci_host *host, struct bus *mmio,
				    const struct pci_host_layout *layout);

/* Put dev in a free slot; *ret_slot is its device number on bus 0. */
int __must_check pci_add_device(struct pci_host *host, struct pci_device *dev,
				unsigned int *ret_slot);

/* Put dev at slot (0 replaces the generic host bridge); -EBUSY if taken. */
int __must_check pci_host_set_device(struct pci_host *host, unsigned int slot,
				     struct pci_device *dev);

/*
 * Where memory BAR bar of dev decodes now: its address, or false when
 * memory decoding is off or the BAR is not set up. Host lock held (or no
 * vCPU running).
 */
bool pci_mem_bar_addr(const struct pci_device *dev, unsigned int bar,
		      uint64_t *ret_gpa);

/* Set up a memory BAR of size bytes (a power of two) at gpa. */
void pci_set_mem_bar(struct pci_device *dev, unsigned int bar, uint64_t gpa,
		     uint64_t size, bool is64);

/* Carve a naturally aligned range for a BAR out of a window. */
int __must_check pci_alloc_mmio(struct pci_host *host, uint64_t size,
				bool is64, uint64_t *ret_gpa);

/* 32-bit little-endian helpers over cfg. */
void pci_cfg_write32(uint8_t *cfg, uint32_t reg, uint32_t v);
uint32_t pci_cfg_read32(const uint8_t *cfg, uint32_t reg);

#endif
