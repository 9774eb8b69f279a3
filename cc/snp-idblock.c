// SPDX-License-Identifier: GPL-2.0-only
/*
 * The ID block, ID authentication and HOST_DATA of SNP_LAUNCH_FINISH:
 * read from the config's files or base64 text, checked against the SNP
 * firmware ABI layouts (cc/snp-idblock.h) and against the launch digest.
 */
#include <endian.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cc/snp-idblock.h"
#include "lib/encoding.h"
#include "lib/hex.h"
#include "lib/io.h"

static int fail(char *reason, size_t len, int r, const char *fmt, ...)
	__printf(4, 5);

static int fail(char *reason, size_t len, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, len, fmt, ap);
	va_end(ap);
	return r;
}

static uint32_t le32_at(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return le32toh(v);
}

static uint64_t le64_at(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return le64toh(v);
}

void snp_id_block_view(const struct snp_finish_inputs *in,
		       struct snp_id_block_view *ret)
{
	const uint8_t *b = in->id_block;

	*ret = (struct snp_id_block_view){
		.ld = b + SNP_ID_OFF_LD,
		.family_id = b + SNP_ID_OFF_FAMILY_ID,
		.image_id = b + SNP_ID_OFF_IMAGE_ID,
		.version = le32_at(b + SNP_ID_OFF_VERSION),
		.guest_svn = le32_at(b + SNP_ID_OFF_GUEST_SVN),
		.policy = le64_at(b + SNP_ID_OFF_POLICY),
	};
}

/*
 * The config loader checked the size; the file may have changed since,
 * so it is checked again. Base64 text is what the loader accepted.
 */
static int read_blob(const char *src, uint8_t *buf, size_t size,
		     const char *key, char *reason, size_t len)
{
	_cleanup_close_ int fd = -1;
	struct stat st;
	size_t got;
	int r;

	if (cfg_blob_is_text(src)) {
		r = base64_decode(src, buf, size, &got);
		if (r < 0 || got != size)
			return fail(reason, len, -EINVAL,
				    "cc.snp.%s: not base64 of %zu bytes", key,
				    size);
		return 0;
	}
	fd = open(src, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		return fail(reason, len, -errno, "cc.snp.%s: %s: %s", key, src,
			    strerror(errno));
	if ((uint64_t)st.st_size != size)
		return fail(reason, len, -EINVAL,
			    "cc.snp.%s: %s is %" PRIu64 " bytes, not %zu", key,
			    src, (uint64_t)st.st_size, size);
	r = pread_full(fd, buf, size, 0);
	if (r < 0)
		return fail(reason, len, r, "cc.snp.%s: %s: %s", key, src,
			    strerror(-r));
	return 0;
}

static int check_key(const uint8_t *auth, unsigned int algo_off,
		     unsigned int key_off, const char *what, char *reason,
		     size_t len)
{
	uint32_t algo = le32_at(auth + algo_off);
	uint32_t curve = le32_at(auth + key_off);

	if (algo != SNP_ID_ALGO_ECDSA_P384_SHA384)
		return fail(reason, len, -EINVAL,
			    "cc.snp.id_auth: %s algorithm %u is not 1 (ECDSA P-384 with SHA-384, the only one the SNP firmware ABI defines)",
			    what, algo);
	if (curve != SNP_ID_CURVE_P384)
		return fail(reason, len, -EINVAL,
			    "cc.snp.id_auth: %s curve %u is not 2 (P-384)",
			    what, curve);
	return 0;
}

static int check_format(const struct vm_config *cfg,
			struct snp_finish_inputs *in, char *reason,
			size_t len)
{
	struct snp_id_block_view v;
	int r;

	snp_id_block_view(in, &v);
	if (v.version != SNP_ID_BLOCK_VERSION)
		return fail(reason, len, -EINVAL,
			    "cc.snp.id_block: version %u, not 1 (SNP firmware ABI)",
			    v.version);
	/* The firmware refuses a block whose policy is not the guest's. */
	if (v.policy != cfg->cc.snp_policy)
		return fail(reason, len, -EINVAL,
			    "cc.snp.id_block: its policy 0x%" PRIx64 " is not cc.snp.policy 0x%" PRIx64 "; the firmware requires them equal",
			    v.policy, cfg->cc.snp_policy);
	r = check_key(in->id_auth, SNP_AUTH_OFF_ID_KEY_ALGO,
		      SNP_AUTH_OFF_ID_KEY, "ID key", reason, len);
	if (r < 0)
		return r;
	/* An author key is there when its curve field is set (as QEMU). */
	in->auth_key_en = le32_at(in->id_auth + SNP_AUTH_OFF_AUTHOR_KEY) != 0;
	if (in->auth_key_en)
		return check_key(in->id_auth, SNP_AUTH_OFF_AUTH_KEY_ALGO,
				 SNP_AUTH_OFF_AUTHOR_KEY, "author key", reason,
				 len);
	return 0;
}

int snp_finish_inputs_load(const struct vm_config *cfg,
			   struct snp_finish_inputs *ret, char *reason,
			   size_t len)
{
	const char *block = cfg->cc.snp.id_block, *auth = cfg->cc.snp.id_auth;
	int r;

	*ret = (struct snp_finish_inputs){};
	memcpy(ret->host_data, cfg->cc.snp.host_data, SNP_HOST_DATA_SIZE);
	if (!block && !auth)
		return 0;
	if (!block || !auth)
		return fail(reason, len, -EINVAL,
			    "cc.snp.%s: an ID block and its ID authentication go together",
			    block ? "id_block" : "id_auth");
	r = read_blob(block, ret->id_block, SNP_ID_BLOCK_SIZE, "id_block",
		      reason, len);
	if (r == 0)
		r = read_blob(auth, ret->id_auth, SNP_ID_AUTH_SIZE, "id_auth",
			      reason, len);
	if (r == 0)
		r = check_format(cfg, ret, reason, len);
	if (r < 0)
		return r;
	ret->has_id_block = true;
	return 0;
}

int snp_id_block_check_digest(const struct snp_finish_inputs *in,
			      const uint8_t digest[SHA384_DIGEST_SIZE],
			      uint32_t vcpu_sig, char *reason, size_t len)
{
	char ld[2 * SHA384_DIGEST_SIZE + 1], want[2 * SHA384_DIGEST_SIZE + 1];

	if (!in->has_id_block ||
	    !memcmp(in->id_block + SNP_ID_OFF_LD, digest, SHA384_DIGEST_SIZE))
		return 0;
	hex_encode(in->id_block + SNP_ID_OFF_LD, SHA384_DIGEST_SIZE, ld);
	hex_encode(digest, SHA384_DIGEST_SIZE, want);
	return fail(reason, len, -EINVAL,
		    "cc.snp.id_block: its launch digest %s is not this launch's %s (vCPU signature 0x%x); the firmware would refuse LAUNCH_FINISH",
		    ld, want, vcpu_sig);
}
