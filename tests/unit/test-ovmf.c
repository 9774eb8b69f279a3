// SPDX-License-Identifier: GPL-2.0-only
/*
 * OVMF footer table, ASEV and TDVF parsing: a synthetic image with every
 * entry, table-driven malformed variants of it, byte-flip and truncation
 * sweeps (run under ASan to prove no out-of-bounds read), and the two
 * Debian fixture images checked against the spec tables and against the
 * raw bytes read by this test itself.
 */
#include <unistd.h>

#include "cc/ovmf.h"
#include "lib/sha2.h"
#include "lib/util.h"
#include "tests/test.h"
#include "tests/unit/spec-tables.h"
#include "tests/unit/fixture.h"

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return le32(p) | (uint64_t)le32(p + 4) << 32;
}

static void put(uint8_t *p, unsigned int width, uint64_t v)
{
	for (unsigned int i = 0; i < width; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* ---- a synthetic image with every kind of entry ---- */

#define SYN_SIZE 0x10000
#define SYN_GPA (0x100000000ull - SYN_SIZE)
#define SYN_ASEV_OFF 0x600		/* from the end */
#define SYN_TDVF_OFF 0x800

enum { E_RESET, E_SECRET, E_HASHES, E_SEV_META, E_TDX_META, E_UNKNOWN,
       E_IGVM, NR_ENTRIES };

static const struct efi_guid unknown_guid = EFI_GUID(0x01234567, 0x89ab,
	0xcdef, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef);

static const struct ovmf_sev_desc syn_desc[] = {
	{ 0x800000, 0x9000, OVMF_SEV_SEC_MEM },
	{ 0x80D000, 0x1000, OVMF_SEV_SECRETS },
	{ 0, 0, OVMF_SEV_SVSM_CAA },
	{ 0x80E000, 0x1000, OVMF_SEV_CPUID },
	{ 0x810000, 0x1000, OVMF_SEV_KERNEL_HASHES },
};

static const struct tdvf_section syn_sec[] = {
	{ 0x4000, 0xC000, SYN_GPA + 0x4000, 0xC000, TDVF_SECTION_BFV,
	  TDVF_ATTR_MR_EXTEND },
	{ 0, 0x4000, SYN_GPA, 0x4000, TDVF_SECTION_CFV, 0 },
	{ 0, 0, 0x809000, 0x2000, TDVF_SECTION_TD_HOB, 0 },
	{ 0, 0, 0x800000, 0x6000, TDVF_SECTION_TEMP_MEM, 0 },
};

struct layout {
	size_t entry_len[NR_ENTRIES];	/* file offset of each u16 len */
	size_t footer;			/* file offset of total_len */
	size_t asev, tdvf;
};

static void put_asev(uint8_t *p, const struct ovmf_sev_desc *d, size_t n)
{
	memcpy(p, "ASEV", 4);
	put(p + 4, 4, 16 + 12 * n);
	put(p + 8, 4, 1);
	put(p + 12, 4, n);
	for (size_t i = 0; i < n; i++) {
		put(p + 16 + 12 * i, 4, d[i].gpa);
		put(p + 20 + 12 * i, 4, d[i].len);
		put(p + 24 + 12 * i, 4, d[i].type);
	}
}

static void put_tdvf(uint8_t *p, const struct tdvf_section *s, size_t n)
{
	memcpy(p, "TDVF", 4);
	put(p + 4, 4, 16 + 32 * n);
	put(p + 8, 4, 1);
	put(p + 12, 4, n);
	for (size_t i = 0; i < n; i++) {
		uint8_t *q = p + 16 + 32 * i;

		put(q, 4, s[i].data_offset);
		put(q + 4, 4, s[i].raw_data_size);
		put(q + 8, 8, s[i].gpa);
		put(q + 16, 8, s[i].size);
		put(q + 24, 4, s[i].type);
		put(q + 28, 4, s[i].attributes);
	}
}

/*
 * Build the image into img (SYN_SIZE bytes). short_idx/short_len shorten
 * one entry's data to provoke a too-short entry.
 */
static void build_synthetic(uint8_t *img, struct layout *l, int short_idx,
			    size_t short_len)
{
	uint8_t data[NR_ENTRIES][8] = {};
	size_t len[NR_ENTRIES] = { 4, 8, 8, 4, 4, 6, 4 };
	const struct efi_guid *guid[NR_ENTRIES] = {
		&ovmf_guid_sev_es_reset, &ovmf_guid_sev_secret,
		&ovmf_guid_sev_hashes, &ovmf_guid_sev_meta,
		&ovmf_guid_tdx_meta, &unknown_guid, &ovmf_guid_igvm_param,
	};
	size_t pos = SYN_SIZE - 50;

	memset(img, 0, SYN_SIZE);
	for (size_t i = 0; i < SYN_SIZE - 0x1000; i++)
		img[i] = (uint8_t)(i * 13 + 1);
	put(data[E_RESET], 4, 0x80B004);
	put(data[E_SECRET], 4, 0x80F000);
	put(data[E_SECRET] + 4, 4, 0xC00);
	put(data[E_HASHES], 4, 0x810C00);
	put(data[E_HASHES] + 4, 4, 0x400);
	put(data[E_SEV_META], 4, SYN_ASEV_OFF);
	put(data[E_TDX_META], 4, SYN_TDVF_OFF);
	memset(data[E_UNKNOWN], 0xEE, 6);
	put(data[E_IGVM], 4, 0x500);
	if (short_idx >= 0)
		len[short_idx] = short_len;

	for (int i = 0; i < NR_ENTRIES; i++) {
		pos -= 16;
		memcpy(img + pos, guid[i]->b, 16);
		pos -= 2;
		put(img + pos, 2, len[i] + 18);
		l->entry_len[i] = pos;
		pos -= len[i];
		memcpy(img + pos, data[i] + (i == E_TDX_META ? 4 - len[i] : 0),
		       len[i]);
	}
	l->footer = SYN_SIZE - 50;
	put(img + l->footer, 2, l->footer - pos + 18);
	memcpy(img + l->footer + 2, ovmf_guid_footer.b, 16);

	l->asev = SYN_SIZE - SYN_ASEV_OFF;
	put_asev(img + l->asev, syn_desc, ARRAY_SIZE(syn_desc));
	l->tdvf = SYN_SIZE - SYN_TDVF_OFF;
	put_tdvf(img + l->tdvf, syn_sec, ARRAY_SIZE(syn_sec));
}

static void test_synthetic_parses(void)
{
	uint8_t *img = malloc(SYN_SIZE);
	struct ovmf_info info;
	struct layout l;
	int r;

	build_synthetic(img, &l, -1, 0);
	r = ovmf_parse(img, SYN_SIZE, OVMF_PARSE_ALL, &info);
	EXPECT_EQ(r, 0, "synthetic image should parse");
	if (r) {
		free(img);
		return;
	}
	EXPECT_EQ(info.gpa, SYN_GPA, "image GPA is 4 GiB - size");
	EXPECT_EQ(info.size, SYN_SIZE, "image size");
	EXPECT(info.has_sev_es_reset, "reset block found");
	EXPECT_EQ(info.sev_es_reset_eip, 0x80B004, "AP reset EIP");
	EXPECT(info.has_sev_secret, "secret area found");
	EXPECT_EQ(info.sev_secret_gpa, 0x80F000, "secret GPA");
	EXPECT_EQ(info.sev_secret_size, 0xC00, "secret size");
	EXPECT(info.has_sev_hashes, "hashes table found");
	EXPECT_EQ(info.sev_hashes_gpa, 0x810C00, "hashes GPA");
	EXPECT_EQ(info.sev_hashes_size, 0x400, "hashes size");
	EXPECT(info.has_igvm_param, "IGVM parameter entry found");
	EXPECT_EQ(info.igvm_param_offset, 0x500, "IGVM offset");

	EXPECT(info.has_sev_meta, "ASEV found");
	EXPECT_EQ(info.sev_meta_offset, l.asev, "ASEV file offset");
	EXPECT_EQ(info.nr_sev_desc, 4, "empty descriptor left out");
	EXPECT_EQ(info.nr_sev_desc_empty, 1, "empty descriptor counted");
	for (unsigned int i = 0, j = 0; i < ARRAY_SIZE(syn_desc); i++) {
		if (!syn_desc[i].len)
			continue;
		EXPECT_EQ(info.sev_desc[j].gpa, syn_desc[i].gpa, "desc gpa");
		EXPECT_EQ(info.sev_desc[j].len, syn_desc[i].len, "desc len");
		EXPECT_EQ(info.sev_desc[j].type, syn_desc[i].type, "type");
		j++;
	}

	EXPECT(info.has_tdvf, "TDVF found");
	EXPECT_EQ(info.tdvf_offset, l.tdvf, "TDVF file offset");
	EXPECT_EQ(info.nr_tdvf, ARRAY_SIZE(syn_sec), "TDVF sections");
	EXPECT(!memcmp(info.tdvf, syn_sec, sizeof(syn_sec)),
	       "TDVF sections should be returned in table order");
	free(img);
}

static void test_find_entry(void)
{
	uint8_t *img = malloc(SYN_SIZE);
	const uint8_t *data;
	struct layout l;
	size_t len;

	build_synthetic(img, &l, -1, 0);
	EXPECT_EQ(ovmf_find_entry(img, SYN_SIZE, &unknown_guid, &data, &len),
		  0, "a GUID the parser does not know should be found");
	EXPECT_EQ(len, 6, "its data length");
	EXPECT_EQ(data - img, l.entry_len[E_UNKNOWN] - 6, "its data offset");
	EXPECT_EQ(ovmf_find_entry(img, SYN_SIZE, &ovmf_guid_sev_es_reset,
				  &data, &len), 0, "reset block found");
	EXPECT_EQ(le32(data), 0x80B004, "reset block data");
	EXPECT_EQ(ovmf_find_entry(img, SYN_SIZE, &ovmf_guid_footer, &data,
				  &len), -ENOENT,
		  "the footer GUID is not an entry");
	memset(img + SYN_SIZE - 48, 0, 16);
	EXPECT_EQ(ovmf_find_entry(img, SYN_SIZE, &unknown_guid, &data, &len),
		  -ENOEXEC, "no footer should give ENOEXEC");
	free(img);
}

/* ---- malformed variants ---- */

enum anchor {
	A_TAIL,		/* parse only the last val bytes */
	A_HEAD,		/* parse only the first val bytes */
	A_DATALEN,	/* entry idx gets val bytes of data */
	A_FOOTER,	/* patch at total_len + rel */
	A_ENTRY,	/* patch at entry idx's u16 len + rel */
	A_ASEV,		/* patch at "ASEV" + rel */
	A_TDVF,		/* patch at "TDVF" + rel */
};

struct bad_case {
	const char *what;
	enum anchor at;
	int idx;
	int rel;
	unsigned int width;
	uint64_t val;
	/* optional second patch at the same anchor */
	int rel2;
	unsigned int width2;
	uint64_t val2;
	int err;
};

#define DESC(i, f) (16 + 12 * (i) + (f))
#define SEC(i, f) (16 + 32 * (i) + (f))
enum { S_OFF = 0, S_RAW = 4, S_GPA = 8, S_SIZE = 16, S_TYPE = 24,
       S_ATTR = 28 };

static const struct bad_case bad_cases[] = {
	{ "empty image", A_TAIL, .val = 0, .err = -EINVAL },
	{ "image size not a page multiple", A_TAIL, .val = SYN_SIZE - 1,
	  .err = -EINVAL },
	{ "image cut to its last page leaves section data outside", A_TAIL,
	  .val = 0x1000, .err = -EINVAL },
	{ "image cut to 3 pages leaves BFV data outside", A_TAIL,
	  .val = 0x3000, .err = -EINVAL },
	{ "image cut at the end has no footer", A_HEAD,
	  .val = SYN_SIZE - 0x1000, .err = -ENOEXEC },
	{ "corrupt footer GUID", A_FOOTER, .rel = 2, .width = 1, .val = 0,
	  .err = -ENOEXEC },
	{ "table length 0", A_FOOTER, .width = 2, .val = 0, .err = -EINVAL },
	{ "table length 17", A_FOOTER, .width = 2, .val = 17,
	  .err = -EINVAL },
	{ "table length past the image start", A_FOOTER, .width = 2,
	  .val = 0xFFFF, .err = -EINVAL },
	{ "entry length 0", A_ENTRY, E_RESET, .width = 2, .val = 0,
	  .err = -EINVAL },
	{ "entry length 17", A_ENTRY, E_SECRET, .width = 2, .val = 17,
	  .err = -EINVAL },
	{ "entry length past the table", A_ENTRY, E_IGVM, .width = 2,
	  .val = 0x1000, .err = -EINVAL },
	{ "reset block of 3 bytes", A_DATALEN, E_RESET, .val = 3,
	  .err = -EINVAL },
	{ "secret area of 7 bytes", A_DATALEN, E_SECRET, .val = 7,
	  .err = -EINVAL },
	{ "hashes table of 4 bytes", A_DATALEN, E_HASHES, .val = 4,
	  .err = -EINVAL },
	{ "SEV metadata offset of 3 bytes", A_DATALEN, E_SEV_META, .val = 3,
	  .err = -EINVAL },
	{ "TDX metadata offset of 0 bytes", A_DATALEN, E_TDX_META, .val = 0,
	  .err = -EINVAL },
	{ "IGVM offset of 2 bytes", A_DATALEN, E_IGVM, .val = 2,
	  .err = -EINVAL },
	{ "SEV metadata offset 0", A_ENTRY, E_SEV_META, .rel = -4,
	  .width = 4, .val = 0, .err = -EINVAL },
	{ "SEV metadata offset 15", A_ENTRY, E_SEV_META, .rel = -4,
	  .width = 4, .val = 15, .err = -EINVAL },
	{ "SEV metadata offset past the image start", A_ENTRY, E_SEV_META,
	  .rel = -4, .width = 4, .val = SYN_SIZE + 1, .err = -EINVAL },
	{ "SEV metadata offset 4 GiB - 1", A_ENTRY, E_SEV_META, .rel = -4,
	  .width = 4, .val = 0xFFFFFFFF, .err = -EINVAL },
	{ "SEV metadata offset at zeros", A_ENTRY, E_SEV_META, .rel = -4,
	  .width = 4, .val = 0x900, .err = -EINVAL },
	{ "ASEV signature", A_ASEV, .width = 1, .val = 'B', .err = -EINVAL },
	{ "ASEV version 2", A_ASEV, .rel = 8, .width = 4, .val = 2,
	  .err = -EINVAL },
	{ "ASEV length one more", A_ASEV, .rel = 4, .width = 4,
	  .val = 16 + 12 * 5 + 1, .err = -EINVAL },
	{ "ASEV length one less", A_ASEV, .rel = 4, .width = 4,
	  .val = 16 + 12 * 5 - 1, .err = -EINVAL },
	{ "ASEV count without length", A_ASEV, .rel = 12, .width = 4,
	  .val = 6, .err = -EINVAL },
	{ "ASEV count 2^32 - 1", A_ASEV, .rel = 12, .width = 4,
	  .val = 0xFFFFFFFF, .err = -EINVAL },
	{ "ASEV running past the image end", A_ASEV, .rel = 12, .width = 4,
	  .val = 127, .rel2 = 4, .width2 = 4, .val2 = 16 + 12 * 127,
	  .err = -EINVAL },
	{ "descriptor type 0", A_ASEV, .rel = DESC(0, 8), .width = 4,
	  .val = 0, .err = -EINVAL },
	{ "descriptor type 5", A_ASEV, .rel = DESC(1, 8), .width = 4,
	  .val = 5, .err = -EINVAL },
	{ "empty descriptor of unknown type", A_ASEV, .rel = DESC(2, 8),
	  .width = 4, .val = 0x11, .err = -EINVAL },
	{ "descriptor GPA unaligned", A_ASEV, .rel = DESC(0, 0), .width = 4,
	  .val = 0x800001, .err = -EINVAL },
	{ "descriptor length unaligned", A_ASEV, .rel = DESC(3, 4),
	  .width = 4, .val = 0x1001, .err = -EINVAL },
	{ "descriptor past 4 GiB", A_ASEV, .rel = DESC(4, 0), .width = 4,
	  .val = 0xFFFFF000, .rel2 = DESC(4, 4), .width2 = 4,
	  .val2 = 0x2000, .err = -EINVAL },
	{ "TDX metadata offset 0", A_ENTRY, E_TDX_META, .rel = -4,
	  .width = 4, .val = 0, .err = -EINVAL },
	{ "TDX metadata offset past the image start", A_ENTRY, E_TDX_META,
	  .rel = -4, .width = 4, .val = SYN_SIZE + 16, .err = -EINVAL },
	{ "TDX metadata offset 4 GiB - 1", A_ENTRY, E_TDX_META, .rel = -4,
	  .width = 4, .val = 0xFFFFFFFF, .err = -EINVAL },
	{ "TDVF signature", A_TDVF, .rel = 3, .width = 1, .val = 'X',
	  .err = -EINVAL },
	{ "TDVF version 0", A_TDVF, .rel = 8, .width = 4, .val = 0,
	  .err = -EINVAL },
	{ "TDVF zero sections", A_TDVF, .rel = 12, .width = 4, .val = 0,
	  .rel2 = 4, .width2 = 4, .val2 = 16, .err = -EINVAL },
	{ "TDVF one section", A_TDVF, .rel = 12, .width = 4, .val = 1,
	  .rel2 = 4, .width2 = 4, .val2 = 48, .err = -EINVAL },
	{ "TDVF length not matching the count", A_TDVF, .rel = 4,
	  .width = 4, .val = 16 + 32 * 5, .err = -EINVAL },
	{ "TDVF length below the header", A_TDVF, .rel = 4, .width = 4,
	  .val = 8, .err = -EINVAL },
	{ "TDVF count 2^32 - 1", A_TDVF, .rel = 12, .width = 4,
	  .val = 0xFFFFFFFF, .err = -EINVAL },
	{ "TDVF running past the image end", A_TDVF, .rel = 12, .width = 4,
	  .val = 64, .rel2 = 4, .width2 = 4, .val2 = 16 + 32 * 64,
	  .err = -EINVAL },
	{ "TDVF with more sections than cvmm keeps", A_TDVF, .rel = 12,
	  .width = 4, .val = 33, .rel2 = 4, .width2 = 4,
	  .val2 = 16 + 32 * 33, .err = -E2BIG },
	{ "PERM_MEM section", A_TDVF, .rel = SEC(3, S_TYPE), .width = 4,
	  .val = TDVF_SECTION_PERM_MEM, .err = -EINVAL },
	{ "PAYLOAD section", A_TDVF, .rel = SEC(3, S_TYPE), .width = 4,
	  .val = TDVF_SECTION_PAYLOAD, .err = -EINVAL },
	{ "PAYLOAD_PARAM section", A_TDVF, .rel = SEC(3, S_TYPE), .width = 4,
	  .val = TDVF_SECTION_PAYLOAD_PARAM, .err = -EINVAL },
	{ "unknown section type", A_TDVF, .rel = SEC(2, S_TYPE), .width = 4,
	  .val = 0xFFFFFFFF, .err = -EINVAL },
	{ "BFV without raw data", A_TDVF, .rel = SEC(0, S_RAW), .width = 4,
	  .val = 0, .err = -EINVAL },
	{ "CFV without raw data", A_TDVF, .rel = SEC(1, S_RAW), .width = 4,
	  .val = 0, .err = -EINVAL },
	{ "TD_HOB with raw data", A_TDVF, .rel = SEC(2, S_RAW), .width = 4,
	  .val = 0x1000, .err = -EINVAL },
	{ "TEMP_MEM with raw data", A_TDVF, .rel = SEC(3, S_RAW), .width = 4,
	  .val = 0x1000, .err = -EINVAL },
	{ "raw data larger than the section", A_TDVF, .rel = SEC(1, S_RAW),
	  .width = 4, .val = 0x5000, .err = -EINVAL },
	{ "raw data beyond the file", A_TDVF, .rel = SEC(0, S_OFF),
	  .width = 4, .val = 0x5000, .err = -EINVAL },
	{ "raw data offset near 4 GiB", A_TDVF, .rel = SEC(0, S_OFF),
	  .width = 4, .val = 0xFFFFF000, .err = -EINVAL },
	{ "section GPA unaligned", A_TDVF, .rel = SEC(2, S_GPA), .width = 8,
	  .val = 0x809800, .err = -EINVAL },
	{ "section size unaligned", A_TDVF, .rel = SEC(3, S_SIZE),
	  .width = 8, .val = 0x6800, .err = -EINVAL },
	{ "section size 0", A_TDVF, .rel = SEC(3, S_SIZE), .width = 8,
	  .val = 0, .err = -EINVAL },
	{ "section wrapping the address space", A_TDVF,
	  .rel = SEC(3, S_GPA), .width = 8, .val = 0xFFFFFFFFFFFFF000ull,
	  .err = -EINVAL },
	{ "unknown section attribute", A_TDVF, .rel = SEC(1, S_ATTR),
	  .width = 4, .val = 4, .err = -EINVAL },
	{ "section both measured and accepted later", A_TDVF,
	  .rel = SEC(0, S_ATTR), .width = 4,
	  .val = TDVF_ATTR_MR_EXTEND | TDVF_ATTR_PAGE_AUG, .err = -EINVAL },
	/* Variants that must still parse. */
	{ "empty footer table", A_FOOTER, .width = 2, .val = 18, .err = 0 },
	{ "PAGE.AUG TEMP_MEM", A_TDVF, .rel = SEC(3, S_ATTR), .width = 4,
	  .val = TDVF_ATTR_PAGE_AUG, .err = 0 },
	{ "section larger than its raw data", A_TDVF, .rel = SEC(1, S_SIZE),
	  .width = 8, .val = 0x8000, .err = 0 },
};

static int run_bad_case(const struct bad_case *c)
{
	uint8_t *img = malloc(SYN_SIZE), *buf;
	size_t size = SYN_SIZE, base = 0;
	struct ovmf_info info;
	struct layout l;
	int r;

	build_synthetic(img, &l, c->at == A_DATALEN ? c->idx : -1, c->val);
	switch (c->at) {
	case A_TAIL:
		size = c->val;
		base = SYN_SIZE - size;
		break;
	case A_HEAD:
		size = c->val;
		break;
	case A_DATALEN:
		break;
	case A_FOOTER:
		base = l.footer;
		break;
	case A_ENTRY:
		base = l.entry_len[c->idx];
		break;
	case A_ASEV:
		base = l.asev;
		break;
	case A_TDVF:
		base = l.tdvf;
		break;
	}
	if (c->width)
		put(img + base + c->rel, c->width, c->val);
	if (c->width2)
		put(img + base + c->rel2, c->width2, c->val2);
	if (c->at != A_TAIL)
		base = 0;

	/* An exact-size copy, so that ASan sees any read past the end. */
	buf = malloc(size ? size : 1);
	memcpy(buf, img + base, size);
	r = ovmf_parse(buf, size, OVMF_PARSE_ALL, &info);
	free(buf);
	free(img);
	return r;
}

static void test_malformed_images(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(bad_cases); i++) {
		const struct bad_case *c = &bad_cases[i];
		int r = run_bad_case(c);

		EXPECT_EQ(r, c->err, "%s should give %d", c->what, c->err);
	}
}

/* Only the metadata asked for is read, so SNP does not depend on TDVF. */
static void test_parse_flags(void)
{
	uint8_t *img = malloc(SYN_SIZE);
	struct ovmf_info info;
	struct layout l;

	build_synthetic(img, &l, -1, 0);
	EXPECT_EQ(ovmf_parse(img, SYN_SIZE, 1u << 2, &info), -EINVAL,
		  "an unknown flag should give EINVAL");
	EXPECT_EQ(ovmf_parse(img, SYN_SIZE, 0, &info), 0,
		  "the footer alone should parse");
	EXPECT(!info.has_sev_meta && !info.has_tdvf,
	       "no metadata should be reported without flags");
	EXPECT(info.has_sev_es_reset, "footer entries are always parsed");

	memcpy(img + l.tdvf, "XXXX", 4);
	EXPECT_EQ(ovmf_parse(img, SYN_SIZE, OVMF_PARSE_SEV, &info), 0,
		  "a broken TDVF should not matter to an SEV parse");
	EXPECT(info.has_sev_meta && !info.has_tdvf, "only ASEV reported");
	EXPECT_EQ(ovmf_parse(img, SYN_SIZE, OVMF_PARSE_TDX, &info), -EINVAL,
		  "a broken TDVF should fail a TDX parse");
	memcpy(img + l.tdvf, "TDVF", 4);
	memcpy(img + l.asev, "XXXX", 4);
	EXPECT_EQ(ovmf_parse(img, SYN_SIZE, OVMF_PARSE_TDX, &info), 0,
		  "a broken ASEV should not matter to a TDX parse");
	EXPECT(info.has_tdvf && !info.has_sev_meta, "only TDVF reported");
	EXPECT_EQ(ovmf_parse(img, SYN_SIZE, OVMF_PARSE_SEV, &info), -EINVAL,
		  "a broken ASEV should fail an SEV parse");
	free(img);
}

/* More descriptors than OVMF_MAX_SEV_DESC: E2BIG, not a silent cut. */
static void test_too_many_descriptors(void)
{
	struct ovmf_sev_desc d[OVMF_MAX_SEV_DESC + 1];
	uint8_t *img = malloc(SYN_SIZE);
	struct ovmf_info info;
	struct layout l;

	for (size_t i = 0; i < ARRAY_SIZE(d); i++)
		d[i] = (struct ovmf_sev_desc){ 0x800000 + 0x1000 * i, 0x1000,
					       OVMF_SEV_SEC_MEM };
	build_synthetic(img, &l, -1, 0);
	put_asev(img + l.asev, d, ARRAY_SIZE(d));
	EXPECT_EQ(ovmf_parse(img, SYN_SIZE, OVMF_PARSE_ALL, &info), -E2BIG,
		  "33 descriptors should give E2BIG");
	put_asev(img + l.asev, d, OVMF_MAX_SEV_DESC);
	EXPECT_EQ(ovmf_parse(img, SYN_SIZE, OVMF_PARSE_ALL, &info), 0,
		  "32 descriptors should parse");
	EXPECT_EQ(info.nr_sev_desc, OVMF_MAX_SEV_DESC, "all 32 kept");
	free(img);
}

/*
 * Every byte of the last 0x900 bytes (footer, ASEV, TDVF) set to a few
 * values, and the image cut at every page: the parser may accept or
 * refuse but must return 0 or -errno without reading outside the buffer.
 */
static void test_fuzz_no_crash(void)
{
	static const uint8_t vals[] = { 0x00, 0xFF, 0x7F, 0x80, 0x01 };
	uint8_t *img = malloc(SYN_SIZE), *buf;
	struct ovmf_info info;
	unsigned int bad = 0;
	struct layout l;
	int r;

	build_synthetic(img, &l, -1, 0);
	for (size_t off = SYN_SIZE - 0x900; off < SYN_SIZE; off++) {
		uint8_t saved = img[off];

		for (size_t v = 0; v < ARRAY_SIZE(vals); v++) {
			img[off] = vals[v] ^ (v == 4 ? saved : 0);
			r = ovmf_parse(img, SYN_SIZE, OVMF_PARSE_ALL, &info);
			if (r != 0 && r != -EINVAL && r != -ENOEXEC &&
			    r != -E2BIG)
				bad++;
		}
		img[off] = saved;
	}
	EXPECT_EQ(bad, 0,
		  "flipped bytes should give 0, EINVAL, ENOEXEC or E2BIG");

	for (size_t size = 0x1000; size <= SYN_SIZE; size += 0x1000) {
		buf = malloc(size);
		memcpy(buf, img + SYN_SIZE - size, size);
		r = ovmf_parse(buf, size, OVMF_PARSE_ALL, &info);
		EXPECT(size == SYN_SIZE ? r == 0 : r == -EINVAL,
		       "image cut to %zu bytes: got %d", size, r);
		free(buf);
	}
	free(img);
}

/* ---- the Debian fixtures (sev-snp.md section 7, tdx.md section 4) ---- */


static uint8_t *amdsev, *inteltdx;
static size_t amdsev_size, inteltdx_size;

static const struct tdvf_section amdsev_tdvf_sections[] = {
	{ 0x84000, 0x37C000, 0xFFC84000, 0x37C000, TDVF_SECTION_BFV,
	  TDVF_ATTR_MR_EXTEND },
	{ 0x0, 0x84000, 0xFFC00000, 0x84000, TDVF_SECTION_CFV, 0 },
	{ 0, 0, 0x814000, 0xC000, TDVF_SECTION_TEMP_MEM, 0 },
	{ 0, 0, 0x80B000, 0x2000, TDVF_SECTION_TEMP_MEM, 0 },
	{ 0, 0, 0x809000, 0x2000, TDVF_SECTION_TD_HOB, 0 },
	{ 0, 0, 0x800000, 0x6000, TDVF_SECTION_TEMP_MEM, 0 },
	{ 0, 0, 0x820000, 0x10000, TDVF_SECTION_TEMP_MEM, 0 },
};

static const struct ovmf_sev_desc amdsev_desc[] = {
	{ 0x800000, 0x9000, OVMF_SEV_SEC_MEM },
	{ 0x80A000, 0x3000, OVMF_SEV_SEC_MEM },
	{ 0x80D000, 0x1000, OVMF_SEV_SECRETS },
	{ 0x80E000, 0x1000, OVMF_SEV_CPUID },
	{ 0x80F000, 0x1000, OVMF_SEV_SVSM_CAA },
	{ 0x811000, 0x1F000, OVMF_SEV_SEC_MEM },
	{ 0x810000, 0x1000, OVMF_SEV_KERNEL_HASHES },
};

static void expect_sections(const struct ovmf_info *info,
			    const struct tdvf_section *want, size_t n,
			    const char *name)
{
	EXPECT_EQ(info->nr_tdvf, n, "%s: number of TDVF sections", name);
	for (size_t i = 0; i < n && i < info->nr_tdvf; i++) {
		const struct tdvf_section *s = &info->tdvf[i];

		EXPECT_EQ(s->type, want[i].type, "%s: section %zu type", name,
			  i);
		EXPECT_EQ(s->gpa, want[i].gpa, "%s: section %zu GPA", name, i);
		EXPECT_EQ(s->size, want[i].size, "%s: section %zu size", name,
			  i);
		EXPECT_EQ(s->data_offset, want[i].data_offset,
			  "%s: section %zu file offset", name, i);
		EXPECT_EQ(s->raw_data_size, want[i].raw_data_size,
			  "%s: section %zu raw size", name, i);
		EXPECT_EQ(s->attributes, want[i].attributes,
			  "%s: section %zu attributes", name, i);
	}
}

/*
 * Compare the parser with the raw descriptor bytes this test reads
 * itself, from a file offset found without the parser.
 */
static void expect_raw_tdvf(const uint8_t *img, size_t off,
			    const struct ovmf_info *info, const char *name)
{
	const uint8_t *p = img + off;
	uint32_t n = le32(p + 12);

	EXPECT(!memcmp(p, "TDVF", 4), "%s: TDVF at 0x%zx", name, off);
	EXPECT_EQ(le32(p + 4), 16 + 32 * n, "%s: TDVF length", name);
	EXPECT_EQ(le32(p + 8), 1, "%s: TDVF version", name);
	EXPECT_EQ(info->tdvf_offset, off, "%s: parser's TDVF offset", name);
	EXPECT_EQ(info->nr_tdvf, n, "%s: parser's section count", name);
	for (uint32_t i = 0; i < n && i < info->nr_tdvf; i++) {
		const uint8_t *q = p + 16 + 32 * i;
		const struct tdvf_section *s = &info->tdvf[i];

		EXPECT_EQ(s->data_offset, le32(q), "%s: raw offset %u", name,
			  i);
		EXPECT_EQ(s->raw_data_size, le32(q + 4), "%s: raw size %u",
			  name, i);
		EXPECT_EQ(s->gpa, le64(q + 8), "%s: raw GPA %u", name, i);
		EXPECT_EQ(s->size, le64(q + 16), "%s: raw size %u", name, i);
		EXPECT_EQ(s->type, le32(q + 24), "%s: raw type %u", name, i);
		EXPECT_EQ(s->attributes, le32(q + 28), "%s: raw attr %u",
			  name, i);
	}
}

/* The raw ASEV bytes, found by signature in the last page. */
static void expect_raw_asev(const uint8_t *img, size_t size,
			    const struct ovmf_info *info, const char *name)
{
	const uint8_t *p = memmem(img + size - 0x1000, 0x1000, "ASEV", 4);
	unsigned int j = 0, empty = 0;

	EXPECT(p, "%s: ASEV in the last page", name);
	if (!p)
		return;
	EXPECT_EQ(info->sev_meta_offset, p - img, "%s: ASEV offset", name);
	for (uint32_t i = 0; i < le32(p + 12); i++) {
		const uint8_t *q = p + 16 + 12 * i;

		if (!le32(q + 4)) {
			empty++;
			continue;
		}
		EXPECT_EQ(info->sev_desc[j].gpa, le32(q), "%s: desc %u", name,
			  i);
		EXPECT_EQ(info->sev_desc[j].len, le32(q + 4), "%s: desc %u len",
			  name, i);
		EXPECT_EQ(info->sev_desc[j].type, le32(q + 8),
			  "%s: desc %u type", name, i);
		j++;
	}
	EXPECT_EQ(info->nr_sev_desc, j, "%s: non-empty descriptors", name);
	EXPECT_EQ(info->nr_sev_desc_empty, empty, "%s: empty ones", name);
}

static void test_fixture_amdsev(void)
{
	struct ovmf_info info;
	const uint8_t *tdvf;

	EXPECT_EQ(ovmf_parse(amdsev, amdsev_size, OVMF_PARSE_ALL, &info),
		  0, "OVMF.amdsev.fd should parse");
	EXPECT_EQ(info.size, 0x400000, "4 MiB");
	EXPECT_EQ(info.gpa, 0xFFC00000, "mapped at 0xFFC00000");
	EXPECT(info.has_sev_es_reset, "has a reset block");
	EXPECT_EQ(info.sev_es_reset_eip, 0x80B004, "AP EIP");
	EXPECT(info.has_sev_secret, "has a secret area");
	EXPECT_EQ(info.sev_secret_gpa, 0x810000, "secret GPA");
	EXPECT_EQ(info.sev_secret_size, 0xC00, "secret size");
	EXPECT(info.has_sev_hashes, "has a hashes table");
	EXPECT_EQ(info.sev_hashes_gpa, 0x810C00, "hashes GPA");
	EXPECT_EQ(info.sev_hashes_size, 0x400, "hashes size");

	EXPECT(info.has_sev_meta, "has SEV metadata");
	EXPECT_EQ(info.nr_sev_desc, ARRAY_SIZE(amdsev_desc), "7 descriptors");
	EXPECT_EQ(info.nr_sev_desc_empty, 0, "no empty descriptor");
	for (size_t i = 0; i < ARRAY_SIZE(amdsev_desc) &&
			   i < info.nr_sev_desc; i++) {
		EXPECT_EQ(info.sev_desc[i].gpa, amdsev_desc[i].gpa,
			  "descriptor %zu GPA", i);
		EXPECT_EQ(info.sev_desc[i].len, amdsev_desc[i].len,
			  "descriptor %zu length", i);
		EXPECT_EQ(info.sev_desc[i].type, amdsev_desc[i].type,
			  "descriptor %zu type", i);
	}
	expect_raw_asev(amdsev, amdsev_size, &info, "amdsev");

	EXPECT(info.has_tdvf, "the amdsev build carries a TDVF table too");
	expect_sections(&info, amdsev_tdvf_sections,
			ARRAY_SIZE(amdsev_tdvf_sections), "amdsev");
	tdvf = memmem(amdsev + amdsev_size - 0x1000, 0x1000, "TDVF", 4);
	EXPECT(tdvf, "TDVF signature in the last page");
	if (tdvf)
		expect_raw_tdvf(amdsev, tdvf - amdsev, &info, "amdsev");
}

static void test_fixture_inteltdx(void)
{
	struct ovmf_info info;

	EXPECT_EQ(ovmf_parse(inteltdx, inteltdx_size, OVMF_PARSE_ALL,
			     &info), 0, "OVMF.inteltdx.ms.fd should parse");
	EXPECT_EQ(info.gpa, 0xFFC00000, "mapped at 0xFFC00000");
	EXPECT(info.has_tdvf, "has TDVF metadata");
	expect_sections(&info, tdx_sections, ARRAY_SIZE(tdx_sections),
			"inteltdx");
	/* tdx.md section 4: the descriptor is at file offset 0x3FF600. */
	expect_raw_tdvf(inteltdx, 0x3FF600, &info, "inteltdx");

	/* sev-snp.md section 5: the inteltdx build has two empty ones. */
	EXPECT(info.has_sev_meta, "inteltdx also has ASEV");
	EXPECT_EQ(info.nr_sev_desc_empty, 2, "two empty descriptors");
	expect_raw_asev(inteltdx, inteltdx_size, &info, "inteltdx");
}

int main(void)
{
	static const struct test_case pure[] = {
		TEST_CASE(test_synthetic_parses),
		TEST_CASE(test_find_entry),
		TEST_CASE(test_malformed_images),
		TEST_CASE(test_parse_flags),
		TEST_CASE(test_too_many_descriptors),
		TEST_CASE(test_fuzz_no_crash),
	};
	static const struct test_case fixture[] = {
		TEST_CASE(test_fixture_amdsev),
		TEST_CASE(test_fixture_inteltdx),
	};
	int r = test_run(pure, ARRAY_SIZE(pure));

	amdsev = fixture_load("OVMF.amdsev.fd", AMDSEV_SHA256, &amdsev_size);
	if (amdsev)
		inteltdx = fixture_load("OVMF.inteltdx.ms.fd", INTELTDX_SHA256,
					&inteltdx_size);
	if (!amdsev || !inteltdx) {
		if (r || test_failed_checks)
			return 1;
		TEST_SKIP("%s", skip_why);
	}
	r |= test_run(fixture, ARRAY_SIZE(fixture));
	free(amdsev);
	free(inteltdx);
	return r;
}
