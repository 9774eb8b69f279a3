/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The firmware fixtures of ../shared/fixtures/firmware, xz-compressed: a
 * test that needs one loads it with fixture_load() and skips with
 * skip_why when it is not there. A fixture with the wrong sha256 is a
 * failure, not a skip. Include after tests/test.h.
 */
#ifndef CVMM_TESTS_FIXTURE_H
#define CVMM_TESTS_FIXTURE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/sha2.h"

/* sha256 of the decompressed images (sev-snp.md section 7, tdx.md 4). */
#define AMDSEV_SHA256 \
	"3e4fd0b3fe3b2dbe481c3d9e99418a034174f26cbe1f55aa212b0f18c12d2d6f"
#define INTELTDX_SHA256 \
	"a265075b4147a096109e501e76196df1ec8a18659c26f7401492c597ec88f312"

static char skip_why[1100];

static inline void to_hex(const uint8_t *d, size_t n, char *ret)
{
	for (size_t i = 0; i < n; i++)
		sprintf(ret + 2 * i, "%02x", d[i]);
}

/*
 * Decompress $CVMM_FIXTURES/firmware/<name>.xz into memory. NULL with
 * skip_why set when it is not available.
 */
static inline uint8_t *fixture_load(const char *name, const char *sha256_hex,
				    size_t *ret_size)
{
	const char *dir = getenv("CVMM_FIXTURES");
	uint8_t digest[SHA256_DIGEST_SIZE], *buf = NULL;
	char path[1024], cmd[1200], hex[65];
	size_t size = 0, cap = 0, n;
	FILE *f;

	if (!dir || !*dir) {
		snprintf(skip_why, sizeof(skip_why), "CVMM_FIXTURES not set");
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/firmware/%s.xz", dir, name);
	if (strchr(path, '\'') || access(path, R_OK)) {
		snprintf(skip_why, sizeof(skip_why), "cannot read %s", path);
		return NULL;
	}
	snprintf(cmd, sizeof(cmd), "xz -dc -- '%s' 2>/dev/null", path);
	f = popen(cmd, "r");
	if (!f) {
		snprintf(skip_why, sizeof(skip_why), "cannot run xz");
		return NULL;
	}
	do {
		if (size == cap) {
			uint8_t *nb;

			cap = cap ? 2 * cap : 1 << 20;
			nb = realloc(buf, cap);
			if (!nb)
				break;
			buf = nb;
		}
		n = fread(buf + size, 1, cap - size, f);
		size += n;
	} while (n);
	if (pclose(f) != 0 || !size) {
		free(buf);
		snprintf(skip_why, sizeof(skip_why), "xz -dc %s failed", path);
		return NULL;
	}
	sha256(buf, size, digest);
	to_hex(digest, sizeof(digest), hex);
	if (strcmp(hex, sha256_hex)) {
		EXPECT(0, "%s should have sha256 %s, has %s", name,
		       sha256_hex, hex);
		free(buf);
		return NULL;
	}
	*ret_size = size;
	return buf;
}

#endif
