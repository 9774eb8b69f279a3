// SPDX-License-Identifier: GPL-2.0-only
/*
 * Leaf values of the schema: parsing from text (flags) and JSON, range
 * checks of stored values, and JSON output.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli/config-schema.h"
#include "cli/config.h"

#define JSON_PLAIN (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/* A value as the user wrote it, cut short to keep a line readable. */
static const char *shorten(const char *s, char buf[48])
{
	if (strlen(s) < 44)
		return s;
	snprintf(buf, 48, "%.40s...", s);
	return buf;
}

static void enum_list(const struct cfg_field *f, char *buf, size_t n)
{
	size_t len = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; i < f->nr_names && len < n; i++)
		if (f->names[i])
			len += snprintf(buf + len, n - len, "%s%s",
					len ? ", " : "", f->names[i]);
}

/* Decimal, or hex after "0x"; nothing else (no sign, space or octal). */
static int parse_u64(const char *s, uint64_t *ret)
{
	int base = 10;
	char *end;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s || strspn(s, base == 16 ? "0123456789abcdefABCDEF" : "0123456789") !=
			   strlen(s))
		return -EINVAL;
	errno = 0;
	*ret = strtoull(s, &end, base);
	return errno == ERANGE ? -ERANGE : 0;
}

static void store_uint(const struct cfg_field *f, void *base, uint64_t v)
{
	if (f->size == sizeof(uint64_t))
		*CFG_AT(base, f->off, uint64_t) = v;
	else
		*CFG_AT(base, f->off, unsigned int) = v;
}

static uint64_t load_uint(const struct cfg_field *f, const void *base)
{
	if (f->size == sizeof(uint64_t))
		return *CFG_AT(base, f->off, const uint64_t);
	return *CFG_AT(base, f->off, const unsigned int);
}

static int check_uint(const struct cfg_field *f, uint64_t v, const char *path,
		      struct cfg_diag *d)
{
	if (v >= f->min && v <= f->max)
		return 0;
	cfg_error(d, path, "%" PRIu64 " is out of range %" PRIu64 "..%" PRIu64,
		  v, f->min, f->max);
	return -EINVAL;
}

static int check_size(const struct cfg_field *f, uint64_t v, const char *path,
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

static int check_bits(const struct cfg_field *f, uint64_t v, const char *path,
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

static int check_string(const struct cfg_field *f, const char *s,
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
			  shorten(s, buf), f->max);
		return -EINVAL;
	}
	if (f->charset && strspn(s, f->charset) != len) {
		cfg_error(d, path, "'%s' may only contain %s", shorten(s, buf),
			  f->charset_desc);
		return -EINVAL;
	}
	return 0;
}

/* Exactly "xx:xx:xx:xx:xx:xx" in hex digits of either case. */
static int parse_mac(const char *s, uint8_t mac[6])
{
	if (strlen(s) != 17)
		return -EINVAL;
	for (int i = 0; i < 17; i++)
		if (i % 3 == 2 ? s[i] != ':' : !strchr("0123456789abcdefABCDEF", s[i]))
			return -EINVAL;
	for (int i = 0; i < 6; i++)
		mac[i] = strtoul(s + 3 * i, NULL, 16);
	return 0;
}

static void format_mac(const uint8_t mac[6], char buf[18])
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
		 mac[2], mac[3], mac[4], mac[5]);
}

static int check_mac(const uint8_t mac[6], const char *path, struct cfg_diag *d)
{
	char buf[18];

	if (!(mac[0] & 1))
		return 0;
	format_mac(mac, buf);
	cfg_error(d, path, "'%s' is a multicast address", buf);
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

static int path_from_string(const struct cfg_field *f, void *base,
			    const char *s, const char *path, struct cfg_ctx *c)
{
	_cleanup_free_ char *joined = NULL;
	char **slot = CFG_AT(base, f->off, char *);
	char *abs;
	int r;

	if (!*s) {
		cfg_error(c->diag, path, "must not be empty");
		return -EINVAL;
	}
	joined = join_path(c->dir, s);
	if (!joined)
		return -ENOMEM;
	r = cfg_check_file(f->file, s, joined, path, c->diag);
	if (r < 0)
		return r;
	abs = cfg_absolute_path(joined, f->file);
	if (!abs) {
		cfg_error(c->diag, path, "cannot resolve '%s'", s);
		return -EINVAL;
	}
	free(*slot);
	*slot = abs;
	return 0;
}

static int bool_from_string(const struct cfg_field *f, void *base,
			    const char *s, const char *path, struct cfg_diag *d)
{
	static const char *const on[] = { "on", "true", "yes", "1" };
	static const char *const off[] = { "off", "false", "no", "0" };
	char buf[48];

	for (size_t i = 0; i < ARRAY_SIZE(on); i++) {
		if (!strcmp(s, on[i]) || !strcmp(s, off[i])) {
			*CFG_AT(base, f->off, bool) = !strcmp(s, on[i]);
			return 0;
		}
	}
	cfg_error(d, path, "'%s' is not on or off", shorten(s, buf));
	return -EINVAL;
}

static int uint_from_string(const struct cfg_field *f, void *base,
			    const char *s, const char *path, struct cfg_diag *d)
{
	char buf[48];
	uint64_t v;
	int r;

	r = parse_u64(s, &v);
	if (r == -ERANGE) {
		cfg_error(d, path, "'%s' is too large", shorten(s, buf));
		return -EINVAL;
	}
	if (r < 0) {
		cfg_error(d, path, "'%s' is not an integer", shorten(s, buf));
		return -EINVAL;
	}
	r = check_uint(f, v, path, d);
	if (r == 0)
		store_uint(f, base, v);
	return r;
}

static int size_from_string(const struct cfg_field *f, void *base,
			    const char *s, const char *path, struct cfg_diag *d)
{
	char buf[48];
	uint64_t v;
	int r;

	r = cfg_parse_size(s, &v);
	if (r == -ERANGE) {
		cfg_error(d, path, "'%s' is too large", shorten(s, buf));
		return -EINVAL;
	}
	if (r < 0) {
		cfg_error(d, path, "'%s' is not a size", shorten(s, buf));
		return -EINVAL;
	}
	r = check_size(f, v, path, d);
	if (r == 0)
		*CFG_AT(base, f->off, uint64_t) = v;
	return r;
}

static int bits_from_string(const struct cfg_field *f, void *base,
			    const char *s, const char *path, struct cfg_diag *d)
{
	char buf[48];
	uint64_t v;
	int r;

	if (parse_u64(s, &v) < 0) {
		cfg_error(d, path, "'%s' is not a number", shorten(s, buf));
		return -EINVAL;
	}
	r = check_bits(f, v, path, d);
	if (r == 0)
		*CFG_AT(base, f->off, uint64_t) = v;
	return r;
}

static int enum_from_string(const struct cfg_field *f, void *base,
			    const char *s, const char *path, struct cfg_diag *d)
{
	char buf[48], list[128];

	for (unsigned int i = 0; i < f->nr_names; i++) {
		if (f->names[i] && !strcmp(f->names[i], s)) {
			*CFG_AT(base, f->off, unsigned int) = i;
			return 0;
		}
	}
	enum_list(f, list, sizeof(list));
	cfg_error(d, path, "'%s' is not one of %s", shorten(s, buf), list);
	return -EINVAL;
}

static int string_from_string(const struct cfg_field *f, void *base,
			      const char *s, const char *path,
			      struct cfg_diag *d)
{
	char **slot = CFG_AT(base, f->off, char *);
	char *copy;
	int r;

	r = check_string(f, s, path, d);
	if (r < 0)
		return r;
	copy = strdup(s);
	if (!copy)
		return -ENOMEM;
	free(*slot);
	*slot = copy;
	return 0;
}

static int mac_from_string(const struct cfg_field *f, void *base,
			   const char *s, const char *path, struct cfg_diag *d)
{
	uint8_t mac[6];
	char buf[48];
	int r;

	if (parse_mac(s, mac) < 0) {
		cfg_error(d, path, "'%s' is not a MAC address like 52:54:00:12:34:56",
			  shorten(s, buf));
		return -EINVAL;
	}
	r = check_mac(mac, path, d);
	if (r < 0)
		return r;
	memcpy(CFG_AT(base, f->off, uint8_t), mac, sizeof(mac));
	*CFG_AT(base, f->set_off, bool) = true;
	return 0;
}

int cfg_value_from_string(const struct cfg_field *f, void *base,
			  const char *s, const char *path, struct cfg_ctx *c)
{
	switch (f->type) {
	case CFG_T_BOOL:
		return bool_from_string(f, base, s, path, c->diag);
	case CFG_T_UINT:
		return uint_from_string(f, base, s, path, c->diag);
	case CFG_T_SIZE:
		return size_from_string(f, base, s, path, c->diag);
	case CFG_T_BITS:
		return bits_from_string(f, base, s, path, c->diag);
	case CFG_T_ENUM:
		return enum_from_string(f, base, s, path, c->diag);
	case CFG_T_STRING:
		return string_from_string(f, base, s, path, c->diag);
	case CFG_T_PATH:
		return path_from_string(f, base, s, path, c);
	case CFG_T_MAC:
		return mac_from_string(f, base, s, path, c->diag);
	case CFG_T_HEX:
		return cfg_hex_from_string(f, base, s, path, c->diag);
	case CFG_T_BLOB:
		return cfg_blob_from_string(f, base, s, path, c);
	case CFG_T_OBJECT:
	case CFG_T_ARRAY:
		break;
	}
	cfg_error(c->diag, path, "is not a single value");
	return -EINVAL;
}

static const char *type_noun(const struct cfg_field *f)
{
	switch (f->type) {
	case CFG_T_OBJECT:
		return "an object";
	case CFG_T_ARRAY:
		return "an array";
	case CFG_T_BOOL:
		return "true or false";
	case CFG_T_UINT:
		return "an integer";
	case CFG_T_SIZE:
		return "a size (bytes, or a string like \"512M\")";
	case CFG_T_BITS:
		return "an integer or a \"0x...\" string";
	case CFG_T_ENUM:
	case CFG_T_STRING:
	case CFG_T_PATH:
	case CFG_T_MAC:
	case CFG_T_HEX:
	case CFG_T_BLOB:
		break;
	}
	return "a string";
}

/* "expected an integer, got "four"": the JSON value as written. */
static void type_error(const struct cfg_field *f, struct json_object *v,
		       const char *path, struct cfg_diag *d)
{
	const char *got;
	char buf[48];

	switch (json_object_get_type(v)) {
	case json_type_object:
		got = "an object";
		break;
	case json_type_array:
		got = "an array";
		break;
	default:
		got = shorten(json_object_to_json_string_ext(v, JSON_PLAIN),
			      buf);
		break;
	}
	cfg_error(d, path, "expected %s, got %s", type_noun(f), got);
}

/* A JSON integer as a u64; negative values are errors. */
static int json_u64(const struct cfg_field *f, struct json_object *v,
		    const char *path, struct cfg_ctx *c, uint64_t *ret)
{
	int64_t i = json_object_get_int64(v);
	struct cfg_diag *d = c->diag;

	if (cfg_scan_is_bad(c->scan, path))
		return -EINVAL;

	if (i < 0) {
		if (f->type == CFG_T_UINT && f->max != UINT64_MAX)
			cfg_error(d, path, "%" PRId64 " is out of range %" PRIu64
				  "..%" PRIu64, i, f->min, f->max);
		else
			cfg_error(d, path, "%" PRId64 " is negative", i);
		return -EINVAL;
	}
	*ret = json_object_get_uint64(v);
	return 0;
}

int cfg_value_from_json(const struct cfg_field *f, void *base,
			struct json_object *v, const char *path,
			struct cfg_ctx *c)
{
	enum json_type t = json_object_get_type(v);
	uint64_t u;
	int r;

	switch (f->type) {
	case CFG_T_BOOL:
		if (t != json_type_boolean)
			break;
		*CFG_AT(base, f->off, bool) = json_object_get_boolean(v);
		return 0;
	case CFG_T_UINT:
		if (t != json_type_int)
			break;
		r = json_u64(f, v, path, c, &u);
		if (r == 0)
			r = check_uint(f, u, path, c->diag);
		if (r == 0)
			store_uint(f, base, u);
		return r;
	case CFG_T_SIZE:
	case CFG_T_BITS:
		if (t == json_type_string)
			return cfg_value_from_string(f, base,
						     json_object_get_string(v),
						     path, c);
		if (t != json_type_int)
			break;
		r = json_u64(f, v, path, c, &u);
		if (r == 0 && f->type == CFG_T_SIZE)
			r = check_size(f, u, path, c->diag);
		else if (r == 0)
			r = check_bits(f, u, path, c->diag);
		if (r == 0)
			*CFG_AT(base, f->off, uint64_t) = u;
		return r;
	case CFG_T_ENUM:
	case CFG_T_STRING:
	case CFG_T_PATH:
	case CFG_T_MAC:
	case CFG_T_HEX:
	case CFG_T_BLOB:
		if (t != json_type_string)
			break;
		return cfg_value_from_string(f, base, json_object_get_string(v),
					     path, c);
	case CFG_T_OBJECT:
	case CFG_T_ARRAY:
		break;
	}
	type_error(f, v, path, c->diag);
	return -EINVAL;
}

int cfg_value_check(const struct cfg_field *f, const void *base,
		    const char *path, struct cfg_diag *d)
{
	const char *s;

	switch (f->type) {
	case CFG_T_UINT:
		return check_uint(f, load_uint(f, base), path, d);
	case CFG_T_SIZE:
		return check_size(f, *CFG_AT(base, f->off, const uint64_t),
				  path, d);
	case CFG_T_BITS:
		return check_bits(f, *CFG_AT(base, f->off, const uint64_t),
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
		return check_string(f, s, path, d);
	case CFG_T_MAC:
		if (!*CFG_AT(base, f->set_off, const bool))
			return 0;
		return check_mac(CFG_AT(base, f->off, const uint8_t), path, d);
	case CFG_T_BLOB:
		return cfg_blob_check(f, base, path, d);
	case CFG_T_HEX:
	case CFG_T_BOOL:
	case CFG_T_OBJECT:
	case CFG_T_ARRAY:
		break;
	}
	return 0;
}

static bool value_is_set(const struct cfg_field *f, const void *base)
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
		} else if (f->required && !value_is_set(f, base)) {
			cfg_error(d, path, "missing key '%s'", f->key);
			r = -EINVAL;
		} else if (cfg_value_check(f, base, sub, d) < 0) {
			r = -EINVAL;
		}
	}
	return r;
}

struct json_object *cfg_value_to_json(const struct cfg_field *f,
				      const void *base)
{
	char buf[CFG_SIZE_STR_MAX];
	uint64_t v;

	if (!value_is_set(f, base))
		return NULL;
	switch (f->type) {
	case CFG_T_BOOL:
		return json_object_new_boolean(
			*CFG_AT(base, f->off, const bool));
	case CFG_T_UINT:
		return json_object_new_uint64(load_uint(f, base));
	case CFG_T_SIZE:
		v = *CFG_AT(base, f->off, const uint64_t);
		cfg_format_size(v, buf);
		if (strspn(buf, "0123456789") == strlen(buf))
			return json_object_new_uint64(v);
		return json_object_new_string(buf);
	case CFG_T_BITS:
		snprintf(buf, sizeof(buf), "0x%" PRIx64,
			 *CFG_AT(base, f->off, const uint64_t));
		return json_object_new_string(buf);
	case CFG_T_ENUM: {
		unsigned int i = *CFG_AT(base, f->off, const unsigned int);

		if (i >= f->nr_names || !f->names[i])
			return NULL;
		return json_object_new_string(f->names[i]);
	}
	case CFG_T_STRING:
	case CFG_T_PATH:
	case CFG_T_BLOB:
		return json_object_new_string(
			*CFG_AT(base, f->off, char *const));
	case CFG_T_HEX:
		return cfg_hex_to_json(f, base);
	case CFG_T_MAC: {
		char mac[18];

		format_mac(CFG_AT(base, f->off, const uint8_t), mac);
		return json_object_new_string(mac);
	}
	case CFG_T_OBJECT:
	case CFG_T_ARRAY:
		break;
	}
	return NULL;
}
