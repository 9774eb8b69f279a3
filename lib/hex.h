/* SPDX-License-Identifier: GPL-2.0-only */
/* Bytes (digests, hashes) as lower-case hex text. */
#ifndef CVMM_HEX_H
#define CVMM_HEX_H

#include <stddef.h>
#include <stdint.h>

/* Write 2 * @n hex digits and a NUL to @ret (2 * @n + 1 bytes). */
void hex_encode(const uint8_t *d, size_t n, char *ret);

/* @s is exactly 2 * @n hex digits (either case): 0, else -EINVAL. */
int hex_decode(const char *s, uint8_t *ret, size_t n);

#endif
