// SPDX-License-Identifier: GPL-2.0-only
#include <stdlib.h>
#include <string.h>

#include "devices/bus.h"

int bus_register(struct bus *bus, const struct bus_device *dev)
{
	struct bus_device *devs;
	uint64_t end;
	size_t i;

	if (!dev->len || !add_ok(dev->base, dev->len, &end) || !dev->access)
		return -EINVAL;
	for (i = 0; i < bus->nr_devices; i++) {
		const struct bus_device *d = &bus->devices[i];

		if (ranges_overlap(d->base, d->len, dev->base, dev->len))
			return -EEXIST;
		if (d->base > dev->base)
			break;
	}
	devs = realloc(bus->devices, (bus->nr_devices + 1) * sizeof(*devs));
	if (!devs)
		return -ENOMEM;
	memmove(&devs[i + 1], &devs[i], (bus->nr_devices - i) * sizeof(*devs));
	devs[i] = *dev;
	bus->devices = devs;
	bus->nr_devices++;
	return 0;
}

void bus_free(struct bus *bus)
{
	free(bus->devices);
	bus->devices = NULL;
	bus->nr_devices = 0;
	bus->unclaimed = NULL;
}

const struct bus_device *bus_find(const struct bus *bus, uint64_t addr,
				  uint32_t size)
{
	size_t lo = 0, hi = bus->nr_devices;
	uint64_t end;

	if (!add_ok(addr, size, &end))
		return NULL;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct bus_device *d = &bus->devices[mid];

		if (addr < d->base)
			hi = mid;
		else if (addr >= d->base + d->len)
			lo = mid + 1;
		else
			return end <= d->base + d->len ? d : NULL;
	}
	return NULL;
}

int bus_access(const struct bus *bus, uint64_t addr, uint8_t *data,
	       uint32_t size, bool is_write)
{
	const struct bus_device *d = bus_find(bus, addr, size);

	if (!d && bus->unclaimed)
		return bus->unclaimed(bus->unclaimed_opaque, addr, data, size,
				      is_write);
	if (!d)
		return -ENODEV;
	return d->access(d->opaque, addr - d->base, data, size, is_write);
}
