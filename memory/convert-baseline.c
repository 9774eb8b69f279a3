// SPDX-License-Identifier: GPL-2.0-only
/*
 * Baselines for bench/conversions, built into the benchmark and the unit
 * test only, never into cvmm: the engine's checks, stats and syscalls
 * without its economy (convert.h).
 */
#include <pthread.h>

#include "lib/util.h"
#include "memory/convert-internal.h"

static int convert_baseline(struct guest_memory *mem, uint64_t gpa,
			    uint64_t len, bool to_private, uint64_t step)
{
	uint64_t end, cur, stop;
	int r;

	r = conv_check_range(mem, gpa, len, &end);
	if (r < 0)
		return r;
	pthread_mutex_lock(&mem->lock);
	r = discard_flush_locked(mem);
	for (cur = gpa; cur < end && r == 0; cur = stop) {
		stop = cur + MIN(step, end - cur);
		r = conv_set_state(mem, cur, stop, to_private);
		if (r == 0)
			r = discard_now(mem, cur, stop, to_private);
	}
	pthread_mutex_unlock(&mem->lock);
	return r;
}

int mem_convert_naive(struct guest_memory *mem, uint64_t gpa, uint64_t len,
		      bool to_private)
{
	return convert_baseline(mem, gpa, len, to_private, PAGE_SIZE);
}

int mem_convert_floor(struct guest_memory *mem, uint64_t gpa, uint64_t len,
		      bool to_private)
{
	return convert_baseline(mem, gpa, len, to_private, len);
}
