/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Base64, the text form of byte strings users write in configs (ID blocks,
 * as QEMU's sev-snp-guest takes them); hex is lib/hex.h. Strict: no
 * whitespace, no missing padding, exact lengths.
 */
#ifndef CVMM_ENCODING_H
#define CVMM_ENCODING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Characters of the base64 text of @n bytes, padded (RFC 4648). */
static inline size_t base64_len(size_t n)
{
	return (n + 2) / 3 * 4;
}

/*
 * @s looks like base64 text: a multiple of 4 characters of the RFC 4648
 * alphabet, with at most two '=' at the end.
 */
bool base64_is_text(const char *s);

/*
 * Decode @s into at most @max bytes. Returns 0 with *ret_len set, -EINVAL
 * for text that is not base64, -E2BIG when it holds more than @max bytes.
 */
int base64_decode(const char *s, uint8_t *ret, size_t max, size_t *ret_len);

#endif
