/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Guest memory without KVM for the fuzz targets, as the unit tests build
 * it: memfds for guest_memfd and the shared side, a fake set_attributes
 * that keeps KVM's view of every page (and fails on demand), and a model
 * of what each page must hold, so that a target can check the engine
 * against it after every request.
 *
 * Layout: R0 [0, 2M) and R1 [2M, 4M) share one guest_memfd; [4M, 6M) is
 * a hole (MMIO); R2 [6M, 8M) is RAM without guest_memfd; R3 [4G, 4G+2M)
 * has guest_memfd again, at offset 4M.
 */
#ifndef CVMM_FAKE_MEM_H
#define CVMM_FAKE_MEM_H

#include "fuzz.h"
#include "memory/convert.h"

#define FM_PAGE 0x1000ull
#define FM_R3_GPA 0x100000000ull
/* Pages with a guest_memfd: [0, 4M) and R3. */
#define FM_PAGES 1536

struct fake_mem {
	/* Its own, or one the target set before the first reset. */
	struct guest_memory *mem;
	int gmem_fd;
	/* KVM's view, what the engine told it. */
	bool kvm_private[FM_PAGES];
	/* Fail set_attributes call number fail_at (1-based) with fail_errno. */
	unsigned int nr_calls, fail_at;
	int fail_errno;
	/* A failure was injected since fake_mem_op_start(). */
	bool failed;
	/* The model: what the live side of each page holds (0: nothing). */
	uint64_t tag[FM_PAGES];
	uint64_t next_tag;
	bool touched[FM_PAGES];
	bool before[FM_PAGES];
};

extern struct fake_mem fm;

/* Fresh memory for one input: all shared, nothing allocated. */
void fake_mem_reset(enum shared_backing backing, bool coalesce,
		    bool preallocate);

/* An interesting GPA, chosen by the input: mostly near region edges. */
uint64_t fake_mem_pick_gpa(struct fuzz_input *in);

/* Index of the guest_memfd page at gpa, or -1. */
int fake_mem_page(uint64_t gpa);

/* Arm a set_attributes failure a few calls from now, as the input says. */
void fake_mem_arm_failure(struct fuzz_input *in);

/* Around one request: snapshot, then check the map and the contents. */
void fake_mem_op_start(void);
void fake_mem_op_end(void);

/* Every guest_memfd page of [gpa, end) is private (or shared). */
void fake_mem_check_range(uint64_t gpa, uint64_t end, bool private);

/* After the last request: flush, then every page's both sides. */
void fake_mem_check_all(void);

#endif
