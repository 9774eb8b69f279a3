/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The conversion engine: the one way guest memory changes between private
 * and shared, used by the MAP_GPA_RANGE hypercall, memory-fault exits and
 * the launch alike. Every function here takes mem->lock itself.
 */
#ifndef CVMM_CONVERT_H
#define CVMM_CONVERT_H

#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"
#include "memory/memory.h"

enum conv_origin {
	/* KVM_HC_MAP_GPA_RANGE: SNP page-state changes, TDX MapGPA. */
	CONV_ORIGIN_EXPLICIT,
	/* KVM_EXIT_MEMORY_FAULT under cc.implicit_conversion = allow. */
	CONV_ORIGIN_IMPLICIT,
	/* The VMM itself, building the initial state. */
	CONV_ORIGIN_LAUNCH,
};

/*
 * Convert [gpa, gpa + len) to private or shared. Returns -EINVAL for a
 * zero, unaligned or wrapping range, -EFAULT if part of it is not guest
 * RAM, -EOPNOTSUPP if part of it has no guest_memfd (or the VM has no
 * private memory at all): then nothing changed. Or -ENOMEM, or the error
 * of the syscall that refused a run before KVM changed it (its attributes
 * call, or punching an owed dead side about to go live): then [gpa,
 * *ret_done) is in the target state and the rest is unchanged. The map
 * always equals what KVM was told. Nothing fails once KVM took a run:
 * preallocation is best effort, and a failed discard stays owed
 * (mem_convert_flush()). ret_done may be NULL; it is gpa + len on
 * success, gpa when nothing changed.
 */
int mem_convert(struct guest_memory *mem, uint64_t gpa, uint64_t len,
		bool to_private, enum conv_origin origin, uint64_t *ret_done);

/*
 * The launch's conversion (sev-snp.md and tdx.md, section 3 steps 9 and
 * 11): make [gpa, gpa + len) private like mem_convert() from
 * CONV_ORIGIN_LAUNCH, but keep its shared side, which holds the source
 * the launch command copies from. mem_discard_shared() releases it once
 * the launch is done. Errors as mem_convert().
 */
int mem_convert_keep_shared(struct guest_memory *mem, uint64_t gpa,
			    uint64_t len);

/*
 * Release the shared side of [gpa, gpa + len), which must be private
 * (-EINVAL if any page is not). Errors otherwise as mem_convert().
 */
int mem_discard_shared(struct guest_memory *mem, uint64_t gpa, uint64_t len);

/*
 * Execute every discard still owed: the deferred one and those that
 * failed before. Call before measuring allocated memory, at exit and when
 * a vCPU halts. -errno of a discard that still fails; it stays owed and
 * is tried again at the next flush (stats.discard_failures counts them).
 */
int mem_convert_flush(struct guest_memory *mem);

/* Forget the engine's state (not the map): the owed discards are dropped. */
void mem_convert_fini(struct guest_memory *mem);

/*
 * Serve one KVM_HC_MAP_GPA_RANGE (memory/map-gpa-range.c). Always sets
 * *ret_hc, the value for kvm_run.hypercall.ret, one of the three KVM
 * accepts: 0; EINVAL, a request refused before anything changed (the
 * guest's mistake); EAGAIN, the host failed, maybe after a first part
 * changed, and the request may be retried whole. Returns 0 or the -errno
 * behind a nonzero *ret_hc; either way the caller re-enters. The
 * page-size hint is advisory. A shared request over memory that is not
 * guest_memfd RAM (MMIO, holes) succeeds without doing anything. If
 * ret_done is not NULL, *ret_done is where the request stopped: [gpa,
 * *ret_done) is in the state asked for, nothing after it changed (the
 * end on success, gpa when nothing changed).
 */
int mem_map_gpa_range(struct guest_memory *mem, uint64_t gpa, uint64_t npages,
		      uint64_t attrs, uint64_t *ret_hc, uint64_t *ret_done);

/*
 * Serve one KVM_EXIT_MEMORY_FAULT: convert the faulting range, aligned out
 * to pages, to what the access wanted. -EINVAL for unknown flags or a bad
 * range, -EPERM when policy denies implicit conversions, -EALREADY when
 * the range is already in the wanted state (the fault would repeat
 * forever), else as mem_convert(). Any error means: end the VM.
 */
int mem_handle_memory_fault(struct guest_memory *mem, uint64_t gpa,
			    uint64_t size, uint64_t flags,
			    enum implicit_conversion policy);

/*
 * Pre-fault [gpa, gpa + len) into KVM's page tables through vcpu_fd, only
 * if all of it is private (else -EPERM); holds the lock so it stays so.
 */
int mem_prefault_private(struct guest_memory *mem, int vcpu_fd, uint64_t gpa,
			 uint64_t len);

/* The state of one GPA, read under the lock. */
bool mem_gpa_is_private(struct guest_memory *mem, uint64_t gpa);

/*
 * Baselines for bench/conversions (memory/convert-baseline.c, linked into
 * the benchmark and test-convert only), with mem_convert()'s checks and stats
 * but none of its economy. naive: one attributes call and one discard per
 * 4K page, as a simple VMM would. floor: one attributes call over the
 * whole range and one discard per region it touches.
 */
int mem_convert_naive(struct guest_memory *mem, uint64_t gpa, uint64_t len,
		      bool to_private);
int mem_convert_floor(struct guest_memory *mem, uint64_t gpa, uint64_t len,
		      bool to_private);

/*
 * Allocated bytes of [off, off + len) in fd (measure.c): cachestat(2),
 * the only measure guest_memfd supports, falling back to a SEEK_DATA/
 * SEEK_HOLE walk on kernels without it. Both ways are exported for tests.
 */
int mem_file_allocated_bytes(int fd, uint64_t off, uint64_t len,
			     uint64_t *ret_bytes);
int mem_file_cached_bytes(int fd, uint64_t off, uint64_t len,
			  uint64_t *ret_bytes);
int mem_file_data_bytes(int fd, uint64_t off, uint64_t len,
			uint64_t *ret_bytes);

#endif
