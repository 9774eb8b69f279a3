/* SPDX-License-Identifier: GPL-2.0-only */
/* Time stamps for durations: CLOCK_MONOTONIC in nanoseconds. */
#ifndef CVMM_CLOCK_H
#define CVMM_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

#endif
