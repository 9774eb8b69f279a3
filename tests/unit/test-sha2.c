// SPDX-License-Identifier: GPL-2.0-only
/* SHA-256 and SHA-384 against the FIPS 180 example messages. */
#include "lib/sha2.h"
#include "lib/util.h"
#include "tests/test.h"

static const char msg448[] =
	"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
static const char msg896[] =
	"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
	"hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";

static void to_hex(const uint8_t *d, size_t n, char *ret)
{
	for (size_t i = 0; i < n; i++)
		sprintf(ret + 2 * i, "%02x", d[i]);
}

#define EXPECT_HEX(d, n, hex, what)                                     \
	do {                                                            \
		char _h[2 * 64 + 1];                                    \
		to_hex((d), (n), _h);                                   \
		EXPECT(!strcmp(_h, (hex)), "%s should be %s, got %s",   \
		       (what), (hex), _h);                              \
	} while (0)

static void check256(const void *m, size_t len, const char *hex,
		     const char *what)
{
	uint8_t d[SHA256_DIGEST_SIZE];

	sha256(m, len, d);
	EXPECT_HEX(d, sizeof(d), hex, what);
}

static void check384(const void *m, size_t len, const char *hex,
		     const char *what)
{
	uint8_t d[SHA384_DIGEST_SIZE];

	sha384(m, len, d);
	EXPECT_HEX(d, sizeof(d), hex, what);
}

static void test_sha256_vectors(void)
{
	check256("abc", 3,
		 "ba7816bf8f01cfea414140de5dae2223"
		 "b00361a396177a9cb410ff61f20015ad", "SHA-256(abc)");
	check256("", 0,
		 "e3b0c44298fc1c149afbf4c8996fb924"
		 "27ae41e4649b934ca495991b7852b855", "SHA-256(empty)");
	check256(msg448, strlen(msg448),
		 "248d6a61d20638b8e5c026930c3e6039"
		 "a33ce45964ff2167f6ecedd419db06c1", "SHA-256(448 bits)");
	check256(msg896, strlen(msg896),
		 "cf5b16a778af8380036ce59e7b049237"
		 "0b249b11e8f07a51afac45037afee9d1", "SHA-256(896 bits)");
}

static void test_sha384_vectors(void)
{
	check384("abc", 3,
		 "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded163"
		 "1a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7",
		 "SHA-384(abc)");
	check384("", 0,
		 "38b060a751ac96384cd9327eb1b1e36a21fdb71114be0743"
		 "4c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b",
		 "SHA-384(empty)");
	check384(msg448, strlen(msg448),
		 "3391fdddfc8dc7393707a65b1b4709397cf8b1d162af05ab"
		 "fe8f450de5f36bc6b0455a8520bc4e6f5fe95b1fe3c8452b",
		 "SHA-384(448 bits)");
	check384(msg896, strlen(msg896),
		 "09330c33f71147e83d192fc782cd1b4753111b173b3b05d2"
		 "2fa08086e3b0f712fcc7c71a557e2db966c3e9fa91746039",
		 "SHA-384(896 bits)");
}

/* One million 'a', fed in 1000-byte pieces through the incremental API. */
static void test_million_a(void)
{
	struct sha256_ctx c256;
	struct sha384_ctx c384;
	uint8_t d256[SHA256_DIGEST_SIZE], d384[SHA384_DIGEST_SIZE];
	char a[1000];

	memset(a, 'a', sizeof(a));
	sha256_init(&c256);
	sha384_init(&c384);
	for (int i = 0; i < 1000; i++) {
		sha256_update(&c256, a, sizeof(a));
		sha384_update(&c384, a, sizeof(a));
	}
	sha256_final(&c256, d256);
	sha384_final(&c384, d384);
	EXPECT_HEX(d256, sizeof(d256),
		   "cdc76e5c9914fb9281a1c7e284d73e67"
		   "f1809a48a497200e046d39ccc7112cd0", "SHA-256(10^6 a)");
	EXPECT_HEX(d384, sizeof(d384),
		   "9d0e1809716474cb086e834e310a4a1ced149e9c00f24852"
		   "7972cec5704c2a5b07b8b3dc38ecc4ebae97ddd87f3d8985",
		   "SHA-384(10^6 a)");
}

/*
 * Feeding a message in uneven pieces must give the one-shot digest, for
 * every length around the block and padding boundaries.
 */
static void test_incremental_matches_oneshot(void)
{
	uint8_t msg[300], one[SHA384_DIGEST_SIZE], inc[SHA384_DIGEST_SIZE];

	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 7 + 3);

	for (size_t len = 0; len <= sizeof(msg); len++) {
		struct sha256_ctx c256;
		struct sha384_ctx c384;
		size_t off, step;

		sha256_init(&c256);
		sha384_init(&c384);
		for (off = 0, step = 1; off < len; off += step, step += 2) {
			size_t n = MIN(step, len - off);

			sha256_update(&c256, msg + off, n);
			sha384_update(&c384, msg + off, n);
		}
		sha256_final(&c256, inc);
		sha256(msg, len, one);
		EXPECT(!memcmp(one, inc, SHA256_DIGEST_SIZE),
		       "incremental SHA-256 of %zu bytes should match", len);
		sha384_final(&c384, inc);
		sha384(msg, len, one);
		EXPECT(!memcmp(one, inc, SHA384_DIGEST_SIZE),
		       "incremental SHA-384 of %zu bytes should match", len);
	}
}

TEST_MAIN(TEST_CASE(test_sha256_vectors), TEST_CASE(test_sha384_vectors),
	  TEST_CASE(test_million_a),
	  TEST_CASE(test_incremental_matches_oneshot))
