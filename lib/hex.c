// SPDX-License-Identifier: GPL-2.0-only
#include "lib/hex.h"

void hex_encode(const uint8_t *d, size_t n, char *ret)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		ret[2 * i] = digits[d[i] >> 4];
		ret[2 * i + 1] = digits[d[i] & 0xf];
	}
	ret[2 * n] = '\0';
}
