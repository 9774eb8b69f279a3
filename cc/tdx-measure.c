// SPDX-License-Identifier: GPL-2.0-only
/*
 * MRTD (tdx.md section 7): the TDX module hashes one 128-byte record per
 * TDH.MEM.PAGE.ADD and per TDH.MR.EXTEND, the latter followed by the 256
 * bytes it extends, and finalizes the SHA-384 at TDH.MR.FINALIZE.
 */
#include <endian.h>
#include <string.h>

#include "cc/tdx-measure.h"

#define MRTD_RECORD_SIZE 128

void tdx_mrtd_init(struct tdx_mrtd_ctx *c)
{
	sha384_init(&c->sha);
}

/* ASCII operation name, zero padded to 16 bytes, u64 GPA, zeros. */
static void mrtd_record(struct tdx_mrtd_ctx *c, const char *op, uint64_t gpa)
{
	uint8_t rec[MRTD_RECORD_SIZE] = {};

	memcpy(rec, op, strlen(op));
	gpa = htole64(gpa);
	memcpy(rec + 16, &gpa, sizeof(gpa));
	sha384_update(&c->sha, rec, sizeof(rec));
}

void tdx_mrtd_page_add(struct tdx_mrtd_ctx *c, uint64_t gpa)
{
	mrtd_record(c, "MEM.PAGE.ADD", gpa);
}

void tdx_mrtd_extend(struct tdx_mrtd_ctx *c, uint64_t gpa,
		     const uint8_t chunk[TDX_EXTEND_CHUNK])
{
	mrtd_record(c, "MR.EXTEND", gpa);
	sha384_update(&c->sha, chunk, TDX_EXTEND_CHUNK);
}

void tdx_mrtd_final(struct tdx_mrtd_ctx *c, uint8_t ret[TDX_DIGEST_SIZE])
{
	sha384_final(&c->sha, ret);
}

static int check_section(const uint8_t *img, size_t size,
			 const struct tdvf_section *s)
{
	uint64_t end;

	if (!IS_ALIGNED(s->gpa, PAGE_SIZE) || !IS_ALIGNED(s->size, PAGE_SIZE) ||
	    !add_ok(s->gpa, s->size, &end) || s->raw_data_size > s->size)
		return -EINVAL;
	if (s->raw_data_size &&
	    (!img || (uint64_t)s->data_offset + s->raw_data_size > size))
		return -EINVAL;
	if (!(s->attributes & TDVF_ATTR_MR_EXTEND))
		return 0;
	/*
	 * A measured HOB would hash the bytes the VMM builds, not the
	 * image's; no TDVF does that, so refuse to predict it.
	 */
	if ((s->attributes & TDVF_ATTR_PAGE_AUG) ||
	    s->type == TDVF_SECTION_TD_HOB)
		return -EINVAL;
	return 0;
}

/* Raw data, then zeros; the section has passed check_section(). */
static void section_page(const uint8_t *img, const struct tdvf_section *s,
			 uint64_t page, uint8_t ret_page[PAGE_SIZE])
{
	uint64_t off = page * PAGE_SIZE;

	memset(ret_page, 0, PAGE_SIZE);
	if (off < s->raw_data_size)
		memcpy(ret_page, img + s->data_offset + off,
		       MIN(PAGE_SIZE, s->raw_data_size - off));
}

int tdx_section_page(const uint8_t *img, size_t size,
		     const struct tdvf_section *s, uint64_t page,
		     uint8_t ret_page[PAGE_SIZE])
{
	int r;

	r = check_section(img, size, s);
	if (r < 0)
		return r;
	if (page >= s->size / PAGE_SIZE)
		return -EINVAL;
	section_page(img, s, page, ret_page);
	return 0;
}

static void extend_page(struct tdx_mrtd_ctx *c, uint64_t gpa,
			const uint8_t page[PAGE_SIZE])
{
	for (unsigned int i = 0; i < PAGE_SIZE / TDX_EXTEND_CHUNK; i++)
		tdx_mrtd_extend(c, gpa + i * TDX_EXTEND_CHUNK,
				page + i * TDX_EXTEND_CHUNK);
}

static void measure_section(struct tdx_mrtd_ctx *c, const uint8_t *img,
			    const struct tdvf_section *s,
			    enum tdx_mrtd_mode mode)
{
	bool extend = s->attributes & TDVF_ATTR_MR_EXTEND;
	uint64_t nr_pages = s->size / PAGE_SIZE;
	uint8_t page[PAGE_SIZE];

	if (s->attributes & TDVF_ATTR_PAGE_AUG)
		return;
	for (uint64_t i = 0; i < nr_pages; i++) {
		tdx_mrtd_page_add(c, s->gpa + i * PAGE_SIZE);
		if (!extend || mode == TDX_MRTD_TWO_PASS)
			continue;
		section_page(img, s, i, page);
		extend_page(c, s->gpa + i * PAGE_SIZE, page);
	}
	if (!extend || mode == TDX_MRTD_SINGLE_PASS)
		return;
	for (uint64_t i = 0; i < nr_pages; i++) {
		section_page(img, s, i, page);
		extend_page(c, s->gpa + i * PAGE_SIZE, page);
	}
}

int tdx_mrtd(const uint8_t *img, size_t size, const struct tdvf_section *secs,
	     unsigned int nr, enum tdx_mrtd_mode mode,
	     uint8_t ret_mrtd[TDX_DIGEST_SIZE])
{
	struct tdx_mrtd_ctx c;
	int r;

	if (mode != TDX_MRTD_SINGLE_PASS && mode != TDX_MRTD_TWO_PASS)
		return -EINVAL;
	/* Check everything first: nothing can fail below. */
	for (unsigned int i = 0; i < nr; i++) {
		r = check_section(img, size, &secs[i]);
		if (r < 0)
			return r;
	}
	tdx_mrtd_init(&c);
	for (unsigned int i = 0; i < nr; i++)
		measure_section(&c, img, &secs[i], mode);
	tdx_mrtd_final(&c, ret_mrtd);
	return 0;
}

int tdx_mrtd_image(const uint8_t *img, size_t size, enum tdx_mrtd_mode mode,
		   uint8_t ret_mrtd[TDX_DIGEST_SIZE])
{
	struct ovmf_info info;
	int r;

	r = ovmf_parse(img, size, OVMF_PARSE_TDX, &info);
	if (r < 0)
		return r;
	if (!info.has_tdvf)
		return -ENOENT;
	return tdx_mrtd(img, size, info.tdvf, info.nr_tdvf, mode, ret_mrtd);
}

void tdx_rtmr_extend(uint8_t rtmr[TDX_DIGEST_SIZE],
		     const uint8_t digest[TDX_DIGEST_SIZE])
{
	struct sha384_ctx c;

	sha384_init(&c);
	sha384_update(&c, rtmr, TDX_DIGEST_SIZE);
	sha384_update(&c, digest, TDX_DIGEST_SIZE);
	sha384_final(&c, rtmr);
}
