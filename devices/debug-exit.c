// SPDX-License-Identifier: GPL-2.0-only
#include <string.h>

#include "devices/debug-exit.h"
#include "guest/bootinfo.h"

static int exit_access(void *opaque, uint64_t offset, uint8_t *data,
		       uint32_t size, bool is_write)
{
	struct debug_exit *dx = opaque;
	uint32_t status = 0;

	(void)offset;
	if (!is_write) {
		memset(data, 0xff, size);
		return BUS_DONE;
	}
	memcpy(&status, data, MIN(size, sizeof(status)));
	dx->on_exit(dx->ctx, status);
	return BUS_STOP_VCPU;
}

static int park_access(void *opaque, uint64_t offset, uint8_t *data,
		       uint32_t size, bool is_write)
{
	(void)opaque;
	(void)offset;
	if (!is_write) {
		memset(data, 0xff, size);
		return BUS_DONE;
	}
	return BUS_STOP_VCPU;
}

int debug_exit_register(struct debug_exit *dx, struct bus *pio)
{
	const struct bus_device exit_dev = {
		.name = "debug-exit",
		.base = GUEST_PORT_EXIT,
		.len = 4,
		.access = exit_access,
		.opaque = dx,
	};
	const struct bus_device park_dev = {
		.name = "debug-park",
		.base = GUEST_PORT_PARK,
		.len = 4,
		.access = park_access,
		.opaque = dx,
	};
	int r = bus_register(pio, &exit_dev);

	return r < 0 ? r : bus_register(pio, &park_dev);
}
