/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The configuration schema as a table. One description drives the JSON
 * loader, the command-line flags, the range checks and the JSON that
 * "config show" prints, so the four cannot drift apart. Private to cli/.
 */
#ifndef CVMM_CONFIG_SCHEMA_H
#define CVMM_CONFIG_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli/config.h"

struct json_object;

enum cfg_type {
	CFG_T_OBJECT,
	/* An array of objects (disks, nets) with a count beside it. */
	CFG_T_ARRAY,
	CFG_T_BOOL,
	CFG_T_UINT,
	CFG_T_SIZE,
	/* A u64 bit mask: an integer or a "0x..." string. */
	CFG_T_BITS,
	CFG_T_ENUM,
	CFG_T_STRING,
	CFG_T_PATH,
	CFG_T_MAC,
	/* Exactly .size bytes written as hex; .set_off says it was given. */
	CFG_T_HEX,
	/*
	 * Exactly .size bytes: a file, or its base64 text (as QEMU takes an
	 * ID block). Stored as the absolute path or the text (config-bytes.c).
	 */
	CFG_T_BLOB,
};

/* What a path must name, checked when it is loaded. */
enum cfg_file_kind {
	CFG_FILE_KERNEL,
	CFG_FILE_INITRD,
	CFG_FILE_FIRMWARE,
	CFG_FILE_DISK,
	/* Written by cvmm: its directory must exist. */
	CFG_FILE_OUTPUT,
	/* Read whole at start (ID blocks, certificate tables). */
	CFG_FILE_DATA,
};

struct cfg_field {
	const char *key;
	enum cfg_type type;
	/*
	 * Offset of the value in the enclosing struct: struct vm_config, or
	 * the array element for the fields of disks and nets.
	 */
	size_t off;
	/* UINT: sizeof the value (4 or 8). HEX, BLOB: bytes. */
	size_t size;
	/* BLOB: what the bytes are, and the document that sizes them. */
	const char *what;
	/* UINT, SIZE: inclusive range. STRING: min and max length. */
	uint64_t min, max;
	/* SIZE: required alignment. */
	uint64_t align;
	/* ENUM: names indexed by value; NULL entries are not accepted. */
	const char *const *names;
	unsigned int nr_names;
	/* BITS: bits that must be set, bits that may be set, and why. */
	uint64_t must_set, allowed;
	const char *must_set_why;
	/* STRING: the characters allowed, and how to say so. */
	const char *charset, *charset_desc;
	enum cfg_file_kind file;
	/* MAC: offset of the bool that says it was given. */
	size_t set_off;
	/* OBJECT and ARRAY element: the fields, ended by a NULL key. */
	const struct cfg_field *fields;
	/* OBJECT: offset of a bool set when the key is present, or 0. */
	size_t given_off;
	/* ARRAY */
	size_t count_off, elem_size;
	unsigned int max_elems;
	const char *elem_noun;
	/* Element fields: the key must be present. */
	bool required;
	/* Printed only when this says so; NULL: always (optional: if set). */
	bool (*shown)(const struct vm_config *cfg);
};

/* The fields of the top-level object. */
extern const struct cfg_field cfg_schema[];

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

/*
 * Find the field at a JSON path ("$.cc.snp.policy"). Objects on the way
 * with a given_off are marked given in *cfg when @cfg is not NULL.
 */
const struct cfg_field *cfg_schema_find(const char *path,
					struct vm_config *cfg);

/* Parse text into a leaf field at @base; report errors against @path. */
int cfg_value_from_string(const struct cfg_field *f, void *base,
			  const char *s, const char *path, struct cfg_ctx *c);
/* The same from a JSON value. */
int cfg_value_from_json(const struct cfg_field *f, void *base,
			struct json_object *v, const char *path,
			struct cfg_ctx *c);
/* Range checks of a stored leaf value: 0 or -EINVAL. */
int cfg_value_check(const struct cfg_field *f, const void *base,
		    const char *path, struct cfg_diag *d);
/* A leaf value as JSON, or NULL when the value is unset (not printed). */
struct json_object *cfg_value_to_json(const struct cfg_field *f,
				      const void *base);

/* Range checks of every leaf in @fields, recursing into objects, arrays. */
int cfg_fields_check(const struct cfg_field *fields, const void *base,
		     const char *path, struct cfg_diag *d);

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
int cfg_blob_check(const struct cfg_field *f, const void *base,
		   const char *path, struct cfg_diag *d);
struct json_object *cfg_hex_to_json(const struct cfg_field *f,
				    const void *base);

/* @base + member offset, typed. */
#define CFG_AT(base, off, type) ((type *)((char *)(base) + (off)))

/* Element @i of the array field @f in @base. */
static inline void *cfg_elem(const struct cfg_field *f, const void *base,
			     unsigned int i)
{
	return (char *)base + f->off + i * f->elem_size;
}

#endif
