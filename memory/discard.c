// SPDX-License-Identifier: GPL-2.0-only
/*
 * The discards the conversion engine owes: the side that lost a range is
 * punched (PUNCH_HOLE|KEEP_SIZE on guest_memfd when going shared; on the
 * shared backing when going private: PUNCH_HOLE on its memfd, whose offset
 * 0 is the region's first byte; MADV_DONTNEED on anonymous memory; only
 * whole 2M pages of hugetlbfs), per region since they are per file.
 *
 * Deferred discards (mem->coalesce_discards). SNP's MSR protocol converts
 * one 4K page per exit, often walking adjacent pages. Every request still
 * gets its own attributes call, since the guest waits for it, but the
 * discard may be deferred in one pending extent that grows as long as
 * requests keep coming in the same direction next to it. The safety of
 * this, and of keeping a discard that failed, rests on one invariant of
 * every owed extent (struct conv_extent):
 *
 *	every page in it is in the state to_private and has been since its
 *	conversion,
 *
 * so the side its discard will punch is dead for all of them: KVM maps
 * the other side, and nothing the guest can reach lives there. Then
 * executing the discard at any later time destroys nothing live. The
 * invariant is kept by two rules:
 *  - Before a run changes state, every owed extent in the other direction
 *    that overlaps it is discarded (discard_prepare_run()); if that still
 *    fails, the run is refused before KVM hears of it. Only such an
 *    extent can overlap the run, since a same-direction one holds pages
 *    already in the target state, which a changing run never contains.
 *    So a page made private with its shared-side discard still owed and
 *    then made shared again gets its shared side punched before KVM maps
 *    it shared: it reads zero, and what the guest writes there afterwards
 *    survives every later discard.
 *  - The pending extent grows only over pages in its own state: the new
 *    run (just converted) and the gap between them, which must be one run
 *    of that state in the map (their dead side is punched again; a no-op,
 *    or it frees what should have been freed anyway). So k runs of one
 *    request separated by pages already in the target state cost k
 *    attributes calls but one discard.
 * The pending extent never grows past 2M and is executed once it spans
 * 2M, when a run in the other direction or out of reach arrives, and on
 * mem_convert_flush().
 *
 * A discard that fails after KVM took the run is kept in failed[] (room
 * is made before KVM is told anything), counted, retried at every flush,
 * which reports it while it keeps failing, and punched before any of its
 * pages change state again. It is never dropped: a dead side left holding
 * data would show that data to the guest once the page changes back.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>

#include "lib/util.h"
#include "memory/convert-internal.h"

static int punch_hole(int fd, uint64_t off, uint64_t len)
{
	for (;;) {
		if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			      (off_t)off, (off_t)len) == 0)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

typedef int (*piece_fn)(struct guest_memory *mem, struct mem_region *reg,
			uint64_t gpa, uint64_t len);

static int discard_gmem(struct guest_memory *mem, struct mem_region *reg,
			uint64_t gpa, uint64_t len)
{
	if (reg->gmem_fd < 0)
		return 0;
	mem->stats.gmem_discards++;
	return punch_hole(reg->gmem_fd, reg->gmem_offset + (gpa - reg->gpa),
			  len);
}

static int discard_shared(struct guest_memory *mem, struct mem_region *reg,
			  uint64_t gpa, uint64_t len)
{
	uint64_t start = gpa, end = gpa + len;

	/* hugetlbfs frees whole huge pages only; the plan aligns regions. */
	if (mem->plan.backing == BACKING_HUGETLBFS_2M) {
		start = ALIGN_UP(gpa, SZ_2M);
		end = ALIGN_DOWN(gpa + len, SZ_2M);
		if (start >= end)
			return 0;
	}
	mem->stats.shared_discards++;
	if (reg->shared_fd >= 0)
		return punch_hole(reg->shared_fd, start - reg->gpa,
				  end - start);
	if (madvise(reg->hva + (start - reg->gpa), end - start, MADV_DONTNEED))
		return -errno;
	return 0;
}

static int alloc_gmem(struct guest_memory *mem, struct mem_region *reg,
		      uint64_t gpa, uint64_t len)
{
	if (reg->gmem_fd < 0)
		return 0;
	mem->stats.gmem_allocs++;
	for (;;) {
		if (fallocate(reg->gmem_fd, FALLOC_FL_KEEP_SIZE,
			      (off_t)(reg->gmem_offset + (gpa - reg->gpa)),
			      (off_t)len) == 0)
			return 0;
		/* guest_memfd allocation stops at a signal; just go on. */
		if (errno != EINTR)
			return -errno;
	}
}

/*
 * Apply fn to [gpa, end) split at region boundaries, every piece even
 * after one failed; the first error. Holes are skipped: a pending extent
 * may bridge them when going shared.
 */
static int for_each_piece(struct guest_memory *mem, uint64_t gpa,
			  uint64_t end, piece_fn fn)
{
	int ret = 0;

	for (unsigned int i = 0; i < mem->nr_regions; i++) {
		struct mem_region *reg = &mem->regions[i];
		uint64_t start = MAX(gpa, reg->gpa);
		uint64_t stop = MIN(end, reg->gpa + reg->size);
		int r;

		if (start >= stop)
			continue;
		r = fn(mem, reg, start, stop - start);
		if (r < 0 && ret == 0)
			ret = r;
	}
	return ret;
}

int discard_now(struct guest_memory *mem, uint64_t gpa, uint64_t end,
		bool to_private)
{
	return for_each_piece(mem, gpa, end,
			      to_private ? discard_shared : discard_gmem);
}

void preallocate_gmem(struct guest_memory *mem, uint64_t gpa, uint64_t end)
{
	if (for_each_piece(mem, gpa, end, alloc_gmem) < 0)
		mem->stats.gmem_alloc_failures++;
}

static bool extent_empty(const struct conv_extent *e)
{
	return e->gpa == e->end;
}

/* Discard e; if that fails, keep it owed (discard_reserve() made room). */
static void discard_or_keep(struct guest_memory *mem,
			    const struct conv_extent *e)
{
	struct conv_queue *q = &mem->discards;

	if (extent_empty(e) ||
	    discard_now(mem, e->gpa, e->end, e->to_private) == 0)
		return;
	mem->stats.discard_failures++;
	q->failed[q->nr_failed++] = *e;
}

static void discard_pending(struct guest_memory *mem)
{
	struct conv_extent e = mem->discards.pending;

	mem->discards.pending = (struct conv_extent){ 0 };
	discard_or_keep(mem, &e);
}

/* Retry failed[i]: 0 and it is gone, or -errno and it stays. */
static int retry_failed(struct guest_memory *mem, unsigned int i)
{
	struct conv_queue *q = &mem->discards;
	struct conv_extent *e = &q->failed[i];
	int r;

	r = discard_now(mem, e->gpa, e->end, e->to_private);
	if (r == 0)
		*e = q->failed[--q->nr_failed];
	return r;
}

static int retry_all_failed(struct guest_memory *mem)
{
	unsigned int i = mem->discards.nr_failed;
	int ret = 0, r;

	while (i--) {
		r = retry_failed(mem, i);
		if (r < 0)
			ret = r;
	}
	return ret;
}

int discard_flush_locked(struct guest_memory *mem)
{
	discard_pending(mem);
	return retry_all_failed(mem);
}

/*
 * A run may leave up to three discards owed: the pending extent of the
 * other direction, the one it cannot merge with, and its own.
 */
#define RUN_MAX_KEPT 3

static int discard_reserve(struct guest_memory *mem)
{
	int r;

	if (mem->discards.nr_failed + RUN_MAX_KEPT <= CONV_MAX_FAILED)
		return 0;
	r = retry_all_failed(mem);
	if (mem->discards.nr_failed + RUN_MAX_KEPT <= CONV_MAX_FAILED)
		return 0;
	return r;
}

int discard_prepare_run(struct guest_memory *mem, uint64_t gpa, uint64_t end,
			bool to_private)
{
	struct conv_queue *q = &mem->discards;
	unsigned int i;
	int r;

	r = discard_reserve(mem);
	if (r < 0)
		return r;
	if (!extent_empty(&q->pending) && q->pending.to_private != to_private)
		discard_pending(mem);
	for (i = q->nr_failed; i--;) {
		struct conv_extent *e = &q->failed[i];

		if (e->to_private == to_private || e->end <= gpa ||
		    e->gpa >= end)
			continue;
		r = retry_failed(mem, i);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * The pending extent p may take in [gpa, end) if the result spans at most
 * 2M and the pages between them are one run in p's state.
 */
static bool can_merge(struct guest_memory *mem, const struct conv_extent *p,
		      uint64_t gpa, uint64_t end)
{
	uint64_t from = p->end <= gpa ? p->end : end;
	uint64_t to = p->end <= gpa ? gpa : p->gpa;
	bool private;

	if (MAX(end, p->end) - MIN(gpa, p->gpa) > SZ_2M)
		return false;
	/* They cannot overlap (see the top of this file); if so, flush. */
	if (from >= to)
		return from == to;
	return attr_map_run(&mem->attrs, from, to, &private) == to - from &&
	       private == p->to_private;
}

void discard_after_run(struct guest_memory *mem, uint64_t gpa, uint64_t end,
		       bool to_private)
{
	struct conv_extent run = { gpa, end, to_private };
	struct conv_extent *p = &mem->discards.pending;

	if (!mem->coalesce_discards) {
		discard_or_keep(mem, &run);
		return;
	}
	/* discard_prepare_run() left it empty or in this direction. */
	if (!extent_empty(p) && !can_merge(mem, p, gpa, end))
		discard_pending(mem);
	if (extent_empty(p)) {
		*p = run;
	} else {
		p->gpa = MIN(p->gpa, gpa);
		p->end = MAX(p->end, end);
	}
	if (p->end - p->gpa >= SZ_2M)
		discard_pending(mem);
}
