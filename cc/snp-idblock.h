/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The owner's inputs to SNP_LAUNCH_FINISH (sev-snp.md section 2): the ID
 * block, its ID authentication structure and HOST_DATA. The firmware
 * checks the ID block's signature and that its launch digest (LD) is the
 * one it measured; cvmm checks at start what it can check without the
 * keys (sizes, version, policy, key algorithms, and LD against the digest
 * it computes), so that a wrong block is refused before any ioctl instead
 * of failing LAUNCH_FINISH at the end of the launch.
 *
 * Layouts (SNP firmware ABI, section 8.18 there; as QEMU declares them):
 * ID block, 96 bytes: LD[48] @0, FAMILY_ID[16] @0x30, IMAGE_ID[16] @0x40,
 * u32 VERSION (1) @0x50, u32 GUEST_SVN @0x54, u64 POLICY @0x58.
 * ID auth, 4096 bytes: u32 ID_KEY_ALGO @0, u32 AUTH_KEY_ALGO @4,
 * ID_BLOCK_SIG[512] @0x40, ID_KEY[1028] @0x240, ID_KEY_SIG[512] @0x680,
 * AUTHOR_KEY[1028] @0x880. Algorithm 1 is ECDSA P-384 with SHA-384; a key
 * starts with its u32 curve, 2 for P-384.
 */
#ifndef CVMM_CC_SNP_IDBLOCK_H
#define CVMM_CC_SNP_IDBLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "lib/sha2.h"

#define SNP_ID_BLOCK_SIZE CFG_SNP_ID_BLOCK_SIZE
#define SNP_ID_AUTH_SIZE CFG_SNP_ID_AUTH_SIZE
#define SNP_HOST_DATA_SIZE CFG_SNP_HOST_DATA_SIZE

#define SNP_ID_BLOCK_VERSION 1
#define SNP_ID_ALGO_ECDSA_P384_SHA384 1
#define SNP_ID_CURVE_P384 2

#define SNP_ID_OFF_LD 0x00
#define SNP_ID_OFF_FAMILY_ID 0x30
#define SNP_ID_OFF_IMAGE_ID 0x40
#define SNP_ID_OFF_VERSION 0x50
#define SNP_ID_OFF_GUEST_SVN 0x54
#define SNP_ID_OFF_POLICY 0x58
#define SNP_AUTH_OFF_ID_KEY_ALGO 0x0
#define SNP_AUTH_OFF_AUTH_KEY_ALGO 0x4
#define SNP_AUTH_OFF_ID_KEY 0x240
#define SNP_AUTH_OFF_AUTHOR_KEY 0x880

struct snp_finish_inputs {
	/* An ID block and its authentication were given (both or none). */
	bool has_id_block;
	uint8_t id_block[SNP_ID_BLOCK_SIZE];
	uint8_t id_auth[SNP_ID_AUTH_SIZE];
	/* The ID auth carries an author key: AUTH_KEY_EN. */
	bool auth_key_en;
	uint8_t host_data[SNP_HOST_DATA_SIZE];
};

/* The ID block's fields, decoded. */
struct snp_id_block_view {
	const uint8_t *ld;
	const uint8_t *family_id;
	const uint8_t *image_id;
	uint32_t version;
	uint32_t guest_svn;
	uint64_t policy;
};

void snp_id_block_view(const struct snp_finish_inputs *in,
		       struct snp_id_block_view *ret);

/*
 * Read cc.snp.id_block and id_auth (a file or base64 text each) and
 * host_data from @cfg, and check the block's format: version, the policy
 * LAUNCH_START is given, the key algorithms and curves. Returns 0,
 * -EINVAL with the config key and the reason in @reason, or the -errno of
 * reading a file.
 */
int __must_check snp_finish_inputs_load(const struct vm_config *cfg,
					struct snp_finish_inputs *ret,
					char *reason, size_t len);

/*
 * The ID block's LD must be the launch digest @digest (computed with vCPU
 * signature @vcpu_sig, named in the reason). 0, or -EINVAL with both
 * digests in @reason. No ID block: 0.
 */
int snp_id_block_check_digest(const struct snp_finish_inputs *in,
			      const uint8_t digest[SHA384_DIGEST_SIZE],
			      uint32_t vcpu_sig, char *reason, size_t len);

#endif
