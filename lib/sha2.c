// SPDX-License-Identifier: GPL-2.0-only
/*
 * SHA-256 and SHA-384 after FIPS 180-4 sections 4.1.2, 4.1.3, 5.1, 5.3 and
 * 6.2, 6.4/6.5. The round constants are the first 32 (SHA-256) or 64
 * (SHA-512) bits of the fractional parts of the cube roots of the first 64
 * or 80 primes; the initial values are square roots of primes 1-8 (SHA-256)
 * and 9-16 (SHA-384).
 */
#include <string.h>

#include "sha2.h"
#include "util.h"

static const uint32_t k256[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5,
	0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
	0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
	0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5,
	0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static const uint64_t k512[80] = {
	0x428a2f98d728ae22ull, 0x7137449123ef65cdull,
	0xb5c0fbcfec4d3b2full, 0xe9b5dba58189dbbcull,
	0x3956c25bf348b538ull, 0x59f111f1b605d019ull,
	0x923f82a4af194f9bull, 0xab1c5ed5da6d8118ull,
	0xd807aa98a3030242ull, 0x12835b0145706fbeull,
	0x243185be4ee4b28cull, 0x550c7dc3d5ffb4e2ull,
	0x72be5d74f27b896full, 0x80deb1fe3b1696b1ull,
	0x9bdc06a725c71235ull, 0xc19bf174cf692694ull,
	0xe49b69c19ef14ad2ull, 0xefbe4786384f25e3ull,
	0x0fc19dc68b8cd5b5ull, 0x240ca1cc77ac9c65ull,
	0x2de92c6f592b0275ull, 0x4a7484aa6ea6e483ull,
	0x5cb0a9dcbd41fbd4ull, 0x76f988da831153b5ull,
	0x983e5152ee66dfabull, 0xa831c66d2db43210ull,
	0xb00327c898fb213full, 0xbf597fc7beef0ee4ull,
	0xc6e00bf33da88fc2ull, 0xd5a79147930aa725ull,
	0x06ca6351e003826full, 0x142929670a0e6e70ull,
	0x27b70a8546d22ffcull, 0x2e1b21385c26c926ull,
	0x4d2c6dfc5ac42aedull, 0x53380d139d95b3dfull,
	0x650a73548baf63deull, 0x766a0abb3c77b2a8ull,
	0x81c2c92e47edaee6ull, 0x92722c851482353bull,
	0xa2bfe8a14cf10364ull, 0xa81a664bbc423001ull,
	0xc24b8b70d0f89791ull, 0xc76c51a30654be30ull,
	0xd192e819d6ef5218ull, 0xd69906245565a910ull,
	0xf40e35855771202aull, 0x106aa07032bbd1b8ull,
	0x19a4c116b8d2d0c8ull, 0x1e376c085141ab53ull,
	0x2748774cdf8eeb99ull, 0x34b0bcb5e19b48a8ull,
	0x391c0cb3c5c95a63ull, 0x4ed8aa4ae3418acbull,
	0x5b9cca4f7763e373ull, 0x682e6ff3d6b2b8a3ull,
	0x748f82ee5defb2fcull, 0x78a5636f43172f60ull,
	0x84c87814a1f0ab72ull, 0x8cc702081a6439ecull,
	0x90befffa23631e28ull, 0xa4506cebde82bde9ull,
	0xbef9a3f7b2c67915ull, 0xc67178f2e372532bull,
	0xca273eceea26619cull, 0xd186b8c721c0c207ull,
	0xeada7dd6cde0eb1eull, 0xf57d4f7fee6ed178ull,
	0x06f067aa72176fbaull, 0x0a637dc5a2c898a6ull,
	0x113f9804bef90daeull, 0x1b710b35131c471bull,
	0x28db77f523047d84ull, 0x32caab7b40c72493ull,
	0x3c9ebe0a15c9bebcull, 0x431d67c49c100d4cull,
	0x4cc5d4becb3e42b6ull, 0x597f299cfc657e2aull,
	0x5fcb6fab3ad6faecull, 0x6c44198c4a475817ull,
};

static inline uint32_t ror32(uint32_t x, unsigned int n)
{
	return (x >> n) | (x << (32 - n));
}

static inline uint64_t ror64(uint64_t x, unsigned int n)
{
	return (x >> n) | (x << (64 - n));
}

static inline uint32_t load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t load_be64(const uint8_t *p)
{
	return (uint64_t)load_be32(p) << 32 | load_be32(p + 4);
}

static inline void store_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static inline void store_be64(uint8_t *p, uint64_t v)
{
	store_be32(p, v >> 32);
	store_be32(p + 4, (uint32_t)v);
}

static void sha256_block(uint32_t h[8], const uint8_t *p)
{
	uint32_t w[64], a, b, c, d, e, f, g, hh;
	unsigned int i;

	for (i = 0; i < 16; i++)
		w[i] = load_be32(p + 4 * i);
	for (; i < 64; i++) {
		uint32_t s0 = ror32(w[i - 15], 7) ^ ror32(w[i - 15], 18) ^
			      (w[i - 15] >> 3);
		uint32_t s1 = ror32(w[i - 2], 17) ^ ror32(w[i - 2], 19) ^
			      (w[i - 2] >> 10);

		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}

	a = h[0], b = h[1], c = h[2], d = h[3];
	e = h[4], f = h[5], g = h[6], hh = h[7];
	for (i = 0; i < 64; i++) {
		uint32_t s1 = ror32(e, 6) ^ ror32(e, 11) ^ ror32(e, 25);
		uint32_t ch = (e & f) ^ (~e & g);
		uint32_t t1 = hh + s1 + ch + k256[i] + w[i];
		uint32_t s0 = ror32(a, 2) ^ ror32(a, 13) ^ ror32(a, 22);
		uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
		uint32_t t2 = s0 + maj;

		hh = g;
		g = f;
		f = e;
		e = d + t1;
		d = c;
		c = b;
		b = a;
		a = t1 + t2;
	}
	h[0] += a, h[1] += b, h[2] += c, h[3] += d;
	h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
}

static void sha512_block(uint64_t h[8], const uint8_t *p)
{
	uint64_t w[80], a, b, c, d, e, f, g, hh;
	unsigned int i;

	for (i = 0; i < 16; i++)
		w[i] = load_be64(p + 8 * i);
	for (; i < 80; i++) {
		uint64_t s0 = ror64(w[i - 15], 1) ^ ror64(w[i - 15], 8) ^
			      (w[i - 15] >> 7);
		uint64_t s1 = ror64(w[i - 2], 19) ^ ror64(w[i - 2], 61) ^
			      (w[i - 2] >> 6);

		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}

	a = h[0], b = h[1], c = h[2], d = h[3];
	e = h[4], f = h[5], g = h[6], hh = h[7];
	for (i = 0; i < 80; i++) {
		uint64_t s1 = ror64(e, 14) ^ ror64(e, 18) ^ ror64(e, 41);
		uint64_t ch = (e & f) ^ (~e & g);
		uint64_t t1 = hh + s1 + ch + k512[i] + w[i];
		uint64_t s0 = ror64(a, 28) ^ ror64(a, 34) ^ ror64(a, 39);
		uint64_t maj = (a & b) ^ (a & c) ^ (b & c);
		uint64_t t2 = s0 + maj;

		hh = g;
		g = f;
		f = e;
		e = d + t1;
		d = c;
		c = b;
		b = a;
		a = t1 + t2;
	}
	h[0] += a, h[1] += b, h[2] += c, h[3] += d;
	h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
}

void sha256_init(struct sha256_ctx *ctx)
{
	static const uint32_t h0[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};

	memcpy(ctx->h, h0, sizeof(h0));
	ctx->len = 0;
}

void sha256_update(struct sha256_ctx *ctx, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t used = ctx->len % SHA256_BLOCK_SIZE;

	ctx->len += len;
	if (used) {
		size_t n = MIN(len, SHA256_BLOCK_SIZE - used);

		memcpy(ctx->buf + used, p, n);
		p += n;
		len -= n;
		if (used + n < SHA256_BLOCK_SIZE)
			return;
		sha256_block(ctx->h, ctx->buf);
	}
	for (; len >= SHA256_BLOCK_SIZE; len -= SHA256_BLOCK_SIZE) {
		sha256_block(ctx->h, p);
		p += SHA256_BLOCK_SIZE;
	}
	if (len)
		memcpy(ctx->buf, p, len);
}

void sha256_final(struct sha256_ctx *ctx,
		  uint8_t ret_digest[SHA256_DIGEST_SIZE])
{
	size_t used = ctx->len % SHA256_BLOCK_SIZE;
	unsigned int i;

	/* Padding: 0x80, zeros, then the 64-bit big-endian bit count. */
	ctx->buf[used++] = 0x80;
	if (used > SHA256_BLOCK_SIZE - 8) {
		memset(ctx->buf + used, 0, SHA256_BLOCK_SIZE - used);
		sha256_block(ctx->h, ctx->buf);
		used = 0;
	}
	memset(ctx->buf + used, 0, SHA256_BLOCK_SIZE - 8 - used);
	store_be64(ctx->buf + SHA256_BLOCK_SIZE - 8, ctx->len << 3);
	sha256_block(ctx->h, ctx->buf);

	for (i = 0; i < 8; i++)
		store_be32(ret_digest + 4 * i, ctx->h[i]);
}

void sha256(const void *data, size_t len,
	    uint8_t ret_digest[SHA256_DIGEST_SIZE])
{
	struct sha256_ctx ctx;

	sha256_init(&ctx);
	sha256_update(&ctx, data, len);
	sha256_final(&ctx, ret_digest);
}

void sha384_init(struct sha384_ctx *ctx)
{
	static const uint64_t h0[8] = {
		0xcbbb9d5dc1059ed8ull, 0x629a292a367cd507ull,
		0x9159015a3070dd17ull, 0x152fecd8f70e5939ull,
		0x67332667ffc00b31ull, 0x8eb44a8768581511ull,
		0xdb0c2e0d64f98fa7ull, 0x47b5481dbefa4fa4ull,
	};

	memcpy(ctx->h, h0, sizeof(h0));
	ctx->len = 0;
}

void sha384_update(struct sha384_ctx *ctx, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t used = ctx->len % SHA384_BLOCK_SIZE;

	ctx->len += len;
	if (used) {
		size_t n = MIN(len, SHA384_BLOCK_SIZE - used);

		memcpy(ctx->buf + used, p, n);
		p += n;
		len -= n;
		if (used + n < SHA384_BLOCK_SIZE)
			return;
		sha512_block(ctx->h, ctx->buf);
	}
	for (; len >= SHA384_BLOCK_SIZE; len -= SHA384_BLOCK_SIZE) {
		sha512_block(ctx->h, p);
		p += SHA384_BLOCK_SIZE;
	}
	if (len)
		memcpy(ctx->buf, p, len);
}

void sha384_final(struct sha384_ctx *ctx,
		  uint8_t ret_digest[SHA384_DIGEST_SIZE])
{
	size_t used = ctx->len % SHA384_BLOCK_SIZE;
	unsigned int i;

	/*
	 * Padding: 0x80, zeros, then the 128-bit big-endian bit count,
	 * whose upper word holds the three bits shifted out of len.
	 */
	ctx->buf[used++] = 0x80;
	if (used > SHA384_BLOCK_SIZE - 16) {
		memset(ctx->buf + used, 0, SHA384_BLOCK_SIZE - used);
		sha512_block(ctx->h, ctx->buf);
		used = 0;
	}
	memset(ctx->buf + used, 0, SHA384_BLOCK_SIZE - 16 - used);
	store_be64(ctx->buf + SHA384_BLOCK_SIZE - 16, ctx->len >> 61);
	store_be64(ctx->buf + SHA384_BLOCK_SIZE - 8, ctx->len << 3);
	sha512_block(ctx->h, ctx->buf);

	for (i = 0; i < SHA384_DIGEST_SIZE / 8; i++)
		store_be64(ret_digest + 8 * i, ctx->h[i]);
}

void sha384(const void *data, size_t len,
	    uint8_t ret_digest[SHA384_DIGEST_SIZE])
{
	struct sha384_ctx ctx;

	sha384_init(&ctx);
	sha384_update(&ctx, data, len);
	sha384_final(&ctx, ret_digest);
}
