// SPDX-License-Identifier: GPL-2.0-only
/*
 * The attribute map: table-driven cases for merging, splitting and
 * trimming, allocation failures, and a randomized comparison against a
 * bitmap with one bit per page.
 */
#include <errno.h>
#include <stdbool.h>

#include "lib/util.h"
#include "memory/attr-map.h"
#include "tests/test.h"

#define PG 0x1000ull
/* The last page of the 64-bit space: its end does not fit in 64 bits. */
#define TOP (~0ull - PG + 1)

/* Allocations fail while this is set (the test links with --wrap). */
static bool fail_malloc;
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
	return fail_malloc ? NULL : __real_calloc(n, size);
}

struct op {
	uint64_t gpa;
	uint64_t len;
	bool private;
	int ret;
};

struct range {
	uint64_t start;
	uint64_t end;
};

struct map_case {
	const char *name;
	struct op ops[6];
	struct range want[4];
};

#define P(a, l) { (a) * PG, (l) * PG, true, 0 }
#define S(a, l) { (a) * PG, (l) * PG, false, 0 }
#define R(a, e) { (a) * PG, (e) * PG }

static const struct map_case map_cases[] = {
	{ "one range", { P(1, 2) }, { R(1, 3) } },
	{ "adjacent ranges coalesce", { P(1, 1), P(2, 1) }, { R(1, 3) } },
	{ "adjacent on the left", { P(2, 1), P(1, 1) }, { R(1, 3) } },
	{ "a bridge merges both sides", { P(1, 1), P(3, 1), P(2, 1) },
	  { R(1, 4) } },
	{ "overlap extends", { P(1, 2), P(2, 3) }, { R(1, 5) } },
	{ "covering range swallows several",
	  { P(2, 1), P(4, 1), P(6, 1), P(1, 8) }, { R(1, 9) } },
	{ "same range twice", { P(1, 1), P(1, 1) }, { R(1, 2) } },
	{ "gap stays", { P(1, 1), P(3, 1) }, { R(1, 2), R(3, 4) } },
	{ "shared splits", { P(0, 16), S(4, 1) }, { R(0, 4), R(5, 16) } },
	{ "shared trims the left", { P(1, 4), S(0, 2) }, { R(2, 5) } },
	{ "shared trims the right", { P(1, 4), S(4, 3) }, { R(1, 4) } },
	{ "shared of all", { P(1, 1), P(3, 1), P(5, 1), S(0, 16) }, { } },
	{ "shared across three trims two",
	  { P(1, 3), P(5, 1), P(7, 3), S(2, 6) }, { R(1, 2), R(8, 10) } },
	{ "shared on an empty map", { S(0, 16) }, { } },
	{ "shared exactly one range", { P(1, 2), P(4, 1), S(1, 2) },
	  { R(4, 5) } },
	{ "page 0", { P(0, 1), P(1, 1) }, { R(0, 2) } },
	{ "top of the address space",
	  { { TOP - PG, PG, true, 0 }, { TOP - 2 * PG, PG, true, 0 } },
	  { { TOP - 2 * PG, TOP } } },
	{ "zero length is refused", { { PG, 0, true, -EINVAL } }, { } },
	{ "a wrapping range is refused",
	  { { TOP, 2 * PG, true, -EINVAL }, { TOP, 2 * PG, false, -EINVAL } },
	  { } },
};

static void expect_ranges(const struct attr_map *map, const struct range *want,
			  size_t n_want, const char *name)
{
	uint64_t gpa = 0, start, end, bytes = 0;
	size_t n = 0;

	EXPECT_EQ(attr_map_check(map), 0, "%s: map invariants should hold",
		  name);
	while (attr_map_next(map, gpa, &start, &end)) {
		EXPECT(n < n_want, "%s: no range beyond the expected ones",
		       name);
		if (n < n_want) {
			EXPECT_EQ(start, want[n].start, "%s: range %zu start",
				  name, n);
			EXPECT_EQ(end, want[n].end, "%s: range %zu end", name,
				  n);
		}
		bytes += end - start;
		n++;
		gpa = end;
	}
	EXPECT_EQ(n, n_want, "%s: range count", name);
	EXPECT_EQ(map->nr_ranges, n_want, "%s: nr_ranges", name);
	EXPECT_EQ(map->private_bytes, bytes, "%s: private_bytes", name);
}

static bool op_used(const struct op *o)
{
	return o->len || o->ret;
}

static size_t count_ranges(const struct range *want)
{
	size_t n = 0;

	while (n < 4 && want[n].end)
		n++;
	return n;
}

static void test_table(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(map_cases); i++) {
		const struct map_case *c = &map_cases[i];
		struct attr_map map;

		attr_map_init(&map);
		for (size_t j = 0; j < ARRAY_SIZE(c->ops); j++) {
			const struct op *o = &c->ops[j];

			if (!op_used(o))
				break;
			EXPECT_EQ(attr_map_set(&map, o->gpa, o->len,
					       o->private),
				  o->ret, "%s: op %zu result", c->name, j);
		}
		expect_ranges(&map, c->want, count_ranges(c->want), c->name);
		attr_map_fini(&map);
	}
}

static void test_queries(void)
{
	struct attr_map map;
	bool private;

	attr_map_init(&map);
	(void)attr_map_set(&map, 4 * PG, 4 * PG, true);
	EXPECT(!attr_map_is_private(&map, 3 * PG), "page 3 should be shared");
	EXPECT(attr_map_is_private(&map, 4 * PG), "page 4 should be private");
	EXPECT(attr_map_is_private(&map, 8 * PG - 1), "last byte private");
	EXPECT(!attr_map_is_private(&map, 8 * PG), "page 8 should be shared");
	EXPECT_EQ(attr_map_run(&map, 0, 16 * PG, &private), 4 * PG,
		  "shared run before the range");
	EXPECT(!private, "run at 0 should be shared");
	EXPECT_EQ(attr_map_run(&map, 5 * PG, 16 * PG, &private), 3 * PG,
		  "private run from inside the range");
	EXPECT(private, "run at page 5 should be private");
	EXPECT_EQ(attr_map_run(&map, 5 * PG, 6 * PG, &private), PG,
		  "run clipped to end");
	EXPECT_EQ(attr_map_run(&map, 8 * PG, 16 * PG, &private), 8 * PG,
		  "shared run to end");
	EXPECT(!private, "run after the range should be shared");
	attr_map_fini(&map);
}

static void test_enomem_leaves_map_unchanged(void)
{
	static const struct range two[] = { R(1, 3), R(8, 12) };
	struct attr_map map;

	attr_map_init(&map);
	(void)attr_map_set(&map, 1 * PG, 2 * PG, true);
	(void)attr_map_set(&map, 8 * PG, 4 * PG, true);
	free(map.spare);
	map.spare = NULL;

	fail_malloc = true;
	EXPECT_EQ(attr_map_set(&map, 20 * PG, PG, true), -ENOMEM,
		  "a new range without memory should fail");
	expect_ranges(&map, two, 2, "after failed insert");
	EXPECT_EQ(attr_map_set(&map, 9 * PG, PG, false), -ENOMEM,
		  "a split without memory should fail");
	expect_ranges(&map, two, 2, "after failed split");
	EXPECT_EQ(attr_map_reserve(&map), -ENOMEM, "reserve should fail");
	EXPECT_EQ(attr_map_set(&map, 3 * PG, PG, true), 0,
		  "a merge needs no memory");
	EXPECT_EQ(attr_map_set(&map, 1 * PG, 20 * PG, true), 0,
		  "swallowing ranges needs no memory");
	EXPECT(map.spare != NULL, "a dropped node should become the spare");
	EXPECT_EQ(attr_map_set(&map, 9 * PG, PG, false), 0,
		  "a split with the spare needs no malloc");
	fail_malloc = false;
	EXPECT_EQ(attr_map_check(&map), 0, "invariants after failures");
	EXPECT_EQ(attr_map_reserve(&map), 0, "reserve should succeed");
	attr_map_fini(&map);
}

/* A small xorshift generator: reproducible across libcs. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(uint64_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state % n;
}

#define MODEL_PAGES 1024

static void compare_model(const struct attr_map *map, const bool *model,
			  unsigned int op)
{
	size_t runs = 0;
	uint64_t bytes = 0;
	int bad = 0;

	for (unsigned int p = 0; p < MODEL_PAGES; p++) {
		if (model[p] != attr_map_is_private(map, p * PG))
			bad++;
		if (model[p] && (p == 0 || !model[p - 1]))
			runs++;
		bytes += model[p] ? PG : 0;
	}
	EXPECT_EQ(bad, 0, "op %u: every page should match the model", op);
	EXPECT_EQ(map->nr_ranges, runs, "op %u: ranges = model runs", op);
	EXPECT_EQ(map->private_bytes, bytes, "op %u: private bytes", op);
	EXPECT_EQ(attr_map_check(map), 0, "op %u: invariants", op);
}

static void check_random_run(const struct attr_map *map, const bool *model)
{
	uint64_t p = rnd(MODEL_PAGES), end = p + 1 + rnd(MODEL_PAGES - p);
	uint64_t len, want = 0;
	bool private;

	len = attr_map_run(map, p * PG, end * PG, &private);
	while (p + want < end && model[p + want] == model[p])
		want++;
	EXPECT_EQ(len, want * PG, "run at page %" PRIu64, p);
	EXPECT(private == model[p], "run state at page %" PRIu64, p);
}

static void test_random_against_bitmap(void)
{
	static bool model[MODEL_PAGES];
	struct attr_map map;

	attr_map_init(&map);
	for (unsigned int op = 0; op < 20000; op++) {
		uint64_t p = rnd(MODEL_PAGES);
		uint64_t n = rnd(8) ? 1 + rnd(8) : 1 + rnd(200);
		bool private = rnd(2);

		n = MIN(n, MODEL_PAGES - p);
		EXPECT_EQ(attr_map_set(&map, p * PG, n * PG, private), 0,
			  "set at page %" PRIu64, p);
		for (uint64_t i = p; i < p + n; i++)
			model[i] = private;
		if (op % 16 == 0 || n > 8)
			compare_model(&map, model, op);
		check_random_run(&map, model);
		if (test_failed_checks)
			break;
	}
	compare_model(&map, model, 20000);
	attr_map_fini(&map);
}

/* Many disjoint ranges: the tree must stay balanced. */
static void test_many_ranges_stay_balanced(void)
{
	struct attr_map map;
	unsigned int n = 100000;

	attr_map_init(&map);
	for (unsigned int i = 0; i < n; i++)
		(void)attr_map_set(&map, 2ull * i * PG, PG, true);
	EXPECT_EQ(map.nr_ranges, n, "every other page is its own range");
	EXPECT_EQ(attr_map_check(&map), 0, "balanced after ascending inserts");
	for (unsigned int i = 0; i < n; i += 2)
		(void)attr_map_set(&map, 2ull * i * PG + PG, PG, true);
	EXPECT_EQ(map.nr_ranges, n / 2, "filling gaps merges pairs");
	EXPECT_EQ(attr_map_check(&map), 0, "balanced after merges");
	(void)attr_map_set(&map, PG, 4ull * n * PG, false);
	EXPECT_EQ(map.nr_ranges, 1, "only page 0 stays private");
	EXPECT_EQ(map.private_bytes, PG, "one page of private bytes");
	attr_map_fini(&map);
}

TEST_MAIN(TEST_CASE(test_table), TEST_CASE(test_queries),
	  TEST_CASE(test_enomem_leaves_map_unchanged),
	  TEST_CASE(test_random_against_bitmap),
	  TEST_CASE(test_many_ranges_stay_balanced))
