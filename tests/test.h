/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A tiny test harness: one test_<property>() per property, EXPECT() with a
 * message phrased as an expectation, exit 77 when a test must be skipped.
 */
#ifndef CVMM_TEST_H
#define CVMM_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEST_EXIT_SKIP 77

struct test_case {
	const char *name;
	void (*fn)(void);
};

#define TEST_CASE(fn) { #fn, fn }

static int test_failed_checks;

#define EXPECT(cond, ...)                                                 \
	do {                                                              \
		if (!(cond)) {                                            \
			fprintf(stderr, "%s:%d: expectation failed: ", \
				__FILE__, __LINE__);                      \
			fprintf(stderr, __VA_ARGS__);                     \
			fprintf(stderr, " [%s]\n", #cond);               \
			test_failed_checks++;                             \
		}                                                         \
	} while (0)

#define EXPECT_EQ(a, b, ...)                                              \
	do {                                                              \
		uint64_t _a = (uint64_t)(a), _b = (uint64_t)(b);          \
		if (_a != _b) {                                           \
			fprintf(stderr, "%s:%d: expectation failed: ", \
				__FILE__, __LINE__);                      \
			fprintf(stderr, __VA_ARGS__);                     \
			fprintf(stderr, " [%s = 0x%" PRIx64 ", %s = 0x%" PRIx64 "]\n", \
				#a, _a, #b, _b);                          \
			test_failed_checks++;                             \
		}                                                         \
	} while (0)

/* Say why and leave with the skip status that meson understands. */
#define TEST_SKIP(...)                                                    \
	do {                                                              \
		printf("skipped: ");                                      \
		printf(__VA_ARGS__);                                      \
		printf("\n");                                             \
		exit(TEST_EXIT_SKIP);                                     \
	} while (0)

static inline int test_run(const struct test_case *cases, size_t n)
{
	int failed = 0;

	for (size_t i = 0; i < n; i++) {
		int before = test_failed_checks;

		cases[i].fn();
		if (test_failed_checks != before) {
			printf("FAIL %s\n", cases[i].name);
			failed++;
		} else {
			printf("ok   %s\n", cases[i].name);
		}
	}
	printf("%zu passed, %d failed\n", n - failed, failed);
	return failed ? 1 : 0;
}

#define TEST_MAIN(...)                                                    \
	int main(void)                                                    \
	{                                                                 \
		static const struct test_case cases[] = { __VA_ARGS__ };  \
		return test_run(cases, sizeof(cases) / sizeof(cases[0])); \
	}

#endif
