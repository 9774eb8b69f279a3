// SPDX-License-Identifier: GPL-2.0-only
/*
 * Private-memory scenarios: the guest converts its own RAM with
 * KVM_HC_MAP_GPA_RANGE and checks, from inside, what every conversion did
 * to contents, to allocations (asked of the host through the test port)
 * and to the engine's syscall counters. Results are printed as
 * "result: NAME VALUE" lines for the host-side test to assert on.
 */
#include "guest.h"

#define PAGE 4096ull
#define PAGES_2M 512ull
#define ATTR_PRIVATE 0x10ull
#define ATTR_2M 0x1ull
#define ATTR_1G 0x2ull

/* The region the scenarios play in: above the guest's own 2 MiB. */
static uint64_t area_start(void)
{
	return GUEST_FREE_GPA;
}

static uint64_t area_end(void)
{
	return bi->ram[0].gpa + bi->ram[0].size;
}

static void need_private_memory(void)
{
	if (!(bi->flags & BOOTINFO_F_PRIVATE_MEM))
		fail("this scenario needs a VM with private memory (--cc sw)");
}

static void convert(uint64_t gpa, uint64_t npages, uint64_t attrs)
{
	long ret = hc_map_gpa_range(gpa, npages, attrs);

	CHECK(ret == 0, "MAP_GPA_RANGE gpa 0x%lx pages %lu attrs 0x%lx returned %ld",
	      gpa, npages, attrs, ret);
}

static void to_private(uint64_t gpa, uint64_t npages)
{
	convert(gpa, npages, ATTR_PRIVATE);
}

static void to_shared(uint64_t gpa, uint64_t npages)
{
	convert(gpa, npages, 0);
}

static uint64_t *testdev_arg(uint32_t cmd, uint64_t gpa, uint64_t len,
			     uint64_t arg)
{
	bi->req.gpa = gpa;
	bi->req.len = len;
	bi->req.arg = arg;
	outl(GUEST_PORT_TEST, cmd);
	CHECK(bi->req.status == 0, "test request %u failed: %u", cmd,
	      bi->req.status);
	return bi->req.out;
}

static uint64_t *testdev(uint32_t cmd, uint64_t gpa, uint64_t len)
{
	return testdev_arg(cmd, gpa, len, 0);
}

/* Engine syscalls so far (attributes calls, discards, allocations). */
static uint64_t engine_syscalls(void)
{
	uint64_t *o = testdev(TESTDEV_STATS, 0, 0);

	return o[0] + o[1] + o[2] + o[3];
}

static uint64_t attr_calls(void)
{
	return testdev(TESTDEV_STATS, 0, 0)[0];
}

static uint64_t discards(void)
{
	uint64_t *o = testdev(TESTDEV_STATS, 0, 0);

	return o[1] + o[2];
}

/* Flush pending discards and check allocations of [gpa, +len) exactly. */
static void expect_allocated(const char *what, uint64_t gpa, uint64_t len,
			     uint64_t gmem, uint64_t shared)
{
	uint64_t *o = testdev(TESTDEV_MEASURE, gpa, len);

	CHECK(o[0] == gmem && o[1] == shared,
	      "%s: allocated guest_memfd %lu shared %lu, expected %lu and %lu",
	      what, o[0], o[1], gmem, shared);
}

static void fill(uint64_t gpa, uint64_t tag)
{
	volatile uint64_t *p = (volatile uint64_t *)gpa;

	p[0] = tag;
	p[511] = ~tag;
}

static bool holds(uint64_t gpa, uint64_t tag)
{
	volatile uint64_t *p = (volatile uint64_t *)gpa;

	return p[0] == tag && p[511] == ~tag;
}

static bool is_zero(uint64_t gpa)
{
	volatile uint64_t *p = (volatile uint64_t *)gpa;

	return p[0] == 0 && p[511] == 0;
}

/* Nonzero words the host sees on the shared side of [gpa, +len). */
static uint64_t host_nonzero_words(uint64_t gpa, uint64_t len)
{
	return testdev(TESTDEV_HOST_READ, gpa, len)[1];
}

/* Words equal to needle the host sees on the shared side. */
static uint64_t host_words_equal(uint64_t gpa, uint64_t len, uint64_t needle)
{
	return testdev_arg(TESTDEV_HOST_READ, gpa, len, needle)[2];
}

/* Flush pending discards (MEASURE does) and return the shared bytes. */
static uint64_t shared_allocated(uint64_t gpa, uint64_t len)
{
	return testdev(TESTDEV_MEASURE, gpa, len)[1];
}

/*
 * One MAP_GPA_RANGE of 252 contiguous 4K pages (the shape in which KVM
 * forwards a contiguous SNP page-state change), both ways.
 */
static int scn_psc_contig(void)
{
	uint64_t a = area_start() + 0x200000 + 3 * PAGE;
	uint64_t before;

	need_private_memory();
	before = engine_syscalls();
	to_private(a, 252);
	expect_allocated("252 pages private", a, 252 * PAGE, 0, 0);
	printf("result: psc252-private-syscalls %lu\n", engine_syscalls() - before);

	for (uint64_t i = 0; i < 10; i++)
		fill(a + i * PAGE, 0x1000 + i);
	expect_allocated("10 private pages touched", a, 252 * PAGE, 10 * PAGE, 0);

	before = engine_syscalls();
	to_shared(a, 252);
	expect_allocated("252 pages shared", a, 252 * PAGE, 0, 0);
	printf("result: psc252-shared-syscalls %lu\n", engine_syscalls() - before);

	for (uint64_t i = 0; i < 10; i++)
		CHECK(is_zero(a + i * PAGE), "page %lu made shared again is not zero", i);
	expect_allocated("10 shared pages read", a, 252 * PAGE, 0, 10 * PAGE);
	printf("result: psc252 ok\n");
	return 0;
}

/* k separate runs, one request each: cost must grow as O(k). */
static int scn_psc_scattered(void)
{
	uint64_t a = area_start() + 0x400000;
	uint64_t k = bi->arg ? bi->arg : 64;
	uint64_t before = engine_syscalls();

	need_private_memory();
	for (uint64_t i = 0; i < k; i++)
		to_private(a + 2 * i * PAGE, 1);
	expect_allocated("scattered private", a, 2 * k * PAGE, 0, 0);
	printf("result: scattered-runs %lu\n", k);
	printf("result: scattered-syscalls %lu\n", engine_syscalls() - before);
	return 0;
}

/* 2M-aligned chunks with the 2M page-size hint: one run each, as 2M. */
static int scn_psc_2m(void)
{
	uint64_t a = ALIGN_UP(area_start() + 0x400000, 0x200000);
	uint64_t before = engine_syscalls();
	uint64_t worst = 0;

	need_private_memory();
	for (uint64_t i = 0; i < 8; i += 2) {
		uint64_t s = engine_syscalls();

		convert(a + i * 0x200000, PAGES_2M, ATTR_PRIVATE | ATTR_2M);
		expect_allocated("2M private", a + i * 0x200000, 0x200000, 0, 0);
		worst = MAX(worst, engine_syscalls() - s);
	}
	/* A 2M *shared* request is not a private one. */
	fill(a + 0x200000, 0x2222);
	convert(a + 0x200000, PAGES_2M, ATTR_2M);
	CHECK(holds(a + 0x200000, 0x2222),
	      "a 2M shared request changed a page that was already shared");
	for (uint64_t i = 0; i < 8; i += 2)
		convert(a + i * 0x200000, PAGES_2M, ATTR_2M);
	printf("result: psc2m-worst-syscalls %lu\n", worst);
	printf("result: psc2m-syscalls %lu\n", engine_syscalls() - before);
	return 0;
}

/*
 * SNP's MSR protocol: one page per request, adjacent pages. One
 * attributes call each, but the discards coalesce.
 */
static int scn_msr_stream(void)
{
	uint64_t a = ALIGN_UP(area_start() + 0x400000, 0x200000);
	uint64_t n = 512, calls, disc;

	need_private_memory();
	calls = attr_calls();
	disc = discards();
	for (uint64_t i = 0; i < n; i++)
		to_private(a + i * PAGE, 1);
	expect_allocated("stream private", a, n * PAGE, 0, 0);
	printf("result: stream-requests %lu\n", n);
	printf("result: stream-attr-calls %lu\n", attr_calls() - calls);
	printf("result: stream-discards %lu\n", discards() - disc);

	calls = attr_calls();
	disc = discards();
	for (uint64_t i = 0; i < n; i++)
		to_shared(a + i * PAGE, 1);
	expect_allocated("stream shared", a, n * PAGE, 0, 0);
	printf("result: stream-back-attr-calls %lu\n", attr_calls() - calls);
	printf("result: stream-back-discards %lu\n", discards() - disc);
	return 0;
}

/* All of the guest's free RAM, both ways, one request each. */
static int scn_whole_ram(void)
{
	uint64_t a = area_start(), len = area_end() - a;
	uint64_t before;

	need_private_memory();
	fill(a, 0x5151);
	before = engine_syscalls();
	to_private(a, len / PAGE);
	printf("result: whole-private-syscalls %lu\n", engine_syscalls() - before);
	CHECK(is_zero(a), "a page made private shows old shared data");
	fill(a, 0x7e7e);
	CHECK(host_nonzero_words(a, len) == 0,
	      "the host sees data on the shared side of private memory");
	expect_allocated("whole RAM private", a, len, PAGE, 0);

	before = engine_syscalls();
	to_shared(a, len / PAGE);
	printf("result: whole-shared-syscalls %lu\n", engine_syscalls() - before);
	CHECK(is_zero(a), "a page made private then shared does not read zero");
	expect_allocated("whole RAM shared", a, len, 0, PAGE);
	printf("result: whole-ram-bytes %lu\n", len);
	return 0;
}

/*
 * Contents: shared data survives conversions of other pages; a page made
 * private then shared reads zero; private data never reaches the host.
 */
static int scn_content(void)
{
	uint64_t x = area_start() + 0x100000, y = x + PAGE, z = x + 2 * PAGE;

	need_private_memory();
	fill(x, 0xa1);
	fill(y, 0xb2);
	fill(z, 0xc3);
	to_private(y, 1);
	CHECK(holds(x, 0xa1) && holds(z, 0xc3),
	      "shared neighbours lost data when a page between them went private");
	CHECK(is_zero(y), "page made private does not start zeroed");
	fill(y, 0x5ec7e7);
	CHECK(host_words_equal(y, PAGE, 0x5ec7e7) == 0,
	      "private data is visible through the shared backing");
	/* Once pending discards are done, the old shared data is gone too. */
	CHECK(shared_allocated(y, PAGE) == 0 && host_nonzero_words(y, PAGE) == 0,
	      "the shared side of a private page still holds data");
	to_shared(y, 1);
	CHECK(is_zero(y), "page made private then shared does not read zero");
	CHECK(holds(x, 0xa1) && holds(z, 0xc3),
	      "shared neighbours lost data when a page between them went shared");
	fill(y, 0xd4);
	to_private(x, 1);
	to_shared(x, 1);
	CHECK(holds(y, 0xd4), "data written after a conversion did not survive");
	/* x went private and back untouched: only y and z hold pages. */
	expect_allocated("content", x, 3 * PAGE, 0, 2 * PAGE);
	printf("result: content ok\n");
	return 0;
}

struct hostile_case {
	const char *what;
	uint64_t gpa;
	uint64_t npages;
	uint64_t attrs;
	/* The request must succeed (sharing MMIO is a no-op). */
	bool ok;
};

/* Every bad request gets an error, and the VM carries on unharmed. */
static int scn_hostile(void)
{
	uint64_t end = area_end(), a = area_start() + 0x200000;
	const struct hostile_case cases[] = {
		{ "private beyond RAM", end, 1, ATTR_PRIVATE, false },
		{ "private straddling RAM's end", end - PAGE, 2, ATTR_PRIVATE, false },
		{ "private in the MMIO hole", 0xfec00000, 1, ATTR_PRIVATE, false },
		{ "shared in the MMIO hole", 0xfec00000, 1, 0, true },
		{ "gpa + size wraps", 0xfffffffffffff000ull, 2, ATTR_PRIVATE, false },
		{ "size overflows", a, 1ull << 53, ATTR_PRIVATE, false },
		{ "misaligned gpa", a + 1, 1, ATTR_PRIVATE, false },
		{ "zero pages", a, 0, ATTR_PRIVATE, false },
		{ "unknown attribute bit 5", a, 1, ATTR_PRIVATE | 0x20, false },
		{ "unknown attribute bit 63", a, 1, 1ull << 63, false },
		{ "page-size hint 3", a, 1, ATTR_PRIVATE | 3, false },
		{ "2M hint, gpa not 4K aligned", a + 0x800, PAGES_2M, ATTR_PRIVATE | ATTR_2M, false },
		{ "2M hint, zero pages", a, 0, ATTR_PRIVATE | ATTR_2M, false },
		{ "1G hint, beyond RAM", end, 1, ATTR_PRIVATE | ATTR_1G, false },
		/* The hint is advisory: SNP resuming a 2M entry at cur_page 3. */
		{ "2M hint, partly done 2M entry", a + 0x200000 + 3 * PAGE,
		  PAGES_2M - 3, ATTR_PRIVATE | ATTR_2M, true },
	};
	uint64_t canary_shared = a + 0x10000, canary_private = a + 0x20000;
	uint32_t rejected = 0;

	need_private_memory();
	fill(canary_shared, 0xcafe);
	to_private(canary_private, 1);
	fill(canary_private, 0xbeef);
	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct hostile_case *c = &cases[i];
		long ret = hc_map_gpa_range(c->gpa, c->npages, c->attrs);

		printf("hostile: %s -> %ld\n", c->what, ret);
		if (c->ok)
			CHECK(ret == 0, "%s: expected success, got %ld", c->what, ret);
		else
			CHECK(ret != 0, "%s: accepted", c->what);
		rejected += ret != 0;
		CHECK(holds(canary_shared, 0xcafe) && holds(canary_private, 0xbeef),
		      "%s: changed memory it should not have", c->what);
	}
	to_shared(canary_private, 1);
	CHECK(is_zero(canary_private), "conversions broken after hostile requests");
	printf("result: hostile-cases %lu\n", sizeof(cases) / sizeof(cases[0]));
	printf("result: hostile-rejected %u\n", rejected);
	return 0;
}

/*
 * Randomized stress: arg conversions (default 10,000) over a 16 MiB
 * window against a model of every page's state, contents and whether it
 * has been touched since its last conversion; contents checked every 500
 * conversions, allocations at the end.
 */
#define STRESS_PAGES 4096

static uint8_t st_private[STRESS_PAGES];
static uint8_t st_touched[STRESS_PAGES];
static uint64_t st_tag[STRESS_PAGES];

static uint64_t stress_base(void)
{
	return ALIGN_UP(area_start() + 0x200000, 0x200000);
}

static void stress_pick(uint64_t *rng, uint64_t *first, uint64_t *n,
			uint64_t *attrs)
{
	uint64_t r = rand64(rng) % 100;

	if (r < 10) {
		*n = PAGES_2M;
		*first = (rand64(rng) % (STRESS_PAGES / PAGES_2M)) * PAGES_2M;
		*attrs = ATTR_2M;
	} else {
		*n = r < 30 ? 17 + rand64(rng) % 236 : 1 + rand64(rng) % 16;
		*first = rand64(rng) % (STRESS_PAGES - *n);
		*attrs = 0;
	}
	if (rand64(rng) & 1)
		*attrs |= ATTR_PRIVATE;
}

static uint64_t stress_verify(void)
{
	uint64_t bad = 0, base = stress_base();

	for (uint64_t p = 0; p < STRESS_PAGES; p++) {
		uint64_t gpa = base + p * PAGE;
		bool good = st_tag[p] ? holds(gpa, st_tag[p]) : is_zero(gpa);

		st_touched[p] = 1;
		if (!good && bad++ < 5)
			printf("stress: page 0x%lx (%s) holds 0x%lx, expected 0x%lx\n",
			       gpa, st_private[p] ? "private" : "shared",
			       *(volatile uint64_t *)gpa, st_tag[p]);
	}
	return bad;
}

static int scn_stress(void)
{
	uint64_t n = bi->arg ? bi->arg : 10000, rng = bi->seed | 1;
	uint64_t base = stress_base(), bad = 0, gmem = 0, shared = 0;

	need_private_memory();
	for (uint64_t i = 0; i < n; i++) {
		uint64_t first, count, attrs;
		bool priv;

		stress_pick(&rng, &first, &count, &attrs);
		priv = attrs & ATTR_PRIVATE;
		convert(base + first * PAGE, count, attrs);
		for (uint64_t p = first; p < first + count; p++) {
			if (st_private[p] == priv)
				continue;
			st_private[p] = priv;
			st_touched[p] = 0;
			st_tag[p] = 0;
		}
		/* Write a few pages of the run: shared and private alike. */
		for (uint64_t w = 0; w < 3; w++) {
			uint64_t p = first + rand64(&rng) % count;

			st_tag[p] = (i << 16) | p | 1;
			st_touched[p] = 1;
			fill(base + p * PAGE, st_tag[p]);
		}
		if (i % 500 == 499)
			bad += stress_verify();
	}
	bad += stress_verify();
	for (uint64_t p = 0; p < STRESS_PAGES; p++) {
		if (!st_touched[p])
			continue;
		if (st_private[p])
			gmem += PAGE;
		else
			shared += PAGE;
	}
	expect_allocated("stress window", base, STRESS_PAGES * PAGE, gmem, shared);
	printf("result: stress-conversions %lu\n", n);
	printf("result: stress-mismatches %lu\n", bad);
	printf("result: stress-private-bytes %lu\n", gmem);
	printf("result: stress-shared-bytes %lu\n", shared);
	return bad ? 1 : 0;
}

/*
 * What a range going private costs in guest_memfd before the guest
 * touches it: nothing by default, everything with --preallocate or
 * --prefault. The host-side test knows which was asked for.
 */
static int scn_prepare(void)
{
	uint64_t a = area_start() + 0x300000, n = 64;

	need_private_memory();
	to_private(a, n);
	printf("result: prepare-gmem-bytes %lu\n",
	       testdev(TESTDEV_MEASURE, a, n * PAGE)[0]);
	fill(a, 0x77);
	CHECK(holds(a, 0x77), "a prepared private page does not hold data");
	to_shared(a, n);
	expect_allocated("prepared range shared again", a, n * PAGE, 0, 0);
	return 0;
}

/*
 * Conversions from every vCPU at once. The BSP releases all vCPUs
 * together; each converts its own 2M window arg times (default 2000)
 * against its own model of states and contents, and every fourth request
 * goes to one 2M window all of them convert concurrently (no model there:
 * any request must succeed). The BSP waits for all, then measures every
 * own window exactly (from the files, through the test port) and the
 * shared one made all shared and then all private: at no point is a page
 * held on both sides.
 */
#define SMP_MAX 8
#define SMP_PAGES PAGES_2M

struct smp_model {
	uint8_t private[SMP_PAGES];
	uint8_t touched[SMP_PAGES];
	uint64_t tag[SMP_PAGES];
	uint64_t bad;
	uint64_t conversions;
};

static struct smp_model smp[SMP_MAX];
static volatile uint32_t smp_go, smp_done;

/* Window 0 is the one all vCPUs share; vCPU c owns window c + 1. */
static uint64_t smp_window(uint32_t w)
{
	return ALIGN_UP(area_start() + 0x200000, 0x200000) + w * 0x200000ull;
}

static uint64_t smp_verify(struct smp_model *m, uint64_t base)
{
	uint64_t bad = 0;

	for (uint64_t p = 0; p < SMP_PAGES; p++) {
		uint64_t gpa = base + p * PAGE;

		m->touched[p] = 1;
		bad += !(m->tag[p] ? holds(gpa, m->tag[p]) : is_zero(gpa));
	}
	return bad;
}

static void smp_own(struct smp_model *m, uint64_t base, uint64_t *rng,
		    uint64_t i)
{
	uint64_t n = 1 + rand64(rng) % 24, first, attrs = 0;
	bool priv = rand64(rng) & 1;

	first = rand64(rng) % (SMP_PAGES - n);
	if (priv)
		attrs |= ATTR_PRIVATE;
	convert(base + first * PAGE, n, attrs);
	for (uint64_t p = first; p < first + n; p++) {
		if (m->private[p] == priv)
			continue;
		m->private[p] = priv;
		m->touched[p] = 0;
		m->tag[p] = 0;
	}
	for (uint64_t w = 0; w < 2; w++) {
		uint64_t p = first + rand64(rng) % n;

		m->tag[p] = (i << 16) | p | 1;
		m->touched[p] = 1;
		fill(base + p * PAGE, m->tag[p]);
	}
}

static void smp_work(uint32_t cpu)
{
	struct smp_model *m = &smp[cpu];
	uint64_t n = bi->arg ? bi->arg : 2000, base = smp_window(cpu + 1);
	uint64_t rng = (bi->seed | 1) + cpu * 0x9e3779b97f4a7c15ull;

	while (!smp_go)
		cpu_relax();
	for (uint64_t i = 0; i < n; i++) {
		if (rand64(&rng) % 4 == 0) {
			uint64_t c = 1 + rand64(&rng) % 64;

			convert(smp_window(0) + rand64(&rng) % (SMP_PAGES - c) *
				PAGE, c, rand64(&rng) & 1 ? ATTR_PRIVATE : 0);
		} else {
			smp_own(m, base, &rng, i);
		}
		m->conversions++;
		if (i % 250 == 249)
			m->bad += smp_verify(m, base);
	}
	m->bad += smp_verify(m, base);
	__atomic_fetch_add(&smp_done, 1, __ATOMIC_SEQ_CST);
}

static void smp_ap(uint32_t cpu)
{
	if (cpu < SMP_MAX && (bi->flags & BOOTINFO_F_PRIVATE_MEM))
		smp_work(cpu);
}

static int scn_smp(void)
{
	uint32_t cpus = bi->nr_vcpus;
	uint64_t bad = 0, total = 0, *o;

	need_private_memory();
	CHECK(cpus >= 2 && cpus <= SMP_MAX, "mem-smp needs 2 to %d vCPUs, not %u",
	      SMP_MAX, cpus);
	while (bi->vcpus_up < cpus)
		cpu_relax();
	__atomic_store_n(&smp_go, 1, __ATOMIC_SEQ_CST);
	smp_work(0);
	while (__atomic_load_n(&smp_done, __ATOMIC_SEQ_CST) < cpus)
		cpu_relax();
	for (uint32_t c = 0; c < cpus; c++) {
		uint64_t gmem = 0, shared = 0;

		for (uint64_t p = 0; p < SMP_PAGES; p++) {
			if (!smp[c].touched[p])
				continue;
			if (smp[c].private[p])
				gmem += PAGE;
			else
				shared += PAGE;
		}
		expect_allocated("mem-smp: a vCPU's own window", smp_window(c + 1),
				 SMP_PAGES * PAGE, gmem, shared);
		bad += smp[c].bad;
		total += smp[c].conversions;
	}
	to_shared(smp_window(0), SMP_PAGES);
	o = testdev(TESTDEV_MEASURE, smp_window(0), SMP_PAGES * PAGE);
	CHECK(o[0] == 0, "mem-smp: the shared window, all shared, still holds "
	      "%lu guest_memfd bytes", o[0]);
	to_private(smp_window(0), SMP_PAGES);
	o = testdev(TESTDEV_MEASURE, smp_window(0), SMP_PAGES * PAGE);
	CHECK(o[1] == 0, "mem-smp: the shared window, all private, still holds "
	      "%lu shared bytes", o[1]);
	printf("result: smp-vcpus %u\n", cpus);
	printf("result: smp-conversions %lu\n", total);
	printf("result: smp-mismatches %lu\n", bad);
	return bad ? 1 : 0;
}

const struct scenario mem_scenarios[] = {
	{ "mem-psc-contig", "252 contiguous 4K pages, both ways", scn_psc_contig, NULL },
	{ "mem-psc-scattered", "k separate single-page runs", scn_psc_scattered, NULL },
	{ "mem-psc-2m", "2M chunks with the 2M hint", scn_psc_2m, NULL },
	{ "mem-msr-stream", "adjacent single-page requests", scn_msr_stream, NULL },
	{ "mem-whole-ram", "all free RAM private, then shared", scn_whole_ram, NULL },
	{ "mem-content", "contents across conversions", scn_content, NULL },
	{ "mem-hostile", "bad MAP_GPA_RANGE requests", scn_hostile, NULL },
	{ "mem-stress", "randomized conversions against a model", scn_stress, NULL },
	{ "mem-prepare", "guest_memfd use of a range made private", scn_prepare, NULL },
	{ "mem-smp", "every vCPU converts at once", scn_smp, smp_ap },
	{ NULL, NULL, NULL, NULL },
};
