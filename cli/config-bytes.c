// SPDX-License-Identifier: GPL-2.0-only
/*
 * Byte-string leaves of the schema. HEX: a fixed number of bytes in hex
 * (cc.snp.host_data, cc.tdx.mrconfigid). BLOB: a fixed number of bytes in
 * a file, or as base64 text the way QEMU's sev-snp-guest takes id-block
 * and id-auth. A string is read as base64 when it looks like base64 and is
 * at least BLOB_MIN_TEXT long; anything else names a file. Either way the
 * size is checked here, when the config is loaded; cc/ reads the bytes at
 * start and checks what they say.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "cli/config-parse.h"
#include "config/config.h"
#include "lib/hex.h"
#include "lib/util.h"

int cfg_hex_from_string(const struct cfg_field *f, void *base, const char *s,
			const char *path, struct cfg_diag *d)
{
	uint8_t bytes[64];
	char buf[48];

	if (f->size > sizeof(bytes) || hex_decode(s, bytes, f->size) < 0) {
		cfg_error(d, path, "'%s' is not %zu bytes in hex (%zu hex digits)",
			  cfg_shorten(s, buf), f->size, 2 * f->size);
		return -EINVAL;
	}
	memcpy(CFG_AT(base, f->off, uint8_t), bytes, f->size);
	*CFG_AT(base, f->set_off, bool) = true;
	return 0;
}

struct json_object *cfg_hex_to_json(const struct cfg_field *f,
				    const void *base)
{
	char hex[2 * 64 + 1];

	if (f->size > 64)
		return NULL;
	hex_encode(CFG_AT(base, f->off, const uint8_t), f->size, hex);
	return json_object_new_string(hex);
}

static int check_file_size(const struct cfg_field *f, const char *shown,
			   const char *file, const char *path,
			   struct cfg_diag *d)
{
	struct stat st;

	if (stat(file, &st) < 0)
		return -errno;
	if ((uint64_t)st.st_size == f->size)
		return 0;
	cfg_error(d, path, "'%s' is %" PRIu64 " bytes; %s", shown,
		  (uint64_t)st.st_size, f->what);
	return -EINVAL;
}

static char *join_path(const char *dir, const char *s)
{
	char *p;

	if (!dir || s[0] == '/')
		return strdup(s);
	if (asprintf(&p, "%s/%s", dir, s) < 0)
		return NULL;
	return p;
}

int cfg_blob_from_string(const struct cfg_field *f, void *base,
			 const char *s, const char *path, struct cfg_ctx *c)
{
	_cleanup_free_ char *joined = NULL;
	char **slot = CFG_AT(base, f->off, char *);
	char *value;
	int r;

	if (!*s) {
		cfg_error(c->diag, path, "must not be empty");
		return -EINVAL;
	}
	if (cfg_blob_is_text(s)) {
		r = cfg_check_blob_text(f, s, path, c->diag);
		if (r < 0)
			return r;
		value = strdup(s);
	} else {
		joined = join_path(c->dir, s);
		if (!joined)
			return -ENOMEM;
		r = cfg_check_file(CFG_FILE_DATA, s, joined, path, c->diag);
		if (r == 0)
			r = check_file_size(f, s, joined, path, c->diag);
		if (r < 0)
			return -EINVAL;
		value = cfg_absolute_path(joined, CFG_FILE_DATA);
	}
	if (!value)
		return -ENOMEM;
	free(*slot);
	*slot = value;
	return 0;
}
