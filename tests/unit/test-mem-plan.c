// SPDX-License-Identifier: GPL-2.0-only
/*
 * mem_plan_build(): what "auto" resolves to for each kind of VM and host,
 * when guest_memfd may be guest RAM, and the RAM layout around the hole.
 */
#include "memory/memory.h"
#include "tests/test.h"
#include "lib/kvm-abi.h"

#define IN_PLACE (GUEST_MEMFD_FLAG_MMAP | GUEST_MEMFD_FLAG_INIT_SHARED)

struct vm_kind {
	const char *name;
	enum shared_backing asked;
	bool kernel;
	bool has_private;
	uint64_t host_flags;
};

static int plan_for(const struct vm_kind *k, struct mem_plan *plan)
{
	static char bzimage[] = "bzImage";
	struct vm_config cfg;

	vm_config_init(&cfg);
	cfg.machine.backing = k->asked;
	cfg.boot.kernel = k->kernel ? bzimage : NULL;
	return mem_plan_build(&cfg, 0, k->host_flags, k->has_private, plan);
}

static void expect_backing(const struct vm_kind *k, enum shared_backing want,
			   bool gmem_is_ram, bool use_gmem)
{
	struct mem_plan plan;
	int r = plan_for(k, &plan);

	EXPECT_EQ(r, 0, "%s: a plan", k->name);
	if (r)
		return;
	EXPECT(plan.backing == want, "%s: backing %s, not %s", k->name,
	       shared_backing_name(want), shared_backing_name(plan.backing));
	EXPECT_EQ(plan.use_gmem, use_gmem, "%s: slots with guest_memfd", k->name);
	EXPECT_EQ(plan.gmem_flags, gmem_is_ram ? IN_PLACE : 0,
		  "%s: guest_memfd flags", k->name);
}

static void test_auto(void)
{
	const struct vm_kind test_guest = { "test guest", BACKING_AUTO, false,
					    false, IN_PLACE };
	const struct vm_kind old_host = { "test guest, host without MMAP",
					  BACKING_AUTO, false, false, 0 };
	const struct vm_kind kernel = { "kernel", BACKING_AUTO, true, false,
					IN_PLACE };
	const struct vm_kind sw = { "sw kernel", BACKING_AUTO, true, true,
				    GUEST_MEMFD_FLAG_MMAP };

	expect_backing(&test_guest, BACKING_GUEST_MEMFD, true, true);
	expect_backing(&old_host, BACKING_MEMFD, false, false);
	/* No huge guest_memfd pages yet: kernels get THP anonymous RAM. */
	expect_backing(&kernel, BACKING_ANONYMOUS, false, false);
	expect_backing(&sw, BACKING_MEMFD, false, true);
}

static void test_explicit(void)
{
	const struct vm_kind gmem_kernel = { "kernel, guest_memfd asked",
					     BACKING_GUEST_MEMFD, true, false,
					     IN_PLACE };
	const struct vm_kind thp_sw = { "sw, memfd-thp asked",
					BACKING_MEMFD_THP, false, true, 0 };
	const struct vm_kind anon = { "test guest, anonymous asked",
				      BACKING_ANONYMOUS, false, false,
				      IN_PLACE };

	expect_backing(&gmem_kernel, BACKING_GUEST_MEMFD, true, true);
	expect_backing(&thp_sw, BACKING_MEMFD_THP, false, true);
	expect_backing(&anon, BACKING_ANONYMOUS, false, false);
}

static void test_guest_memfd_refused(void)
{
	const struct vm_kind kinds[] = {
		{ "guest_memfd on a host without MMAP|INIT_SHARED",
		  BACKING_GUEST_MEMFD, false, false, GUEST_MEMFD_FLAG_MMAP },
		{ "guest_memfd with private memory", BACKING_GUEST_MEMFD,
		  false, true, IN_PLACE },
	};
	struct mem_plan plan;

	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
		EXPECT_EQ(plan_for(&kinds[i], &plan), -EOPNOTSUPP,
			  "%s: refused", kinds[i].name);
}

static void test_layout_around_the_hole(void)
{
	struct vm_config cfg;
	struct mem_plan plan;

	vm_config_init(&cfg);
	cfg.machine.memory_size = MEM_HOLE_START + SZ_2M * 8;
	EXPECT_EQ(mem_plan_build(&cfg, SZ_2M, 0, false, &plan), 0,
		  "RAM across the hole can be laid out");
	EXPECT_EQ(plan.nr_regions, 3, "low RAM, high RAM, firmware");
	EXPECT_EQ(plan.regions[0].size, MEM_HOLE_START, "low RAM ends at the hole");
	EXPECT_EQ(plan.regions[1].gpa, MEM_4G, "high RAM starts at 4G");
	EXPECT_EQ(plan.regions[1].size, SZ_2M * 8, "the rest is high RAM");
	EXPECT_EQ(plan.regions[2].gpa, MEM_4G - SZ_2M, "firmware ends at 4G");
	cfg.machine.memory_size = SZ_2M + PAGE_SIZE;
	EXPECT_EQ(mem_plan_build(&cfg, 0, 0, false, &plan), -EINVAL,
		  "RAM that is not a multiple of 2M is refused");
}

TEST_MAIN(TEST_CASE(test_auto),
	  TEST_CASE(test_explicit),
	  TEST_CASE(test_guest_memfd_refused),
	  TEST_CASE(test_layout_around_the_hole))
