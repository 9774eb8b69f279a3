/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The few PC ports a Linux guest touches that KVM does not emulate (it has
 * the PIC, PIT and speaker port): POST code, CMOS RTC, the i8042's reset
 * line and the ACPI power registers. One device per file.
 */
#ifndef CVMM_LEGACY_H
#define CVMM_LEGACY_H

#include <pthread.h>
#include <stdint.h>

#include "devices/bus.h"
#include "lib/util.h"

/* What the guest asked the platform for; the VMM decides what it means. */
struct power_ops {
	void (*poweroff)(void *ctx);
	void (*reset)(void *ctx);
	void *ctx;
};

/* Port 0x80: POST codes and Linux's I/O delay; writes are dropped. */
#define POST_PORT 0x80
int __must_check post_register(struct bus *pio);

/* CMOS RAM and the MC146818 real-time clock (UTC), ports 0x70-0x71. */
#define CMOS_PORT 0x70
#define CMOS_IRQ 8
#define CMOS_SIZE 128

struct cmos {
	pthread_mutex_t lock;
	uint8_t index;
	uint8_t ram[CMOS_SIZE];
};

int __must_check cmos_register(struct cmos *cmos, struct bus *pio);

/*
 * The i8042 keyboard controller, only as far as its reset line: command
 * 0xfe on port 0x64 is the classic way to reboot a PC. No keyboard.
 */
#define I8042_DATA_PORT 0x60
#define I8042_CMD_PORT 0x64

struct i8042 {
	struct power_ops ops;
};

int __must_check i8042_register(struct i8042 *kbd, struct bus *pio);

/*
 * ACPI hardware-reduced power registers (ACPI 6.5 section 4.8.3.7 sleep
 * control/status, 4.8.3.6 reset), one byte each, named by the FADT.
 */
/* Just above the ICH9 PM block a firmware boot puts at 0x600. */
#define ACPI_POWER_PORT 0x680
#define ACPI_SLEEP_CTL_PORT (ACPI_POWER_PORT + 0)
#define ACPI_SLEEP_STS_PORT (ACPI_POWER_PORT + 1)
#define ACPI_RESET_PORT (ACPI_POWER_PORT + 2)
#define ACPI_POWER_LEN 4
/* The value the FADT tells the guest to write to the reset register. */
#define ACPI_RESET_VALUE 0x42
/* SLP_TYP of \_S5 in our DSDT: poweroff. */
#define ACPI_S5_SLP_TYP 5

struct acpi_power {
	struct power_ops ops;
};

int __must_check acpi_power_register(struct acpi_power *pm, struct bus *pio);

#endif
