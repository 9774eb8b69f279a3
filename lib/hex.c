// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <string.h>

#include "lib/hex.h"

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int hex_decode(const char *s, uint8_t *ret, size_t n)
{
	if (strlen(s) != 2 * n)
		return -EINVAL;
	for (size_t i = 0; i < 2 * n; i++)
		if (hex_digit(s[i]) < 0)
			return -EINVAL;
	for (size_t i = 0; i < n; i++)
		ret[i] = hex_digit(s[2 * i]) << 4 | hex_digit(s[2 * i + 1]);
	return 0;
}

void hex_encode(const uint8_t *d, size_t n, char *ret)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		ret[2 * i] = digits[d[i] >> 4];
		ret[2 * i + 1] = digits[d[i] & 0xf];
	}
	ret[2 * n] = '\0';
}
