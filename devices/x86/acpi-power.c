// SPDX-License-Identifier: GPL-2.0-only
/*
 * The ACPI power registers of a hardware-reduced platform (ACPI 6.5
 * sections 4.8.3.6 and 4.8.3.7), at the ports the FADT gives:
 * - sleep control: SLP_TYP in bits 4:2, SLP_EN in bit 5. Entering S5
 *   (the type of \_S5 in our DSDT) powers off; other states are refused
 *   by ignoring them, which the guest sees as a failed suspend.
 * - sleep status: WAK_STS in bit 7; we never sleep, so it reads 0.
 * - reset: writing the FADT's RESET_VALUE resets the platform.
 */
#include <string.h>

#include "devices/x86/legacy.h"

#define SLP_TYP_SHIFT 2
#define SLP_TYP_MASK 0x1c
#define SLP_EN 0x20

static int power_access(void *opaque, uint64_t offset, uint8_t *data,
			uint32_t size, bool is_write)
{
	struct acpi_power *pm = opaque;
	uint64_t port = ACPI_POWER_PORT + offset;
	uint8_t v = data[0];

	if (!is_write) {
		memset(data, 0, size);
		return 0;
	}
	if (size != 1)
		return 0;
	if (port == ACPI_SLEEP_CTL_PORT && (v & SLP_EN) &&
	    (v & SLP_TYP_MASK) >> SLP_TYP_SHIFT == ACPI_S5_SLP_TYP) {
		pm->ops.poweroff(pm->ops.ctx);
		return BUS_STOP_VCPU;
	}
	if (port == ACPI_RESET_PORT && v == ACPI_RESET_VALUE) {
		pm->ops.reset(pm->ops.ctx);
		return BUS_STOP_VCPU;
	}
	return 0;
}

int acpi_power_register(struct acpi_power *pm, struct bus *pio)
{
	struct bus_device dev = {
		.name = "acpi-power",
		.base = ACPI_POWER_PORT,
		.len = ACPI_POWER_LEN,
		.access = power_access,
		.opaque = pm,
	};

	return bus_register(pio, &dev);
}
