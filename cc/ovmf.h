/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * OVMF image metadata: the GUIDed footer table (sev-snp.md section 5), the
 * SEV "ASEV" metadata and the TDX "TDVF" section table (tdx.md section 4).
 *
 * Everything here works on an image held in memory, mapped so that it ends
 * at 4 GiB. Offsets read from the image are never trusted: a truncated or
 * malformed image gives an error, never an access outside the buffer.
 */
#ifndef CVMM_CC_OVMF_H
#define CVMM_CC_OVMF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/util.h"

#define OVMF_IMAGE_END 0x100000000ull

/* A GUID as stored in the image: EFI (mixed little-endian) byte order. */
struct efi_guid {
	uint8_t b[16];
};

/* Build the stored bytes from the textual form a-b-c-d0d1-d2..d7. */
#define EFI_GUID(l, w1, w2, d0, d1, d2, d3, d4, d5, d6, d7)                \
	{ .b = { (l) & 0xff, ((l) >> 8) & 0xff, ((l) >> 16) & 0xff,       \
		 ((l) >> 24) & 0xff, (w1) & 0xff, ((w1) >> 8) & 0xff,      \
		 (w2) & 0xff, ((w2) >> 8) & 0xff, d0, d1, d2, d3, d4, d5,  \
		 d6, d7 } }

extern const struct efi_guid ovmf_guid_footer;
extern const struct efi_guid ovmf_guid_sev_es_reset;
extern const struct efi_guid ovmf_guid_sev_secret;
extern const struct efi_guid ovmf_guid_sev_hashes;
extern const struct efi_guid ovmf_guid_sev_meta;
extern const struct efi_guid ovmf_guid_tdx_meta;
extern const struct efi_guid ovmf_guid_igvm_param;

/* SEV metadata descriptor types (sev-snp.md section 5) */
enum ovmf_sev_desc_type {
	OVMF_SEV_SEC_MEM = 1,		/* pre-validated memory: ZERO */
	OVMF_SEV_SECRETS = 2,		/* SECRETS page */
	OVMF_SEV_CPUID = 3,		/* CPUID page */
	OVMF_SEV_SVSM_CAA = 4,		/* SVSM calling area: ZERO */
	OVMF_SEV_KERNEL_HASHES = 0x10,	/* NORMAL (hash table) or ZERO */
};

struct ovmf_sev_desc {
	uint32_t gpa;
	uint32_t len;
	uint32_t type;			/* enum ovmf_sev_desc_type */
};

/* TDVF section types and attributes (tdx.md section 4) */
enum tdvf_section_type {
	TDVF_SECTION_BFV = 0,
	TDVF_SECTION_CFV = 1,
	TDVF_SECTION_TD_HOB = 2,
	TDVF_SECTION_TEMP_MEM = 3,
	TDVF_SECTION_PERM_MEM = 4,	/* rejected, as by QEMU */
	TDVF_SECTION_PAYLOAD = 5,	/* rejected */
	TDVF_SECTION_PAYLOAD_PARAM = 6,	/* rejected */
};

#define TDVF_ATTR_MR_EXTEND (1u << 0)	/* measure the pages into MRTD */
#define TDVF_ATTR_PAGE_AUG (1u << 1)	/* not added at launch */

struct tdvf_section {
	uint32_t data_offset;		/* in the image file */
	uint32_t raw_data_size;		/* bytes copied from the file */
	uint64_t gpa;
	uint64_t size;			/* bytes of guest memory */
	uint32_t type;			/* enum tdvf_section_type */
	uint32_t attributes;		/* TDVF_ATTR_* */
};

#define OVMF_MAX_SEV_DESC 32
#define OVMF_MAX_TDVF_SECTIONS 32

/*
 * Everything ovmf_parse() found. A has_* flag says whether the footer
 * table carries that entry; the values next to it are only valid then.
 */
struct ovmf_info {
	uint64_t gpa;			/* image start: 4 GiB - size */
	uint64_t size;

	bool has_sev_es_reset;
	uint32_t sev_es_reset_eip;	/* AP reset EIP */

	bool has_sev_secret;
	uint32_t sev_secret_gpa;
	uint32_t sev_secret_size;

	bool has_sev_hashes;		/* kernel-hashes table (may be 0/0) */
	uint32_t sev_hashes_gpa;
	uint32_t sev_hashes_size;

	bool has_igvm_param;
	uint32_t igvm_param_offset;	/* from the image end; not parsed */

	/*
	 * SEV metadata in table order, without the zero-length descriptors
	 * (counted in nr_sev_desc_empty): exactly the SNP launch list.
	 */
	bool has_sev_meta;
	uint32_t sev_meta_offset;	/* file offset of "ASEV" */
	unsigned int nr_sev_desc;
	unsigned int nr_sev_desc_empty;
	struct ovmf_sev_desc sev_desc[OVMF_MAX_SEV_DESC];

	/* TDVF sections in table order, validated like QEMU does. */
	bool has_tdvf;
	uint32_t tdvf_offset;		/* file offset of "TDVF" */
	unsigned int nr_tdvf;
	struct tdvf_section tdvf[OVMF_MAX_TDVF_SECTIONS];
};

/**
 * ovmf_find_entry() - look a GUID up in the footer table
 * @ret_data: start of the entry's data, inside @img
 * @ret_len: length of the data (entry length - 18)
 *
 * The whole table is walked and checked, even past a match; the match
 * nearest to the footer wins. Returns 0, -ENOEXEC if the image has no
 * footer table (not OVMF), -EINVAL if the table is malformed or the
 * image size is not a non-zero multiple of 4 KiB up to 4 GiB, -ENOENT if
 * the GUID is not in the table.
 */
int __must_check ovmf_find_entry(const uint8_t *img, size_t size,
				 const struct efi_guid *guid,
				 const uint8_t **ret_data, size_t *ret_len);

/* Which metadata ovmf_parse() reads and validates. */
#define OVMF_PARSE_SEV (1u << 0)	/* ASEV descriptors */
#define OVMF_PARSE_TDX (1u << 1)	/* TDVF sections */
#define OVMF_PARSE_ALL (OVMF_PARSE_SEV | OVMF_PARSE_TDX)

/**
 * ovmf_parse() - parse the footer table and the metadata it points to
 * @flags: OVMF_PARSE_*: metadata not asked for is neither read nor
 *         checked (has_sev_meta/has_tdvf stay false), so that an SNP
 *         launch does not depend on the TDX table and vice versa
 *
 * The footer table and its simple entries are always checked. Returns 0,
 * -ENOEXEC if there is no footer table, -EINVAL for unknown flags or a
 * malformed table, entry, ASEV or TDVF structure (see ovmf.c for the TDVF
 * rules, which follow QEMU), -E2BIG for more than OVMF_MAX_SEV_DESC
 * non-empty descriptors or OVMF_MAX_TDVF_SECTIONS sections. A metadata
 * GUID absent from the table is not an error. @ret is written only on
 * success.
 */
int __must_check ovmf_parse(const uint8_t *img, size_t size,
			    unsigned int flags, struct ovmf_info *ret);

#endif
