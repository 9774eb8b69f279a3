// SPDX-License-Identifier: GPL-2.0-only
/*
 * Port 0x80, the POST-code port. Linux writes to it as an I/O delay
 * (io_delay=0x80, the default unless KVM's NOP_IO_DELAY is seen), often
 * enough that it deserves a device rather than the unknown-port path.
 */
#include <string.h>

#include "devices/x86/legacy.h"

static int post_access(void *opaque, uint64_t offset, uint8_t *data,
		       uint32_t size, bool is_write)
{
	(void)opaque;
	(void)offset;
	if (!is_write)
		memset(data, 0xff, size);
	return 0;
}

int post_register(struct bus *pio)
{
	struct bus_device dev = {
		.name = "post",
		.base = POST_PORT,
		.len = 1,
		.access = post_access,
	};

	return bus_register(pio, &dev);
}
