// SPDX-License-Identifier: GPL-2.0-only
/*
 * The conversion engine: every change between private and shared goes
 * through conv_request(), whoever asked for it.
 *
 * A request [gpa, end) is checked (page aligned, no wrap, inside guest
 * RAM that has a guest_memfd), then, under mem->lock, the attribute map is
 * walked for the runs that actually change state: pages already in the
 * target state cost nothing, so a request touching k runs costs O(k log n)
 * in the map and k KVM_SET_MEMORY_ATTRIBUTES calls, one per contiguous GPA
 * run (the ioctl needs no memslot, so a run may span adjacent regions).
 * Each run follows spec section 9: attributes first, so that KVM stops
 * mapping the old side, then the map, then the discard of the side that
 * lost the range (discard.c, which may defer and coalesce it).
 *
 * What can fail, and what is left then. Everything that can refuse a run
 * happens before KVM is told anything: room in the map
 * (attr_map_reserve()) and in the discard queue, punching an owed dead
 * side that is about to go live, the attributes call itself (all or
 * nothing in KVM). A refused run ends the request: [gpa, run) is in the
 * target state, the rest unchanged (struct conv_req.done says where),
 * and the caller gets the error. Once KVM took a run, nothing fails it:
 * preallocating guest_memfd is best effort, and a discard that fails
 * stays owed (discard.c), so the map equals KVM's attributes, the dead
 * side is released or owed, and the request goes on with its next run.
 *
 * Locks: mem->lock serialises conversions from several vCPU threads, so
 * the map changes in the same order as KVM's attributes. A conversion to
 * private first takes mem->shared_users for writing, so that it waits for
 * a device writing into a buffer it found shared (mem_shared_hold()).
 */
#include <errno.h>
#include <pthread.h>

#include "lib/util.h"
#include "lib/kvm.h"
#include "memory/convert-internal.h"

static struct mem_region *region_at(struct guest_memory *mem, uint64_t gpa)
{
	for (unsigned int i = 0; i < mem->nr_regions; i++) {
		struct mem_region *reg = &mem->regions[i];

		if (gpa >= reg->gpa && gpa - reg->gpa < reg->size)
			return reg;
	}
	return NULL;
}

int conv_check_range(struct guest_memory *mem, uint64_t gpa, uint64_t len,
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

int conv_set_state(struct guest_memory *mem, uint64_t gpa, uint64_t end,
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

/* One run: refused before KVM changed, or converted whatever follows. */
static int convert_run(struct guest_memory *mem, const struct conv_req *req,
		       uint64_t gpa, uint64_t end)
{
	int r;

	r = discard_prepare_run(mem, gpa, end, req->to_private);
	if (r < 0)
		return r;
	r = conv_set_state(mem, gpa, end, req->to_private);
	if (r < 0)
		return r;
	if (req->to_private && mem->preallocate)
		preallocate_gmem(mem, gpa, end);
	if (!req->keep_shared)
		discard_after_run(mem, gpa, end, req->to_private);
	return 0;
}

/* Convert the runs of the request not yet in the target state. */
static int convert_locked(struct guest_memory *mem, struct conv_req *req)
{
	uint64_t gpa, len;
	bool private;
	int r = 0;

	req->pages = 0;
	for (gpa = req->gpa; gpa < req->end; gpa += len) {
		len = attr_map_run(&mem->attrs, gpa, req->end, &private);
		if (private == req->to_private)
			continue;
		r = convert_run(mem, req, gpa, gpa + len);
		if (r < 0)
			break;
		req->pages += len / PAGE_SIZE;
	}
	req->done = MIN(gpa, req->end);
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

int conv_request(struct guest_memory *mem, struct conv_req *req)
{
	int r;

	if (req->to_private)
		pthread_rwlock_wrlock(&mem->shared_users);
	pthread_mutex_lock(&mem->lock);
	r = convert_locked(mem, req);
	if (r == 0 && !req->pages && req->origin == CONV_ORIGIN_IMPLICIT)
		r = -EALREADY;
	if (r == 0)
		count_origin(&mem->stats, req->origin);
	pthread_mutex_unlock(&mem->lock);
	if (req->to_private)
		pthread_rwlock_unlock(&mem->shared_users);
	return r;
}

/* A checked request from the VMM itself or a caller of mem_convert(). */
static int convert_checked(struct guest_memory *mem, struct conv_req *req)
{
	int r;

	r = conv_check_range(mem, req->gpa, req->end - req->gpa, &req->end);
	if (r < 0)
		return r;
	return conv_request(mem, req);
}

int mem_convert(struct guest_memory *mem, uint64_t gpa, uint64_t len,
		bool to_private, enum conv_origin origin, uint64_t *ret_done)
{
	struct conv_req req = {
		.gpa = gpa, .end = gpa + len, .to_private = to_private,
		.origin = origin, .done = gpa,
	};
	int r;

	/* A wrapping gpa + len is refused by the check, from len. */
	r = convert_checked(mem, &req);
	if (ret_done)
		*ret_done = req.done;
	return r;
}

int mem_convert_keep_shared(struct guest_memory *mem, uint64_t gpa,
			    uint64_t len)
{
	struct conv_req req = {
		.gpa = gpa, .end = gpa + len, .to_private = true,
		.origin = CONV_ORIGIN_LAUNCH, .keep_shared = true,
	};

	return convert_checked(mem, &req);
}

int mem_discard_shared(struct guest_memory *mem, uint64_t gpa, uint64_t len)
{
	uint64_t end;
	bool private;
	int r;

	r = conv_check_range(mem, gpa, len, &end);
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
	r = discard_flush_locked(mem);
	pthread_mutex_unlock(&mem->lock);
	return r;
}

void mem_convert_fini(struct guest_memory *mem)
{
	mem->discards = (struct conv_queue){ 0 };
}

bool mem_gpa_is_private(struct guest_memory *mem, uint64_t gpa)
{
	bool private;

	pthread_mutex_lock(&mem->lock);
	private = attr_map_is_private(&mem->attrs, gpa);
	pthread_mutex_unlock(&mem->lock);
	return private;
}

void mem_shared_hold(struct guest_memory *mem)
{
	pthread_rwlock_rdlock(&mem->shared_users);
}

void mem_shared_release(struct guest_memory *mem)
{
	pthread_rwlock_unlock(&mem->shared_users);
}

int mem_handle_memory_fault(struct guest_memory *mem, uint64_t gpa,
			    uint64_t size, uint64_t flags,
			    enum implicit_conversion policy)
{
	struct conv_req req = {
		.to_private = flags & KVM_MEMORY_EXIT_FLAG_PRIVATE,
		.origin = CONV_ORIGIN_IMPLICIT,
	};
	uint64_t stop;

	if (flags & ~KVM_MEMORY_EXIT_FLAG_PRIVATE)
		return -EINVAL;
	if (!size || !add_ok(gpa, size, &stop) ||
	    stop > ALIGN_DOWN(UINT64_MAX, PAGE_SIZE))
		return -EINVAL;
	if (policy != IMPLICIT_ALLOW)
		return -EPERM;
	req.gpa = ALIGN_DOWN(gpa, PAGE_SIZE);
	req.end = ALIGN_UP(stop, PAGE_SIZE);
	return convert_checked(mem, &req);
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
