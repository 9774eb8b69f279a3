// SPDX-License-Identifier: GPL-2.0-only
/* AML encoding (ACPI 6.5 section 20.2) and resource descriptors (6.4). */
#include <stdlib.h>
#include <string.h>

#include "vmm/x86/aml.h"

enum {
	AML_ZERO_OP = 0x00,
	AML_ONE_OP = 0x01,
	AML_NAME_OP = 0x08,
	AML_BYTE_PREFIX = 0x0a,
	AML_WORD_PREFIX = 0x0b,
	AML_DWORD_PREFIX = 0x0c,
	AML_STRING_PREFIX = 0x0d,
	AML_QWORD_PREFIX = 0x0e,
	AML_SCOPE_OP = 0x10,
	AML_BUFFER_OP = 0x11,
	AML_PACKAGE_OP = 0x12,
	AML_DUAL_NAME_PREFIX = 0x2e,
	AML_MULTI_NAME_PREFIX = 0x2f,
	AML_EXT_OP_PREFIX = 0x5b,
	AML_DEVICE_OP = 0x82, /* after AML_EXT_OP_PREFIX */
	AML_ROOT_CHAR = '\\',
};

#define NAME_SEG 4
#define MAX_SEGS 8

void aml_init(struct aml *a)
{
	*a = (struct aml){ 0 };
}

void aml_free(struct aml *a)
{
	free(a->buf);
	*a = (struct aml){ 0 };
}

int aml_finish(struct aml *a)
{
	if (!a->err && a->depth)
		a->err = -EINVAL;
	return a->err;
}

static void put(struct aml *a, const void *p, size_t n)
{
	if (a->err)
		return;
	if (a->len + n > a->cap) {
		size_t cap = MAX(a->cap * 2, a->len + n + 256);
		uint8_t *buf = realloc(a->buf, cap);

		if (!buf) {
			a->err = -ENOMEM;
			return;
		}
		a->buf = buf;
		a->cap = cap;
	}
	memcpy(a->buf + a->len, p, n);
	a->len += n;
}

static void put8(struct aml *a, uint8_t b)
{
	put(a, &b, 1);
}

static void put_le(struct aml *a, uint64_t v, unsigned int bytes)
{
	for (unsigned int i = 0; i < bytes; i++)
		put8(a, v >> (8 * i));
}

static void put_seg(struct aml *a, const char *seg, size_t n)
{
	char s[NAME_SEG] = { '_', '_', '_', '_' };

	memcpy(s, seg, MIN(n, (size_t)NAME_SEG));
	put(a, s, NAME_SEG);
}

void aml_namestring(struct aml *a, const char *path)
{
	const char *segs[MAX_SEGS];
	size_t lens[MAX_SEGS];
	unsigned int n = 0;

	if (*path == AML_ROOT_CHAR) {
		put8(a, AML_ROOT_CHAR);
		path++;
	}
	while (*path && n < MAX_SEGS) {
		const char *dot = strchr(path, '.');
		size_t len = dot ? (size_t)(dot - path) : strlen(path);

		if (!len || len > NAME_SEG) {
			a->err = a->err ? a->err : -EINVAL;
			return;
		}
		segs[n] = path;
		lens[n++] = len;
		path += len + (dot ? 1 : 0);
	}
	if (n == 0) {
		put8(a, AML_ZERO_OP); /* NullName: the root itself */
		return;
	}
	if (n == 2) {
		put8(a, AML_DUAL_NAME_PREFIX);
	} else if (n > 2) {
		put8(a, AML_MULTI_NAME_PREFIX);
		put8(a, n);
	}
	for (unsigned int i = 0; i < n; i++)
		put_seg(a, segs[i], lens[i]);
}

void aml_name(struct aml *a, const char *name)
{
	put8(a, AML_NAME_OP);
	aml_namestring(a, name);
}

void aml_integer(struct aml *a, uint64_t v)
{
	if (v == 0) {
		put8(a, AML_ZERO_OP);
	} else if (v == 1) {
		put8(a, AML_ONE_OP);
	} else if (v <= 0xff) {
		put8(a, AML_BYTE_PREFIX);
		put_le(a, v, 1);
	} else if (v <= 0xffff) {
		put8(a, AML_WORD_PREFIX);
		put_le(a, v, 2);
	} else if (v <= 0xffffffff) {
		put8(a, AML_DWORD_PREFIX);
		put_le(a, v, 4);
	} else {
		put8(a, AML_QWORD_PREFIX);
		put_le(a, v, 8);
	}
}

void aml_string(struct aml *a, const char *s)
{
	put8(a, AML_STRING_PREFIX);
	put(a, s, strlen(s) + 1);
}

static unsigned int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 0;
}

/*
 * Three letters of five bits each and four hex digits, stored big-endian
 * in a little-endian integer (ACPI 6.5 section 19.6.45, EISAID).
 */
void aml_eisaid(struct aml *a, const char *id)
{
	uint32_t v;

	if (strlen(id) != 7) {
		a->err = a->err ? a->err : -EINVAL;
		return;
	}
	v = ((uint32_t)(id[0] - 0x40) & 0x1f) << 26 |
	    ((uint32_t)(id[1] - 0x40) & 0x1f) << 21 |
	    ((uint32_t)(id[2] - 0x40) & 0x1f) << 16;
	for (int i = 3; i < 7; i++)
		v |= hex_digit(id[i]) << (4 * (6 - i));
	aml_integer(a, __builtin_bswap32(v));
}

static void open_pkg(struct aml *a)
{
	if (a->depth == AML_MAX_DEPTH) {
		a->err = a->err ? a->err : -EINVAL;
		return;
	}
	a->open[a->depth++] = a->len;
}

/*
 * PkgLength counts itself: one byte holds up to 63, else the low nibble
 * goes in the lead byte (with the count of following bytes in bits 7:6)
 * and the rest in up to three more bytes.
 */
void aml_end(struct aml *a)
{
	uint8_t enc[4];
	size_t start, body;
	unsigned int n;

	if (a->err || !a->depth)
		return;
	start = a->open[--a->depth];
	body = a->len - start;
	for (n = 1; n < 4; n++)
		if (body + n < (n == 1 ? 0x40u : 1u << (4 + 8 * (n - 1))))
			break;
	body += n;
	if (n == 1) {
		enc[0] = body;
	} else {
		enc[0] = ((n - 1) << 6) | (body & 0xf);
		for (unsigned int i = 1; i < n; i++)
			enc[i] = body >> (4 + 8 * (i - 1));
	}
	put(a, enc, n); /* grow first, then move the body up */
	if (a->err)
		return;
	memmove(a->buf + start + n, a->buf + start, body - n);
	memcpy(a->buf + start, enc, n);
}

void aml_scope(struct aml *a, const char *path)
{
	put8(a, AML_SCOPE_OP);
	open_pkg(a);
	aml_namestring(a, path);
}

void aml_device(struct aml *a, const char *name)
{
	put8(a, AML_EXT_OP_PREFIX);
	put8(a, AML_DEVICE_OP);
	open_pkg(a);
	aml_namestring(a, name);
}

void aml_package(struct aml *a, uint8_t nr_elements)
{
	put8(a, AML_PACKAGE_OP);
	open_pkg(a);
	put8(a, nr_elements);
}

void aml_buffer(struct aml *a, const void *data, size_t len)
{
	put8(a, AML_BUFFER_OP);
	open_pkg(a);
	aml_integer(a, len);
	put(a, data, len);
	aml_end(a);
}

static void res_put(struct aml_res *r, const void *p, size_t n)
{
	if (r->len + n > AML_RES_MAX) {
		r->err = -ENOSPC;
		return;
	}
	memcpy(r->buf + r->len, p, n);
	r->len += n;
}

static void res_le(struct aml_res *r, uint64_t v, unsigned int bytes)
{
	for (unsigned int i = 0; i < bytes; i++) {
		uint8_t b = v >> (8 * i);

		res_put(r, &b, 1);
	}
}

/* I/O port descriptor, 16-bit decode, fixed at base (6.4.2.5). */
void aml_res_io(struct aml_res *r, uint16_t base, uint8_t len)
{
	const uint8_t hdr[] = { 0x47, 0x01 };

	res_put(r, hdr, sizeof(hdr));
	res_le(r, base, 2);
	res_le(r, base, 2);
	res_le(r, 1, 1);
	res_le(r, len, 1);
}

/* IRQ descriptor without flags: edge, active high (6.4.2.1). */
void aml_res_irq(struct aml_res *r, uint8_t irq)
{
	res_le(r, 0x22, 1);
	res_le(r, 1u << irq, 2);
}

/* 32-bit fixed memory range, read/write (6.4.3.4). */
void aml_res_mem32_fixed(struct aml_res *r, uint32_t base, uint32_t len)
{
	const uint8_t hdr[] = { 0x86, 9, 0, 0x01 };

	res_put(r, hdr, sizeof(hdr));
	res_le(r, base, 4);
	res_le(r, len, 4);
}

enum res_space {
	RES_MEMORY = 0,
	RES_IO = 1,
	RES_BUS = 2,
};

/* Producer, minimum and maximum fixed. */
#define RES_FLAGS_FIXED 0x0c

/*
 * Word (16-bit), DWord and QWord address space descriptors (6.4.3.5):
 * tag, length, type, flags, type flags, then granularity, min, max,
 * translation and length, each of the descriptor's width.
 */
static void res_address(struct aml_res *r, enum res_space type,
			uint8_t type_flags, uint64_t base, uint64_t len)
{
	unsigned int width = base + len - 1 <= 0xffff && type != RES_MEMORY ?
				     2 :
			     base + len - 1 <= 0xffffffff ? 4 : 8;
	uint8_t tag = width == 2 ? 0x88 : width == 4 ? 0x87 : 0x8a;

	res_le(r, tag, 1);
	res_le(r, 3 + 5 * width, 2);
	res_le(r, type, 1);
	res_le(r, RES_FLAGS_FIXED, 1);
	res_le(r, type_flags, 1);
	res_le(r, 0, width);
	res_le(r, base, width);
	res_le(r, base + len - 1, width);
	res_le(r, 0, width);
	res_le(r, len, width);
}

void aml_res_bus_range(struct aml_res *r, uint8_t first, uint8_t last)
{
	res_address(r, RES_BUS, 0, first, last - first + 1);
}

/* Type flags 3: both ISA and non-ISA ranges are decoded. */
void aml_res_io_window(struct aml_res *r, uint16_t base, uint32_t len)
{
	res_address(r, RES_IO, 0x03, base, len);
}

/* Type flags 1: read/write, non-cacheable. */
void aml_res_mem_window(struct aml_res *r, uint64_t base, uint64_t len)
{
	res_address(r, RES_MEMORY, 0x01, base, len);
}

void aml_res_buffer(struct aml *a, struct aml_res *r)
{
	const uint8_t end_tag[] = { 0x79, 0x00 };

	res_put(r, end_tag, sizeof(end_tag));
	if (r->err) {
		a->err = a->err ? a->err : r->err;
		return;
	}
	aml_buffer(a, r->buf, r->len);
}
