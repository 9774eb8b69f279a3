// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guest RAM regions: the plan (where RAM and holes go, how each side is
 * backed) and its realisation as guest_memfds, shared mappings and
 * KVM_SET_USER_MEMORY_REGION2 slots.
 */
#include <fcntl.h>
#include <linux/memfd.h>
#include <string.h>
#include <sys/mman.h>

#include "lib/log.h"
#include "memory/convert.h"
#include "memory/memory.h"
#include "lib/kvm.h"

#ifndef MFD_HUGE_2MB
#define MFD_HUGE_2MB (21 << MFD_HUGE_SHIFT)
#endif

static void plan_add(struct mem_plan *plan, enum mem_region_kind kind,
		     uint64_t gpa, uint64_t size)
{
	plan->regions[plan->nr_regions++] = (struct mem_region_plan){
		.kind = kind,
		.gpa = gpa,
		.size = size,
	};
}

/*
 * RAM fills [0, 3 GiB) and continues above 4 GiB; the hole in between is
 * for MMIO, with the firmware (if any) at its top, ending at 4 GiB.
 */
static void plan_layout(struct mem_plan *plan, uint64_t ram, uint64_t fw_size)
{
	uint64_t low = MIN(ram, MEM_HOLE_START);

	plan_add(plan, MEM_REGION_RAM, 0, low);
	if (ram > low)
		plan_add(plan, MEM_REGION_RAM, MEM_4G, ram - low);
	if (fw_size)
		plan_add(plan, MEM_REGION_FIRMWARE, MEM_4G - fw_size, fw_size);
}

/*
 * What "auto" means. With private memory, the shared side is a memfd,
 * which discards 4K pieces exactly. Without, a Linux kernel gets
 * anonymous RAM with transparent huge pages: guest_memfd has no huge
 * pages yet (no such flag in Linux 7.2), so KVM maps it 4K by 4K and a
 * kernel pays one stage-2 fault per 4K page it touches (about 28,000 to
 * boot to a shell; bench/boot measured the boot 1.5-1.9x slower than with
 * THP). The embedded test guest and firmware run from guest_memfd where
 * the host lets it be mapped, their images written into the very pages
 * the guest runs from. A pKVM protected VM takes anonymous memory
 * whatever it boots: Linux 7.2 runs none from guest_memfd (KVM_RUN fails
 * with EIO) or from a file (config/rules.c).
 */
static enum shared_backing resolve_auto(const struct vm_config *cfg,
					bool has_private, bool gmem_in_place)
{
	if (cfg->cc.mode == CC_MODE_PKVM)
		return BACKING_ANONYMOUS;
	if (has_private)
		return BACKING_MEMFD;
	if (cfg->boot.kernel)
		return BACKING_ANONYMOUS;
	return gmem_in_place ? BACKING_GUEST_MEMFD : BACKING_MEMFD;
}

int mem_plan_build(const struct vm_config *cfg, uint64_t fw_size,
		   uint64_t host_gmem_flags, bool has_private,
		   struct mem_plan *ret_plan)
{
	const uint64_t in_place = GUEST_MEMFD_FLAG_MMAP |
				  GUEST_MEMFD_FLAG_INIT_SHARED;
	struct mem_plan plan = { 0 };
	uint64_t ram = cfg->machine.memory_size;

	if (!ram || !IS_ALIGNED(ram, SZ_2M) || !IS_ALIGNED(fw_size, SZ_4K) ||
	    fw_size > MEM_4G - MEM_HOLE_START)
		return -EINVAL;

	plan.backing = cfg->machine.backing;
	if (plan.backing == BACKING_AUTO)
		plan.backing = resolve_auto(cfg, has_private,
					    (host_gmem_flags & in_place) == in_place);
	/* RAM from guest_memfd: no private memory, and a host that maps it. */
	if (plan.backing == BACKING_GUEST_MEMFD &&
	    (has_private || (host_gmem_flags & in_place) != in_place))
		return -EOPNOTSUPP;
	plan.use_gmem = has_private || plan.backing == BACKING_GUEST_MEMFD;
	plan.gmem_flags = plan.backing == BACKING_GUEST_MEMFD ? in_place : 0;
	if (plan.backing == BACKING_HUGETLBFS_2M && !IS_ALIGNED(fw_size, SZ_2M))
		return -EINVAL;
	plan_layout(&plan, ram, fw_size);
	*ret_plan = plan;
	return 0;
}

static int create_shared_file(enum shared_backing backing, uint64_t size)
{
	unsigned int flags = MFD_CLOEXEC;
	int fd;

	if (backing == BACKING_HUGETLBFS_2M)
		flags |= MFD_HUGETLB | MFD_HUGE_2MB;
	fd = memfd_create("cvmm-ram", flags);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, size) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}

/*
 * Transparent huge pages where asked for (memfd-thp), and for anonymous
 * RAM of a VM without private memory, which never discards 4K pieces.
 * With private memory, a 4K discard inside a THP frees nothing until the
 * kernel splits it, so there they stay off.
 */
static bool wants_thp(const struct mem_plan *plan)
{
	if (plan->backing == BACKING_MEMFD_THP)
		return true;
	return plan->backing == BACKING_ANONYMOUS && !plan->use_gmem;
}

/*
 * Anonymous memory that starts on a 2M boundary: a huge page of the host
 * then backs a 2M-aligned range of guest RAM, which KVM can map as one
 * 2M page. The slack on either side of the reservation is given back.
 */
static void *map_anonymous(uint64_t size)
{
	size_t span = size + SZ_2M;
	uint8_t *p = mmap(NULL, span, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	uint8_t *start;

	if (p == MAP_FAILED)
		return MAP_FAILED;
	start = (uint8_t *)ALIGN_UP((uintptr_t)p, SZ_2M);
	if (start > p)
		munmap(p, start - p);
	munmap(start + size, p + span - (start + size));
	return start;
}

/* Map the shared side of region r as the plan says. */
static int map_shared(struct mem_region *r, const struct mem_plan *plan)
{
	int prot = PROT_READ | PROT_WRITE;
	void *hva;

	if (plan->backing == BACKING_GUEST_MEMFD) {
		r->shared_fd = r->gmem_fd;
		hva = mmap(NULL, r->size, prot, MAP_SHARED, r->gmem_fd, 0);
	} else if (plan->backing == BACKING_ANONYMOUS) {
		hva = map_anonymous(r->size);
	} else {
		r->shared_fd = create_shared_file(plan->backing, r->size);
		if (r->shared_fd < 0)
			return r->shared_fd;
		hva = mmap(NULL, r->size, prot, MAP_SHARED, r->shared_fd, 0);
	}
	if (hva == MAP_FAILED)
		return -errno;
	r->hva = hva;
	(void)madvise(hva, r->size, wants_thp(plan) ? MADV_HUGEPAGE :
						      MADV_NOHUGEPAGE);
	return 0;
}

static int bind_slot(struct guest_memory *mem, struct mem_region *r)
{
	struct kvm_userspace_memory_region2 slot = {
		.slot = r->slot,
		.flags = r->gmem_fd >= 0 ? KVM_MEM_GUEST_MEMFD : 0,
		.guest_phys_addr = r->gpa,
		.memory_size = r->size,
		.userspace_addr = (uintptr_t)r->hva,
		.guest_memfd_offset = r->gmem_offset,
		.guest_memfd = r->gmem_fd >= 0 ? r->gmem_fd : 0,
	};
	int r2 = kvm_ioctl(mem->vm_fd, KVM_SET_USER_MEMORY_REGION2, &slot);

	return r2 < 0 ? r2 : 0;
}

static int region_create(struct guest_memory *mem, const struct mem_plan *plan,
			 const struct mem_region_plan *rp, struct mem_region *r)
{
	int ret;

	*r = (struct mem_region){
		.kind = rp->kind,
		.gpa = rp->gpa,
		.size = rp->size,
		.slot = mem->nr_regions,
		.gmem_fd = -1,
		.shared_fd = -1,
	};
	if (plan->use_gmem) {
		r->gmem_fd = kvm_create_guest_memfd(mem->vm_fd, r->size,
						    plan->gmem_flags);
		if (r->gmem_fd < 0)
			return r->gmem_fd;
	}
	ret = map_shared(r, plan);
	if (ret < 0)
		return ret;
	return bind_slot(mem, r);
}

static void region_destroy(struct mem_region *r)
{
	if (r->hva)
		munmap(r->hva, r->size);
	if (r->shared_fd >= 0 && r->shared_fd != r->gmem_fd)
		close(r->shared_fd);
	if (r->gmem_fd >= 0)
		close(r->gmem_fd);
	*r = (struct mem_region){ .gmem_fd = -1, .shared_fd = -1 };
}

/* Writers first: a device's next chain must not starve a conversion. */
static void shared_users_init(pthread_rwlock_t *rwlock)
{
	pthread_rwlockattr_t attr;

	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr,
				      PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(rwlock, &attr);
	pthread_rwlockattr_destroy(&attr);
}

int mem_create(struct guest_memory *mem, int vm_fd, const struct mem_plan *plan)
{
	int ret;

	*mem = (struct guest_memory){
		.vm_fd = vm_fd,
		.plan = *plan,
		.set_attributes = mem_kvm_set_attributes,
	};
	pthread_mutex_init(&mem->lock, NULL);
	shared_users_init(&mem->shared_users);
	attr_map_init(&mem->attrs);
	for (unsigned int i = 0; i < plan->nr_regions; i++) {
		ret = region_create(mem, plan, &plan->regions[i],
				    &mem->regions[i]);
		mem->nr_regions++;
		if (ret < 0) {
			mem_destroy(mem);
			return ret;
		}
	}
	return 0;
}

void mem_destroy(struct guest_memory *mem)
{
	for (unsigned int i = 0; i < mem->nr_regions; i++)
		region_destroy(&mem->regions[i]);
	mem->nr_regions = 0;
	mem_convert_fini(mem);
	attr_map_fini(&mem->attrs);
}

struct mem_region *mem_find_region(struct guest_memory *mem, uint64_t gpa,
				   uint64_t len)
{
	uint64_t end;

	if (!add_ok(gpa, len, &end))
		return NULL;
	for (unsigned int i = 0; i < mem->nr_regions; i++) {
		struct mem_region *r = &mem->regions[i];

		if (gpa >= r->gpa && end <= r->gpa + r->size)
			return r;
	}
	return NULL;
}

void *mem_gpa_to_hva(struct guest_memory *mem, uint64_t gpa, uint64_t len)
{
	struct mem_region *r = mem_find_region(mem, gpa, len);

	return r ? r->hva + (gpa - r->gpa) : NULL;
}

int mem_populate(struct guest_memory *mem, uint64_t gpa, const void *src,
		 uint64_t len)
{
	void *dst = mem_gpa_to_hva(mem, gpa, len);

	if (!dst)
		return -EFAULT;
	memcpy(dst, src, len);
	mem->stats.bytes_populated += len;
	return 0;
}
