/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * TDX measurements without KVM (tdx.md section 7): MRTD as the TDX module
 * builds it from TDH.MEM.PAGE.ADD and TDH.MR.EXTEND, and the RTMR extend.
 */
#ifndef CVMM_CC_TDX_MEASURE_H
#define CVMM_CC_TDX_MEASURE_H

#include <stddef.h>
#include <stdint.h>

#include "cc/ovmf.h"
#include "lib/sha2.h"

#define TDX_DIGEST_SIZE SHA384_DIGEST_SIZE
#define TDX_EXTEND_CHUNK 256

/* The running MRTD hash; feed it in the order the VMM issues the calls. */
struct tdx_mrtd_ctx {
	struct sha384_ctx sha;
};

void tdx_mrtd_init(struct tdx_mrtd_ctx *c);
/* One TDH.MEM.PAGE.ADD record for the page at @gpa. */
void tdx_mrtd_page_add(struct tdx_mrtd_ctx *c, uint64_t gpa);
/* One TDH.MR.EXTEND record for the 256-byte chunk at @gpa, then the chunk. */
void tdx_mrtd_extend(struct tdx_mrtd_ctx *c, uint64_t gpa,
		     const uint8_t chunk[TDX_EXTEND_CHUNK]);
void tdx_mrtd_final(struct tdx_mrtd_ctx *c, uint8_t ret[TDX_DIGEST_SIZE]);

enum tdx_mrtd_mode {
	/* Per page: PAGE.ADD, then its 16 extends (upstream KVM). */
	TDX_MRTD_SINGLE_PASS,
	/* Per section: all PAGE.ADDs, then all extends (older stacks). */
	TDX_MRTD_TWO_PASS,
};

/**
 * tdx_section_page() - the bytes a TDVF section's page is added with
 * @page: page index within the section
 *
 * The raw data from the image file (at data_offset), zero beyond
 * raw_data_size: what the VMM passes as INIT_MEM_REGION source and what
 * MR.EXTEND measures. (QEMU instead reads on in the image when raw data
 * is shorter than the section; TDVF builds have them equal for BFV/CFV.)
 * Returns 0, or -EINVAL if the page or the raw data lies outside the
 * section or the image.
 */
int __must_check tdx_section_page(const uint8_t *img, size_t size,
				  const struct tdvf_section *s, uint64_t page,
				  uint8_t ret_page[PAGE_SIZE]);

/**
 * tdx_mrtd() - MRTD of a TD launched from these TDVF sections
 *
 * Sections in table order; PAGE.AUG sections are not added at launch and
 * do not count. Sections come from ovmf_parse() or the caller; they are
 * checked again for alignment, overflow and raw data inside @img. A
 * measured TD_HOB (its bytes are the VMM's) is refused. Returns 0 or
 * -EINVAL.
 */
int __must_check tdx_mrtd(const uint8_t *img, size_t size,
			  const struct tdvf_section *secs, unsigned int nr,
			  enum tdx_mrtd_mode mode,
			  uint8_t ret_mrtd[TDX_DIGEST_SIZE]);

/*
 * ovmf_parse(OVMF_PARSE_TDX) and tdx_mrtd() in one call. Returns 0, an
 * ovmf_parse() or tdx_mrtd() error, or -ENOENT if the image has no TDVF
 * metadata.
 */
int __must_check tdx_mrtd_image(const uint8_t *img, size_t size,
				enum tdx_mrtd_mode mode,
				uint8_t ret_mrtd[TDX_DIGEST_SIZE]);

/* RTMR = SHA-384(RTMR || digest); RTMRs start as 48 zero bytes. */
void tdx_rtmr_extend(uint8_t rtmr[TDX_DIGEST_SIZE],
		     const uint8_t digest[TDX_DIGEST_SIZE]);

#endif
