/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Inside the conversion engine: what convert.c (the runs and their
 * requests), discard.c (the sides' syscalls and the discards owed),
 * map-gpa-range.c (the hypercall) and convert-baseline.c (the benchmark's
 * baselines) share. Only memory/ includes this. Everything named *_locked
 * or taking no lock itself runs under mem->lock.
 */
#ifndef CVMM_CONVERT_INTERNAL_H
#define CVMM_CONVERT_INTERNAL_H

#include "memory/convert.h"

/* One request, and what became of it. */
struct conv_req {
	uint64_t gpa;
	uint64_t end;
	bool to_private;
	enum conv_origin origin;
	/* The launch's conversion: the shared side stays (source data). */
	bool keep_shared;
	/*
	 * Out: [gpa, done) is in the target state and nothing from done on
	 * changed (done == end on success); pages whose state changed.
	 */
	uint64_t done;
	uint64_t pages;
};

/*
 * Take the locks, convert what is not yet in the target state, count the
 * origin. An implicit request that changes nothing is -EALREADY (the
 * fault would repeat). The range must have passed conv_check_range() or
 * lie where only private runs change (sharing).
 */
int conv_request(struct guest_memory *mem, struct conv_req *req);

/* [gpa, gpa + len) must be pages of guest_memfd-backed RAM. */
int conv_check_range(struct guest_memory *mem, uint64_t gpa, uint64_t len,
		     uint64_t *ret_end);

/* Tell KVM, then the map; the old side is still there. */
int conv_set_state(struct guest_memory *mem, uint64_t gpa, uint64_t end,
		   bool to_private);

/* discard.c: the side that lost [gpa, end), which went to_private. */
int discard_now(struct guest_memory *mem, uint64_t gpa, uint64_t end,
		bool to_private);

/*
 * Before a run changes state: room for the discards it may have to keep,
 * then the dead sides of owed discards in the other direction that
 * overlap it punched (they are about to go live). Errors here leave KVM
 * untouched: the run must not go ahead.
 */
int discard_prepare_run(struct guest_memory *mem, uint64_t gpa, uint64_t end,
			bool to_private);

/*
 * After KVM took [gpa, end): discard its dead side now or later. A
 * failure keeps the discard owed (retried by discard_flush_locked()) and
 * counts in stats.discard_failures; the run stays converted.
 */
void discard_after_run(struct guest_memory *mem, uint64_t gpa, uint64_t end,
		       bool to_private);

/* Every owed discard; -errno of one still failing (it stays owed). */
int discard_flush_locked(struct guest_memory *mem);

/* Best effort: fallocate() the guest_memfd of [gpa, end). */
void preallocate_gmem(struct guest_memory *mem, uint64_t gpa, uint64_t end);

#endif
