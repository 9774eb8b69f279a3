/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * SHA-256 and SHA-384 (FIPS 180-4), enough for launch measurements: the SNP
 * launch digest and TDX MRTD/RTMRs are SHA-384, the SEV kernel-hashes table
 * uses SHA-256. Not constant-time with respect to message length; only
 * public data is hashed here.
 */
#ifndef CVMM_SHA2_H
#define CVMM_SHA2_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_SIZE 32
#define SHA256_BLOCK_SIZE 64
#define SHA384_DIGEST_SIZE 48
#define SHA384_BLOCK_SIZE 128

struct sha256_ctx {
	uint32_t h[8];
	uint64_t len;		/* bytes hashed so far */
	uint8_t buf[SHA256_BLOCK_SIZE];
};

/* SHA-384 is SHA-512 with other initial values, truncated to 48 bytes. */
struct sha384_ctx {
	uint64_t h[8];
	uint64_t len;		/* bytes; the 128-bit bit count fits in 2^67 */
	uint8_t buf[SHA384_BLOCK_SIZE];
};

void sha256_init(struct sha256_ctx *ctx);
void sha256_update(struct sha256_ctx *ctx, const void *data, size_t len);
/* Writes the digest; ctx must be initialised again before reuse. */
void sha256_final(struct sha256_ctx *ctx,
		  uint8_t ret_digest[SHA256_DIGEST_SIZE]);
void sha256(const void *data, size_t len,
	    uint8_t ret_digest[SHA256_DIGEST_SIZE]);

void sha384_init(struct sha384_ctx *ctx);
void sha384_update(struct sha384_ctx *ctx, const void *data, size_t len);
/* Writes the digest; ctx must be initialised again before reuse. */
void sha384_final(struct sha384_ctx *ctx,
		  uint8_t ret_digest[SHA384_DIGEST_SIZE]);
void sha384(const void *data, size_t len,
	    uint8_t ret_digest[SHA384_DIGEST_SIZE]);

#endif
