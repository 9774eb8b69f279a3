// SPDX-License-Identifier: GPL-2.0-only
/*
 * CMOS RAM with an MC146818 real-time clock that reads the host's UTC
 * clock. The guest's writes to the time registers are ignored (the host
 * keeps the time); the other bytes are plain RAM. No alarm or periodic
 * interrupts: Linux reads the time through the registers alone.
 */
#include <string.h>
#include <time.h>

#include "devices/x86/legacy.h"

enum {
	RTC_SECONDS = 0x00,
	RTC_MINUTES = 0x02,
	RTC_HOURS = 0x04,
	RTC_DAY_OF_WEEK = 0x06,
	RTC_DAY_OF_MONTH = 0x07,
	RTC_MONTH = 0x08,
	RTC_YEAR = 0x09,
	RTC_REG_A = 0x0a,
	RTC_REG_B = 0x0b,
	RTC_REG_C = 0x0c,
	RTC_REG_D = 0x0d,
	/* The FADT's CENTURY field names this register. */
	RTC_CENTURY = 0x32,
};

#define REG_A_UIP 0x80
/* 32.768 kHz time base, 1024 Hz periodic rate: the power-on value. */
#define REG_A_DEFAULT 0x26
#define REG_B_24H 0x02
#define REG_B_BINARY 0x04
#define REG_D_VRT 0x80
#define HOURS_PM 0x80
#define INDEX_MASK 0x7f

static uint8_t to_bcd(unsigned int v)
{
	return ((v / 10) << 4) | (v % 10);
}

static uint8_t rtc_value(const struct cmos *cmos, unsigned int v)
{
	return cmos->ram[RTC_REG_B] & REG_B_BINARY ? v : to_bcd(v);
}

static uint8_t rtc_hours(const struct cmos *cmos, unsigned int h)
{
	unsigned int h12;

	if (cmos->ram[RTC_REG_B] & REG_B_24H)
		return rtc_value(cmos, h);
	h12 = h % 12 ? h % 12 : 12;
	return rtc_value(cmos, h12) | (h >= 12 ? HOURS_PM : 0);
}

struct rtc_time {
	unsigned int sec, min, hour, wday, mday, mon, year;
};

/*
 * UTC from the epoch by arithmetic (days to civil date, H. Hinnant's
 * algorithm): gmtime_r() may open the time zone files on first use, which
 * a vCPU thread must not do.
 */
static void rtc_now(struct rtc_time *t)
{
	struct timespec ts;
	int64_t days, z, era, doe, yoe, doy, mp;

	clock_gettime(CLOCK_REALTIME, &ts);
	days = ts.tv_sec / 86400;
	t->sec = ts.tv_sec % 60;
	t->min = ts.tv_sec / 60 % 60;
	t->hour = ts.tv_sec / 3600 % 24;
	t->wday = (days + 4) % 7; /* 1 January 1970 was a Thursday */
	z = days + 719468;
	era = z / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	t->mday = doy - (153 * mp + 2) / 5 + 1;
	t->mon = mp < 10 ? mp + 3 : mp - 9;
	t->year = yoe + era * 400 + (t->mon <= 2);
}

static bool is_clock_reg(uint8_t reg)
{
	return reg <= RTC_YEAR || reg == RTC_CENTURY;
}

/* A clock register, computed at each read; the alarms read 0. */
static uint8_t read_clock(const struct cmos *cmos, uint8_t reg)
{
	struct rtc_time t;

	rtc_now(&t);
	switch (reg) {
	case RTC_SECONDS:
		return rtc_value(cmos, t.sec);
	case RTC_MINUTES:
		return rtc_value(cmos, t.min);
	case RTC_HOURS:
		return rtc_hours(cmos, t.hour);
	case RTC_DAY_OF_WEEK:
		return rtc_value(cmos, t.wday + 1);
	case RTC_DAY_OF_MONTH:
		return rtc_value(cmos, t.mday);
	case RTC_MONTH:
		return rtc_value(cmos, t.mon);
	case RTC_YEAR:
		return rtc_value(cmos, t.year % 100);
	case RTC_CENTURY:
		return rtc_value(cmos, t.year / 100);
	default:
		return 0;
	}
}

static uint8_t read_locked(struct cmos *cmos)
{
	uint8_t reg = cmos->index;

	if (is_clock_reg(reg))
		return read_clock(cmos, reg);
	/* UIP stays clear: an update never seems to be in progress. */
	if (reg == RTC_REG_A)
		return cmos->ram[reg] & ~REG_A_UIP;
	/* Reading C acknowledges its interrupt flags; none are raised. */
	if (reg == RTC_REG_C)
		return 0;
	return cmos->ram[reg];
}

/* The host keeps the time: writes to the clock are dropped. */
static void write_locked(struct cmos *cmos, uint8_t v)
{
	uint8_t reg = cmos->index;

	if (is_clock_reg(reg) || reg == RTC_REG_C || reg == RTC_REG_D)
		return;
	cmos->ram[reg] = v;
}

static int cmos_access(void *opaque, uint64_t offset, uint8_t *data,
		       uint32_t size, bool is_write)
{
	struct cmos *cmos = opaque;

	if (size != 1) {
		if (!is_write)
			memset(data, 0xff, size);
		return 0;
	}
	pthread_mutex_lock(&cmos->lock);
	if (offset == 0 && is_write)
		cmos->index = data[0] & INDEX_MASK; /* bit 7 masks NMIs */
	else if (offset == 0)
		data[0] = 0xff; /* the index port is write-only */
	else if (is_write)
		write_locked(cmos, data[0]);
	else
		data[0] = read_locked(cmos);
	pthread_mutex_unlock(&cmos->lock);
	return 0;
}

int cmos_register(struct cmos *cmos, struct bus *pio)
{
	struct bus_device dev = {
		.name = "cmos",
		.base = CMOS_PORT,
		.len = 2,
		.access = cmos_access,
		.opaque = cmos,
	};

	*cmos = (struct cmos){ 0 };
	pthread_mutex_init(&cmos->lock, NULL);
	cmos->ram[RTC_REG_A] = REG_A_DEFAULT;
	cmos->ram[RTC_REG_B] = REG_B_24H;
	cmos->ram[RTC_REG_D] = REG_D_VRT;
	return bus_register(pio, &dev);
}
