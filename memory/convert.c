// SPDX-License-Identifier: GPL-2.0-only
/*
 * The conversion engine: every change between private and shared goes
 * through convert_locked(), whoever asked for it.
 *
 * A request [gpa, end) is checked (page aligned, no wrap, inside guest
 * RAM that has a guest_memfd), then, under mem->lock, the attribute map is
 * walked for the runs that actually change state: pages already in the
 * target state cost nothing, so a request touching k runs costs O(k log n)
 * in the map and k KVM_SET_MEMORY_ATTRIBUTES calls, one per contiguous GPA
 * run (the ioctl needs no memslot, so a run may span adjacent regions).
 * Each run follows spec section 9: attributes first, so that KVM stops
 * mapping the old side, then the map, then the discard of the side that
 * lost the range: PUNCH_HOLE|KEEP_SIZE on guest_memfd when going shared;
 * on the shared backing when going private (PUNCH_HOLE on its memfd, whose
 * offset 0 is the region's first byte; MADV_DONTNEED on anonymous memory;
 * only whole 2M pages of hugetlbfs). Discards are issued per region since
 * they are per file. attr_map_reserve() runs before KVM is told anything,
 * so the map can always record what KVM now holds.
 *
 * Deferred discards (mem->coalesce_discards). SNP's MSR protocol converts
 * one 4K page per exit, often walking adjacent pages. Every request still
 * gets its own attributes call, since the guest waits for it, but the
 * discard may be deferred in one pending extent { [gpa, end), to_private }
 * that grows as long as requests keep coming in the same direction next to
 * it. The safety of this rests on one invariant:
 *
 *	every page in the pending extent is in the state pending.to_private
 *	and has been since its conversion,
 *
 * so the side the pending discard will punch is dead for all of them: KVM
 * maps the other side, and nothing the guest can reach lives there. Then
 * executing the discard at any later time destroys nothing live. The
 * invariant is kept by two rules:
 *  - Before a run changes state, a pending extent in the other direction
 *    is executed (settle_pending()). Only such an extent can overlap the
 *    run, since a same-direction extent holds pages already in the target
 *    state, which a changing run never contains. So a page made private
 *    with its shared-side discard still pending and then made shared again
 *    gets its shared side punched before KVM maps it shared: it reads zero
 *    and what the guest writes there afterwards survives every flush.
 *  - The extent grows only over pages in its own state: the new run (just
 *    converted) and the gap between them, which must be one run of that
 *    state in the map (their dead side is punched again; that is a no-op
 *    or frees what should have been freed anyway). So k runs of one
 *    request separated by pages already in the target state cost k
 *    attributes calls but one discard.
 * The extent never grows past 2M and is executed once it spans 2M, when a
 * run in the other direction or out of reach arrives, and on
 * mem_convert_flush(). Without memory for the extent, discards happen at
 * once. A failed
 * deferred discard is reported to whoever triggered it and dropped: the
 * dead side keeps its pages, which costs memory but risks no data.
 *
 * Everything here runs under mem->lock: conversions come from several vCPU
 * threads and the map must change in the same order as KVM's attributes.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "lib/util.h"
#include "memory/convert.h"
#include "lib/kvm.h"

struct conv_pending {
	uint64_t gpa;
	uint64_t end;
	bool to_private;
};

static struct mem_region *region_at(struct guest_memory *mem, uint64_t gpa)
{
	for (unsigned int i = 0; i < mem->nr_regions; i++) {
		struct mem_region *reg = &mem->regions[i];

		if (gpa >= reg->gpa && gpa - reg->gpa < reg->size)
			return reg;
	}
	return NULL;
}

/* [gpa, gpa + len) must be pages of guest_memfd-backed RAM. */
static int check_range(struct guest_memory *mem, uint64_t gpa, uint64_t len,
		       uint64_t *ret_end)
{
	uint64_t end, cur;

	if (!len || !IS_ALIGNED(gpa, PAGE_SIZE) ||
	    !IS_ALIGNED(len, PAGE_SIZE) || !add_ok(gpa, len, &end))
		return -EINVAL;
	/* The guest_memfd is RAM itself: there is no private memory. */
	if (mem->plan.backing == BACKING_GUEST_MEMFD)
		return -EOPNOTSUPP;
	for (cur = gpa; cur < end;) {
		struct mem_region *reg = region_at(mem, cur);

		if (!reg)
			return -EFAULT;
		if (reg->gmem_fd < 0)
			return -EOPNOTSUPP;
		cur = reg->gpa + reg->size;
	}
	*ret_end = end;
	return 0;
}

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
 * Apply fn to [gpa, end) split at region boundaries. Holes are skipped:
 * a pending extent may bridge them when going shared.
 */
static int for_each_piece(struct guest_memory *mem, uint64_t gpa,
			  uint64_t end, piece_fn fn)
{
	for (unsigned int i = 0; i < mem->nr_regions; i++) {
		struct mem_region *reg = &mem->regions[i];
		uint64_t start = MAX(gpa, reg->gpa);
		uint64_t stop = MIN(end, reg->gpa + reg->size);
		int r;

		if (start >= stop)
			continue;
		r = fn(mem, reg, start, stop - start);
		if (r < 0)
			return r;
	}
	return 0;
}

static int discard_now(struct guest_memory *mem, uint64_t gpa, uint64_t end,
		       bool to_private)
{
	return for_each_piece(mem, gpa, end,
			      to_private ? discard_shared : discard_gmem);
}

static int flush_locked(struct guest_memory *mem)
{
	struct conv_pending *p = mem->pending;
	struct conv_pending todo;

	if (!p || p->gpa == p->end)
		return 0;
	todo = *p;
	*p = (struct conv_pending){ 0 };
	return discard_now(mem, todo.gpa, todo.end, todo.to_private);
}

/*
 * Called before a run changes to to_private: a pending extent in the
 * other direction may overlap the run, so it is executed first.
 */
static int settle_pending(struct guest_memory *mem, bool to_private)
{
	struct conv_pending *p = mem->pending;

	if (!p || p->gpa == p->end || p->to_private == to_private)
		return 0;
	return flush_locked(mem);
}

/*
 * The extent may take in [gpa, end) if the result spans at most 2M and
 * the pages between them are one run in the extent's state.
 */
static bool can_merge(struct guest_memory *mem, struct conv_pending *p,
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

/* Discard the dead side of [gpa, end), which just went to_private. */
static int discard_run(struct guest_memory *mem, uint64_t gpa, uint64_t end,
		       bool to_private)
{
	struct conv_pending *p;
	int r;

	if (!mem->coalesce_discards)
		return discard_now(mem, gpa, end, to_private);
	if (!mem->pending)
		mem->pending = calloc(1, sizeof(*p));
	p = mem->pending;
	if (!p)
		return discard_now(mem, gpa, end, to_private);
	/* settle_pending() left an empty extent or one in this direction. */
	if (p->gpa != p->end && !can_merge(mem, p, gpa, end)) {
		r = flush_locked(mem);
		if (r < 0)
			return r;
	}
	if (p->gpa == p->end)
		*p = (struct conv_pending){ gpa, end, to_private };
	p->gpa = MIN(p->gpa, gpa);
	p->end = MAX(p->end, end);
	if (p->end - p->gpa >= SZ_2M)
		return flush_locked(mem);
	return 0;
}

/* Tell KVM, then the map. The part every engine here shares. */
static int set_state(struct guest_memory *mem, uint64_t gpa, uint64_t end,
		     bool to_private)
{
	uint64_t len = end - gpa;
	int r;

	r = attr_map_reserve(&mem->attrs);
	if (r < 0)
		return r;
	mem->stats.attr_calls++;
	r = mem->set_attributes(mem, gpa, len,
				to_private ? KVM_MEMORY_ATTRIBUTE_PRIVATE : 0);
	if (r < 0)
		return r;
	/* Cannot fail: the range is valid and a node is reserved. */
	(void)attr_map_set(&mem->attrs, gpa, len, to_private);
	mem->stats.runs++;
	if (to_private)
		mem->stats.pages_to_private += len / PAGE_SIZE;
	else
		mem->stats.pages_to_shared += len / PAGE_SIZE;
	return 0;
}

/* A run's new state in KVM and the map; its old side is still there. */
static int convert_run_state(struct guest_memory *mem, uint64_t gpa,
			     uint64_t end, bool to_private)
{
	int r;

	r = settle_pending(mem, to_private);
	if (r < 0)
		return r;
	r = set_state(mem, gpa, end, to_private);
	if (r < 0)
		return r;
	if (to_private && mem->preallocate)
		return for_each_piece(mem, gpa, end, alloc_gmem);
	return 0;
}

static int convert_run(struct guest_memory *mem, uint64_t gpa, uint64_t end,
		       bool to_private)
{
	int r;

	r = convert_run_state(mem, gpa, end, to_private);
	if (r < 0)
		return r;
	return discard_run(mem, gpa, end, to_private);
}

/* Convert the runs of [gpa, end) not yet in the target state. */
static int convert_locked(struct guest_memory *mem, uint64_t gpa,
			  uint64_t end, bool to_private, uint64_t *ret_pages)
{
	uint64_t pages = 0, len;
	bool private;
	int r = 0;

	for (; gpa < end && r == 0; gpa += len) {
		len = attr_map_run(&mem->attrs, gpa, end, &private);
		if (private == to_private)
			continue;
		r = convert_run(mem, gpa, gpa + len, to_private);
		pages += len / PAGE_SIZE;
	}
	*ret_pages = pages;
	return r;
}

static void count_origin(struct mem_stats *stats, enum conv_origin origin)
{
	switch (origin) {
	case CONV_ORIGIN_EXPLICIT:
		stats->conversions_explicit++;
		break;
	case CONV_ORIGIN_IMPLICIT:
		stats->conversions_implicit++;
		break;
	case CONV_ORIGIN_LAUNCH:
		stats->conversions_launch++;
		break;
	}
}

int mem_convert(struct guest_memory *mem, uint64_t gpa, uint64_t len,
		bool to_private, enum conv_origin origin)
{
	uint64_t end, pages;
	int r;

	r = check_range(mem, gpa, len, &end);
	if (r < 0)
		return r;
	pthread_mutex_lock(&mem->lock);
	r = convert_locked(mem, gpa, end, to_private, &pages);
	if (r == 0)
		count_origin(&mem->stats, origin);
	pthread_mutex_unlock(&mem->lock);
	return r;
}

int mem_convert_keep_shared(struct guest_memory *mem, uint64_t gpa,
			    uint64_t len)
{
	uint64_t end, run;
	bool private;
	int r;

	r = check_range(mem, gpa, len, &end);
	if (r < 0)
		return r;
	pthread_mutex_lock(&mem->lock);
	for (; gpa < end && r == 0; gpa += run) {
		run = attr_map_run(&mem->attrs, gpa, end, &private);
		if (!private)
			r = convert_run_state(mem, gpa, gpa + run, true);
	}
	if (r == 0)
		count_origin(&mem->stats, CONV_ORIGIN_LAUNCH);
	pthread_mutex_unlock(&mem->lock);
	return r;
}

int mem_discard_shared(struct guest_memory *mem, uint64_t gpa, uint64_t len)
{
	uint64_t end;
	bool private;
	int r;

	r = check_range(mem, gpa, len, &end);
	if (r < 0)
		return r;
	pthread_mutex_lock(&mem->lock);
	/* Only a private range has a dead shared side. */
	if (attr_map_run(&mem->attrs, gpa, end, &private) != len || !private)
		r = -EINVAL;
	else
		r = discard_now(mem, gpa, end, true);
	pthread_mutex_unlock(&mem->lock);
	return r;
}

int mem_convert_flush(struct guest_memory *mem)
{
	int r;

	pthread_mutex_lock(&mem->lock);
	r = flush_locked(mem);
	pthread_mutex_unlock(&mem->lock);
	return r;
}

void mem_convert_fini(struct guest_memory *mem)
{
	free(mem->pending);
	mem->pending = NULL;
}

bool mem_gpa_is_private(struct guest_memory *mem, uint64_t gpa)
{
	bool private;

	pthread_mutex_lock(&mem->lock);
	private = attr_map_is_private(&mem->attrs, gpa);
	pthread_mutex_unlock(&mem->lock);
	return private;
}

/*
 * Decode MAP_GPA_RANGE's arguments (hypercalls.rst; spec section 8): a0
 * GPA, a1 number of 4K pages, a2 bits 3:0 page-size hint (0 4K, 1 2M,
 * 2 1G; the rest invalid), bit 4 private, bits 63:5 reserved. With a 2M
 * or 1G hint, the GPA and the length must be multiples of that size.
 */
static int map_gpa_range_decode(uint64_t gpa, uint64_t npages, uint64_t attrs,
				uint64_t *ret_end)
{
	uint64_t align, len, end;

	if (attrs & CVMM_MAP_GPA_RANGE_RESERVED)
		return -EINVAL;
	switch (attrs & CVMM_MAP_GPA_RANGE_PAGE_SZ_MASK) {
	case KVM_MAP_GPA_RANGE_PAGE_SZ_4K:
		align = SZ_4K;
		break;
	case KVM_MAP_GPA_RANGE_PAGE_SZ_2M:
		align = SZ_2M;
		break;
	case KVM_MAP_GPA_RANGE_PAGE_SZ_1G:
		align = SZ_1G;
		break;
	default:
		return -EINVAL;
	}
	if (!npages || __builtin_mul_overflow(npages, PAGE_SIZE, &len) ||
	    !add_ok(gpa, len, &end))
		return -EINVAL;
	if (!IS_ALIGNED(gpa, align) || !IS_ALIGNED(len, align))
		return -EINVAL;
	*ret_end = end;
	return 0;
}

/*
 * Sharing needs no region check: only private runs change, and those lie
 * in guest_memfd RAM by construction, so MMIO and holes are no-ops.
 */
static int share_range(struct guest_memory *mem, uint64_t gpa, uint64_t end)
{
	uint64_t pages;
	int r;

	pthread_mutex_lock(&mem->lock);
	r = convert_locked(mem, gpa, end, false, &pages);
	if (r == 0)
		count_origin(&mem->stats, CONV_ORIGIN_EXPLICIT);
	pthread_mutex_unlock(&mem->lock);
	return r;
}

int mem_map_gpa_range(struct guest_memory *mem, uint64_t gpa, uint64_t npages,
		      uint64_t attrs, uint64_t *ret_hc)
{
	uint64_t end;
	int r;

	r = map_gpa_range_decode(gpa, npages, attrs, &end);
	if (r == 0 && (attrs & KVM_MAP_GPA_RANGE_ENCRYPTED))
		r = mem_convert(mem, gpa, end - gpa, true,
				CONV_ORIGIN_EXPLICIT);
	else if (r == 0)
		r = share_range(mem, gpa, end);
	/*
	 * Positive errno values; SNP only tests for nonzero and TDX turns
	 * anything nonzero into INVALID_OPERAND (spec section 8).
	 */
	if (r == -ENOMEM)
		*ret_hc = ENOMEM;
	else
		*ret_hc = r ? EINVAL : 0;
	return r;
}

int mem_handle_memory_fault(struct guest_memory *mem, uint64_t gpa,
			    uint64_t size, uint64_t flags,
			    enum implicit_conversion policy)
{
	uint64_t start, stop, end, pages;
	int r;

	if (flags & ~KVM_MEMORY_EXIT_FLAG_PRIVATE)
		return -EINVAL;
	if (!size || !add_ok(gpa, size, &stop) ||
	    stop > ALIGN_DOWN(UINT64_MAX, PAGE_SIZE))
		return -EINVAL;
	if (policy != IMPLICIT_ALLOW)
		return -EPERM;
	start = ALIGN_DOWN(gpa, PAGE_SIZE);
	r = check_range(mem, start, ALIGN_UP(stop, PAGE_SIZE) - start, &end);
	if (r < 0)
		return r;
	pthread_mutex_lock(&mem->lock);
	r = convert_locked(mem, start, end,
			   flags & KVM_MEMORY_EXIT_FLAG_PRIVATE, &pages);
	if (r == 0 && pages == 0)
		r = -EALREADY;
	if (r == 0)
		count_origin(&mem->stats, CONV_ORIGIN_IMPLICIT);
	pthread_mutex_unlock(&mem->lock);
	return r;
}

int mem_kvm_set_attributes(struct guest_memory *mem, uint64_t gpa,
			   uint64_t size, uint64_t attributes)
{
	struct kvm_memory_attributes attrs = {
		.address = gpa,
		.size = size,
		.attributes = attributes,
	};
	int r;

	do {
		r = kvm_ioctl(mem->vm_fd, KVM_SET_MEMORY_ATTRIBUTES, &attrs);
	} while (r == -EINTR || r == -EAGAIN);
	return r < 0 ? r : 0;
}

static int convert_baseline(struct guest_memory *mem, uint64_t gpa,
			    uint64_t len, bool to_private, uint64_t step)
{
	uint64_t end, cur, stop;
	int r;

	r = check_range(mem, gpa, len, &end);
	if (r < 0)
		return r;
	pthread_mutex_lock(&mem->lock);
	r = flush_locked(mem);
	for (cur = gpa; cur < end && r == 0; cur = stop) {
		stop = cur + MIN(step, end - cur);
		r = set_state(mem, cur, stop, to_private);
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

/*
 * KVM_PRE_FAULT_MEMORY on vcpu_fd for [gpa, gpa + len), which must be
 * private now. mem->lock is held throughout, so no conversion can make any
 * of it shared while KVM maps it: pre-faulting a range that just went
 * shared is what has crashed TDX hosts.
 */
int mem_prefault_private(struct guest_memory *mem, int vcpu_fd, uint64_t gpa,
			 uint64_t len)
{
	struct kvm_pre_fault_memory range = { .gpa = gpa, .size = len };
	bool private;
	uint64_t end;
	int r = 0;

	if (!len || !add_ok(gpa, len, &end))
		return -EINVAL;
	pthread_mutex_lock(&mem->lock);
	if (attr_map_run(&mem->attrs, gpa, end, &private) != len || !private) {
		pthread_mutex_unlock(&mem->lock);
		return -EPERM;
	}
	/* KVM returns after each chunk with gpa and size moved on. */
	while (range.size && r == 0) {
		r = kvm_ioctl(vcpu_fd, KVM_PRE_FAULT_MEMORY, &range);
		mem->stats.prefaults++;
		if (r == -EINTR || r == -EAGAIN)
			r = 0;
	}
	pthread_mutex_unlock(&mem->lock);
	return r < 0 ? r : 0;
}
