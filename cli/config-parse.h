/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reading a config from JSON text and from flags into struct vm_config,
 * and writing it back as JSON: the parsers behind the schema. Private to
 * cli/.
 */
#ifndef CVMM_CLI_CONFIG_PARSE_H
#define CVMM_CLI_CONFIG_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/schema.h"

struct json_object;

/* What cfg_json_scan() found: integers that json-c saturated. */
struct cfg_scan {
	unsigned int nr_bad;
	char bad[8][192];
};

struct cfg_ctx {
	struct cfg_diag *diag;
	/* Relative paths are joined to this; NULL: the current directory. */
	const char *dir;
	/* Values already reported by cfg_json_scan(), or NULL. */
	const struct cfg_scan *scan;
};

/*
 * Find in text json-c accepted what it lets through: equal keys, integers
 * beyond 64 bits (reported, and recorded in *out) and single quotes (a
 * syntax error: returns -EINVAL).
 */
int cfg_json_scan(const char *buf, size_t len, struct cfg_scan *out,
		  struct cfg_diag *d);
bool cfg_scan_is_bad(const struct cfg_scan *scan, const char *path);

/* Parse text into a leaf field at @base; report errors against @path. */
int cfg_value_from_string(const struct cfg_field *f, void *base,
			  const char *s, const char *path, struct cfg_ctx *c);
/* The same from a JSON value. */
int cfg_value_from_json(const struct cfg_field *f, void *base,
			struct json_object *v, const char *path,
			struct cfg_ctx *c);
/* A leaf value as JSON, or NULL when the value is unset (not printed). */
struct json_object *cfg_value_to_json(const struct cfg_field *f,
				      const void *base);

/*
 * Check the file a path names, when it is loaded. @shown is the path as
 * the user wrote it, @path as cvmm will open it. Returns 0 or -EINVAL
 * after an error naming @json_path.
 */
int cfg_check_file(enum cfg_file_kind kind, const char *shown,
		   const char *path, const char *json_path, struct cfg_diag *d);

/*
 * The absolute form of a checked path (symlinks resolved; for an output
 * file, its directory's). Returns NULL when out of memory or when the
 * path cannot be resolved.
 */
char *cfg_absolute_path(const char *path, enum cfg_file_kind kind);

/* config-bytes.c: the HEX and BLOB leaves. */
int cfg_hex_from_string(const struct cfg_field *f, void *base, const char *s,
			const char *path, struct cfg_diag *d);
int cfg_blob_from_string(const struct cfg_field *f, void *base,
			 const char *s, const char *path, struct cfg_ctx *c);
struct json_object *cfg_hex_to_json(const struct cfg_field *f,
				    const void *base);

/*
 * Read a JSON config file over *cfg (which holds defaults or earlier
 * values), checking every value and every file it names. Paths are taken
 * relative to the file's directory. Returns 0, or -EINVAL after reporting
 * each error to @d.
 */
int __must_check vm_config_load_file(struct vm_config *cfg, const char *file,
				     struct cfg_diag *d);

/*
 * The config as JSON text, itself a valid config that loads back to the
 * same text. *ret_json is malloc()ed. Returns 0 or -ENOMEM.
 */
int __must_check vm_config_to_json(const struct vm_config *cfg,
				   char **ret_json);

#endif
