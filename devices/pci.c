// SPDX-License-Identifier: GPL-2.0-only
/*
 * PCI host bridge, bus 0 only: config mechanism #1, ECAM, and the host
 * bridge's own header at 00.0. Absent functions read as all-ones, the
 * PCI way of saying "nobody here".
 */
#include <string.h>

#include "devices/pci.h"

/* Red Hat's ID for a generic PCIe host bridge (QEMU's gpex uses it). */
#define BRIDGE_VENDOR 0x1b36
#define BRIDGE_DEVICE 0x0008
#define CLASS_HOST_BRIDGE 0x060000

#define CONFIG_ENABLE 0x80000000u
#define ECAM_FN_SHIFT 12
#define WINDOW_64_ALIGN (1ull << 30)
/* Port 0xcf9 inside the conf1 ports. */
#define RESET_CF9_OFFSET 1

void pci_cfg_write32(uint8_t *cfg, uint32_t reg, uint32_t v)
{
	memcpy(cfg + reg, &v, sizeof(v));
}

uint32_t pci_cfg_read32(const uint8_t *cfg, uint32_t reg)
{
	uint32_t v;

	memcpy(&v, cfg + reg, sizeof(v));
	return v;
}

/* The device at devfn of bus 0; functions other than 0 do not exist. */
static struct pci_device *find_locked(struct pci_host *host, uint32_t devfn)
{
	if (devfn & 7)
		return NULL;
	return host->devices[devfn >> 3];
}

static void config_access_locked(struct pci_host *host, uint32_t devfn,
				 uint32_t reg, uint8_t *data, uint32_t size,
				 bool is_write)
{
	struct pci_device *dev = find_locked(host, devfn);

	/* Accesses must not cross their natural alignment. */
	if (!dev || reg + size > PCI_CFG_SIZE || (reg & (size - 1))) {
		if (!is_write)
			memset(data, 0xff, size);
		return;
	}
	if (!is_write) {
		memcpy(data, dev->cfg + reg, size);
		return;
	}
	for (uint32_t i = 0; i < size; i++) {
		uint8_t m = dev->wmask[reg + i];

		dev->cfg[reg + i] = (dev->cfg[reg + i] & ~m) | (data[i] & m);
	}
	if (dev->config_write)
		dev->config_write(dev, reg, size);
}

static int conf1_access(void *opaque, uint64_t offset, uint8_t *data,
			uint32_t size, bool is_write)
{
	struct pci_host *host = opaque;
	uint32_t addr;

	if (offset == RESET_CF9_OFFSET && size == 1 && host->cf9_access)
		return host->cf9_access(host->cf9_opaque, 0, data, size,
					is_write);
	pthread_mutex_lock(&host->lock);
	addr = host->config_address;
	if (offset < PCI_CONFIG_DATA - PCI_CONFIG_ADDRESS) {
		/* Only a whole dword at 0xcf8 is the address latch. */
		if (offset == 0 && size == 4 && is_write)
			memcpy(&host->config_address, data, 4);
		else if (offset == 0 && size == 4)
			memcpy(data, &host->config_address, 4);
		else if (!is_write)
			memset(data, 0xff, size);
	} else if (!(addr & CONFIG_ENABLE) || ((addr >> 16) & 0xff)) {
		if (!is_write)
			memset(data, 0xff, size);
	} else {
		uint32_t reg = (addr & 0xfc) | (offset & 3);

		config_access_locked(host, (addr >> 8) & 0xff, reg, data, size,
				     is_write);
	}
	pthread_mutex_unlock(&host->lock);
	return 0;
}

static int ecam_access(void *opaque, uint64_t offset, uint8_t *data,
		       uint32_t size, bool is_write)
{
	struct pci_host *host = opaque;

	pthread_mutex_lock(&host->lock);
	config_access_locked(host, offset >> ECAM_FN_SHIFT,
			     offset & (PCI_CFG_SIZE - 1), data, size, is_write);
	pthread_mutex_unlock(&host->lock);
	return 0;
}

bool pci_mem_bar_addr(const struct pci_device *dev, unsigned int bar,
		      uint64_t *ret_gpa)
{
	uint32_t reg = PCI_BAR0 + 4 * bar;
	uint32_t lo;
	uint64_t gpa;

	if (bar >= PCI_NR_BARS || !dev->bar_size[bar] ||
	    !(dev->cfg[PCI_COMMAND] & PCI_COMMAND_MEMORY))
		return false;
	lo = pci_cfg_read32(dev->cfg, reg);
	gpa = lo & ~0xfull;
	if ((lo & PCI_BAR_MEM64) && bar + 1 < PCI_NR_BARS)
		gpa |= (uint64_t)pci_cfg_read32(dev->cfg, reg + 4) << 32;
	*ret_gpa = gpa;
	return true;
}

/* The memory BAR that covers [addr, addr + size), if any decodes it. */
static struct pci_device *find_bar_locked(struct pci_host *host,
					  uint64_t addr, uint32_t size,
					  unsigned int *ret_bar,
					  uint64_t *ret_offset)
{
	for (unsigned int slot = 0; slot < PCI_MAX_DEVICES; slot++) {
		struct pci_device *dev = host->devices[slot];

		if (!dev || !dev->bar_access)
			continue;
		for (unsigned int bar = 0; bar < PCI_NR_BARS; bar++) {
			uint64_t gpa;

			if (!pci_mem_bar_addr(dev, bar, &gpa) || addr < gpa ||
			    addr - gpa >= dev->bar_size[bar] ||
			    addr - gpa + size > dev->bar_size[bar])
				continue;
			*ret_bar = bar;
			*ret_offset = addr - gpa;
			return dev;
		}
	}
	return NULL;
}

/* The bus's unclaimed hook: the BARs wherever the guest placed them. */
static int bar_decode(void *opaque, uint64_t addr, uint8_t *data,
		      uint32_t size, bool is_write)
{
	struct pci_host *host = opaque;
	struct pci_device *dev;
	unsigned int bar = 0;
	uint64_t offset = 0;

	pthread_mutex_lock(&host->lock);
	dev = find_bar_locked(host, addr, size, &bar, &offset);
	pthread_mutex_unlock(&host->lock);
	if (!dev)
		return -ENODEV;
	return dev->bar_access(dev, bar, offset, data, size, is_write);
}

static void init_bridge(struct pci_device *b)
{
	*b = (struct pci_device){ .name = "host-bridge" };
	pci_cfg_write32(b->cfg, PCI_VENDOR_ID,
			BRIDGE_VENDOR | (BRIDGE_DEVICE << 16));
	pci_cfg_write32(b->cfg, PCI_REVISION_ID, CLASS_HOST_BRIDGE << 8);
	b->wmask[PCI_COMMAND] = PCI_COMMAND_IO | PCI_COMMAND_MEMORY |
				PCI_COMMAND_MASTER;
	b->wmask[PCI_INTERRUPT_LINE] = 0xff;
}

int pci_host_init_ecam(struct pci_host *host, struct bus *mmio,
		       const struct pci_host_layout *layout)
{
	const struct bus_device ecam = {
		.name = "pci-ecam",
		.base = layout->ecam_gpa,
		.len = PCI_ECAM_SIZE,
		.access = ecam_access,
		.opaque = host,
	};

	*host = (struct pci_host){
		.mmio32_next = layout->mmio32_base,
		.mmio32_end = layout->mmio32_base + layout->mmio32_size,
		.mmio64_base = layout->mmio64_base,
		.mmio64_next = layout->mmio64_base,
		.mmio64_end = layout->mmio64_base + layout->mmio64_size,
	};
	pthread_mutex_init(&host->lock, NULL);
	init_bridge(&host->bridge);
	host->devices[0] = &host->bridge;
	mmio->unclaimed = bar_decode;
	mmio->unclaimed_opaque = host;
	return bus_register(mmio, &ecam);
}

int pci_host_init(struct pci_host *host, struct bus *pio, struct bus *mmio,
		  uint64_t ram_end)
{
	const struct pci_host_layout layout = {
		.ecam_gpa = PCI_ECAM_BASE,
		.mmio32_base = PCI_MMIO32_BASE,
		.mmio32_size = PCI_MMIO32_SIZE,
		.mmio64_base = ALIGN_UP(ram_end, WINDOW_64_ALIGN),
		.mmio64_size = PCI_MMIO64_SIZE,
	};
	const struct bus_device conf1 = {
		.name = "pci-conf1",
		.base = PCI_CONFIG_ADDRESS,
		.len = 8,
		.access = conf1_access,
		.opaque = host,
	};
	int r;

	r = pci_host_init_ecam(host, mmio, &layout);
	if (r < 0)
		return r;
	return bus_register(pio, &conf1);
}

int pci_add_device(struct pci_host *host, struct pci_device *dev,
		   unsigned int *ret_slot)
{
	for (unsigned int slot = 1; slot < PCI_MAX_DEVICES; slot++) {
		if (host->devices[slot])
			continue;
		host->devices[slot] = dev;
		*ret_slot = slot;
		return 0;
	}
	return -ENOSPC;
}

int pci_host_set_device(struct pci_host *host, unsigned int slot,
			struct pci_device *dev)
{
	if (slot >= PCI_MAX_DEVICES)
		return -EINVAL;
	if (slot && host->devices[slot])
		return -EBUSY;
	host->devices[slot] = dev;
	return 0;
}

void pci_set_mem_bar(struct pci_device *dev, unsigned int bar, uint64_t gpa,
		     uint64_t size, bool is64)
{
	uint32_t reg = PCI_BAR0 + 4 * bar;
	uint64_t mask = ~(size - 1);
	uint32_t flags = is64 ? PCI_BAR_MEM64 : 0;

	dev->bar_size[bar] = size;
	pci_cfg_write32(dev->cfg, reg, (uint32_t)gpa | flags);
	pci_cfg_write32(dev->wmask, reg, (uint32_t)mask & ~0xfu);
	if (!is64)
		return;
	pci_cfg_write32(dev->cfg, reg + 4, gpa >> 32);
	pci_cfg_write32(dev->wmask, reg + 4, mask >> 32);
}

int pci_alloc_mmio(struct pci_host *host, uint64_t size, bool is64,
		   uint64_t *ret_gpa)
{
	uint64_t *next = is64 ? &host->mmio64_next : &host->mmio32_next;
	uint64_t end = is64 ? host->mmio64_end : host->mmio32_end;
	uint64_t gpa;

	if (!size || (size & (size - 1)))
		return -EINVAL;
	gpa = ALIGN_UP(*next, size);
	if (gpa < *next || gpa + size > end)
		return -ENOSPC;
	*next = gpa + size;
	*ret_gpa = gpa;
	return 0;
}
