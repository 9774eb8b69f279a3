// SPDX-License-Identifier: GPL-2.0-only
/*
 * SNP launch digest: the synthetic single-page vectors, the published
 * sev-snp-measure vectors (on a synthetic image carrying the metadata of
 * their fixture, seeded with its firmware digest), the Debian amdsev
 * fixture table of sev-snp.md section 7, and the page builders.
 */
#include <unistd.h>

#include "cc/snp-measure.h"
#include "lib/util.h"
#include "tests/test.h"
#include "tests/unit/fixture.h"

#define EXPECT_HEX(d, n, hex, ...)                                      \
	do {                                                            \
		char _h[2 * 64 + 1];                                    \
		to_hex((d), (n), _h);                                   \
		EXPECT(!strcmp(_h, (hex)), __VA_ARGS__);                \
		if (strcmp(_h, (hex)))                                  \
			fprintf(stderr, "  want %s\n  got  %s\n", (hex), _h); \
	} while (0)

static void from_hex(const char *hex, uint8_t *ret, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sscanf(hex + 2 * i, "%2hhx", &ret[i]);
}

static uint64_t le(const uint8_t *p, unsigned int width)
{
	uint64_t v = 0;

	for (unsigned int i = width; i--;)
		v = v << 8 | p[i];
	return v;
}

static void put(uint8_t *p, unsigned int width, uint64_t v)
{
	for (unsigned int i = 0; i < width; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* ---- synthetic vectors (sev-snp.md section 7) ---- */

static void test_single_page_vectors(void)
{
	uint8_t page[PAGE_SIZE] = {};
	struct snp_gctx g;

	snp_gctx_init(&g, NULL);
	EXPECT_EQ(snp_gctx_update(&g, 0, PAGE_SIZE, SNP_PAGE_TYPE_NORMAL,
				  page), 0, "NORMAL page update");
	EXPECT_HEX(g.digest, SNP_DIGEST_SIZE,
		   "9d13634b6014bb21cf059b2dc694e7bff01a8a7137041100"
		   "cd2b695f3d10fb687267b97808b27f8f471d943bc6f53a20",
		   "one NORMAL zero page at GPA 0");

	snp_gctx_init(&g, NULL);
	EXPECT_EQ(snp_gctx_update(&g, 0, PAGE_SIZE, SNP_PAGE_TYPE_ZERO, NULL),
		  0, "ZERO page update");
	EXPECT_HEX(g.digest, SNP_DIGEST_SIZE,
		   "70c0ecaab9608f14ebf8ac6f0f07bcd8728f4e2ab30382b5"
		   "39b4de4de904ca9f8ebdf4b2cd3cd84dd996bd55dd794676",
		   "one ZERO page at GPA 0");

	for (size_t i = 0; i < PAGE_SIZE; i++)
		page[i] = (uint8_t)i;
	snp_gctx_init(&g, NULL);
	EXPECT_EQ(snp_gctx_update(&g, 0xFFFFF000, PAGE_SIZE,
				  SNP_PAGE_TYPE_NORMAL, page), 0, "update");
	EXPECT_HEX(g.digest, SNP_DIGEST_SIZE,
		   "79d7e453f7b541d04f7f51cccc6f4acca624b7a97430595d"
		   "d7c98bd8c7a897656a91c611473f137680bd00e9e72e47c4",
		   "one 0x00..0xFF page at GPA 0xFFFFF000");
}

static void test_gctx_rejects(void)
{
	static const struct {
		const char *what;
		uint64_t gpa, len;
		int type;
		bool data;
	} cases[] = {
		{ "unaligned GPA", 0x800, PAGE_SIZE, SNP_PAGE_TYPE_ZERO, 0 },
		{ "unaligned length", 0, 0x800, SNP_PAGE_TYPE_ZERO, 0 },
		{ "zero length", 0, 0, SNP_PAGE_TYPE_ZERO, 0 },
		{ "wrapping range", ~0xFFFull, 2 * PAGE_SIZE,
		  SNP_PAGE_TYPE_ZERO, 0 },
		{ "page type 0", 0, PAGE_SIZE, 0, 1 },
		{ "page type 7", 0, PAGE_SIZE, 7, 1 },
		{ "NORMAL without data", 0, PAGE_SIZE, SNP_PAGE_TYPE_NORMAL,
		  0 },
		{ "VMSA without data", 0, PAGE_SIZE, SNP_PAGE_TYPE_VMSA, 0 },
	};
	uint8_t page[PAGE_SIZE] = {};
	struct snp_gctx g, before;

	snp_gctx_init(&g, NULL);
	before = g;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		EXPECT_EQ(snp_gctx_update(&g, cases[i].gpa, cases[i].len,
					  cases[i].type,
					  cases[i].data ? page : NULL),
			  -EINVAL, "%s should give EINVAL", cases[i].what);
	}
	EXPECT(!memcmp(&g, &before, sizeof(g)),
	       "a refused update should leave the digest alone");
}

/* ---- page builders ---- */

static void test_vmsa_layout(void)
{
	static const unsigned int data_segs[] = { 0, 0x20, 0x30, 0x40, 0x50 };
	static const unsigned int quads[] = { 0xD0, 0x148, 0x158, 0x160,
					      0x168, 0x170, 0x178, 0x268,
					      0x310, 0x3B0, 0x3E8 };
	uint8_t bsp[PAGE_SIZE], ap[PAGE_SIZE];

	snp_vmsa_build(SNP_BSP_RESET_EIP, 0x800F12, 0x21, bsp);
	snp_vmsa_build(0x80B004, 0x800F12, 0x21, ap);
	for (size_t i = 0; i < ARRAY_SIZE(data_segs); i++) {
		const uint8_t *s = bsp + data_segs[i];

		EXPECT_EQ(le(s, 2), 0, "data segment selector");
		EXPECT_EQ(le(s + 2, 2), 0x93, "data segment attrib");
		EXPECT_EQ(le(s + 4, 4), 0xFFFF, "data segment limit");
		EXPECT_EQ(le(s + 8, 8), 0, "data segment base");
	}
	EXPECT_EQ(le(bsp + 0x10, 2), 0xF000, "CS selector");
	EXPECT_EQ(le(bsp + 0x12, 2), 0x9B, "CS attrib");
	EXPECT_EQ(le(bsp + 0x14, 4), 0xFFFF, "CS limit");
	EXPECT_EQ(le(bsp + 0x18, 8), 0xFFFF0000, "BSP CS base");
	EXPECT_EQ(le(bsp + 0x178, 8), 0xFFF0, "BSP RIP");
	EXPECT_EQ(le(ap + 0x10, 2), 0xF000, "AP CS selector");
	EXPECT_EQ(le(ap + 0x18, 8), 0x800000, "AP CS base");
	EXPECT_EQ(le(ap + 0x178, 8), 0xB004, "AP RIP");
	EXPECT_EQ(le(bsp + 0x64, 4), 0xFFFF, "GDTR limit");
	EXPECT_EQ(le(bsp + 0x84, 4), 0xFFFF, "IDTR limit");
	EXPECT_EQ(le(bsp + 0x72, 2), 0x82, "LDTR attrib");
	EXPECT_EQ(le(bsp + 0x74, 4), 0xFFFF, "LDTR limit");
	EXPECT_EQ(le(bsp + 0x92, 2), 0x8B, "TR attrib");
	EXPECT_EQ(le(bsp + 0x94, 4), 0xFFFF, "TR limit");
	EXPECT_EQ(le(bsp + 0xD0, 8), 0x1000, "EFER");
	EXPECT_EQ(le(bsp + 0x148, 8), 0x40, "CR4");
	EXPECT_EQ(le(bsp + 0x158, 8), 0x10, "CR0");
	EXPECT_EQ(le(bsp + 0x160, 8), 0x400, "DR7");
	EXPECT_EQ(le(bsp + 0x168, 8), 0xFFFF0FF0, "DR6");
	EXPECT_EQ(le(bsp + 0x170, 8), 0x2, "RFLAGS");
	EXPECT_EQ(le(bsp + 0x268, 8), 0x0007040600070406ull, "G_PAT");
	EXPECT_EQ(le(bsp + 0x310, 8), 0x800F12, "RDX");
	EXPECT_EQ(le(bsp + 0x3B0, 8), 0x21, "SEV_FEATURES");
	EXPECT_EQ(le(bsp + 0x3E8, 8), 0x1, "XCR0");
	EXPECT_EQ(le(bsp + 0x408, 4), 0x1F80, "MXCSR");
	EXPECT_EQ(le(bsp + 0x410, 2), 0x037F, "FCW");

	/* Nothing else: clear the known fields and expect zeros. */
	memset(bsp, 0, 0xA0);
	for (size_t i = 0; i < ARRAY_SIZE(quads); i++)
		memset(bsp + quads[i], 0, 8);
	memset(bsp + 0x408, 0, 4);
	memset(bsp + 0x410, 0, 2);
	for (size_t i = 0; i < PAGE_SIZE; i++)
		EXPECT(!bsp[i], "VMSA byte 0x%zx should be zero", i);
}

static void test_kernel_hashes_page(void)
{
	static const uint8_t guid_table[16] = {
		0x06, 0xd6, 0x38, 0x94, 0x22, 0x4f, 0xc9, 0x4c,
		0xb4, 0x79, 0xa7, 0x93, 0xd4, 0x11, 0xfd, 0x21,
	};
	static const uint8_t guid_cmdline[16] = {
		0xd8, 0x2d, 0xd0, 0x97, 0x20, 0xbd, 0x94, 0x4c,
		0xaa, 0x78, 0xe7, 0x71, 0x4d, 0x36, 0xab, 0x2a,
	};
	static const uint8_t guid_initrd[16] = {
		0x31, 0xf7, 0xba, 0x44, 0x2f, 0x3a, 0xd7, 0x4b,
		0x9a, 0xf1, 0x41, 0xe2, 0x91, 0x69, 0x78, 0x1d,
	};
	static const uint8_t guid_kernel[16] = {
		0x37, 0x94, 0xe7, 0x4d, 0xd2, 0xab, 0x7f, 0x42,
		0xb8, 0x35, 0xd5, 0xb1, 0x72, 0xd2, 0x04, 0x5b,
	};
	struct snp_kernel_hashes h;
	uint8_t page[PAGE_SIZE];
	const uint8_t *t = page + 0xC00;

	snp_kernel_hashes_compute(NULL, 0, NULL, 0, NULL, &h);
	EXPECT_HEX(h.cmdline, 32, "6e340b9cffb37a989ca544e6bb780a2c"
		   "78901d3fb33738768511a30617afa01d",
		   "empty command line hashes one NUL byte");
	EXPECT_HEX(h.initrd, 32, "e3b0c44298fc1c149afbf4c8996fb924"
		   "27ae41e4649b934ca495991b7852b855",
		   "no initrd hashes nothing");
	snp_kernel_hashes_compute("abc", 3, "abc", 3, "ab", &h);
	EXPECT_HEX(h.kernel, 32, "ba7816bf8f01cfea414140de5dae2223"
		   "b00361a396177a9cb410ff61f20015ad", "kernel hash");
	EXPECT_HEX(h.cmdline, 32, "969caaeb3626c0d5695eefa6aea53305"
		   "b312b33d505272adc6cb24450650c243",
		   "command line hashed with its NUL");

	memset(page, 0xAA, sizeof(page));
	EXPECT_EQ(snp_kernel_hashes_page(&h, 0xC00, page), 0, "table page");
	EXPECT(!memcmp(t, guid_table, 16), "table GUID");
	EXPECT_EQ(le(t + 16, 2), 168, "table length");
	EXPECT(!memcmp(t + 18, guid_cmdline, 16), "cmdline GUID");
	EXPECT_EQ(le(t + 34, 2), 50, "entry length");
	EXPECT(!memcmp(t + 36, h.cmdline, 32), "cmdline hash");
	EXPECT(!memcmp(t + 68, guid_initrd, 16), "initrd GUID");
	EXPECT(!memcmp(t + 86, h.initrd, 32), "initrd hash");
	EXPECT(!memcmp(t + 118, guid_kernel, 16), "kernel GUID");
	EXPECT(!memcmp(t + 136, h.kernel, 32), "kernel hash");
	for (size_t i = 0; i < PAGE_SIZE; i++) {
		if (i >= 0xC00 && i < 0xC00 + 168)
			continue;
		EXPECT(!page[i], "byte 0x%zx outside the table is zero", i);
	}
	EXPECT_EQ(snp_kernel_hashes_page(&h, PAGE_SIZE - 176, page), 0,
		  "a table ending at the page end fits");
	EXPECT_EQ(snp_kernel_hashes_page(&h, PAGE_SIZE - 175, page), -EINVAL,
		  "a table crossing the page end should fail");
	EXPECT_EQ(snp_kernel_hashes_page(&h, 0xFFFFFFFF, page), -EINVAL,
		  "a huge offset should fail");
}

static void test_cpuid_page(void)
{
	struct kvm_cpuid_entry2 e[SNP_CPUID_MAX_ENTRIES + 1] = {
		{ .function = 0, .eax = 0x10, .ebx = 1, .ecx = 2, .edx = 3 },
		{ .function = 1, .index = 7, .eax = 0x800F12 },
		{ .function = 7, .index = 0, .ebx = 0x219c95a9,
		  .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX },
		{ .function = 0xD, .index = 0, .eax = 7, .ebx = 0x988,
		  .ecx = 0x988, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX },
		{ .function = 0xD, .index = 1, .eax = 0xf, .ebx = 0x988,
		  .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX },
		{ .function = 0xD, .index = 2, .eax = 0x100, .ebx = 0x240,
		  .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX },
	};
	uint8_t page[PAGE_SIZE];
	const uint8_t *p;

	EXPECT_EQ(snp_cpuid_page(e, 6, page), 0, "6 entries");
	EXPECT_EQ(le(page, 4), 6, "count");
	EXPECT_EQ(le(page + 4, 4) | le(page + 8, 8), 0, "reserved header");
	p = page + 16;
	EXPECT_EQ(le(p, 4), 0, "leaf 0 eax_in");
	EXPECT_EQ(le(p + 24, 4), 0x10, "leaf 0 eax");
	EXPECT_EQ(le(p + 28, 4), 1, "leaf 0 ebx");
	EXPECT_EQ(le(p + 32, 4), 2, "leaf 0 ecx");
	EXPECT_EQ(le(p + 36, 4), 3, "leaf 0 edx");
	p = page + 16 + 48;
	EXPECT_EQ(le(p, 4), 1, "leaf 1 eax_in");
	EXPECT_EQ(le(p + 4, 4), 0, "ecx_in only with a significant index");
	p = page + 16 + 48 * 2;
	EXPECT_EQ(le(p, 4), 7, "leaf 7");
	EXPECT_EQ(le(p + 28, 4), 0x219c95a9, "leaf 7 ebx");
	for (int sub = 0; sub < 3; sub++) {
		p = page + 16 + 48 * (3 + sub);
		EXPECT_EQ(le(p, 4), 0xD, "leaf 0xD");
		EXPECT_EQ(le(p + 4, 4), sub, "leaf 0xD subleaf");
		EXPECT_EQ(le(p + 8, 8), sub < 2 ? 1 : 0, "xcr0_in");
		EXPECT_EQ(le(p + 16, 8), 0, "xss_in");
		EXPECT_EQ(le(p + 28, 4), 0x240, "leaf 0xD ebx");
	}
	EXPECT_EQ(le(page + 16 + 48 * 3 + 24, 4), 7, "0xD.0 eax kept");
	EXPECT_EQ(le(page + 16 + 48 * 3 + 32, 4), 0x988, "0xD.0 ecx kept");
	for (size_t i = 16 + 48 * 6; i < PAGE_SIZE; i++)
		EXPECT(!page[i], "byte 0x%zx after the entries is zero", i);

	EXPECT_EQ(snp_cpuid_page(e, SNP_CPUID_MAX_ENTRIES, page), 0,
		  "64 entries fit");
	EXPECT_EQ(le(page, 4), 64, "count 64");
	EXPECT_EQ(snp_cpuid_page(e, SNP_CPUID_MAX_ENTRIES + 1, page), -E2BIG,
		  "65 entries should give E2BIG");
}

/*
 * ---- the published sev-snp-measure vectors ----
 * A 4 KiB image standing in for ovmf_AmdSev_suffix.bin, with its
 * metadata as sev-snp.md section 7 lists it; the firmware pages are
 * replaced by the published firmware digest.
 */

#define SUFFIX_ASEV_OFF 0x400

static const struct ovmf_sev_desc published_desc[] = {
	{ 0x800000, 0x9000, OVMF_SEV_SEC_MEM },
	{ 0x80A000, 0x3000, OVMF_SEV_SEC_MEM },
	{ 0x80D000, 0x1000, OVMF_SEV_SECRETS },
	{ 0x80E000, 0x1000, OVMF_SEV_CPUID },
	{ 0x80F000, 0x1000, OVMF_SEV_SVSM_CAA },
	{ 0x810000, 0x1000, OVMF_SEV_KERNEL_HASHES },
	{ 0x811000, 0xF000, OVMF_SEV_SEC_MEM },
};

static uint8_t *put_entry(uint8_t *end, const struct efi_guid *guid,
			  const uint8_t *data, size_t len)
{
	end -= 16;
	memcpy(end, guid->b, 16);
	end -= 2;
	put(end, 2, len + 18);
	end -= len;
	memcpy(end, data, len);
	return end;
}

static void build_suffix(uint8_t img[PAGE_SIZE], bool reset_block,
			 const struct ovmf_sev_desc *desc, size_t nr,
			 uint32_t hashes_size)
{
	uint8_t *footer = img + PAGE_SIZE - 50, *p = footer;
	uint8_t reset[4], hashes[8], meta[4], *asev;

	memset(img, 0, PAGE_SIZE);
	put(reset, 4, 0x80B004);
	put(hashes, 4, 0x810C00);
	put(hashes + 4, 4, hashes_size);
	put(meta, 4, SUFFIX_ASEV_OFF);
	if (reset_block)
		p = put_entry(p, &ovmf_guid_sev_es_reset, reset, 4);
	p = put_entry(p, &ovmf_guid_sev_hashes, hashes, 8);
	p = put_entry(p, &ovmf_guid_sev_meta, meta, 4);
	put(footer, 2, footer - p + 18);
	memcpy(footer + 2, ovmf_guid_footer.b, 16);

	asev = img + PAGE_SIZE - SUFFIX_ASEV_OFF;
	memcpy(asev, "ASEV", 4);
	put(asev + 4, 4, 16 + 12 * nr);
	put(asev + 8, 4, 1);
	put(asev + 12, 4, nr);
	for (size_t i = 0; i < nr; i++) {
		put(asev + 16 + 12 * i, 4, desc[i].gpa);
		put(asev + 20 + 12 * i, 4, desc[i].len);
		put(asev + 24 + 12 * i, 4, desc[i].type);
	}
}

static void test_published_vectors(void)
{
	static const struct {
		uint64_t features;
		const char *digest;
	} cases[] = {
		{ 0x21, "329c8ce0972ae52343b64d34a434a86f245dfd74f5ed7aae"
			"15d22efc78fb9683632b9b50e4e1d7fa41179ef98a7ef198" },
		{ 0x1, "ddc5224521617a536ee7ce9dd6224d1b58a8d4fda1c741f3"
		       "ac99fc4bfa04ba6e9fc98646d4a07a9079397fa3852819b5" },
	};
	uint8_t img[PAGE_SIZE], seed[SNP_DIGEST_SIZE], d[SNP_DIGEST_SIZE];
	struct snp_kernel_hashes h;

	from_hex("086e2e9149ebf45abdc3445fba5b2da8270bdbb04094d7a2"
		 "c37faaa4b24af3aa16aff8c374c2a55c467a50da6d466b74",
		 seed, sizeof(seed));
	build_suffix(img, true, published_desc, ARRAY_SIZE(published_desc),
		     0x400);
	/* Empty kernel and initrd files, command line "". */
	snp_kernel_hashes_compute("", 0, "", 0, "", &h);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct snp_measure_input in = {
			.fw = img,
			.fw_size = sizeof(img),
			.fw_digest = seed,
			.nr_vcpus = 1,
			.vcpu_sig = 0x800F12,
			.sev_features = cases[i].features,
			.kernel_hashes = &h,
		};

		EXPECT_EQ(snp_launch_digest(&in, d), 0, "published digest");
		EXPECT_HEX(d, sizeof(d), cases[i].digest,
			   "sev-snp-measure vector, features 0x%" PRIx64,
			   cases[i].features);
	}
}

static void test_input_errors(void)
{
	uint8_t img[PAGE_SIZE], d[SNP_DIGEST_SIZE], seed[SNP_DIGEST_SIZE] = {};
	struct ovmf_sev_desc no_hashes[] = {
		{ 0x800000, 0x9000, OVMF_SEV_SEC_MEM },
	};
	struct snp_kernel_hashes h = {};
	struct snp_measure_input in = {
		.fw = img,
		.fw_size = sizeof(img),
		.fw_digest = seed,
		.nr_vcpus = 1,
		.vcpu_sig = 0x800F12,
		.sev_features = 0x1,
	};

	build_suffix(img, true, published_desc, ARRAY_SIZE(published_desc),
		     0x400);
	EXPECT_EQ(snp_launch_digest(&in, d), 0, "the base input works");
	in.nr_vcpus = 0;
	EXPECT_EQ(snp_launch_digest(&in, d), -EINVAL, "0 vCPUs should fail");
	in.nr_vcpus = 2;
	in.sev_features = 0x20;
	EXPECT_EQ(snp_launch_digest(&in, d), -EINVAL,
		  "features without SNPActive should fail");
	in.sev_features = 0x21;
	in.fw_size = sizeof(img) - 1;
	EXPECT_EQ(snp_launch_digest(&in, d), -EINVAL,
		  "an unaligned image should fail");
	in.fw_size = sizeof(img);

	build_suffix(img, false, published_desc, ARRAY_SIZE(published_desc),
		     0x400);
	EXPECT_EQ(snp_launch_digest(&in, d), -ENOENT,
		  "APs without a reset block should fail");
	in.nr_vcpus = 1;
	EXPECT_EQ(snp_launch_digest(&in, d), 0,
		  "a lone BSP needs no reset block");

	in.kernel_hashes = &h;
	build_suffix(img, true, no_hashes, ARRAY_SIZE(no_hashes), 0x400);
	EXPECT_EQ(snp_launch_digest(&in, d), -ENOENT,
		  "a kernel without a hashes descriptor should fail");
	in.kernel_hashes = NULL;
	EXPECT_EQ(snp_launch_digest(&in, d), 0,
		  "no kernel needs no hashes descriptor");
	in.kernel_hashes = &h;
	build_suffix(img, true, published_desc, ARRAY_SIZE(published_desc),
		     175);
	EXPECT_EQ(snp_launch_digest(&in, d), -EINVAL,
		  "a hashes table smaller than 176 bytes should fail");
	build_suffix(img, true, published_desc, ARRAY_SIZE(published_desc),
		     0x400);
	put(img + PAGE_SIZE - SUFFIX_ASEV_OFF + 16 + 12 * 5, 4, 0x820000);
	EXPECT_EQ(snp_launch_digest(&in, d), -EINVAL,
		  "a hashes table outside its descriptor should fail");
	memset(img + PAGE_SIZE - 48, 0, 16);
	EXPECT_EQ(snp_launch_digest(&in, d), -ENOEXEC,
		  "an image without footer should fail");
}

/* ---- the Debian amdsev fixture (sev-snp.md section 7) ---- */


static uint8_t *amdsev;
static size_t amdsev_size;

static void test_fixture_firmware_only(void)
{
	struct snp_gctx g;

	snp_gctx_init(&g, NULL);
	EXPECT_EQ(snp_gctx_update(&g, 0x100000000ull - amdsev_size,
				  amdsev_size, SNP_PAGE_TYPE_NORMAL, amdsev),
		  0, "firmware pages");
	EXPECT_HEX(g.digest, SNP_DIGEST_SIZE,
		   "9d0dd8be18c86e3fe3bf0038ed75ebf5340bee69fd2632c8"
		   "ff9409964575960ae1f7e84be387d2e3467bc3508d1e4806",
		   "amdsev firmware-only digest");
}

static void test_fixture_digests(void)
{
	static const struct {
		unsigned int nr_vcpus;
		uint64_t features;
		bool kernel;
		const char *digest;
	} cases[] = {
		{ 1, 0x1, false,
		  "d74bd3ea40b240c3228edc5177ce6193561ebff633dbd0be"
		  "76d6c143b876d65102425c0e2e8a930857c48daa5eacda58" },
		{ 1, 0x21, false,
		  "5fafce19a1da9324827756044f6a922becd7fb7a5f80f1cd"
		  "803366eeb7add5a129d0ca53b184313c9f9036e869371a88" },
		{ 1, 0x21, true,
		  "e0c8ac2127778b0ab34a75738b46453ea400a278d1552d47"
		  "22220c0a4cbc621837b643d66a3b6790e44146923f664eff" },
		{ 4, 0x1, false,
		  "13a6ae9fbaa31c91ade309c36bd5214729438abac318e011"
		  "76e02a97b8bec11a4bce86b4d2b1fba2ec0481dd24ff525f" },
		{ 4, 0x21, false,
		  "a0edd3ca630eae842e556b4dd9e098621c361570051bc5b9"
		  "c4181cefb6ab504a1b837f4229149af5a7727d6d2799f765" },
	};
	struct snp_kernel_hashes h;
	uint8_t d[SNP_DIGEST_SIZE];

	snp_kernel_hashes_compute("", 0, "", 0, "", &h);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct snp_measure_input in = {
			.fw = amdsev,
			.fw_size = amdsev_size,
			.nr_vcpus = cases[i].nr_vcpus,
			.vcpu_sig = 0x800F12,
			.sev_features = cases[i].features,
			.kernel_hashes = cases[i].kernel ? &h : NULL,
		};

		EXPECT_EQ(snp_launch_digest(&in, d), 0, "fixture digest");
		EXPECT_HEX(d, sizeof(d), cases[i].digest,
			   "amdsev, %u vCPUs, features 0x%" PRIx64 ", %s",
			   cases[i].nr_vcpus, cases[i].features,
			   cases[i].kernel ? "empty kernel" : "no kernel");
	}
}

static void test_fixture_launch_ranges(void)
{
	static const struct snp_launch_range want[] = {
		{ 0xFFC00000, 0x400000, SNP_PAGE_TYPE_NORMAL,
		  SNP_SRC_FIRMWARE },
		{ 0x800000, 0x9000, SNP_PAGE_TYPE_ZERO, SNP_SRC_NONE },
		{ 0x80A000, 0x3000, SNP_PAGE_TYPE_ZERO, SNP_SRC_NONE },
		{ 0x80D000, 0x1000, SNP_PAGE_TYPE_SECRETS, SNP_SRC_SECRETS },
		{ 0x80E000, 0x1000, SNP_PAGE_TYPE_CPUID, SNP_SRC_CPUID },
		{ 0x80F000, 0x1000, SNP_PAGE_TYPE_ZERO, SNP_SRC_NONE },
		{ 0x811000, 0x1F000, SNP_PAGE_TYPE_ZERO, SNP_SRC_NONE },
		{ 0x810000, 0x1000, SNP_PAGE_TYPE_NORMAL,
		  SNP_SRC_KERNEL_HASHES },
	};
	struct snp_launch_range r[SNP_MAX_LAUNCH_RANGES];
	struct ovmf_info info;
	unsigned int nr = 0;

	EXPECT_EQ(ovmf_parse(amdsev, amdsev_size, OVMF_PARSE_SEV, &info), 0,
		  "amdsev parses");
	EXPECT_EQ(snp_launch_ranges(&info, true, r, &nr), 0, "ranges");
	EXPECT_EQ(nr, ARRAY_SIZE(want), "firmware + 7 descriptors");
	for (unsigned int i = 0; i < nr && i < ARRAY_SIZE(want); i++) {
		EXPECT_EQ(r[i].gpa, want[i].gpa, "range %u GPA", i);
		EXPECT_EQ(r[i].len, want[i].len, "range %u length", i);
		EXPECT_EQ(r[i].type, want[i].type, "range %u type", i);
		EXPECT_EQ(r[i].src, want[i].src, "range %u source", i);
	}
	EXPECT_EQ(snp_launch_ranges(&info, false, r, &nr), 0, "no kernel");
	EXPECT_EQ(r[7].type, SNP_PAGE_TYPE_ZERO,
		  "the hashes page is ZERO without a kernel");
	EXPECT_EQ(r[7].src, SNP_SRC_NONE, "and has no source");
}

int main(void)
{
	static const struct test_case pure[] = {
		TEST_CASE(test_single_page_vectors),
		TEST_CASE(test_gctx_rejects),
		TEST_CASE(test_vmsa_layout),
		TEST_CASE(test_kernel_hashes_page),
		TEST_CASE(test_cpuid_page),
		TEST_CASE(test_published_vectors),
		TEST_CASE(test_input_errors),
	};
	static const struct test_case fixture[] = {
		TEST_CASE(test_fixture_firmware_only),
		TEST_CASE(test_fixture_digests),
		TEST_CASE(test_fixture_launch_ranges),
	};
	int r = test_run(pure, ARRAY_SIZE(pure));

	amdsev = fixture_load("OVMF.amdsev.fd", AMDSEV_SHA256, &amdsev_size);
	if (!amdsev) {
		if (r || test_failed_checks)
			return 1;
		TEST_SKIP("%s", skip_why);
	}
	r |= test_run(fixture, ARRAY_SIZE(fixture));
	free(amdsev);
	return r;
}
