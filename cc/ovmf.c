// SPDX-License-Identifier: GPL-2.0-only
/*
 * OVMF footer table, SEV metadata and TDVF metadata (sev-snp.md section 5,
 * tdx.md section 4).
 *
 * Image tail: ... entries | u16 total_len | footer GUID | 32-byte reset
 * vector. Each entry is data | u16 len (data + 18) | GUID, and the walk
 * runs backwards from the footer. All offsets are checked against the
 * buffer before use, in 64-bit arithmetic so that nothing wraps.
 */
#include <string.h>

#include "cc/ovmf.h"
#include "lib/byteorder.h"

#define RESET_VECTOR_SIZE 32
#define ENTRY_HDR_SIZE 18		/* u16 len + GUID */
#define FOOTER_END (RESET_VECTOR_SIZE + ENTRY_HDR_SIZE)

#define SEV_META_HDR_SIZE 16
#define SEV_META_DESC_SIZE 12
#define TDVF_HDR_SIZE 16
#define TDVF_SECTION_SIZE 32

const struct efi_guid ovmf_guid_footer = EFI_GUID(0x96b582de, 0x1fb2, 0x45f7,
	0xba, 0xea, 0xa3, 0x66, 0xc5, 0x5a, 0x08, 0x2d);
const struct efi_guid ovmf_guid_sev_es_reset = EFI_GUID(0x00f771de, 0x1a7e,
	0x4fcb, 0x89, 0x0e, 0x68, 0xc7, 0x7e, 0x2f, 0xb4, 0x4e);
const struct efi_guid ovmf_guid_sev_secret = EFI_GUID(0x4c2eb361, 0x7d9b,
	0x4cc3, 0x80, 0x81, 0x12, 0x7c, 0x90, 0xd3, 0xd2, 0x94);
const struct efi_guid ovmf_guid_sev_hashes = EFI_GUID(0x7255371f, 0x3a3b,
	0x4b04, 0x92, 0x7b, 0x1d, 0xa6, 0xef, 0xa8, 0xd4, 0x54);
const struct efi_guid ovmf_guid_sev_meta = EFI_GUID(0xdc886566, 0x984a,
	0x4798, 0xa7, 0x5e, 0x55, 0x85, 0xa7, 0xbf, 0x67, 0xcc);
const struct efi_guid ovmf_guid_tdx_meta = EFI_GUID(0xe47a6535, 0x984a,
	0x4798, 0x86, 0x5e, 0x46, 0x85, 0xa7, 0xbf, 0x8e, 0xc2);
const struct efi_guid ovmf_guid_igvm_param = EFI_GUID(0x784fa70e, 0x3176,
	0x4677, 0x8a, 0x20, 0x04, 0xb6, 0x86, 0x99, 0xe3, 0x74);

static bool guid_eq(const uint8_t *p, const struct efi_guid *guid)
{
	return !memcmp(p, guid->b, sizeof(guid->b));
}

/* Backwards iterator over the footer table: [start, start + pos). */
struct table_iter {
	const uint8_t *start;
	size_t pos;
};

static int image_size_ok(size_t size)
{
	if (!size || size > OVMF_IMAGE_END || !IS_ALIGNED(size, PAGE_SIZE))
		return -EINVAL;
	return 0;
}

static int table_open(const uint8_t *img, size_t size,
		      struct table_iter *ret)
{
	const uint8_t *footer;
	size_t total_len;
	int r;

	r = image_size_ok(size);
	if (r < 0)
		return r;
	/* A page-sized image always has room for the footer. */
	footer = img + size - FOOTER_END;
	if (!guid_eq(footer + 2, &ovmf_guid_footer))
		return -ENOEXEC;
	total_len = get_le16(footer);
	if (total_len < ENTRY_HDR_SIZE)
		return -EINVAL;
	total_len -= ENTRY_HDR_SIZE;
	if (total_len > size - FOOTER_END)
		return -EINVAL;
	ret->start = footer - total_len;
	ret->pos = total_len;
	return 0;
}

/* Returns 1 and the next entry, 0 at the end, or -EINVAL. */
static int table_next(struct table_iter *it, const uint8_t **ret_guid,
		      const uint8_t **ret_data, size_t *ret_len)
{
	size_t len;

	if (!it->pos)
		return 0;
	if (it->pos < ENTRY_HDR_SIZE)
		return -EINVAL;
	len = get_le16(it->start + it->pos - ENTRY_HDR_SIZE);
	if (len < ENTRY_HDR_SIZE || len > it->pos)
		return -EINVAL;
	*ret_guid = it->start + it->pos - 16;
	*ret_data = it->start + it->pos - len;
	*ret_len = len - ENTRY_HDR_SIZE;
	it->pos -= len;
	return 1;
}

int ovmf_find_entry(const uint8_t *img, size_t size,
		    const struct efi_guid *guid, const uint8_t **ret_data,
		    size_t *ret_len)
{
	const uint8_t *found = NULL, *g, *data;
	size_t found_len = 0, len;
	struct table_iter it;
	int r;

	r = table_open(img, size, &it);
	if (r < 0)
		return r;
	while ((r = table_next(&it, &g, &data, &len)) > 0) {
		if (!found && guid_eq(g, guid)) {
			found = data;
			found_len = len;
		}
	}
	if (r < 0)
		return r;
	if (!found)
		return -ENOENT;
	*ret_data = found;
	*ret_len = found_len;
	return 0;
}

/*
 * The metadata structures sit at image_end - offset; check that a header
 * of hdr_size bytes fits and return its file offset.
 */
static int meta_offset(size_t size, uint32_t offset, size_t hdr_size,
		       size_t *ret)
{
	if (offset < hdr_size || offset > size)
		return -EINVAL;
	*ret = size - offset;
	return 0;
}

static bool sev_desc_type_ok(uint32_t type)
{
	switch (type) {
	case OVMF_SEV_SEC_MEM:
	case OVMF_SEV_SECRETS:
	case OVMF_SEV_CPUID:
	case OVMF_SEV_SVSM_CAA:
	case OVMF_SEV_KERNEL_HASHES:
		return true;
	default:
		return false;
	}
}

static int parse_sev_desc(const uint8_t *p, struct ovmf_info *info)
{
	struct ovmf_sev_desc d = {
		.gpa = get_le32(p),
		.len = get_le32(p + 4),
		.type = get_le32(p + 8),
	};

	if (!sev_desc_type_ok(d.type))
		return -EINVAL;
	/* Debian's inteltdx build carries empty ones; QEMU skips them. */
	if (!d.len) {
		info->nr_sev_desc_empty++;
		return 0;
	}
	if (!IS_ALIGNED(d.gpa, PAGE_SIZE) || !IS_ALIGNED(d.len, PAGE_SIZE) ||
	    (uint64_t)d.gpa + d.len > OVMF_IMAGE_END)
		return -EINVAL;
	if (info->nr_sev_desc == OVMF_MAX_SEV_DESC)
		return -E2BIG;
	info->sev_desc[info->nr_sev_desc++] = d;
	return 0;
}

/* "ASEV": u32 len (header + descriptors), u32 version 1, u32 count. */
static int parse_sev_meta(const uint8_t *img, size_t size, uint32_t offset,
			  struct ovmf_info *info)
{
	const uint8_t *p;
	uint64_t len, n;
	size_t off;
	int r;

	r = meta_offset(size, offset, SEV_META_HDR_SIZE, &off);
	if (r < 0)
		return r;
	p = img + off;
	len = get_le32(p + 4);
	n = get_le32(p + 12);
	if (memcmp(p, "ASEV", 4) || get_le32(p + 8) != 1 ||
	    len != SEV_META_HDR_SIZE + n * SEV_META_DESC_SIZE || len > offset)
		return -EINVAL;

	info->has_sev_meta = true;
	info->sev_meta_offset = off;
	for (uint64_t i = 0; i < n; i++) {
		r = parse_sev_desc(p + SEV_META_HDR_SIZE +
				   i * SEV_META_DESC_SIZE, info);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The per-section rules QEMU applies (hw/i386/tdvf.c), plus a few more. */
static int check_tdvf_section(const struct tdvf_section *s, size_t size)
{
	uint64_t end;

	if (s->attributes & ~(TDVF_ATTR_MR_EXTEND | TDVF_ATTR_PAGE_AUG))
		return -EINVAL;
	/* A page the guest accepts later cannot be measured at launch. */
	if ((s->attributes & TDVF_ATTR_MR_EXTEND) &&
	    (s->attributes & TDVF_ATTR_PAGE_AUG))
		return -EINVAL;
	if (!s->size || !IS_ALIGNED(s->gpa, PAGE_SIZE) ||
	    !IS_ALIGNED(s->size, PAGE_SIZE) || !add_ok(s->gpa, s->size, &end))
		return -EINVAL;
	if (s->raw_data_size > s->size ||
	    (uint64_t)s->data_offset + s->raw_data_size > size)
		return -EINVAL;

	switch (s->type) {
	case TDVF_SECTION_BFV:
	case TDVF_SECTION_CFV:
		return s->raw_data_size ? 0 : -EINVAL;
	case TDVF_SECTION_TD_HOB:
	case TDVF_SECTION_TEMP_MEM:
		return s->raw_data_size ? -EINVAL : 0;
	default:
		/* PERM_MEM, PAYLOAD, PAYLOAD_PARAM and unknown types */
		return -EINVAL;
	}
}

/* "TDVF": u32 length (16 + 32 n), u32 version 1, u32 n >= 2. */
static int parse_tdvf(const uint8_t *img, size_t size, uint32_t offset,
		      struct ovmf_info *info)
{
	const uint8_t *p;
	uint64_t len, n;
	size_t off;
	int r;

	r = meta_offset(size, offset, TDVF_HDR_SIZE, &off);
	if (r < 0)
		return r;
	p = img + off;
	len = get_le32(p + 4);
	n = get_le32(p + 12);
	if (memcmp(p, "TDVF", 4) || get_le32(p + 8) != 1 || n < 2 ||
	    len != TDVF_HDR_SIZE + n * TDVF_SECTION_SIZE || len > offset)
		return -EINVAL;
	if (n > OVMF_MAX_TDVF_SECTIONS)
		return -E2BIG;

	info->has_tdvf = true;
	info->tdvf_offset = off;
	info->nr_tdvf = n;
	for (unsigned int i = 0; i < n; i++) {
		const uint8_t *q = p + TDVF_HDR_SIZE + i * TDVF_SECTION_SIZE;
		struct tdvf_section *s = &info->tdvf[i];

		s->data_offset = get_le32(q);
		s->raw_data_size = get_le32(q + 4);
		s->gpa = get_le64(q + 8);
		s->size = get_le64(q + 16);
		s->type = get_le32(q + 24);
		s->attributes = get_le32(q + 28);
		r = check_tdvf_section(s, size);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Where the footer says the metadata are, parsed after the walk. */
struct meta_offsets {
	bool has_sev;
	bool has_tdx;
	uint32_t sev;
	uint32_t tdx;
};

/*
 * One footer entry. Only the first (nearest the footer) of each GUID
 * counts, like ovmf_find_entry().
 */
static int parse_entry(const uint8_t *g, const uint8_t *data, size_t len,
		       struct ovmf_info *info, struct meta_offsets *m)
{
	if (guid_eq(g, &ovmf_guid_sev_es_reset) && !info->has_sev_es_reset) {
		if (len < 4)
			return -EINVAL;
		info->has_sev_es_reset = true;
		info->sev_es_reset_eip = get_le32(data);
	} else if (guid_eq(g, &ovmf_guid_sev_secret) &&
		   !info->has_sev_secret) {
		if (len < 8)
			return -EINVAL;
		info->has_sev_secret = true;
		info->sev_secret_gpa = get_le32(data);
		info->sev_secret_size = get_le32(data + 4);
	} else if (guid_eq(g, &ovmf_guid_sev_hashes) &&
		   !info->has_sev_hashes) {
		if (len < 8)
			return -EINVAL;
		info->has_sev_hashes = true;
		info->sev_hashes_gpa = get_le32(data);
		info->sev_hashes_size = get_le32(data + 4);
	} else if (guid_eq(g, &ovmf_guid_igvm_param) &&
		   !info->has_igvm_param) {
		if (len < 4)
			return -EINVAL;
		info->has_igvm_param = true;
		info->igvm_param_offset = get_le32(data);
	} else if (guid_eq(g, &ovmf_guid_sev_meta) && !m->has_sev) {
		if (len < 4)
			return -EINVAL;
		m->has_sev = true;
		m->sev = get_le32(data);
	} else if (guid_eq(g, &ovmf_guid_tdx_meta) && !m->has_tdx) {
		/* tdx.md: the entry's data ends with the offset. */
		if (len < 4)
			return -EINVAL;
		m->has_tdx = true;
		m->tdx = get_le32(data + len - 4);
	}
	return 0;
}

int ovmf_parse(const uint8_t *img, size_t size, unsigned int flags,
	       struct ovmf_info *ret)
{
	struct ovmf_info info = {
		.gpa = OVMF_IMAGE_END - size,
		.size = size,
	};
	struct meta_offsets m = {};
	const uint8_t *g, *data;
	struct table_iter it;
	size_t len;
	int r;

	if (flags & ~OVMF_PARSE_ALL)
		return -EINVAL;
	r = table_open(img, size, &it);
	if (r < 0)
		return r;
	while ((r = table_next(&it, &g, &data, &len)) > 0) {
		r = parse_entry(g, data, len, &info, &m);
		if (r < 0)
			return r;
	}
	if (r < 0)
		return r;

	if (m.has_sev && (flags & OVMF_PARSE_SEV)) {
		r = parse_sev_meta(img, size, m.sev, &info);
		if (r < 0)
			return r;
	}
	if (m.has_tdx && (flags & OVMF_PARSE_TDX)) {
		r = parse_tdvf(img, size, m.tdx, &info);
		if (r < 0)
			return r;
	}
	*ret = info;
	return 0;
}
