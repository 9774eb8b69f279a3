/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The configuration schema as a table. One description drives the JSON
 * loader and the command-line flags (cli/), the range checks (check.c) and
 * the JSON that "config show" prints, so the four cannot drift apart.
 */
#ifndef CVMM_CONFIG_SCHEMA_H
#define CVMM_CONFIG_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

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

/*
 * Find the field at a JSON path ("$.cc.snp.policy"). Objects on the way
 * with a given_off are marked given in *cfg when @cfg is not NULL.
 */
const struct cfg_field *cfg_schema_find(const char *path,
					struct vm_config *cfg);

/* Range checks of a stored leaf value: 0 or -EINVAL. */
int cfg_value_check(const struct cfg_field *f, const void *base,
		    const char *path, struct cfg_diag *d);
/* Range checks of every leaf in @fields, recursing into objects, arrays. */
int cfg_fields_check(const struct cfg_field *fields, const void *base,
		     const char *path, struct cfg_diag *d);

/* @base + member offset, typed. */
#define CFG_AT(base, off, type) ((type *)((char *)(base) + (off)))

/* Element @i of the array field @f in @base. */
static inline void *cfg_elem(const struct cfg_field *f, const void *base,
			     unsigned int i)
{
	return (char *)base + f->off + i * f->elem_size;
}

/* The checks of single values, for the parsers in cli/ too. */
int cfg_check_uint(const struct cfg_field *f, uint64_t v, const char *path,
		   struct cfg_diag *d);
int cfg_check_size(const struct cfg_field *f, uint64_t v, const char *path,
		   struct cfg_diag *d);
int cfg_check_bits(const struct cfg_field *f, uint64_t v, const char *path,
		   struct cfg_diag *d);
int cfg_check_string(const struct cfg_field *f, const char *s,
		     const char *path, struct cfg_diag *d);
int cfg_check_mac(const uint8_t mac[6], const char *path, struct cfg_diag *d);
/* BLOB given as base64 text: exactly .size bytes. */
int cfg_check_blob_text(const struct cfg_field *f, const char *s,
			const char *path, struct cfg_diag *d);
uint64_t cfg_load_uint(const struct cfg_field *f, const void *base);
/* Strings and MACs may be unset (NULL, not given); the rest are always set. */
bool cfg_value_is_set(const struct cfg_field *f, const void *base);
/* A value as the user wrote it, cut short to keep a line readable. */
const char *cfg_shorten(const char *s, char buf[48]);
void cfg_format_mac(const uint8_t mac[6], char buf[18]);

#endif
