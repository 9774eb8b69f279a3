/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the fuzz targets share: reading typed values from the input, and
 * FUZZ_CHECK(), which turns a broken property into a crash that libFuzzer
 * reports and keeps the input of.
 */
#ifndef CVMM_FUZZ_H
#define CVMM_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The libFuzzer entry point each target defines. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_input {
	const uint8_t *data;
	size_t size;
};

/* Past the end of the input, values read as zeros. */
static inline uint64_t fuzz_bytes(struct fuzz_input *in, unsigned int n)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < n && in->size; i++, in->size--)
		v |= (uint64_t)*in->data++ << (8 * i);
	return v;
}

static inline uint8_t fuzz_u8(struct fuzz_input *in)
{
	return fuzz_bytes(in, 1);
}

static inline uint16_t fuzz_u16(struct fuzz_input *in)
{
	return fuzz_bytes(in, 2);
}

static inline uint32_t fuzz_u32(struct fuzz_input *in)
{
	return fuzz_bytes(in, 4);
}

static inline uint64_t fuzz_u64(struct fuzz_input *in)
{
	return fuzz_bytes(in, 8);
}

#define FUZZ_CHECK(cond, ...)                                             \
	do {                                                              \
		if (!(cond)) {                                            \
			fprintf(stderr, "%s:%d: property broken: ",       \
				__FILE__, __LINE__);                      \
			fprintf(stderr, __VA_ARGS__);                     \
			fprintf(stderr, " [%s]\n", #cond);               \
			abort();                                          \
		}                                                         \
	} while (0)

#endif
