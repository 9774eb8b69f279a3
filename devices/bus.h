/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Port-I/O and MMIO buses: devices registered by address range, looked up
 * by binary search. Registration happens before the vCPUs start, so
 * lookups need no lock; devices lock their own state.
 */
#ifndef CVMM_BUS_H
#define CVMM_BUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/util.h"

/* What a device access asks of the vCPU that made it, beyond success. */
enum bus_result {
	BUS_DONE = 0,
	/* The vCPU has nothing more to do (test guest's park port). */
	BUS_STOP_VCPU = 1,
};

struct bus_device {
	const char *name;
	uint64_t base;
	uint64_t len;
	/*
	 * offset is relative to base; data holds size bytes (1, 2, 4 or 8).
	 * Returns an enum bus_result or -errno.
	 */
	int (*access)(void *opaque, uint64_t offset, uint8_t *data,
		      uint32_t size, bool is_write);
	void *opaque;
};

struct bus {
	const char *name;
	struct bus_device *devices;
	size_t nr_devices;
	/*
	 * Where an access no device covers goes, if set (a PCI host decoding
	 * the BARs wherever the guest put them): the absolute address, then
	 * as bus_device.access; -ENODEV if nothing answers there either.
	 * Set before the vCPUs start, like the devices.
	 */
	int (*unclaimed)(void *opaque, uint64_t addr, uint8_t *data,
			 uint32_t size, bool is_write);
	void *unclaimed_opaque;
};

/* -EEXIST if dev overlaps a registered device, -EINVAL for bad ranges. */
int __must_check bus_register(struct bus *bus, const struct bus_device *dev);
void bus_free(struct bus *bus);

const struct bus_device *bus_find(const struct bus *bus, uint64_t addr,
				  uint32_t size);

/* -ENODEV when no device covers [addr, addr + size). */
int bus_access(const struct bus *bus, uint64_t addr, uint8_t *data,
	       uint32_t size, bool is_write);

#endif
