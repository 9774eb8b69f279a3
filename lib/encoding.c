// SPDX-License-Identifier: GPL-2.0-only
/* Base64 decoding of user-written byte strings (lib/encoding.h). */
#include <errno.h>
#include <string.h>

#include "lib/encoding.h"

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

bool base64_is_text(const char *s)
{
	size_t len = strlen(s), pad = 0;

	if (!len || len % 4)
		return false;
	while (pad < 2 && s[len - 1 - pad] == '=')
		pad++;
	for (size_t i = 0; i < len - pad; i++)
		if (b64_value(s[i]) < 0)
			return false;
	return true;
}

int base64_decode(const char *s, uint8_t *ret, size_t max, size_t *ret_len)
{
	size_t len = strlen(s), pad, out = 0;

	if (!base64_is_text(s))
		return -EINVAL;
	pad = (s[len - 1] == '=') + (s[len - 2] == '=');
	if ((len / 4) * 3 - pad > max)
		return -E2BIG;
	for (size_t i = 0; i < len; i += 4) {
		uint32_t v = 0;
		size_t bytes = i + 4 < len ? 3 : 3 - pad;

		for (size_t j = 0; j < 4; j++)
			v = v << 6 | (s[i + j] == '=' ? 0 : b64_value(s[i + j]));
		for (size_t j = 0; j < bytes; j++)
			ret[out++] = v >> (16 - 8 * j);
	}
	*ret_len = out;
	return 0;
}
