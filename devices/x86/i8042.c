// SPDX-License-Identifier: GPL-2.0-only
/*
 * The i8042 keyboard controller as far as a reboot needs it: the status
 * register reads "both buffers empty", and command 0xfe (pulse the reset
 * line) asks the platform for a reset. The FADT says there is no 8042, so
 * Linux's i8042 driver leaves these ports alone; its reboot code falls
 * back to them when the ACPI reset register did not work.
 */
#include <string.h>

#include "devices/x86/legacy.h"

#define CMD_PULSE_RESET 0xfe

static int i8042_access(void *opaque, uint64_t offset, uint8_t *data,
			uint32_t size, bool is_write)
{
	struct i8042 *kbd = opaque;
	uint64_t port = I8042_DATA_PORT + offset;

	if (!is_write) {
		/* No data, nothing pending: status and data read 0. */
		memset(data, 0, size);
		return 0;
	}
	if (port == I8042_CMD_PORT && size == 1 && data[0] == CMD_PULSE_RESET) {
		kbd->ops.reset(kbd->ops.ctx);
		return BUS_STOP_VCPU;
	}
	return 0;
}

int i8042_register(struct i8042 *kbd, struct bus *pio)
{
	struct bus_device dev = {
		.name = "i8042",
		.base = I8042_DATA_PORT,
		.len = I8042_CMD_PORT - I8042_DATA_PORT + 1,
		.access = i8042_access,
		.opaque = kbd,
	};

	return bus_register(pio, &dev);
}
