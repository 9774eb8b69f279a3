// SPDX-License-Identifier: GPL-2.0-only
/*
 * How much memory each side of guest RAM holds now, measured from the
 * files themselves rather than from the engine's counters, so that tests
 * can prove there is no double allocation.
 *
 * - guest_memfd and memfd (shmem, also with THP): cachestat(2) (Linux
 *   6.5) over the region's window of the file, which counts the folios in
 *   its page cache. guest_memfd has no llseek (lseek fails with ESPIPE)
 *   and keeps st_blocks at 0, and a SEEK_DATA walk on shmem skips pages
 *   that fallocate() allocated but nobody wrote yet (preallocation), so
 *   a SEEK_DATA/SEEK_HOLE walk is only the fallback for kernels without
 *   cachestat. Swapped-out shmem pages are not counted.
 * - hugetlbfs treats the whole file as data for SEEK_DATA and refuses
 *   cachestat, and anonymous memory has no file: both are measured with
 *   mincore() on the region's mapping, which also counts pages mapped to
 *   the shared zero page by a read.
 */
#include <errno.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/util.h"
#include "memory/convert.h"

/* cachestat(2): not in the libc or uapi headers cvmm builds against. */
#ifndef __NR_cachestat
#define __NR_cachestat 451
#endif

struct cvmm_cachestat_range {
	uint64_t off;
	uint64_t len;
};

struct cvmm_cachestat {
	uint64_t nr_cache;
	uint64_t nr_dirty;
	uint64_t nr_writeback;
	uint64_t nr_evicted;
	uint64_t nr_recently_evicted;
};

int mem_file_data_bytes(int fd, uint64_t off, uint64_t len,
			uint64_t *ret_bytes)
{
	uint64_t end = off + len, total = 0;
	off_t data, hole;

	while (off < end) {
		data = lseek(fd, (off_t)off, SEEK_DATA);
		if (data < 0 && errno == ENXIO)
			break;
		if (data < 0)
			return -errno;
		if ((uint64_t)data >= end)
			break;
		hole = lseek(fd, data, SEEK_HOLE);
		if (hole < 0)
			return -errno;
		total += MIN((uint64_t)hole, end) - (uint64_t)data;
		off = (uint64_t)hole;
	}
	*ret_bytes = total;
	return 0;
}

int mem_file_cached_bytes(int fd, uint64_t off, uint64_t len,
			  uint64_t *ret_bytes)
{
	struct cvmm_cachestat_range range = { .off = off, .len = len };
	struct cvmm_cachestat cs = { 0 };

	/* len 0 would mean "to the end of the file". */
	if (!len) {
		*ret_bytes = 0;
		return 0;
	}
	if (syscall(__NR_cachestat, fd, &range, &cs, 0) < 0)
		return -errno;
	*ret_bytes = cs.nr_cache * PAGE_SIZE;
	return 0;
}

int mem_file_allocated_bytes(int fd, uint64_t off, uint64_t len,
			     uint64_t *ret_bytes)
{
	int r = mem_file_cached_bytes(fd, off, len, ret_bytes);

	if (r != -ENOSYS)
		return r;
	return mem_file_data_bytes(fd, off, len, ret_bytes);
}

static int resident_bytes(const uint8_t *hva, uint64_t len,
			  uint64_t *ret_bytes)
{
	unsigned char vec[4096];
	uint64_t done, chunk, total = 0;

	for (done = 0; done < len; done += chunk) {
		chunk = MIN(len - done, sizeof(vec) * PAGE_SIZE);
		if (mincore((void *)(hva + done), chunk, vec) < 0)
			return -errno;
		for (uint64_t i = 0; i < chunk / PAGE_SIZE; i++)
			total += (vec[i] & 1) * PAGE_SIZE;
	}
	*ret_bytes = total;
	return 0;
}

/* Allocated bytes of the shared side of [gpa, gpa + len) in reg. */
static int shared_bytes(struct guest_memory *mem, struct mem_region *reg,
			uint64_t gpa, uint64_t len, uint64_t *ret_bytes)
{
	uint64_t off = gpa - reg->gpa;

	/* A shared_fd's offset 0 is the region's first byte (region.c). */
	if (reg->shared_fd >= 0 && mem->plan.backing != BACKING_HUGETLBFS_2M)
		return mem_file_allocated_bytes(reg->shared_fd, off, len,
						ret_bytes);
	if (!reg->hva) {
		*ret_bytes = 0;
		return 0;
	}
	return resident_bytes(reg->hva + off, len, ret_bytes);
}

/*
 * A guest_memfd that is also the shared side (BACKING_GUEST_MEMFD) is
 * counted once, as guest_memfd. Windows must be page aligned.
 */
int mem_range_allocated_bytes(struct guest_memory *mem, uint64_t gpa,
			      uint64_t len, uint64_t *ret_gmem,
			      uint64_t *ret_shared)
{
	uint64_t gmem = 0, shared = 0, end, n;
	int r;

	if (!add_ok(gpa, len, &end) || !IS_ALIGNED(gpa | len, PAGE_SIZE))
		return -EINVAL;
	for (unsigned int i = 0; i < mem->nr_regions; i++) {
		struct mem_region *reg = &mem->regions[i];
		uint64_t start = MAX(gpa, reg->gpa);
		uint64_t stop = MIN(end, reg->gpa + reg->size);

		if (start >= stop)
			continue;
		if (reg->gmem_fd >= 0) {
			r = mem_file_allocated_bytes(reg->gmem_fd,
						     reg->gmem_offset +
						     (start - reg->gpa),
						     stop - start, &n);
			if (r < 0)
				return r;
			gmem += n;
			if (reg->shared_fd == reg->gmem_fd)
				continue;
		}
		r = shared_bytes(mem, reg, start, stop - start, &n);
		if (r < 0)
			return r;
		shared += n;
	}
	*ret_gmem = gmem;
	*ret_shared = shared;
	return 0;
}

int mem_allocated_bytes(struct guest_memory *mem, uint64_t *ret_gmem,
			uint64_t *ret_shared)
{
	uint64_t all = ALIGN_DOWN(UINT64_MAX, PAGE_SIZE);

	return mem_range_allocated_bytes(mem, 0, all, ret_gmem, ret_shared);
}
