// SPDX-License-Identifier: GPL-2.0-only
/*
 * The conversion engine without KVM: regions whose "guest_memfd" and shared
 * backing are memfds, and a fake set_attributes that records each call and
 * keeps KVM's view of every page, so the tests can count syscalls, read
 * both sides of every page and measure the files.
 *
 * Layout: R0 [0, 8M) and R1 [8M, 12M) share one guest_memfd (R1 at offset
 * 8M) and have a memfd each for the shared side; [12M, 16M) is a hole
 * (MMIO); R2 [16M, 18M) is RAM without a guest_memfd.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include "devices/virtio/virtio.h"
#include "memory/convert.h"
#include "tests/test.h"
#include "lib/kvm-abi.h"

#define PG 0x1000ull
#define MB 0x100000ull
#define GMEM_SIZE (12 * MB)
#define HOLE_GPA (12 * MB)
#define R2_GPA (16 * MB)
#define R2_SIZE (2 * MB)
#define TOP_GPA (18 * MB)
#define NR_PAGES (TOP_GPA / PG)
#define GMEM_PAGES (GMEM_SIZE / PG)

#define ENC KVM_MAP_GPA_RANGE_ENCRYPTED
#define SZ2M KVM_MAP_GPA_RANGE_PAGE_SZ_2M
#define SZ1G KVM_MAP_GPA_RANGE_PAGE_SZ_1G

/* Allocations fail while these are set (the test links with --wrap). */
static bool fail_malloc, fail_calloc;
void *__real_malloc(size_t size);
void *__wrap_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__wrap_calloc(size_t n, size_t size);

void *__wrap_malloc(size_t size)
{
	return fail_malloc ? NULL : __real_malloc(size);
}

void *__wrap_calloc(size_t n, size_t size)
{
	return fail_calloc ? NULL : __real_calloc(n, size);
}

/*
 * Every syscall the engine makes can fail on demand: fallocate (punch and
 * allocation) and madvise through --wrap, the attributes call in the fake
 * KVM below. inject.calls counts them all; the one numbered inject.fail_at
 * (1-based) fails with inject.err and counts in inject.failed.
 */
static struct {
	unsigned int calls, fail_at, failed;
	int err;
} inject;

static bool inject_now(void)
{
	if (++inject.calls != inject.fail_at)
		return false;
	inject.failed++;
	errno = inject.err;
	return true;
}

int __real_fallocate64(int fd, int mode, off_t off, off_t len);
int __wrap_fallocate64(int fd, int mode, off_t off, off_t len);
int __real_madvise(void *addr, size_t len, int advice);
int __wrap_madvise(void *addr, size_t len, int advice);

int __wrap_fallocate64(int fd, int mode, off_t off, off_t len)
{
	return inject_now() ? -1 : __real_fallocate64(fd, mode, off, len);
}

int __wrap_madvise(void *addr, size_t len, int advice)
{
	return inject_now() ? -1 : __real_madvise(addr, len, advice);
}

static void inject_at(unsigned int nth_from_now, int err)
{
	inject.fail_at = inject.calls + nth_from_now;
	inject.err = err;
}

/* What the fake KVM saw. */
static struct {
	unsigned int nr_calls;
	uint64_t last_gpa, last_size, last_attrs;
	/* Fail call number fail_at (1-based) with fail_errno. */
	unsigned int fail_at;
	int fail_errno;
	bool private[NR_PAGES];
	/*
	 * A vCPU racing the engine: right after KVM takes the new attributes
	 * it writes race_seed[page] to the side that just went live, before
	 * the engine gets to its discards.
	 */
	bool race;
	uint64_t race_seed[NR_PAGES];
	uint64_t next_race_seed;
} kvm;

static struct guest_memory mem;
static int gmem_fd = -1;
static uint8_t *gmem_hva;

static uint64_t *shared_page(uint64_t gpa);
static uint64_t *gmem_page(uint64_t gpa);
static unsigned int pages_private(uint64_t gpa, uint64_t n);
static void fill(uint64_t *page, uint64_t seed);

static int fake_set_attributes(struct guest_memory *m, uint64_t gpa,
			       uint64_t size, uint64_t attributes)
{
	EXPECT(pthread_mutex_trylock(&m->lock) == EBUSY,
	       "set_attributes should run under mem->lock");
	EXPECT(size && IS_ALIGNED(gpa, PG) && IS_ALIGNED(size, PG),
	       "attributes range should be page aligned and nonempty");
	EXPECT(attributes == 0 || attributes == KVM_MEMORY_ATTRIBUTE_PRIVATE,
	       "attributes should be 0 or PRIVATE");
	EXPECT(gpa + size <= HOLE_GPA,
	       "only guest_memfd RAM should change attributes");
	kvm.nr_calls++;
	if (kvm.nr_calls == kvm.fail_at)
		return -kvm.fail_errno;
	if (inject_now())
		return -inject.err;
	kvm.last_gpa = gpa;
	kvm.last_size = size;
	kvm.last_attrs = attributes;
	for (uint64_t p = gpa / PG; p < (gpa + size) / PG && p < NR_PAGES;
	     p++) {
		kvm.private[p] = attributes != 0;
		if (!kvm.race)
			continue;
		kvm.race_seed[p] = ++kvm.next_race_seed << 24;
		fill(attributes ? gmem_page(p * PG) : shared_page(p * PG),
		     kvm.race_seed[p]);
	}
	return 0;
}

static void add_region(enum mem_region_kind kind, uint64_t gpa, uint64_t size,
		       int fd, uint64_t gmem_off)
{
	struct mem_region *reg = &mem.regions[mem.nr_regions];
	void *hva;

	*reg = (struct mem_region){
		.kind = kind, .gpa = gpa, .size = size,
		.slot = mem.nr_regions, .gmem_fd = fd, .gmem_offset = gmem_off,
		.shared_fd = -1,
	};
	if (mem.plan.backing == BACKING_ANONYMOUS) {
		hva = mmap(NULL, size, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	} else {
		reg->shared_fd = memfd_create("test-shared", MFD_CLOEXEC);
		EXPECT(reg->shared_fd >= 0, "shared memfd should be created");
		EXPECT(ftruncate(reg->shared_fd, size) == 0,
		       "shared memfd should be sized");
		hva = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
			   reg->shared_fd, 0);
	}
	EXPECT(hva != MAP_FAILED, "shared side should map");
	reg->hva = hva;
	mem.nr_regions++;
}

static void setup(enum shared_backing backing, bool coalesce)
{
	memset(&kvm, 0, sizeof(kvm));
	memset(&inject, 0, sizeof(inject));
	mem = (struct guest_memory){
		.vm_fd = -1,
		.set_attributes = fake_set_attributes,
		.coalesce_discards = coalesce,
		.plan = { .backing = backing, .use_gmem = true },
	};
	pthread_mutex_init(&mem.lock, NULL);
	attr_map_init(&mem.attrs);
	gmem_fd = memfd_create("test-gmem", MFD_CLOEXEC);
	EXPECT(gmem_fd >= 0 && ftruncate(gmem_fd, GMEM_SIZE) == 0,
	       "gmem memfd should be created");
	gmem_hva = mmap(NULL, GMEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
			gmem_fd, 0);
	EXPECT(gmem_hva != MAP_FAILED, "gmem memfd should map");
	add_region(MEM_REGION_RAM, 0, 8 * MB, gmem_fd, 0);
	add_region(MEM_REGION_RAM, 8 * MB, 4 * MB, gmem_fd, 8 * MB);
	add_region(MEM_REGION_RAM, R2_GPA, R2_SIZE, -1, 0);
}

static void teardown(void)
{
	mem_convert_fini(&mem);
	attr_map_fini(&mem.attrs);
	for (unsigned int i = 0; i < mem.nr_regions; i++) {
		munmap(mem.regions[i].hva, mem.regions[i].size);
		if (mem.regions[i].shared_fd >= 0)
			close(mem.regions[i].shared_fd);
	}
	munmap(gmem_hva, GMEM_SIZE);
	close(gmem_fd);
	pthread_mutex_destroy(&mem.lock);
}

static uint64_t syscalls(void)
{
	return mem.stats.attr_calls + mem.stats.gmem_discards +
	       mem.stats.shared_discards + mem.stats.gmem_allocs;
}

static void reset_stats(void)
{
	mem.stats = (struct mem_stats){ 0 };
	kvm.nr_calls = 0;
}

static uint64_t *shared_page(uint64_t gpa)
{
	for (unsigned int i = 0; i < mem.nr_regions; i++) {
		struct mem_region *reg = &mem.regions[i];

		if (gpa >= reg->gpa && gpa < reg->gpa + reg->size)
			return (uint64_t *)(reg->hva + (gpa - reg->gpa));
	}
	return NULL;
}

static uint64_t *gmem_page(uint64_t gpa)
{
	return (uint64_t *)(gmem_hva + gpa);
}

static void fill(uint64_t *page, uint64_t seed)
{
	for (unsigned int i = 0; i < PG / 8; i++)
		page[i] = seed + i;
}

static bool holds(const uint64_t *page, uint64_t seed)
{
	for (unsigned int i = 0; i < PG / 8; i++)
		if (page[i] != (seed ? seed + i : 0))
			return false;
	return true;
}

/* Stop a long loop at its first failure, not at an earlier test's. */
#define FAILED_SINCE(before) (test_failed_checks != (before))

static void expect_map_matches_kvm(const char *what)
{
	unsigned int bad = 0;

	for (uint64_t p = 0; p < NR_PAGES; p++)
		bad += kvm.private[p] !=
		       attr_map_is_private(&mem.attrs, p * PG);
	EXPECT_EQ(bad, 0, "%s: the map should equal KVM's attributes", what);
	EXPECT_EQ(attr_map_check(&mem.attrs), 0, "%s: map invariants", what);
}

/*
 * KVM 7.2 takes 0, EINVAL or EAGAIN in hypercall.ret and fails KVM_RUN on
 * anything else (kvm_is_valid_map_gpa_range_ret()). EINVAL is for a
 * request refused before anything changed, EAGAIN for the host's failure,
 * the only kind that can come after a first part changed.
 */
static int map_gpa_done(uint64_t gpa, uint64_t npages, uint64_t attrs,
			uint64_t *ret_hc, uint64_t *ret_done)
{
	int r = mem_map_gpa_range(&mem, gpa, npages, attrs, ret_hc, ret_done);

	EXPECT(r == 0 ? *ret_hc == 0 : *ret_hc == EINVAL || *ret_hc == EAGAIN,
	       "hypercall ret should follow the result (r %d, ret %" PRIu64 ")",
	       r, *ret_hc);
	EXPECT(*ret_done == gpa || *ret_hc != EINVAL,
	       "EINVAL only when nothing changed (done 0x%" PRIx64 ")",
	       *ret_done);
	return r;
}

static int map_gpa(uint64_t gpa, uint64_t npages, uint64_t attrs)
{
	uint64_t hc = 0xdead, done = 0xdead;

	return map_gpa_done(gpa, npages, attrs, &hc, &done);
}

static void expect_allocated(uint64_t want_gmem, uint64_t want_shared,
			     const char *what)
{
	uint64_t gmem = ~0ull, shared = ~0ull, data = ~0ull;

	EXPECT_EQ(mem_allocated_bytes(&mem, &gmem, &shared), 0,
		  "%s: allocated bytes should be measurable", what);
	EXPECT_EQ(gmem, want_gmem, "%s: guest_memfd bytes", what);
	EXPECT_EQ(shared, want_shared, "%s: shared bytes", what);
	if (mem.preallocate)
		return;
	/* Written pages only: the SEEK_DATA fallback agrees. */
	EXPECT_EQ(mem_file_data_bytes(gmem_fd, 0, GMEM_SIZE, &data), 0,
		  "%s: SEEK_DATA should work on a memfd", what);
	EXPECT_EQ(data, want_gmem, "%s: SEEK_DATA agrees with cachestat", what);
}

static void test_252_contiguous_pages(void)
{
	for (int coalesce = 0; coalesce < 2; coalesce++) {
		uint64_t gpa = 1 * MB;

		setup(BACKING_MEMFD, coalesce);
		EXPECT_EQ(map_gpa(gpa, 252, ENC), 0,
			  "252 pages should go private");
		EXPECT_EQ(mem_convert_flush(&mem), 0, "flush should succeed");
		printf("252 pages to private, coalesce %d: attr_calls %" PRIu64
		       " shared_discards %" PRIu64 " total %" PRIu64 "\n",
		       coalesce, mem.stats.attr_calls,
		       mem.stats.shared_discards, syscalls());
		EXPECT_EQ(mem.stats.attr_calls, 1, "one attributes call");
		EXPECT_EQ(mem.stats.shared_discards, 1, "one shared discard");
		EXPECT(syscalls() <= 3, "at most 3 engine syscalls");
		EXPECT_EQ(kvm.last_gpa, gpa, "the call covers the range");
		EXPECT_EQ(kvm.last_size, 252 * PG, "the call covers the range");
		EXPECT_EQ(mem.stats.pages_to_private, 252, "pages counted");
		EXPECT_EQ(mem.stats.runs, 1, "one run");
		EXPECT_EQ(mem.stats.conversions_explicit, 1, "one conversion");

		reset_stats();
		EXPECT_EQ(map_gpa(gpa, 252, 0), 0,
			  "252 pages should go shared");
		EXPECT_EQ(mem_convert_flush(&mem), 0, "flush should succeed");
		printf("252 pages to shared, coalesce %d: attr_calls %" PRIu64
		       " gmem_discards %" PRIu64 " total %" PRIu64 "\n",
		       coalesce, mem.stats.attr_calls, mem.stats.gmem_discards,
		       syscalls());
		EXPECT_EQ(mem.stats.attr_calls, 1, "one attributes call");
		EXPECT_EQ(mem.stats.gmem_discards, 1,
			  "one guest_memfd discard");
		EXPECT(syscalls() <= 3, "at most 3 engine syscalls");
		expect_map_matches_kvm("252 pages");
		teardown();
	}
}

static void test_request_in_target_state_is_free(void)
{
	setup(BACKING_MEMFD, false);
	EXPECT_EQ(map_gpa(0, 16, 0), 0, "sharing shared memory succeeds");
	EXPECT_EQ(syscalls(), 0, "and costs no syscall");
	EXPECT_EQ(map_gpa(0, 16, ENC), 0, "private");
	reset_stats();
	EXPECT_EQ(map_gpa(0, 16, ENC), 0, "private again succeeds");
	EXPECT_EQ(syscalls(), 0, "and costs no syscall");
	teardown();
}

/* Every other page private; then the whole stretch: k runs. */
static void test_k_runs_cost_o_k(void)
{
	const unsigned int k = 50;

	for (int coalesce = 0; coalesce < 2; coalesce++) {
		uint64_t base = 2 * MB;

		setup(BACKING_MEMFD, coalesce);
		for (unsigned int i = 0; i < k; i++)
			EXPECT_EQ(mem_convert(&mem, base + 2 * i * PG, PG, true,
					      CONV_ORIGIN_LAUNCH, NULL), 0,
				  "setup");
		EXPECT_EQ(mem.attrs.nr_ranges, k, "k private ranges");
		EXPECT_EQ(mem.stats.conversions_launch, k, "launch counted");
		EXPECT_EQ(mem_convert_flush(&mem), 0, "flush");
		reset_stats();
		EXPECT_EQ(map_gpa(base, 2 * k, ENC), 0, "k runs go private");
		EXPECT_EQ(mem_convert_flush(&mem), 0, "flush");
		printf("%u runs, coalesce %d: attr_calls %" PRIu64
		       " shared_discards %" PRIu64 "\n", k, coalesce,
		       mem.stats.attr_calls, mem.stats.shared_discards);
		EXPECT_EQ(mem.stats.attr_calls, k,
			  "one attributes call per run");
		EXPECT_EQ(mem.stats.runs, k, "k runs counted");
		EXPECT_EQ(mem.stats.shared_discards, coalesce ? 1 : k,
			  "discards: one per run, or merged over private gaps");
		EXPECT_EQ(mem.attrs.nr_ranges, 1, "one range in the end");
		expect_map_matches_kvm("k runs");
		teardown();
	}
}

static void stream(uint64_t first, unsigned int n, int step, uint64_t attrs)
{
	for (unsigned int i = 0; i < n; i++)
		EXPECT_EQ(map_gpa(first + (int64_t)i * step * (int64_t)PG, 1,
				  attrs), 0, "single page %u", i);
}

static void test_adjacent_single_pages_coalesce(void)
{
	setup(BACKING_MEMFD, true);
	EXPECT_EQ(map_gpa(0, 2048, ENC), 0, "8M private");
	EXPECT_EQ(mem_convert_flush(&mem), 0, "flush");

	reset_stats();
	stream(1 * MB, 64, 1, 0);
	EXPECT_EQ(mem.stats.attr_calls, 64, "one attributes call per page");
	EXPECT_EQ(mem.stats.gmem_discards, 0, "discards wait while adjacent");
	EXPECT_EQ(mem_convert_flush(&mem), 0, "flush");
	EXPECT_EQ(mem.stats.gmem_discards, 1, "then one discard for all");

	reset_stats();
	stream(3 * MB - PG, 64, -1, 0);
	EXPECT_EQ(mem_convert_flush(&mem), 0, "flush");
	EXPECT_EQ(mem.stats.gmem_discards, 1, "descending pages coalesce too");

	reset_stats();
	stream(4 * MB, 600, 1, 0);
	EXPECT_EQ(mem.stats.gmem_discards, 1, "flushed on reaching 2M");
	EXPECT_EQ(mem_convert_flush(&mem), 0, "flush");
	EXPECT_EQ(mem.stats.gmem_discards, 2, "and the rest at the flush");

	reset_stats();
	stream(7 * MB, 8, 2, 0);
	EXPECT_EQ(mem_convert_flush(&mem), 0, "flush");
	EXPECT_EQ(mem.stats.gmem_discards, 8,
		  "pages with private gaps between them are not merged");
	expect_map_matches_kvm("streams");
	teardown();

	setup(BACKING_MEMFD, false);
	EXPECT_EQ(map_gpa(0, 2048, ENC), 0, "8M private");
	reset_stats();
	stream(1 * MB, 64, 1, 0);
	EXPECT_EQ(mem.stats.gmem_discards, 64, "without coalescing: one each");
	teardown();
}

static void test_2m_handled_as_2m(void)
{
	setup(BACKING_MEMFD, true);
	EXPECT_EQ(map_gpa(2 * MB, 512, ENC | SZ2M), 0, "2M private");
	EXPECT_EQ(mem.stats.attr_calls, 1, "one attributes call");
	EXPECT_EQ(kvm.last_size, 2 * MB, "of 2M");
	EXPECT_EQ(mem.stats.shared_discards, 1, "one discard, not deferred");

	reset_stats();
	EXPECT_EQ(map_gpa(4 * MB, 1024, ENC | SZ2M), 0, "4M private");
	EXPECT_EQ(mem.stats.attr_calls, 1, "one call for the merged run");
	EXPECT_EQ(mem.stats.shared_discards, 1, "one discard");

	reset_stats();
	EXPECT_EQ(map_gpa(2 * MB, 512, SZ2M), 0, "a 2M shared request");
	EXPECT(!attr_map_is_private(&mem.attrs, 2 * MB),
	       "a 2M shared request makes the range shared, not private");
	EXPECT_EQ(kvm.last_attrs, 0, "KVM was told shared");
	EXPECT_EQ(mem.stats.gmem_discards, 1, "one guest_memfd discard");

	reset_stats();
	EXPECT_EQ(map_gpa(0, 2048, ENC | SZ2M), 0, "4 x 2M spanning runs");
	EXPECT_EQ(mem_convert_flush(&mem), 0, "flush");
	EXPECT_EQ(mem.stats.attr_calls, 1, "[0, 4M) is one shared run");
	expect_map_matches_kvm("2M");
	teardown();
}

/*
 * Issue 17, case 3: Linux's snp_begin_psc() resumes a partly done 2M PSC
 * entry as gpa = gfn + cur_page, npages = 512 - cur_page with the entry's
 * 2M hint, and handles it as 4K pages. The hint is advisory: the request
 * is served like any 4K one.
 */
static void test_size_hint_is_advisory(void)
{
	for (uint64_t cur_page = 1; cur_page < 512; cur_page += 73) {
		uint64_t gfn_gpa = 4 * MB, gpa = gfn_gpa + cur_page * PG;
		uint64_t hc = 0xdead, done = 0;

		setup(BACKING_MEMFD, true);
		EXPECT_EQ(map_gpa(gfn_gpa, cur_page, ENC), 0,
			  "the entry's first %" PRIu64 " pages private",
			  cur_page);
		EXPECT_EQ(mem_map_gpa_range(&mem, gpa, 512 - cur_page,
					    ENC | SZ2M, &hc, &done), 0,
			  "cur_page %" PRIu64 ": the rest with the 2M hint",
			  cur_page);
		EXPECT_EQ(hc, 0, "the guest gets 0");
		EXPECT_EQ(done, gfn_gpa + 2 * MB, "the whole rest converted");
		EXPECT_EQ(pages_private(gfn_gpa, 512), 512,
			  "cur_page %" PRIu64 ": the 2M entry is private",
			  cur_page);
		EXPECT_EQ(mem_map_gpa_range(&mem, gpa, 512 - cur_page, SZ2M,
					    &hc, NULL), 0,
			  "and shared again with the hint");
		EXPECT_EQ(pages_private(gpa, 512 - cur_page), 0,
			  "cur_page %" PRIu64 ": the rest is shared", cur_page);
		expect_map_matches_kvm("partial 2M entries");
		teardown();
	}
	setup(BACKING_MEMFD, false);
	EXPECT_EQ(map_gpa(4 * PG, 3, ENC | SZ1G), 0,
		  "a 1G hint on three 4K pages is served too");
	EXPECT_EQ(pages_private(4 * PG, 3), 3, "as three pages");
	teardown();
}

static void test_run_across_regions(void)
{
	setup(BACKING_MEMFD, false);
	EXPECT_EQ(map_gpa(8 * MB - 4 * PG, 8, ENC), 0, "across R0 and R1");
	EXPECT_EQ(mem.stats.attr_calls, 1, "one attributes call for the run");
	EXPECT_EQ(mem.stats.shared_discards, 2, "one discard per file");
	reset_stats();
	fill(gmem_page(8 * MB), 0x5eed);
	EXPECT_EQ(map_gpa(8 * MB - 4 * PG, 8, 0), 0, "back to shared");
	EXPECT_EQ(mem.stats.gmem_discards, 2,
		  "one guest_memfd punch per region");
	EXPECT(holds(gmem_page(8 * MB), 0),
	       "R1's guest_memfd is punched at its own offset");
	teardown();
}

/* The worst bug: a deferred discard landing on a side that is live again. */
static void test_pending_discard_never_destroys_live_data(void)
{
	uint64_t p = 5 * MB;

	setup(BACKING_MEMFD, true);
	fill(shared_page(p), 0xa);
	EXPECT_EQ(map_gpa(p, 1, ENC), 0, "private (shared discard pending)");
	EXPECT(holds(shared_page(p), 0xa), "the discard is really deferred");
	fill(gmem_page(p), 0xc);
	EXPECT_EQ(map_gpa(p, 1, 0), 0, "shared again");
	EXPECT(holds(shared_page(p), 0),
	       "a page made private then shared reads zero");
	fill(shared_page(p), 0xb);
	stream(p + PG, 8, 1, ENC);
	stream(p + PG, 8, 1, 0);
	EXPECT_EQ(mem_convert_flush(&mem), 0, "flush");
	EXPECT(holds(shared_page(p), 0xb),
	       "what the guest wrote after sharing survives every flush");

	/* The other direction: guest_memfd discard pending, then private. */
	EXPECT_EQ(map_gpa(p, 1, ENC), 0, "private");
	fill(gmem_page(p), 0xd);
	EXPECT_EQ(map_gpa(p, 1, 0), 0, "shared (guest_memfd discard pending)");
	EXPECT_EQ(map_gpa(p, 1, ENC), 0, "private again");
	EXPECT(holds(gmem_page(p), 0), "private memory starts from zero");
	fill(gmem_page(p), 0xe);
	EXPECT_EQ(mem_convert_flush(&mem), 0, "flush");
	EXPECT(holds(gmem_page(p), 0xe), "private data survives the flush");

	/* An extent that bridged a private gap, then the gap goes shared. */
	EXPECT_EQ(map_gpa(6 * MB + PG, 1, ENC), 0, "gap page private");
	EXPECT_EQ(mem_convert_flush(&mem), 0, "flush");
	fill(shared_page(6 * MB + PG), 0xf);
	EXPECT_EQ(map_gpa(6 * MB, 1, ENC), 0, "left page private");
	EXPECT_EQ(map_gpa(6 * MB + 2 * PG, 1, ENC), 0, "right page private");
	EXPECT_EQ(map_gpa(6 * MB + PG, 1, 0), 0, "gap page shared");
	EXPECT(holds(shared_page(6 * MB + PG), 0), "gap page reads zero");
	fill(shared_page(6 * MB + PG), 0x10);
	EXPECT_EQ(mem_convert_flush(&mem), 0, "flush");
	EXPECT(holds(shared_page(6 * MB + PG), 0x10),
	       "the bridged extent never punches the live gap page");

	/* A vCPU writes the moment KVM makes the page shared again. */
	EXPECT_EQ(map_gpa(p, 1, 0), 0, "shared");
	EXPECT_EQ(mem_convert_flush(&mem), 0, "flush");
	kvm.race = true;
	EXPECT_EQ(map_gpa(p, 1, ENC), 0, "private (shared discard pending)");
	EXPECT_EQ(map_gpa(p, 1, 0), 0, "shared again");
	EXPECT(holds(shared_page(p), kvm.race_seed[p / PG]),
	       "a write right after the attributes call survives");
	EXPECT_EQ(mem_convert_flush(&mem), 0, "flush");
	EXPECT(holds(shared_page(p), kvm.race_seed[p / PG]),
	       "and survives the flush");
	expect_map_matches_kvm("pending");
	teardown();
}

static void test_contents(void)
{
	for (int coalesce = 0; coalesce < 2; coalesce++) {
		int failed = test_failed_checks;

		setup(BACKING_MEMFD, coalesce);
		for (uint64_t gpa = 0; gpa < GMEM_SIZE; gpa += PG)
			fill(shared_page(gpa), gpa | 1);
		for (uint64_t gpa = 0; gpa < GMEM_SIZE; gpa += 7 * PG)
			EXPECT_EQ(map_gpa(gpa, 2, ENC), 0, "scattered private");
		for (uint64_t gpa = 0; gpa < GMEM_SIZE; gpa += 7 * PG)
			fill(gmem_page(gpa), 0x77);
		EXPECT_EQ(mem_convert_flush(&mem), 0, "flush");
		for (uint64_t gpa = 0; gpa < GMEM_SIZE; gpa += PG) {
			uint64_t i = gpa / PG % 7;

			EXPECT(holds(shared_page(gpa), i < 2 ? 0 : gpa | 1),
			       "page 0x%" PRIx64 ": shared data survives, and "
			       "private pages' shared side is released", gpa);
			if (FAILED_SINCE(failed))
				break;
		}
		EXPECT(holds(shared_page(0), 0),
		       "private data never shows through the shared side");
		for (uint64_t gpa = 0; gpa < GMEM_SIZE; gpa += 7 * PG)
			EXPECT_EQ(map_gpa(gpa, 2, 0), 0, "scattered shared");
		EXPECT(holds(shared_page(0), 0) && holds(shared_page(PG), 0),
		       "a page made private then shared reads zero");
		teardown();
	}
}

static void test_allocated_bytes(void)
{
	setup(BACKING_MEMFD, true);
	expect_allocated(0, 0, "fresh");
	for (uint64_t gpa = 0; gpa < GMEM_SIZE; gpa += PG)
		fill(shared_page(gpa), 1);
	for (uint64_t gpa = R2_GPA; gpa < R2_GPA + R2_SIZE; gpa += PG)
		fill(shared_page(gpa), 1);
	expect_allocated(0, 14 * MB, "all shared touched");
	EXPECT_EQ(map_gpa(2 * MB, 1024, ENC), 0, "4M private");
	for (uint64_t gpa = 2 * MB; gpa < 6 * MB; gpa += PG)
		fill(gmem_page(gpa), 2);
	EXPECT_EQ(mem_convert_flush(&mem), 0, "flush");
	expect_allocated(4 * MB, 10 * MB, "4M private");
	stream(3 * MB, 256, 1, 0);
	for (uint64_t gpa = 3 * MB; gpa < 4 * MB; gpa += PG)
		fill(shared_page(gpa), 3);
	EXPECT_EQ(mem_convert_flush(&mem), 0, "flush");
	expect_allocated(3 * MB, 11 * MB, "1M back to shared page by page");
	{
		uint64_t g = ~0ull, sh = ~0ull;

		/* [1M, 9M): private [2M, 3M) and [4M, 6M), crosses R0/R1. */
		EXPECT_EQ(mem_range_allocated_bytes(&mem, MB, 8 * MB, &g, &sh),
			  0, "a window is measurable");
		EXPECT_EQ(g, 3 * MB, "guest_memfd bytes in the window");
		EXPECT_EQ(sh, 5 * MB, "shared bytes in the window");
		EXPECT_EQ(mem_range_allocated_bytes(&mem, HOLE_GPA, 4 * MB, &g,
						    &sh),
			  0, "the hole is measurable");
		EXPECT(g == 0 && sh == 0, "and holds nothing");
		EXPECT_EQ(mem_range_allocated_bytes(&mem, 1, PG, &g, &sh),
			  -EINVAL, "unaligned windows are refused");
	}
	teardown();

	setup(BACKING_MEMFD, false);
	mem.preallocate = true;
	EXPECT_EQ(map_gpa(8 * MB - MB, 512, ENC), 0,
		  "2M private, preallocated");
	EXPECT_EQ(mem.stats.gmem_allocs, 2, "one allocation per region");
	expect_allocated(2 * MB, 0, "preallocated without a touch");
	teardown();
}

static void test_hugetlbfs_discards_whole_2m(void)
{
	setup(BACKING_HUGETLBFS_2M, false);
	for (uint64_t gpa = 0; gpa < 8 * MB; gpa += PG)
		fill(shared_page(gpa), gpa | 1);
	EXPECT_EQ(map_gpa(2 * MB - 4 * PG, 512 + 8, ENC), 0, "private");
	EXPECT_EQ(mem.stats.shared_discards, 1, "one discard");
	EXPECT(holds(shared_page(2 * MB - PG), (2 * MB - PG) | 1),
	       "a partial huge page before is kept");
	EXPECT(holds(shared_page(2 * MB), 0) &&
	       holds(shared_page(4 * MB - PG), 0), "the whole 2M is freed");
	EXPECT(holds(shared_page(4 * MB), 4 * MB | 1),
	       "a partial huge page after is kept");
	reset_stats();
	EXPECT_EQ(map_gpa(6 * MB, 1, ENC), 0, "one 4K page private");
	EXPECT_EQ(mem.stats.shared_discards, 0, "nothing to free in a 2M page");
	teardown();
}

static void test_anonymous_backing(void)
{
	setup(BACKING_ANONYMOUS, true);
	for (uint64_t gpa = 0; gpa < 4 * MB; gpa += PG)
		fill(shared_page(gpa), 9);
	expect_allocated(0, 4 * MB, "anonymous touched");
	EXPECT_EQ(map_gpa(0, 256, ENC), 0, "1M private");
	EXPECT_EQ(mem_convert_flush(&mem), 0, "flush");
	/* Before reading: a read maps the zero page, which mincore counts. */
	expect_allocated(0, 3 * MB, "anonymous after discard");
	EXPECT(holds(shared_page(0), 0), "MADV_DONTNEED released the page");
	teardown();
}

struct hostile {
	const char *what;
	uint64_t gpa;
	uint64_t npages;
	uint64_t attrs;
};

static const struct hostile hostile_cases[] = {
	{ "zero pages", 0, 0, ENC },
	{ "zero pages shared", 0, 0, 0 },
	{ "unaligned gpa", 0x1001, 1, ENC },
	{ "unaligned gpa shared", 0x800, 1, 0 },
	{ "reserved bit 5", 0, 1, ENC | (1ull << 5) },
	{ "reserved bit 63", 0, 1, 1ull << 63 },
	{ "every bit", 0, 1, ~0ull },
	{ "page size 3", 0, 1, ENC | 3 },
	{ "page size 15", 0, 1, 15 },
	{ "2M hint, gpa not 4K aligned", 2 * MB + 0x800, 512, ENC | SZ2M },
	{ "2M hint, zero pages", 2 * MB, 0, ENC | SZ2M },
	{ "2M hint, reserved bit", 2 * MB, 512, ENC | SZ2M | (1ull << 7) },
	{ "2M hint, overflow", 2 * MB, 1ull << 52, ENC | SZ2M },
	{ "2M hint, outside RAM", HOLE_GPA, 512, ENC | SZ2M },
	{ "npages * 4K overflows", 0, 1ull << 52, ENC },
	{ "npages * 4K overflows shared", 0, ~0ull, 0 },
	{ "gpa + len wraps", ~0ull - PG + 1, 2, ENC },
	{ "gpa + len wraps shared", ~0ull - PG + 1, 2, 0 },
	{ "private MMIO", HOLE_GPA, 1, ENC },
	{ "private straddling RAM and hole", HOLE_GPA - PG, 2, ENC },
	{ "private over RAM, hole and RAM", 0, TOP_GPA / PG, ENC },
	{ "private without guest_memfd", R2_GPA, 1, ENC },
	{ "private beyond RAM", 1ull << 40, 1, ENC },
	{ "private at the top", ~0ull - PG + 1, 1, ENC },
};

static void test_hostile_map_gpa_range(void)
{
	setup(BACKING_MEMFD, true);
	EXPECT_EQ(map_gpa(MB, 3, ENC), 0, "some private memory");
	EXPECT_EQ(map_gpa(2 * MB, 1, ENC), 0, "some private memory");
	reset_stats();
	for (size_t i = 0; i < ARRAY_SIZE(hostile_cases); i++) {
		const struct hostile *h = &hostile_cases[i];
		size_t ranges = mem.attrs.nr_ranges;
		uint64_t bytes = mem.attrs.private_bytes, hc = 0;
		int r = mem_map_gpa_range(&mem, h->gpa, h->npages, h->attrs,
					  &hc, NULL);

		EXPECT(r < 0, "%s should fail", h->what);
		EXPECT_EQ(hc, EINVAL, "%s should return EINVAL to the guest",
			  h->what);
		EXPECT(mem.attrs.nr_ranges == ranges &&
		       mem.attrs.private_bytes == bytes,
		       "%s should leave the map unchanged", h->what);
	}
	EXPECT_EQ(kvm.nr_calls, 0, "no hostile request reaches KVM");
	EXPECT_EQ(syscalls(), 0, "no hostile request costs a syscall");

	EXPECT_EQ(map_gpa(HOLE_GPA, 1024, 0), 0, "sharing MMIO is a no-op");
	EXPECT_EQ(map_gpa(R2_GPA, 16, 0), 0, "sharing non-gmem RAM is a no-op");
	EXPECT_EQ(map_gpa(0, 1ull << 40, 0), 0, "sharing everything works");
	EXPECT_EQ(mem.attrs.nr_ranges, 0, "and leaves nothing private");
	expect_map_matches_kvm("hostile");
	teardown();
}

static void test_random_hypercalls_never_crash(void)
{
	static const uint64_t gpas[] = { 0, PG, 2 * MB, 8 * MB - PG, HOLE_GPA,
					 R2_GPA, TOP_GPA, 1ull << 52,
					 ~0ull - PG + 1, ~0ull };
	uint64_t x = 88172645463325252ull;

	int failed = test_failed_checks;

	setup(BACKING_MEMFD, true);
	for (unsigned int i = 0; i < 20000; i++) {
		uint64_t gpa, npages, attrs, hc = 0xdead;
		int r;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		gpa = gpas[x % ARRAY_SIZE(gpas)] + (x >> 8) % 64 * PG +
		      (x % 5 == 0 ? (x >> 20) % PG : 0);
		npages = x % 3 ? (x >> 12) % 600 : x >> 3;
		attrs = x % 7 ? (x >> 16) & (ENC | 3) : x;
		r = mem_map_gpa_range(&mem, gpa, npages, attrs, &hc, NULL);
		EXPECT(r == 0 ? hc == 0 : hc == EINVAL,
		       "call %u: ret always set and consistent", i);
		if (FAILED_SINCE(failed))
			break;
	}
	expect_map_matches_kvm("random hypercalls");
	teardown();
}

static void test_memory_fault(void)
{
	const uint64_t priv = KVM_MEMORY_EXIT_FLAG_PRIVATE;
	uint64_t p = 3 * MB;

	setup(BACKING_MEMFD, true);
	for (int bit = 0; bit < 64; bit++)
		if (1ull << bit != priv)
			EXPECT_EQ(mem_handle_memory_fault(&mem, p, PG,
							  1ull << bit,
							  IMPLICIT_ALLOW),
				  -EINVAL, "unknown flag bit %d is refused",
				  bit);
	EXPECT_EQ(mem_handle_memory_fault(&mem, p, PG, priv, IMPLICIT_DENY),
		  -EPERM, "deny refuses");
	EXPECT_EQ(mem_handle_memory_fault(&mem, p, 0, priv, IMPLICIT_ALLOW),
		  -EINVAL, "size 0 is refused");
	EXPECT_EQ(mem_handle_memory_fault(&mem, ~0ull - 8, 16, priv,
					  IMPLICIT_ALLOW),
		  -EINVAL, "a wrapping range is refused");
	EXPECT_EQ(mem_handle_memory_fault(&mem, HOLE_GPA, PG, priv,
					  IMPLICIT_ALLOW),
		  -EFAULT, "a fault outside RAM is refused");
	EXPECT_EQ(mem_handle_memory_fault(&mem, R2_GPA, PG, priv,
					  IMPLICIT_ALLOW),
		  -EOPNOTSUPP, "RAM without guest_memfd cannot go private");
	EXPECT_EQ(kvm.nr_calls, 0, "no refused fault reaches KVM");

	EXPECT_EQ(mem_handle_memory_fault(&mem, p + 0xff0, 0x20, priv,
					  IMPLICIT_ALLOW),
		  0, "a private fault converts, aligned out to pages");
	EXPECT(attr_map_is_private(&mem.attrs, p) &&
	       attr_map_is_private(&mem.attrs, p + PG) &&
	       !attr_map_is_private(&mem.attrs, p + 2 * PG),
	       "exactly the two pages the access touched");
	EXPECT_EQ(mem.stats.conversions_implicit, 1, "counted as implicit");
	EXPECT_EQ(mem_handle_memory_fault(&mem, p, PG, priv, IMPLICIT_ALLOW),
		  -EALREADY, "the same fault without progress is an error");
	EXPECT_EQ(mem_handle_memory_fault(&mem, p, PG, 0, IMPLICIT_ALLOW), 0,
		  "a shared fault converts back");
	EXPECT(mem_gpa_is_private(&mem, p + PG) && !mem_gpa_is_private(&mem, p),
	       "only the faulting page");
	expect_map_matches_kvm("faults");
	teardown();
}

static void test_convert_checks(void)
{
	setup(BACKING_MEMFD, false);
	EXPECT_EQ(mem_convert(&mem, 0, 0, true, CONV_ORIGIN_LAUNCH, NULL),
		  -EINVAL, "length 0");
	EXPECT_EQ(mem_convert(&mem, 0x800, PG, true, CONV_ORIGIN_LAUNCH, NULL),
		  -EINVAL, "unaligned gpa");
	EXPECT_EQ(mem_convert(&mem, 0, 0x800, true, CONV_ORIGIN_LAUNCH, NULL),
		  -EINVAL, "unaligned length");
	EXPECT_EQ(mem_convert(&mem, PG, ~0ull - PG + 1, true,
			      CONV_ORIGIN_LAUNCH, NULL), -EINVAL, "wrap");
	EXPECT_EQ(mem_convert(&mem, HOLE_GPA - PG, 2 * PG, false,
			      CONV_ORIGIN_LAUNCH, NULL), -EFAULT,
		  "into the hole");
	EXPECT_EQ(mem_convert(&mem, R2_GPA, PG, false, CONV_ORIGIN_LAUNCH, NULL),
		  -EOPNOTSUPP, "no guest_memfd");
	EXPECT_EQ(mem_convert(&mem, 0, GMEM_SIZE, true, CONV_ORIGIN_LAUNCH,
			      NULL), 0, "all guest_memfd RAM at launch");
	EXPECT_EQ(mem.stats.conversions_launch, 1, "one launch conversion");
	EXPECT_EQ(mem.stats.attr_calls, 1, "one call across both regions");
	mem.plan.backing = BACKING_GUEST_MEMFD;
	EXPECT_EQ(mem_convert(&mem, 0, PG, false, CONV_ORIGIN_LAUNCH, NULL),
		  -EOPNOTSUPP, "no conversions when guest_memfd is RAM");
	teardown();
}

/*
 * Private pages MB, MB + 2 PG, MB + 4 PG; the request makes [MB - PG,
 * MB + 6 PG) shared: three runs, the second one's attributes call fails.
 * The first run (page MB) changed, and the report says so exactly; the
 * guest is told to retry, and the retry finds the first run done.
 */
static void test_attributes_failure_keeps_map_in_sync(void)
{
	uint64_t hc, done;

	setup(BACKING_MEMFD, false);
	for (unsigned int i = 0; i < 3; i++)
		EXPECT_EQ(map_gpa(MB + 2 * i * PG, 1, ENC), 0, "setup");
	reset_stats();
	kvm.fail_at = 2;
	kvm.fail_errno = ENOMEM;
	EXPECT_EQ(map_gpa_done(MB - PG, 7, 0, &hc, &done), -ENOMEM,
		  "a failing attributes call fails the request");
	EXPECT_EQ(hc, EAGAIN, "the guest is told to retry, not ENOMEM");
	EXPECT_EQ(done, MB + 2 * PG,
		  "the report ends where the failed run starts");
	EXPECT(!kvm.private[MB / PG] && kvm.private[(MB + 2 * PG) / PG] &&
	       kvm.private[(MB + 4 * PG) / PG], "as KVM has it");
	EXPECT_EQ(kvm.nr_calls, 2, "and stops there");
	EXPECT_EQ(mem.stats.gmem_discards, 1, "only the done run is discarded");
	expect_map_matches_kvm("after failure");
	EXPECT_EQ(mem.attrs.nr_ranges, 2, "two ranges left");
	kvm.fail_at = 0;
	EXPECT_EQ(map_gpa_done(MB - PG, 7, 0, &hc, &done), 0, "the retry");
	EXPECT(hc == 0 && done == MB + 6 * PG, "succeeds whole");
	EXPECT_EQ(kvm.nr_calls, 4, "converting only the two runs left");
	EXPECT_EQ(mem.attrs.nr_ranges, 0, "all shared");
	teardown();
}

/*
 * mem_convert() tells where a partial failure stopped: nothing for a
 * refused range, the converted runs before a failing attributes call, all
 * on success.
 */
static void test_convert_reports_what_changed(void)
{
	uint64_t done;

	setup(BACKING_MEMFD, false);
	for (unsigned int i = 0; i < 4; i++)
		EXPECT_EQ(mem_convert(&mem, MB + 2 * i * PG, PG, true,
				      CONV_ORIGIN_LAUNCH, NULL), 0, "setup");
	done = 0xdead;
	EXPECT_EQ(mem_convert(&mem, HOLE_GPA - PG, 2 * PG, false,
			      CONV_ORIGIN_EXPLICIT, &done), -EFAULT,
		  "a range into the hole is refused");
	EXPECT_EQ(done, HOLE_GPA - PG, "and nothing changed");
	reset_stats();
	kvm.fail_at = 3;
	kvm.fail_errno = EIO;
	EXPECT_EQ(mem_convert(&mem, MB, 8 * PG, false, CONV_ORIGIN_EXPLICIT,
			      &done), -EIO, "the third run's call fails");
	EXPECT_EQ(done, MB + 4 * PG, "two runs done, reported exactly");
	for (unsigned int i = 0; i < 4; i++)
		EXPECT_EQ(kvm.private[(MB + 2 * i * PG) / PG], i >= 2,
			  "page %u is as reported", i);
	expect_map_matches_kvm("after a partial failure");
	kvm.fail_at = 0;
	EXPECT_EQ(mem_convert(&mem, MB, 8 * PG, false, CONV_ORIGIN_EXPLICIT,
			      &done), 0, "the retry");
	EXPECT_EQ(done, MB + 8 * PG, "done is the end on success");
	EXPECT_EQ(mem.attrs.nr_ranges, 0, "all shared");
	teardown();
}

/*
 * Pages whose dead side (the one KVM does not map) holds memory, measured
 * from the files page by page.
 */
static unsigned int dead_sides_allocated(void)
{
	unsigned int n = 0;

	for (uint64_t p = 0; p < GMEM_PAGES; p++) {
		uint64_t g = ~0ull, sh = ~0ull;

		EXPECT_EQ(mem_range_allocated_bytes(&mem, p * PG, PG, &g, &sh),
			  0, "page %" PRIu64 " should be measurable", p);
		if ((kvm.private[p] ? sh : g) != 0)
			printf("page 0x%" PRIx64 " (%s) holds its dead side\n",
			       (uint64_t)(p * PG),
			       kvm.private[p] ? "private" : "shared");
		n += (kvm.private[p] ? sh : g) != 0;
	}
	return n;
}

static unsigned int pages_private(uint64_t gpa, uint64_t n)
{
	unsigned int count = 0;

	for (uint64_t p = gpa / PG; p < gpa / PG + n; p++)
		count += kvm.private[p] && attr_map_is_private(&mem.attrs, p * PG);
	return count;
}

/*
 * Issue 17, case 1: with preallocation, x shared and holding data, the
 * guest makes x and its neighbours private (two runs); the allocation
 * after the first run's attributes call fails. KVM converted the run, so
 * the guest must get 0, the second run must be converted too, x's shared
 * side must be discarded and x, shared again, must read zero.
 */
static void test_failed_preallocation_is_not_a_failure(void)
{
	for (int coalesce = 0; coalesce < 2; coalesce++) {
		uint64_t x = 3 * MB, first = x - 2 * PG;

		setup(BACKING_MEMFD, coalesce);
		mem.preallocate = true;
		for (uint64_t p = first; p < first + 7 * PG; p += PG)
			fill(shared_page(p), p | 1);
		EXPECT_EQ(map_gpa(x + 2 * PG, 1, ENC), 0, "a neighbour private");
		EXPECT_EQ(mem_convert_flush(&mem), 0, "flush");
		/* Syscall 1 is the first run's attributes, 2 its allocation. */
		inject_at(2, ENOMEM);
		EXPECT_EQ(map_gpa(first, 7, ENC), 0,
			  "coalesce %d: the guest gets 0, its pages are private",
			  coalesce);
		EXPECT_EQ(inject.failed, 1, "the allocation failed");
		EXPECT_EQ(pages_private(first, 7), 7,
			  "coalesce %d: every run of the request is private",
			  coalesce);
		expect_map_matches_kvm("failed preallocation");
		EXPECT_EQ(mem_convert_flush(&mem), 0, "flush");
		EXPECT_EQ(dead_sides_allocated(), 0,
			  "coalesce %d: no page is held twice", coalesce);
		EXPECT_EQ(map_gpa(x, 1, 0), 0, "x shared again");
		EXPECT(holds(shared_page(x), 0),
		       "coalesce %d: x reads zero, not its old data", coalesce);
		teardown();
	}
}

/*
 * Issue 17, case 2: x's shared-side discard is deferred; a request for y
 * out of reach flushes it and the punch fails. y is converted in KVM, so
 * the guest gets 0; neither discard may be lost: after a flush that
 * works, neither keeps its dead side, and both read zero once shared.
 */
static void test_failed_deferred_discard_is_kept(void)
{
	uint64_t x = 1 * MB, y = 6 * MB;

	setup(BACKING_MEMFD, true);
	fill(shared_page(x), 0xa);
	fill(shared_page(y), 0xb);
	EXPECT_EQ(map_gpa(x, 1, ENC), 0, "x private, its discard deferred");
	EXPECT(holds(shared_page(x), 0xa), "the discard is deferred");
	/* Syscall 1 is y's attributes call, 2 the punch of x. */
	inject_at(2, EIO);
	EXPECT_EQ(map_gpa(y, 1, ENC), 0, "y private: the guest gets 0");
	EXPECT_EQ(inject.failed, 1, "the punch of x failed");
	EXPECT_EQ(pages_private(y, 1), 1, "y is private");
	expect_map_matches_kvm("failed deferred discard");
	EXPECT_EQ(mem_convert_flush(&mem), 0, "a flush that works");
	EXPECT_EQ(dead_sides_allocated(), 0,
		  "neither x nor y keeps its shared side");
	EXPECT_EQ(map_gpa(x, 1, 0), 0, "x shared");
	EXPECT_EQ(map_gpa(y, 1, 0), 0, "y shared");
	EXPECT(holds(shared_page(x), 0) && holds(shared_page(y), 0),
	       "x and y read zero, not their old data");
	teardown();
}

/*
 * Issue 17, case 5: the guest converts a buffer to private while a virtio
 * device writes into it. The device found it shared when it took the
 * chain; the conversion must wait for its write, so that the discard
 * comes after it: a write after the discard would allocate the dead
 * shared side again (memory held twice until it turns shared).
 */
#define VQ_GPA (4 * MB)
#define BUF_GPA (5 * MB)

static struct {
	pthread_t thread;
	bool converted;
	int r;
} racer;

static void *convert_buffer(void *arg)
{
	(void)arg;
	racer.r = mem_convert(&mem, BUF_GPA, PG, true, CONV_ORIGIN_EXPLICIT,
			      NULL);
	__atomic_store_n(&racer.converted, true, __ATOMIC_RELEASE);
	return NULL;
}

/* The device: the guest converts meanwhile, then the device writes. */
static uint32_t write_while_converted(struct virtio_device *vdev,
				      struct virtio_chain *chain)
{
	static uint8_t data[PG];

	(void)vdev;
	EXPECT_EQ(pthread_create(&racer.thread, NULL, convert_buffer, NULL),
		  0, "the converting vCPU starts");
	/* Give it every chance to get ahead of the write (300 ms). */
	for (int i = 0; i < 300 && !__atomic_load_n(&racer.converted,
						     __ATOMIC_ACQUIRE); i++)
		usleep(1000);
	memset(data, 0x5a, sizeof(data));
	return virtio_chain_write(chain, 0, data, sizeof(data));
}

static void no_signal(void *ctx, uint16_t what)
{
	(void)ctx;
	(void)what;
}

static void test_device_write_holds_off_conversion(void)
{
	struct virtio_device vdev = {
		.name = "test", .mem = &mem, .signal = no_signal,
	};
	struct virtqueue *vq = &vdev.vqs[0];
	struct virtq_desc *desc;
	uint16_t *avail;
	uint64_t g = ~0ull, sh = ~0ull;

	setup(BACKING_MEMFD, false);
	*vq = (struct virtqueue){
		.vdev = &vdev, .size = 16, .enabled = true,
		.desc_gpa = VQ_GPA, .avail_gpa = VQ_GPA + PG,
		.used_gpa = VQ_GPA + 2 * PG, .kick = { .fd = -1 },
	};
	EXPECT_EQ(virtqueue_map(vq, &mem), 0, "the rings map");
	desc = (struct virtq_desc *)shared_page(VQ_GPA);
	desc[0] = (struct virtq_desc){
		.addr = BUF_GPA, .len = PG, .flags = VIRTQ_DESC_F_WRITE,
	};
	avail = (uint16_t *)shared_page(VQ_GPA + PG);
	avail[2] = 0;		/* ring[0]: chain 0 */
	avail[1] = 1;		/* idx */
	racer.converted = false;
	virtio_queue_serve_locked(&vdev, vq, write_while_converted);
	EXPECT_EQ(pthread_join(racer.thread, NULL), 0, "the vCPU is done");
	EXPECT_EQ(racer.r, 0, "the buffer went private");
	EXPECT(kvm.private[BUF_GPA / PG], "KVM has it private");
	EXPECT_EQ(mem_convert_flush(&mem), 0, "flush");
	EXPECT_EQ(mem_range_allocated_bytes(&mem, BUF_GPA, PG, &g, &sh), 0,
		  "the buffer is measurable");
	EXPECT_EQ(sh, 0, "the buffer's shared side is not allocated again "
		  "by the device's write");
	EXPECT(holds(shared_page(BUF_GPA), 0), "and reads zero");
	teardown();
}

static void test_enomem(void)
{
	setup(BACKING_MEMFD, true);
	EXPECT_EQ(map_gpa(MB, 4, ENC), 0, "private");
	free(mem.attrs.spare);
	mem.attrs.spare = NULL;
	mem_convert_fini(&mem);
	reset_stats();
	fail_malloc = true;
	EXPECT_EQ(map_gpa(MB + PG, 1, 0), -ENOMEM,
		  "a conversion without memory for the map fails");
	EXPECT_EQ(kvm.nr_calls, 0, "before KVM is told anything");
	EXPECT_EQ(mem.attrs.nr_ranges, 1, "the map is unchanged");
	fail_malloc = false;
	fail_calloc = true;
	EXPECT_EQ(map_gpa(MB, 1, 0), 0,
		  "the discards owed need no allocation");
	EXPECT_EQ(mem_convert_flush(&mem), 0, "flush");
	EXPECT_EQ(mem.stats.gmem_discards, 1, "one discard");
	fail_calloc = false;
	expect_map_matches_kvm("enomem");
	teardown();
}

static void test_naive_and_floor(void)
{
	setup(BACKING_MEMFD, true);
	EXPECT_EQ(mem_convert_naive(&mem, MB, 252 * PG, true), 0, "naive");
	EXPECT_EQ(mem.stats.attr_calls, 252, "naive: a call per page");
	EXPECT_EQ(mem.stats.shared_discards, 252, "naive: a discard per page");
	reset_stats();
	EXPECT_EQ(mem_convert_floor(&mem, MB, 252 * PG, false), 0, "floor");
	EXPECT_EQ(syscalls(), 2, "floor: one call and one discard");
	reset_stats();
	EXPECT_EQ(mem_convert_floor(&mem, 0, GMEM_SIZE, true), 0, "floor");
	EXPECT_EQ(syscalls(), 3, "floor: one discard per region");
	expect_map_matches_kvm("baselines");
	teardown();
}

/* The randomized stress: a model of every page's state and contents. */
struct page_model {
	bool private;
	uint64_t seed; /* what the live side holds; 0 = zero */
};

static struct page_model model[NR_PAGES];
static uint64_t stress_x = 0x2545f4914f6cdd1dull;
static uint64_t next_seed = 1;

static uint64_t srnd(uint64_t n)
{
	stress_x ^= stress_x << 13;
	stress_x ^= stress_x >> 7;
	stress_x ^= stress_x << 17;
	return stress_x % n;
}

static uint64_t *live_side(uint64_t p)
{
	return model[p].private ? gmem_page(p * PG) : shared_page(p * PG);
}

/* The side that just went live must read zero; then the guest writes. */
static void touch_changed(const bool *before, uint64_t first, uint64_t n,
			  unsigned int op)
{
	uint64_t bad = 0;

	for (uint64_t p = first; p < first + n; p++) {
		if (model[p].private == before[p - first])
			continue;
		bad += !holds(live_side(p), kvm.race ? kvm.race_seed[p] : 0);
		model[p].seed = next_seed++ << 16;
		fill(live_side(p), model[p].seed);
	}
	EXPECT_EQ(bad, 0, "op %u: converted pages read zero (or what a "
		  "racing vCPU wrote) on their new side", op);
}

static void verify_all(unsigned int op)
{
	unsigned int bad = 0;

	for (uint64_t p = 0; p < NR_PAGES; p++) {
		if (p * PG >= HOLE_GPA && p * PG < R2_GPA)
			continue;
		bad += !holds(live_side(p), model[p].seed);
		bad += model[p].private != kvm.private[p];
	}
	EXPECT_EQ(bad, 0, "op %u: contents and state match the model", op);
	expect_map_matches_kvm("stress");
}

static int stress_one(uint64_t first, uint64_t n, bool to_private,
		      unsigned int kind)
{
	uint64_t size_hint = 0;

	switch (kind) {
	case 0:
		return mem_handle_memory_fault(&mem, first * PG, n * PG,
					       to_private ?
					       KVM_MEMORY_EXIT_FLAG_PRIVATE : 0,
					       IMPLICIT_ALLOW);
	case 1:
		return mem_convert(&mem, first * PG, n * PG, to_private,
				   CONV_ORIGIN_LAUNCH, NULL);
	default:
		if (IS_ALIGNED(first * PG, SZ_2M) && IS_ALIGNED(n * PG, SZ_2M))
			size_hint = SZ2M;
		return map_gpa(first * PG, n,
			       (to_private ? ENC : 0) | size_hint);
	}
}

static void stress(bool coalesce, bool race)
{
	static bool before[NR_PAGES];
	unsigned int op, done = 0;
	int failed = test_failed_checks;

	setup(BACKING_MEMFD, coalesce);
	kvm.race = race;
	memset(model, 0, sizeof(model));
	for (uint64_t p = 0; p < NR_PAGES; p++) {
		if (!shared_page(p * PG))
			continue;
		model[p].seed = next_seed++ << 16;
		fill(shared_page(p * PG), model[p].seed);
	}
	/* 10,000 successful conversions; some requests are hostile. */
	for (op = 0; done < 10000 && op < 40000; op++) {
		uint64_t first = srnd(NR_PAGES), n;
		bool to_private = srnd(2), ram;
		int r;

		n = srnd(10) ? 1 + srnd(8) : 1 + srnd(700);
		if (srnd(20) == 0) {
			first = ALIGN_DOWN(first, 512) % GMEM_PAGES;
			n = 512 * (1 + srnd(2));
		}
		n = MIN(n, NR_PAGES - first);
		ram = (first + n) * PG <= HOLE_GPA;
		memcpy(before, &kvm.private[first], n * sizeof(bool));
		r = stress_one(first, n, to_private, srnd(4));
		EXPECT(ram || r != 0 || !to_private,
		       "op %u: private outside guest_memfd RAM fails", op);
		done += r == 0;
		if (r == 0 || r == -EALREADY) {
			for (uint64_t p = first; p < first + n; p++)
				if (p < GMEM_PAGES)
					model[p].private = to_private;
			touch_changed(before, first, n, op);
		}
		if (srnd(50) == 0)
			EXPECT_EQ(mem_convert_flush(&mem), 0, "flush");
		if (op % 200 == 0)
			verify_all(op);
		if (FAILED_SINCE(failed))
			break;
	}
	EXPECT_EQ(done, 10000, "10,000 conversions done");
	EXPECT_EQ(mem_convert_flush(&mem), 0, "final flush");
	verify_all(op);
	{
		uint64_t priv = mem.attrs.private_bytes;

		expect_allocated(priv, GMEM_SIZE - priv + R2_SIZE,
				 "stress: no double allocation");
	}
	printf("stress, coalesce %d race %d: %" PRIu64 " conversions, %" PRIu64
	       " runs, %" PRIu64 " syscalls\n", coalesce, race,
	       mem.stats.conversions_explicit + mem.stats.conversions_implicit +
	       mem.stats.conversions_launch, mem.stats.runs, syscalls());
	teardown();
}

/*
 * Fault injection: a scenario of requests (multi-run, across regions,
 * coalesced streams, a reversal inside the pending extent, a memory
 * fault, flushes) run once per engine syscall, that syscall failing. After
 * every request: the map equals the model KVM; the request's report is
 * exact (mem_map_gpa_range()'s done: before it the target state, after it
 * nothing changed); a page that changed state reads zero on its new side;
 * after the failing request, measured from the files page by page, no
 * page holds its dead side unless a discard of it is still owed. At the end a flush that works leaves no dead side
 * allocated and every live side holding what the guest wrote.
 */
struct inj_op {
	uint64_t gpa;
	uint64_t npages;
	/*
	 * 0 shared, 1 private (MAP_GPA_RANGE), 2 private by memory fault,
	 * 3 flush, 4 private, 5 shared (mem_convert())
	 */
	int kind;
};

static bool inj_to_private(const struct inj_op *op)
{
	return op->kind == 1 || op->kind == 2 || op->kind == 4;
}

static const struct inj_op inj_ops[] = {
	{ MB, 16, 1 },
	{ MB + 4 * PG, 4, 0 },
	{ MB, 32, 1 },
	{ 8 * MB - 4 * PG, 8, 1 },
	{ 2 * MB, 1, 1 }, { 2 * MB + PG, 1, 1 }, { 2 * MB + 2 * PG, 1, 1 },
	{ 2 * MB + 3 * PG, 1, 1 },
	{ 2 * MB + PG, 1, 0 },
	{ 3 * MB, 1, 2 },
	{ 0, 0, 3 },
	{ MB, 40, 0 },
	{ 2 * MB, 4, 0 },
	{ 8 * MB - 4 * PG, 8, 0 },
	{ MB + 8 * PG, 8, 1 },
	{ MB + 4 * PG, 16, 4 },
	{ MB + 2 * PG, 20, 5 },
};

#define INJ_LO (MB - 8 * PG)
#define INJ_HI (8 * MB + 8 * PG)

static bool inj_window(uint64_t p)
{
	return (p * PG >= INJ_LO && p * PG < 3 * MB + 8 * PG) ||
	       (p * PG >= 8 * MB - 8 * PG && p * PG < INJ_HI);
}

static bool owed(uint64_t gpa)
{
	const struct conv_queue *q = &mem.discards;

	if (gpa >= q->pending.gpa && gpa < q->pending.end)
		return true;
	for (unsigned int i = 0; i < q->nr_failed; i++)
		if (gpa >= q->failed[i].gpa && gpa < q->failed[i].end)
			return true;
	return false;
}

/* Pages of the window whose dead side holds memory with no discard owed. */
static unsigned int dead_sides_unowed(void)
{
	unsigned int n = 0;

	for (uint64_t p = INJ_LO / PG; p < INJ_HI / PG; p++) {
		uint64_t g = ~0ull, sh = ~0ull;

		if (!inj_window(p))
			continue;
		EXPECT_EQ(mem_range_allocated_bytes(&mem, p * PG, PG, &g, &sh),
			  0, "page measurable");
		n += (kvm.private[p] ? sh : g) != 0 && !owed(p * PG);
	}
	return n;
}

static int inj_run_op(const struct inj_op *op, uint64_t *ret_done)
{
	uint64_t hc;
	int r;

	*ret_done = op->gpa + op->npages * PG;
	switch (op->kind) {
	case 2:
		/* One page: the report is the result. */
		r = mem_handle_memory_fault(&mem, op->gpa, op->npages * PG,
					    KVM_MEMORY_EXIT_FLAG_PRIVATE,
					    IMPLICIT_ALLOW);
		if (r < 0)
			*ret_done = op->gpa;
		return r;
	case 3:
		return mem_convert_flush(&mem);
	case 4:
	case 5:
		return mem_convert(&mem, op->gpa, op->npages * PG, op->kind == 4,
				   CONV_ORIGIN_EXPLICIT, ret_done);
	default:
		r = mem_map_gpa_range(&mem, op->gpa, op->npages,
				      op->kind ? ENC : 0, &hc, ret_done);
		/* Every failure here is the host's: retry, never ENOMEM. */
		EXPECT(r == 0 ? hc == 0 : hc == EAGAIN,
		       "the guest's answer (%" PRIu64 ")", hc);
		return r;
	}
}

/* One scenario, syscall fail_at failing; the number of syscalls made. */
static unsigned int inj_scenario(enum shared_backing backing, bool coalesce,
				 unsigned int fail_at, int err)
{
	static bool before[NR_PAGES];
	int failed = test_failed_checks;
	unsigned int calls;

	setup(backing, coalesce);
	mem.preallocate = true;
	memset(model, 0, sizeof(model));
	for (uint64_t p = 0; p < GMEM_PAGES; p++) {
		if (!inj_window(p))
			continue;
		model[p].seed = next_seed++ << 16;
		fill(shared_page(p * PG), model[p].seed);
	}
	inject.fail_at = fail_at;
	inject.err = err;
	for (size_t i = 0; i < ARRAY_SIZE(inj_ops); i++) {
		const struct inj_op *op = &inj_ops[i];
		uint64_t first = op->gpa / PG, done;
		unsigned int was_failed = inject.failed;
		int r;

		memcpy(before, kvm.private, sizeof(before));
		r = inj_run_op(op, &done);
		EXPECT(r == 0 || inject.failed != was_failed,
		       "fail_at %u op %zu: fails only with a syscall (%d)",
		       fail_at, i, r);
		for (uint64_t p = first; op->kind != 3 &&
		     p < first + op->npages; p++) {
			bool want = p * PG < done ? inj_to_private(op) :
				    before[p];

			EXPECT(kvm.private[p] == want,
			       "fail_at %u op %zu: page 0x%" PRIx64 " is as "
			       "reported (done 0x%" PRIx64 ")", fail_at, i,
			       (uint64_t)(p * PG), done);
			EXPECT(attr_map_is_private(&mem.attrs, p * PG) ==
			       kvm.private[p], "fail_at %u op %zu: the map "
			       "follows KVM", fail_at, i);
			model[p].private = kvm.private[p];
		}
		for (uint64_t p = 0; p < GMEM_PAGES; p++)
			if (inj_window(p) && before[p] != kvm.private[p])
				touch_changed(&before[p], p, 1, i);
		if (inject.failed != was_failed) {
			expect_map_matches_kvm("after an injected failure");
			EXPECT_EQ(dead_sides_unowed(), 0,
				  "fail_at %u op %zu: a dead side holds memory "
				  "and no discard of it is owed", fail_at, i);
		}
		if (FAILED_SINCE(failed))
			break;
	}
	calls = inject.calls;
	inject.fail_at = 0;
	EXPECT_EQ(mem_convert_flush(&mem), 0, "a flush that works");
	EXPECT_EQ(mem.discards.nr_failed, 0, "owes nothing after it");
	expect_map_matches_kvm("injection, at the end");
	EXPECT_EQ(dead_sides_unowed(), 0,
		  "fail_at %u: no dead side left allocated", fail_at);
	for (uint64_t p = 0; p < GMEM_PAGES; p++)
		if (inj_window(p))
			EXPECT(holds(live_side(p), model[p].seed),
			       "fail_at %u: page 0x%" PRIx64 " keeps what the "
			       "guest wrote", fail_at, (uint64_t)(p * PG));
	teardown();
	return calls;
}

static void test_every_syscall_failing(void)
{
	/* Any error takes the same path; EINTR is retried where it may be. */
	static const int errs[] = { ENOMEM, EINTR };
	unsigned int runs = 0, failures = 0;

	for (int b = 0; b < 2; b++) {
		enum shared_backing backing = b ? BACKING_ANONYMOUS :
						  BACKING_MEMFD;

		for (int coalesce = 0; coalesce < 2; coalesce++) {
			unsigned int n = inj_scenario(backing, coalesce, 0, 0);
			int failed = test_failed_checks;

			for (size_t e = 0; e < ARRAY_SIZE(errs); e++) {
				for (unsigned int k = 1; k <= n; k++) {
					inj_scenario(backing, coalesce, k,
						     errs[e]);
					runs++;
					failures += inject.failed;
					if (FAILED_SINCE(failed))
						break;
				}
			}
		}
	}
	printf("fault injection: %u scenarios, %u injected failures\n", runs,
	       failures);
	EXPECT(failures == runs, "every scenario met its injected failure");
}

static void test_random_stress(void)
{
	stress(true, false);
	stress(false, false);
}

/*
 * The same with a vCPU writing to each page's new side the moment KVM
 * switches it: a discard that lands on a live side after the attributes
 * call, deferred or not, destroys that write.
 */
static void test_random_stress_racing_vcpu(void)
{
	stress(true, true);
	stress(false, true);
}

TEST_MAIN(TEST_CASE(test_252_contiguous_pages),
	  TEST_CASE(test_request_in_target_state_is_free),
	  TEST_CASE(test_k_runs_cost_o_k),
	  TEST_CASE(test_adjacent_single_pages_coalesce),
	  TEST_CASE(test_2m_handled_as_2m),
	  TEST_CASE(test_size_hint_is_advisory),
	  TEST_CASE(test_run_across_regions),
	  TEST_CASE(test_pending_discard_never_destroys_live_data),
	  TEST_CASE(test_contents),
	  TEST_CASE(test_allocated_bytes),
	  TEST_CASE(test_hugetlbfs_discards_whole_2m),
	  TEST_CASE(test_anonymous_backing),
	  TEST_CASE(test_hostile_map_gpa_range),
	  TEST_CASE(test_random_hypercalls_never_crash),
	  TEST_CASE(test_memory_fault),
	  TEST_CASE(test_convert_checks),
	  TEST_CASE(test_attributes_failure_keeps_map_in_sync),
	  TEST_CASE(test_convert_reports_what_changed),
	  TEST_CASE(test_failed_preallocation_is_not_a_failure),
	  TEST_CASE(test_failed_deferred_discard_is_kept),
	  TEST_CASE(test_every_syscall_failing),
	  TEST_CASE(test_device_write_holds_off_conversion),
	  TEST_CASE(test_enomem),
	  TEST_CASE(test_naive_and_floor),
	  TEST_CASE(test_random_stress),
	  TEST_CASE(test_random_stress_racing_vcpu))
