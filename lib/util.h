/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Small helpers shared by every module: cleanup attributes in the systemd
 * style, alignment arithmetic and checked additions.
 */
#ifndef CVMM_UTIL_H
#define CVMM_UTIL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#define __must_check __attribute__((warn_unused_result))
#define __unused __attribute__((unused))
#define __packed __attribute__((packed))
#define __printf(a, b) __attribute__((format(printf, a, b)))
#define _cleanup_(f) __attribute__((cleanup(f)))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

#define SZ_4K 0x1000ull
#define SZ_2M 0x200000ull
#define SZ_1G 0x40000000ull
#define PAGE_SIZE SZ_4K

#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a) - 1)) == 0)
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a) - 1))
#define ALIGN_UP(x, a) ALIGN_DOWN((x) + (a) - 1, (a))

static inline void freep(void *p)
{
	free(*(void **)p);
}

static inline void closep(int *fd)
{
	if (*fd >= 0)
		(void)close(*fd);
}

#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)

/* Hand ownership on: return the value and disarm the cleanup variable. */
#define TAKE_PTR(p)                                 \
	({                                          \
		__typeof__(p) _tmp = (p);           \
		(p) = NULL;                         \
		_tmp;                               \
	})
#define TAKE_FD(fd)                                 \
	({                                          \
		int _tmp = (fd);                    \
		(fd) = -1;                          \
		_tmp;                               \
	})

/* Return true and store a + b in *ret if the sum does not overflow. */
static inline bool add_ok(uint64_t a, uint64_t b, uint64_t *ret)
{
	return !__builtin_add_overflow(a, b, ret);
}

/* [a, a + alen) and [b, b + blen) overlap; lengths must not overflow. */
static inline bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b,
				  uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

#endif
