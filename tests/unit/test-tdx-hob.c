// SPDX-License-Identifier: GPL-2.0-only
/*
 * TD HOB: the RAM split around the accepted TDVF sections, the HOB bytes
 * for the inteltdx fixture's section table (tdx.md section 4) written out
 * independently here, and the size and consistency checks.
 */
#include "cc/tdx-hob.h"
#include "lib/util.h"
#include "tests/test.h"
#include "tests/unit/spec-tables.h"

/* A 6 GiB guest: RAM below the 2 GiB hole and above 4 GiB, unsorted. */
static const struct tdx_ram_range ram[] = {
	{ 0x100000000ull, 0x100000000ull },
	{ 0, 0x80000000 },
};

static const struct tdx_ram_entry want_split[] = {
	{ 0x0, 0x800000, false },
	{ 0x800000, 0x6000, true },
	{ 0x806000, 0x3000, false },
	{ 0x809000, 0x2000, true },
	{ 0x80B000, 0x2000, true },
	{ 0x80D000, 0x3000, false },
	{ 0x810000, 0x10000, true },
	{ 0x820000, 0x80000000 - 0x820000, false },
	{ 0x100000000ull, 0x100000000ull, false },
};

static void put(uint8_t *p, unsigned int width, uint64_t v)
{
	for (unsigned int i = 0; i < width; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void test_ram_split(void)
{
	struct tdx_ram_entry e[TDX_RAM_SPLIT_MAX(2, 6)];
	size_t nr = 0;

	EXPECT_EQ(tdx_ram_split(ram, 2, tdx_sections, 6, e, &nr), 0,
		  "split should work");
	EXPECT_EQ(nr, ARRAY_SIZE(want_split), "number of pieces");
	for (size_t i = 0; i < nr && i < ARRAY_SIZE(want_split); i++) {
		EXPECT_EQ(e[i].gpa, want_split[i].gpa, "piece %zu GPA", i);
		EXPECT_EQ(e[i].size, want_split[i].size, "piece %zu size", i);
		EXPECT_EQ(e[i].accepted, want_split[i].accepted,
			  "piece %zu accepted", i);
	}
}

/* The HOB as tdx.md section 5 describes it, written field by field. */
static size_t expected_hob(uint8_t *buf, uint64_t hob_gpa)
{
	size_t n = ARRAY_SIZE(want_split);
	size_t len = 56 + 48 * n + 8;
	uint8_t *p = buf;

	memset(buf, 0, len);
	put(p, 2, 0x0001);
	put(p + 2, 2, 56);
	put(p + 8, 4, 9);
	put(p + 48, 8, hob_gpa + len);
	p += 56;
	for (size_t i = 0; i < n; i++, p += 48) {
		put(p, 2, 0x0003);
		put(p + 2, 2, 48);
		put(p + 24, 4, want_split[i].accepted ? 0 : 7);
		put(p + 28, 4, 7);
		put(p + 32, 8, want_split[i].gpa);
		put(p + 40, 8, want_split[i].size);
	}
	put(p, 2, 0xFFFF);
	put(p + 2, 2, 8);
	return len;
}

static void test_hob_bytes(void)
{
	uint8_t want[1024], buf[0x2000];
	size_t want_len = expected_hob(want, 0x809000), len = 0;

	memset(buf, 0xAA, sizeof(buf));
	EXPECT_EQ(tdx_hob_build(ram, 2, tdx_sections, 6, buf, sizeof(buf),
				&len), 0, "HOB should build");
	EXPECT_EQ(len, want_len, "HOB length: handoff + 9 resources + end");
	EXPECT_EQ(len, 56 + 9 * 48 + 8, "that is 496 bytes");
	EXPECT(!memcmp(buf, want, want_len), "HOB bytes");
	EXPECT_EQ(buf[len], 0xAA, "nothing written past the HOB");
	EXPECT(len <= tdx_hob_max_size(2, 6), "max size is an upper bound");
}

static void test_hob_sizes(void)
{
	size_t len = 0, need = 56 + 9 * 48 + 8;
	struct tdx_ram_range many[90];
	struct tdvf_section small[6];
	uint8_t buf[0x2000];

	EXPECT_EQ(tdx_hob_build(ram, 2, tdx_sections, 6, buf, need, &len), 0,
		  "an exactly sized buffer should do");
	EXPECT_EQ(tdx_hob_build(ram, 2, tdx_sections, 6, buf, need - 1,
				&len), -ENOBUFS,
		  "a buffer one byte short should give ENOBUFS");
	EXPECT_EQ(tdx_hob_build(ram, 2, tdx_sections, 6, NULL, 0, &len),
		  -ENOBUFS, "no buffer should give ENOBUFS");

	/* Many RAM ranges overflow a one-page TD_HOB section. */
	for (size_t i = 0; i < ARRAY_SIZE(many); i++)
		many[i] = (struct tdx_ram_range){ 0x100000000ull * (i + 1),
						  0x1000 };
	many[0] = (struct tdx_ram_range){ 0, 0x80000000 };
	memcpy(small, tdx_sections, sizeof(small));
	small[4].size = 0x1000;
	EXPECT_EQ(tdx_hob_build(many, ARRAY_SIZE(many), small, 6, buf,
				sizeof(buf), &len), -E2BIG,
		  "a HOB larger than its section should give E2BIG");
}

static void test_rejects(void)
{
	static const struct {
		const char *what;
		struct tdx_ram_range ram[2];
		size_t nr_ram;
		int patch_sec;		/* section to change, -1 for none */
		struct tdvf_section sec;
	} cases[] = {
		{ "no RAM", {}, 0, -1, {} },
		{ "empty RAM range", { { 0, 0x80000000 }, { 0x100000000, 0 } },
		  2, -1, {} },
		{ "unaligned RAM start", { { 0x800, 0x80000000 } }, 1, -1, {} },
		{ "unaligned RAM size", { { 0, 0x80000800 } }, 1, -1, {} },
		{ "wrapping RAM range",
		  { { 0, 0x80000000 }, { 0xFFFFFFFFFFFFF000ull, 0x2000 } },
		  2, -1, {} },
		{ "overlapping RAM ranges",
		  { { 0, 0x80000000 }, { 0x7FFFF000, 0x2000 } }, 2, -1, {} },
		{ "TEMP_MEM outside RAM", { { 0, 0x800000 } }, 1, -1, {} },
		{ "TEMP_MEM across the RAM end", { { 0, 0x815000 } }, 1, -1,
		  {} },
		{ "TEMP_MEM across two RAM ranges",
		  { { 0, 0x812000 }, { 0x812000, 0x1000000 } }, 2, -1, {} },
		{ "TEMP_MEM partly over an accepted one", { { 0, 0x80000000 } },
		  1, 2, { .gpa = 0x80C000, .size = 0x2000,
			  .type = TDVF_SECTION_TEMP_MEM } },
		{ "unaligned TEMP_MEM", { { 0, 0x80000000 } }, 1, 2,
		  { .gpa = 0x810800, .size = 0x1000,
		    .type = TDVF_SECTION_TEMP_MEM } },
		{ "empty TEMP_MEM", { { 0, 0x80000000 } }, 1, 2,
		  { .gpa = 0x810000, .size = 0,
		    .type = TDVF_SECTION_TEMP_MEM } },
		{ "no TD_HOB", { { 0, 0x80000000 } }, 1, 4,
		  { .gpa = 0x809000, .size = 0x2000,
		    .type = TDVF_SECTION_TEMP_MEM } },
		{ "two TD_HOBs", { { 0, 0x80000000 } }, 1, 3,
		  { .gpa = 0x80B000, .size = 0x2000,
		    .type = TDVF_SECTION_TD_HOB } },
		{ "a TD_HOB accepted later", { { 0, 0x80000000 } }, 1, 4,
		  { .gpa = 0x809000, .size = 0x2000,
		    .type = TDVF_SECTION_TD_HOB,
		    .attributes = TDVF_ATTR_PAGE_AUG } },
	};
	uint8_t buf[0x2000];
	size_t len;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct tdvf_section secs[6];

		memcpy(secs, tdx_sections, sizeof(secs));
		if (cases[i].patch_sec >= 0)
			secs[cases[i].patch_sec] = cases[i].sec;
		EXPECT_EQ(tdx_hob_build(cases[i].ram, cases[i].nr_ram, secs, 6,
					buf, sizeof(buf), &len), -EINVAL,
			  "%s should give EINVAL", cases[i].what);
	}
}

/* Like QEMU, a section inside an already accepted piece is accepted. */
static void test_nested_and_aug_sections(void)
{
	struct tdvf_section secs[7];
	struct tdx_ram_entry e[TDX_RAM_SPLIT_MAX(2, 7)];
	size_t nr = 0;

	memcpy(secs, tdx_sections, sizeof(tdx_sections));
	secs[6] = (struct tdvf_section){ .gpa = 0x811000, .size = 0x1000,
					 .type = TDVF_SECTION_TEMP_MEM };
	EXPECT_EQ(tdx_ram_split(ram, 2, secs, 7, e, &nr), 0,
		  "a nested TEMP_MEM should be fine");
	EXPECT_EQ(nr, ARRAY_SIZE(want_split), "and change nothing");

	secs[6] = (struct tdvf_section){ .gpa = 0x900000, .size = 0x1000,
					 .type = TDVF_SECTION_TEMP_MEM,
					 .attributes = TDVF_ATTR_PAGE_AUG };
	EXPECT_EQ(tdx_ram_split(ram, 2, secs, 7, e, &nr), 0,
		  "a PAGE.AUG TEMP_MEM should be fine");
	EXPECT_EQ(nr, ARRAY_SIZE(want_split),
		  "and stay unaccepted: the guest accepts it itself");
}

/* An accepted range at either end of a RAM range leaves no empty piece. */
static void test_split_edges(void)
{
	const struct tdx_ram_range r[] = { { 0x800000, 0x8000 } };
	const struct tdvf_section s[] = {
		{ .gpa = 0x800000, .size = 0x2000,
		  .type = TDVF_SECTION_TEMP_MEM },
		{ .gpa = 0x806000, .size = 0x2000,
		  .type = TDVF_SECTION_TD_HOB },
	};
	struct tdx_ram_entry e[TDX_RAM_SPLIT_MAX(1, 2)];
	size_t nr = 0;

	EXPECT_EQ(tdx_ram_split(r, 1, s, 2, e, &nr), 0, "edge split");
	EXPECT_EQ(nr, 3, "three pieces");
	EXPECT(e[0].gpa == 0x800000 && e[0].size == 0x2000 && e[0].accepted,
	       "head accepted");
	EXPECT(e[1].gpa == 0x802000 && e[1].size == 0x4000 && !e[1].accepted,
	       "middle unaccepted");
	EXPECT(e[2].gpa == 0x806000 && e[2].size == 0x2000 && e[2].accepted,
	       "tail accepted");
}

TEST_MAIN(TEST_CASE(test_ram_split), TEST_CASE(test_hob_bytes),
	  TEST_CASE(test_hob_sizes), TEST_CASE(test_rejects),
	  TEST_CASE(test_nested_and_aug_sections), TEST_CASE(test_split_edges))
