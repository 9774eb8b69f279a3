// SPDX-License-Identifier: GPL-2.0-only
/* lib/encoding.c: hex and base64 as configs write them, strictly. */
#include <errno.h>
#include <string.h>

#include "lib/encoding.h"
#include "lib/hex.h"
#include "lib/util.h"
#include "tests/test.h"

static void test_hex(void)
{
	uint8_t b[4];
	char s[9];

	EXPECT(hex_decode("00aBcDff", b, 4) == 0 && b[0] == 0 && b[1] == 0xab &&
	       b[2] == 0xcd && b[3] == 0xff, "hex of either case should decode");
	EXPECT_EQ(hex_decode("00abcd", b, 4), -EINVAL, "too short");
	EXPECT_EQ(hex_decode("00abcdff00", b, 4), -EINVAL, "too long");
	EXPECT_EQ(hex_decode("00abcdfg", b, 4), -EINVAL, "not a hex digit");
	EXPECT_EQ(hex_decode("0xabcdff", b, 4), -EINVAL, "no 0x prefix");
	hex_encode((const uint8_t *)"\x01\xab\xff\x00", 4, s);
	EXPECT(!strcmp(s, "01abff00"), "encode should be lowercase: %s", s);
}

static void test_base64(void)
{
	static const struct {
		const char *text;
		const char *bytes;
		size_t len;
	} good[] = {
		/* RFC 4648 section 10 */
		{ "Zg==", "f", 1 },
		{ "Zm8=", "fo", 2 },
		{ "Zm9v", "foo", 3 },
		{ "Zm9vYg==", "foob", 4 },
		{ "Zm9vYmE=", "fooba", 5 },
		{ "Zm9vYmFy", "foobar", 6 },
		{ "+/+/", "\xfb\xff\xbf", 3 },
	};
	static const char *const bad[] = {
		"", "Zg", "Zg=", "Z===", "Zg=a", "Zm9v\n", "Zm 9", "Zm9-", "=Zm9",
	};
	uint8_t out[16];
	size_t len;

	for (size_t i = 0; i < ARRAY_SIZE(good); i++)
		EXPECT(base64_decode(good[i].text, out, sizeof(out), &len) == 0 &&
		       len == good[i].len &&
		       !memcmp(out, good[i].bytes, len),
		       "'%s' should decode", good[i].text);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		EXPECT_EQ(base64_decode(bad[i], out, sizeof(out), &len), -EINVAL,
			  "'%s' is not base64", bad[i]);
	EXPECT_EQ(base64_decode("Zm9vYmFy", out, 5, &len), -E2BIG,
		  "6 bytes do not fit 5");
	EXPECT(base64_decode("Zm9vYmFy", out, 6, &len) == 0 && len == 6,
	       "6 bytes fit 6");
	EXPECT_EQ(base64_len(96), 128, "96 bytes are 128 characters");
	EXPECT_EQ(base64_len(4096), 5464, "4096 bytes are 5464 characters");
}

TEST_MAIN(TEST_CASE(test_hex), TEST_CASE(test_base64))
