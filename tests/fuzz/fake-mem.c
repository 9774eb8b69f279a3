// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guest memory on memfds with a fake KVM, and the model the fuzz targets
 * check the conversion engine against (see fake-mem.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fake-mem.h"
#include "lib/kvm-abi.h"

#define MB 0x100000ull

struct fake_mem fm;
static struct guest_memory own_mem;

static const struct {
	uint64_t gpa, size;
	bool gmem;
	uint64_t gmem_offset;
} layout[] = {
	{ 0, 2 * MB, true, 0 },
	{ 2 * MB, 2 * MB, true, 2 * MB },
	{ 6 * MB, 2 * MB, false, 0 },
	{ FM_R3_GPA, 2 * MB, true, 4 * MB },
};

/* Which backing the regions have now; they are rebuilt to change it. */
static int built_backing = -1;

int fake_mem_page(uint64_t gpa)
{
	if (gpa < 4 * MB)
		return gpa / FM_PAGE;
	if (gpa >= FM_R3_GPA && gpa - FM_R3_GPA < 2 * MB)
		return 1024 + (gpa - FM_R3_GPA) / FM_PAGE;
	return -1;
}

static uint64_t page_gpa(int i)
{
	return i < 1024 ? i * FM_PAGE : FM_R3_GPA + (i - 1024) * FM_PAGE;
}

static int fake_set_attributes(struct guest_memory *m, uint64_t gpa,
			       uint64_t size, uint64_t attributes)
{
	int first = fake_mem_page(gpa), last = fake_mem_page(gpa + size - 1);

	FUZZ_CHECK(pthread_mutex_trylock(&m->lock) == EBUSY,
		   "set_attributes should run under mem->lock");
	FUZZ_CHECK(size && !((gpa | size) & (FM_PAGE - 1)),
		   "attributes of 0x%llx+0x%llx should be whole pages",
		   (unsigned long long)gpa, (unsigned long long)size);
	FUZZ_CHECK(attributes == 0 ||
			   attributes == KVM_MEMORY_ATTRIBUTE_PRIVATE,
		   "attributes 0x%llx", (unsigned long long)attributes);
	FUZZ_CHECK(first >= 0 && last >= first &&
			   (uint64_t)(last - first + 1) == size / FM_PAGE,
		   "only guest_memfd RAM should change attributes: 0x%llx+0x%llx",
		   (unsigned long long)gpa, (unsigned long long)size);
	if (++fm.nr_calls == fm.fail_at) {
		fm.failed = true;
		return -fm.fail_errno;
	}
	for (int i = first; i <= last; i++)
		fm.kvm_private[i] = attributes != 0;
	return 0;
}

static int memfd_of(uint64_t size)
{
	int fd = memfd_create("fuzz", MFD_CLOEXEC);

	FUZZ_CHECK(fd >= 0 && ftruncate(fd, size) == 0, "memfd: %s",
		   strerror(errno));
	return fd;
}

static void unbuild(void)
{
	for (unsigned int i = 0; i < fm.mem->nr_regions; i++) {
		struct mem_region *r = &fm.mem->regions[i];

		munmap(r->hva, r->size);
		if (r->shared_fd >= 0)
			close(r->shared_fd);
	}
	if (fm.gmem_fd >= 0)
		close(fm.gmem_fd);
	mem_convert_fini(fm.mem);
	attr_map_fini(&fm.mem->attrs);
}

static void build(enum shared_backing backing)
{
	int prot = PROT_READ | PROT_WRITE;

	if (built_backing >= 0)
		unbuild();
	if (!fm.mem)
		fm.mem = &own_mem;
	*fm.mem = (struct guest_memory){
		.vm_fd = -1,
		.set_attributes = fake_set_attributes,
		.plan = { .backing = backing, .use_gmem = true },
	};
	pthread_mutex_init(&fm.mem->lock, NULL);
	attr_map_init(&fm.mem->attrs);
	fm.gmem_fd = memfd_of(6 * MB);
	for (unsigned int i = 0; i < ARRAY_SIZE(layout); i++) {
		struct mem_region *r = &fm.mem->regions[i];

		*r = (struct mem_region){
			.kind = MEM_REGION_RAM,
			.gpa = layout[i].gpa,
			.size = layout[i].size,
			.slot = i,
			.gmem_fd = layout[i].gmem ? fm.gmem_fd : -1,
			.gmem_offset = layout[i].gmem_offset,
			.shared_fd = -1,
		};
		if (backing == BACKING_ANONYMOUS) {
			r->hva = mmap(NULL, r->size, prot,
				      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		} else {
			r->shared_fd = memfd_of(r->size);
			r->hva = mmap(NULL, r->size, prot, MAP_SHARED,
				      r->shared_fd, 0);
		}
		FUZZ_CHECK(r->hva != MAP_FAILED, "mmap: %s", strerror(errno));
		fm.mem->nr_regions++;
	}
	built_backing = backing;
}

static void punch(int fd, uint64_t off, uint64_t len)
{
	FUZZ_CHECK(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			     off, len) == 0,
		   "punching the fake memory: %s", strerror(errno));
}

void fake_mem_reset(enum shared_backing backing, bool coalesce,
		    bool preallocate)
{
	if (built_backing != (int)backing)
		build(backing);
	mem_convert_fini(fm.mem);
	attr_map_fini(&fm.mem->attrs);
	attr_map_init(&fm.mem->attrs);
	punch(fm.gmem_fd, 0, 6 * MB);
	for (unsigned int i = 0; i < fm.mem->nr_regions; i++) {
		struct mem_region *r = &fm.mem->regions[i];

		if (r->shared_fd >= 0)
			punch(r->shared_fd, 0, r->size);
		else
			madvise(r->hva, r->size, MADV_DONTNEED);
	}
	memset(&fm.mem->stats, 0, sizeof(fm.mem->stats));
	fm.mem->coalesce_discards = coalesce;
	fm.mem->preallocate = preallocate;
	memset(fm.kvm_private, 0, sizeof(fm.kvm_private));
	memset(fm.tag, 0, sizeof(fm.tag));
	memset(fm.touched, 0, sizeof(fm.touched));
	fm.nr_calls = 0;
	fm.fail_at = 0;
	fm.failed = false;
}

uint64_t fake_mem_pick_gpa(struct fuzz_input *in)
{
	static const uint64_t bases[] = {
		0, 2 * MB, 4 * MB, 6 * MB, 8 * MB, FM_R3_GPA,
		FM_R3_GPA + 2 * MB, 0xc0000000ull, 0xfec00000ull,
		~0ull - FM_PAGE + 1, 1ull << 52,
	};
	uint8_t sel = fuzz_u8(in);
	uint64_t gpa;

	if (sel % 8 == 0)
		return fuzz_u64(in);
	gpa = bases[fuzz_u8(in) % ARRAY_SIZE(bases)];
	gpa += (uint64_t)(int64_t)(int16_t)fuzz_u16(in) * FM_PAGE;
	if (sel % 8 == 1)
		gpa += fuzz_u16(in) & (FM_PAGE - 1);
	return gpa;
}

void fake_mem_arm_failure(struct fuzz_input *in)
{
	static const int errnos[] = { EFAULT, ENOMEM, EINVAL, EAGAIN };
	uint8_t v = fuzz_u8(in);

	fm.fail_at = fm.nr_calls + 1 + v % 4;
	fm.fail_errno = errnos[(v >> 2) % ARRAY_SIZE(errnos)];
}

/* The region holding gpa, which must be RAM. */
static struct mem_region *region_of(uint64_t gpa)
{
	struct mem_region *r = mem_find_region(fm.mem, gpa, 8);

	FUZZ_CHECK(r, "no region at 0x%llx", (unsigned long long)gpa);
	return r;
}

/* Read or write the first word of page i on one side. */
static void side_io(int i, bool private, uint64_t *v, bool write)
{
	uint64_t gpa = page_gpa(i);
	struct mem_region *r = region_of(gpa);
	int fd = private ? fm.gmem_fd : r->shared_fd;
	uint64_t off = private ? r->gmem_offset + (gpa - r->gpa) : gpa - r->gpa;
	ssize_t n;

	if (fd < 0) {
		if (write)
			memcpy(r->hva + off, v, sizeof(*v));
		else
			memcpy(v, r->hva + off, sizeof(*v));
		return;
	}
	if (write)
		n = pwrite(fd, v, sizeof(*v), off);
	else
		n = pread(fd, v, sizeof(*v), off);
	FUZZ_CHECK(n == sizeof(*v), "page %d: %s", i, strerror(errno));
}

void fake_mem_op_start(void)
{
	memcpy(fm.before, fm.kvm_private, sizeof(fm.before));
	fm.failed = false;
}

/* The map must hold exactly KVM's view: walk its private ranges. */
static void check_map(void)
{
	bool seen[FM_PAGES] = { 0 };
	uint64_t start, end, gpa = 0, bytes = 0;

	FUZZ_CHECK(attr_map_check(&fm.mem->attrs) == 0, "map invariants");
	while (attr_map_next(&fm.mem->attrs, gpa, &start, &end)) {
		for (uint64_t p = start; p < end; p += FM_PAGE) {
			int i = fake_mem_page(p);

			FUZZ_CHECK(i >= 0, "private 0x%llx is not gmem RAM",
				   (unsigned long long)p);
			seen[i] = true;
		}
		bytes += end - start;
		gpa = end;
	}
	FUZZ_CHECK(!memcmp(seen, fm.kvm_private, sizeof(seen)),
		   "the map differs from what KVM was told");
	FUZZ_CHECK(bytes == fm.mem->attrs.private_bytes, "private_bytes");
}

/*
 * A page that changed state shows the other side, which must be empty;
 * the guest then writes to it. The first and last few pages of a change
 * do, as a sample: touching every page would cost the fuzzer most of its
 * speed in page allocations.
 */
#define FM_SAMPLE 16

void fake_mem_op_end(void)
{
	int changed = 0, seen = 0;

	check_map();
	for (int i = 0; i < FM_PAGES; i++)
		changed += fm.before[i] != fm.kvm_private[i];
	for (int i = 0; i < FM_PAGES; i++) {
		uint64_t zero = 0;

		if (fm.before[i] == fm.kvm_private[i])
			continue;
		fm.tag[i] = 0;
		if (seen++ >= FM_SAMPLE && seen <= changed - FM_SAMPLE)
			continue;
		side_io(i, fm.kvm_private[i], &zero, false);
		FUZZ_CHECK(zero == 0, "page %d went %s with old data on it", i,
			   fm.kvm_private[i] ? "private" : "shared");
		/* The guest writes to it. */
		fm.tag[i] = ++fm.next_tag;
		side_io(i, fm.kvm_private[i], &fm.tag[i], true);
		fm.touched[i] = true;
	}
}

void fake_mem_check_range(uint64_t gpa, uint64_t end, bool private)
{
	for (int i = 0; i < FM_PAGES; i++) {
		uint64_t p = page_gpa(i);

		FUZZ_CHECK(p < gpa || p >= end || fm.kvm_private[i] == private,
			   "page 0x%llx should be %s", (unsigned long long)p,
			   private ? "private" : "shared");
	}
}

void fake_mem_check_all(void)
{
	FUZZ_CHECK(mem_convert_flush(fm.mem) == 0, "flush");
	check_map();
	for (int i = 0; i < FM_PAGES; i++) {
		uint64_t live, dead;

		if (!fm.touched[i])
			continue;
		side_io(i, fm.kvm_private[i], &live, false);
		side_io(i, !fm.kvm_private[i], &dead, false);
		FUZZ_CHECK(live == fm.tag[i],
			   "page %d (%s) lost what the guest wrote: 0x%llx, not 0x%llx",
			   i, fm.kvm_private[i] ? "private" : "shared",
			   (unsigned long long)live,
			   (unsigned long long)fm.tag[i]);
		FUZZ_CHECK(dead == 0, "page %d's dead side holds 0x%llx", i,
			   (unsigned long long)dead);
	}
}
