// SPDX-License-Identifier: GPL-2.0-only
/*
 * Range checks of stored config values, driven by the schema: what each
 * value must be on its own, before the rules between values (rules.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/schema.h"
#include "lib/encoding.h"
#include "lib/util.h"

/* The base64 of 48 bytes; no file name a user writes is this long. */
#define BLOB_MIN_TEXT 64


/* A value as the user wrote it, cut short to keep a line readable. */
const char *cfg_shorten(const char *s, char buf[48])
{
	if (strlen(s) < 44)
		return s;
	snprintf(buf, 48, "%.40s...", s);
	return buf;
}

uint64_t cfg_load_uint(const struct cfg_field *f, const void *base)
{
	if (f->size == sizeof(uint64_t))
		return *CFG_AT(base, f->off, const uint64_t);
	return *CFG_AT(base, f->off, const unsigned int);
}

int cfg_check_uint(const struct cfg_field *f, uint64_t v, const char *path,
		   struct cfg_diag *d)
{
	if (v >= f->min && v <= f->max)
		return 0;
	cfg_error(d, path, "%" PRIu64 " is out of range %" PRIu64 "..%" PRIu64,
		  v, f->min, f->max);
	return -EINVAL;
}

int cfg_check_size(const struct cfg_field *f, uint64_t v, const char *path,
		   struct cfg_diag *d)
{
	char s[CFG_SIZE_STR_MAX], lim[CFG_SIZE_STR_MAX];

	cfg_format_size(v, s);
	if (f->align && !IS_ALIGNED(v, f->align)) {
		cfg_format_size(f->align, lim);
		cfg_error(d, path, "'%s' is not a multiple of %s", s, lim);
		return -EINVAL;
	}
	if (v < f->min) {
		cfg_format_size(f->min, lim);
		cfg_error(d, path, "'%s' is less than the minimum %s", s, lim);
		return -EINVAL;
	}
	if (v > f->max) {
		cfg_format_size(f->max, lim);
		cfg_error(d, path, "'%s' is more than the maximum %s", s, lim);
		return -EINVAL;
	}
	return 0;
}

int cfg_check_bits(const struct cfg_field *f, uint64_t v, const char *path,
		   struct cfg_diag *d)
{
	int r = 0;

	if (v & ~f->allowed) {
		cfg_error(d, path, "'0x%" PRIx64 "' sets bits 0x%" PRIx64
			  " that are not defined", v, v & ~f->allowed);
		r = -EINVAL;
	}
	if ((v & f->must_set) != f->must_set) {
		cfg_error(d, path, "'0x%" PRIx64 "': %s", v, f->must_set_why);
		r = -EINVAL;
	}
	return r;
}

int cfg_check_string(const struct cfg_field *f, const char *s,
		     const char *path, struct cfg_diag *d)
{
	size_t len = strlen(s);
	char buf[48];

	if (len < f->min) {
		cfg_error(d, path, "must not be empty");
		return -EINVAL;
	}
	if (len > f->max) {
		cfg_error(d, path, "'%s' is longer than %" PRIu64 " characters",
			  cfg_shorten(s, buf), f->max);
		return -EINVAL;
	}
	if (f->charset && strspn(s, f->charset) != len) {
		cfg_error(d, path, "'%s' may only contain %s", cfg_shorten(s, buf),
			  f->charset_desc);
		return -EINVAL;
	}
	return 0;
}

void cfg_format_mac(const uint8_t mac[6], char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
		 mac[2], mac[3], mac[4], mac[5]);
}

int cfg_check_mac(const uint8_t mac[6], const char *path, struct cfg_diag *d)
{
	char buf[18];

	if (!(mac[0] & 1))
		return 0;
	cfg_format_mac(mac, buf);
	cfg_error(d, path, "'%s' is a multicast address", buf);
	return -EINVAL;
}

bool cfg_blob_is_text(const char *s)
{
	return strlen(s) >= BLOB_MIN_TEXT && base64_is_text(s);
}

int cfg_check_blob_text(const struct cfg_field *f, const char *s,
			const char *path, struct cfg_diag *d)
{
	_cleanup_free_ uint8_t *bytes = malloc(f->size);
	char buf[48];
	size_t len;
	int r;

	if (!bytes)
		return -ENOMEM;
	r = base64_decode(s, bytes, f->size, &len);
	if (r == 0 && len == f->size)
		return 0;
	if (r == -E2BIG)
		cfg_error(d, path, "'%s' is base64 of more than %zu bytes; %s",
			  cfg_shorten(s, buf), f->size, f->what);
	else
		cfg_error(d, path, "'%s' is base64 of %zu bytes; %s",
			  cfg_shorten(s, buf), len, f->what);
	return -EINVAL;
}

/* A file was checked when it was loaded; base64 text is checked again. */
static int check_blob(const struct cfg_field *f, const void *base,
		      const char *path, struct cfg_diag *d)
{
	const char *s = *CFG_AT(base, f->off, char *const);

	if (!s)
		return 0;
	if (!*s) {
		cfg_error(d, path, "must not be empty");
		return -EINVAL;
	}
	return cfg_blob_is_text(s) ? cfg_check_blob_text(f, s, path, d) : 0;
}

int cfg_value_check(const struct cfg_field *f, const void *base,
		    const char *path, struct cfg_diag *d)
{
	const char *s;

	switch (f->type) {
	case CFG_T_UINT:
		return cfg_check_uint(f, cfg_load_uint(f, base), path, d);
	case CFG_T_SIZE:
		return cfg_check_size(f, *CFG_AT(base, f->off, const uint64_t),
				  path, d);
	case CFG_T_BITS:
		return cfg_check_bits(f, *CFG_AT(base, f->off, const uint64_t),
				  path, d);
	case CFG_T_ENUM: {
		unsigned int v = *CFG_AT(base, f->off, const unsigned int);

		/* AUTO may stand in a config that was not finished. */
		if (v < f->nr_names && (f->names[v] || v == 0))
			return 0;
		cfg_error(d, path, "%u is not a valid value", v);
		return -EINVAL;
	}
	case CFG_T_STRING:
	case CFG_T_PATH:
		s = *CFG_AT(base, f->off, char *const);
		if (!s)
			return 0;
		if (f->type == CFG_T_PATH && !*s) {
			cfg_error(d, path, "must not be empty");
			return -EINVAL;
		}
		if (f->type == CFG_T_PATH)
			return 0;
		return cfg_check_string(f, s, path, d);
	case CFG_T_MAC:
		if (!*CFG_AT(base, f->set_off, const bool))
			return 0;
		return cfg_check_mac(CFG_AT(base, f->off, const uint8_t), path, d);
	case CFG_T_BLOB:
		return check_blob(f, base, path, d);
	case CFG_T_HEX:
	case CFG_T_BOOL:
	case CFG_T_OBJECT:
	case CFG_T_ARRAY:
		break;
	}
	return 0;
}

bool cfg_value_is_set(const struct cfg_field *f, const void *base)
{
	if (f->type == CFG_T_STRING || f->type == CFG_T_PATH ||
	    f->type == CFG_T_BLOB)
		return *CFG_AT(base, f->off, char *const) != NULL;
	if (f->type == CFG_T_MAC || f->type == CFG_T_HEX)
		return *CFG_AT(base, f->set_off, const bool);
	return true;
}

static int array_check(const struct cfg_field *f, const void *base,
		       const char *path, struct cfg_diag *d)
{
	unsigned int n = *CFG_AT(base, f->count_off, const unsigned int);
	char elem[160];
	int r = 0;

	if (n > f->max_elems) {
		cfg_error(d, path, "%u %s, more than the %u supported", n,
			  f->elem_noun, f->max_elems);
		return -EINVAL;
	}
	for (unsigned int i = 0; i < n; i++) {
		const void *e = cfg_elem(f, base, i);

		snprintf(elem, sizeof(elem), "%.140s[%u]", path, i);
		if (cfg_fields_check(f->fields, e, elem, d) < 0)
			r = -EINVAL;
	}
	return r;
}

int cfg_fields_check(const struct cfg_field *fields, const void *base,
		     const char *path, struct cfg_diag *d)
{
	char sub[128];
	int r = 0;

	for (const struct cfg_field *f = fields; f->key; f++) {
		snprintf(sub, sizeof(sub), "%.80s.%s", path, f->key);
		/* Reported already: its value is whatever was there before. */
		if (cfg_diag_is_bad(d, sub))
			continue;
		if (f->type == CFG_T_OBJECT) {
			if (cfg_fields_check(f->fields, base, sub, d) < 0)
				r = -EINVAL;
		} else if (f->type == CFG_T_ARRAY) {
			if (array_check(f, base, sub, d) < 0)
				r = -EINVAL;
		} else if (f->required && !cfg_value_is_set(f, base)) {
			cfg_error(d, path, "missing key '%s'", f->key);
			r = -EINVAL;
		} else if (cfg_value_check(f, base, sub, d) < 0) {
			r = -EINVAL;
		}
	}
	return r;
}
