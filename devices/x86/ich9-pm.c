// SPDX-License-Identifier: GPL-2.0-only
/*
 * The ICH9 ACPI PM I/O block (model in q35.h): PM1 status/enable/control,
 * the PM timer counting CLOCK_MONOTONIC at 3.579545 MHz, and GPE0 stored.
 * It answers at ICH9_PMBASE once the LPC's ACPI_EN is set with that base;
 * before that, or at any other base, the ports float (all-ones).
 * PM1_CNT with SLP_EN and SLP_TYP 0 powers off, as on QEMU's ICH9; other
 * sleep types are ignored (no suspend). No SCI is ever raised.
 */
#include <string.h>
#include <time.h>

#include "devices/x86/q35.h"

#define NS_PER_SEC 1000000000ull
#define PM1_STS_TMR 0x1

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

uint32_t ich9_pm_timer(const struct ich9_pm *pm, uint64_t now)
{
	uint64_t ns = now - pm->timer_zero_ns;
	uint64_t ticks = ns / NS_PER_SEC * ICH9_PM_TIMER_HZ +
			 ns % NS_PER_SEC * ICH9_PM_TIMER_HZ / NS_PER_SEC;

	return ticks & ICH9_PM_TIMER_MASK;
}

static bool decoding_locked(const struct ich9_lpc *lpc)
{
	uint32_t base = pci_cfg_read32(lpc->pci.cfg, ICH9_PMBASE_REG) & 0xff80;

	return (lpc->pci.cfg[ICH9_ACPI_CNTL_REG] & ICH9_ACPI_EN) &&
	       base == ICH9_PMBASE;
}

static void pm_read_locked(struct ich9_lpc *lpc, uint32_t off, uint8_t *data,
			   uint32_t size)
{
	struct ich9_pm *pm = &lpc->pm;
	uint8_t regs[ICH9_GPE0_STS + ICH9_GPE0_LEN] = { 0 };
	uint32_t tmr = ich9_pm_timer(pm, now_ns());

	memcpy(regs + ICH9_PM1_STS, &pm->pm1_sts, 2);
	memcpy(regs + ICH9_PM1_EN, &pm->pm1_en, 2);
	memcpy(regs + ICH9_PM1_CNT, &pm->pm1_cnt, 4);
	memcpy(regs + ICH9_PM1_TMR, &tmr, 4);
	memcpy(regs + ICH9_GPE0_STS, pm->gpe0, ICH9_GPE0_LEN);
	for (uint32_t i = 0; i < size; i++)
		data[i] = off + i < sizeof(regs) ? regs[off + i] : 0;
}

/* Returns true when the write put the machine to sleep (powered off). */
static bool pm_write_locked(struct ich9_lpc *lpc, uint32_t off,
			    const uint8_t *data, uint32_t size)
{
	struct ich9_pm *pm = &lpc->pm;
	uint32_t v = 0;

	memcpy(&v, data, size);
	if (off == ICH9_PM1_STS && size <= 2) {
		pm->pm1_sts &= ~v; /* write-1-to-clear */
	} else if (off == ICH9_PM1_EN && size <= 2) {
		pm->pm1_en = v;
	} else if (off == ICH9_PM1_CNT && size <= 4) {
		pm->pm1_cnt = (v & ~ICH9_PM1_CNT_SLP_EN) | ICH9_PM1_CNT_SCI_EN;
		return (v & ICH9_PM1_CNT_SLP_EN) &&
		       ((v >> ICH9_SLP_TYP_SHIFT) & ICH9_SLP_TYP_MASK) ==
			       ICH9_SLP_TYP_S5;
	} else if (off >= ICH9_GPE0_STS &&
		   off + size <= ICH9_GPE0_STS + ICH9_GPE0_LEN) {
		memcpy(pm->gpe0 + off - ICH9_GPE0_STS, data, size);
	}
	return false;
}

int ich9_pm_access(void *opaque, uint64_t offset, uint8_t *data,
		   uint32_t size, bool is_write)
{
	struct ich9_lpc *lpc = opaque;
	bool off = false;

	pthread_mutex_lock(&lpc->lock);
	if (!decoding_locked(lpc)) {
		if (!is_write)
			memset(data, 0xff, size);
	} else if (is_write) {
		off = pm_write_locked(lpc, offset, data, size);
	} else {
		pm_read_locked(lpc, offset, data, size);
	}
	pthread_mutex_unlock(&lpc->lock);
	if (!off)
		return BUS_DONE;
	lpc->ops.poweroff(lpc->ops.ctx);
	return BUS_STOP_VCPU;
}

int ich9_pm_register(struct ich9_lpc *lpc, struct bus *pio)
{
	const struct bus_device dev = {
		.name = "ich9-pm",
		.base = ICH9_PMBASE,
		.len = ICH9_PM_LEN,
		.access = ich9_pm_access,
		.opaque = lpc,
	};

	lpc->pm.timer_zero_ns = now_ns();
	return bus_register(pio, &dev);
}
