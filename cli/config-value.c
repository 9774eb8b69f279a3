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

#include "cli/config-parse.h"
#include "config/config.h"

#define JSON_PLAIN (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
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
	cfg_error(d, path, "'%s' is not on or off", cfg_shorten(s, buf));
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
		cfg_error(d, path, "'%s' is too large", cfg_shorten(s, buf));
		return -EINVAL;
	}
	if (r < 0) {
		cfg_error(d, path, "'%s' is not an integer", cfg_shorten(s, buf));
		return -EINVAL;
	}
	r = cfg_check_uint(f, v, path, d);
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
		cfg_error(d, path, "'%s' is too large", cfg_shorten(s, buf));
		return -EINVAL;
	}
	if (r < 0) {
		cfg_error(d, path, "'%s' is not a size", cfg_shorten(s, buf));
		return -EINVAL;
	}
	r = cfg_check_size(f, v, path, d);
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
		cfg_error(d, path, "'%s' is not a number", cfg_shorten(s, buf));
		return -EINVAL;
	}
	r = cfg_check_bits(f, v, path, d);
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
	cfg_error(d, path, "'%s' is not one of %s", cfg_shorten(s, buf), list);
	return -EINVAL;
}

static int string_from_string(const struct cfg_field *f, void *base,
			      const char *s, const char *path,
			      struct cfg_diag *d)
{
	char **slot = CFG_AT(base, f->off, char *);
	char *copy;
	int r;

	r = cfg_check_string(f, s, path, d);
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
			  cfg_shorten(s, buf));
		return -EINVAL;
	}
	r = cfg_check_mac(mac, path, d);
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
		got = cfg_shorten(json_object_to_json_string_ext(v, JSON_PLAIN),
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
			r = cfg_check_uint(f, u, path, c->diag);
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
			r = cfg_check_size(f, u, path, c->diag);
		else if (r == 0)
			r = cfg_check_bits(f, u, path, c->diag);
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
struct json_object *cfg_value_to_json(const struct cfg_field *f,
				      const void *base)
{
	char buf[CFG_SIZE_STR_MAX];
	uint64_t v;

	if (!cfg_value_is_set(f, base))
		return NULL;
	switch (f->type) {
	case CFG_T_BOOL:
		return json_object_new_boolean(
			*CFG_AT(base, f->off, const bool));
	case CFG_T_UINT:
		return json_object_new_uint64(cfg_load_uint(f, base));
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

		cfg_format_mac(CFG_AT(base, f->off, const uint8_t), mac);
		return json_object_new_string(mac);
	}
	case CFG_T_OBJECT:
	case CFG_T_ARRAY:
		break;
	}
	return NULL;
}
