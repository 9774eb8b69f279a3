// SPDX-License-Identifier: GPL-2.0-only
/*
 * MRTD and RTMR: the synthetic vectors of tdx.md section 7, the record
 * layout, single- versus two-pass order, and the MRTD of both Debian
 * fixture images.
 */
#include <unistd.h>

#include "cc/tdx-measure.h"
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

static void put(uint8_t *p, unsigned int width, uint64_t v)
{
	for (unsigned int i = 0; i < width; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* ---- synthetic vectors (tdx.md section 7) ---- */

static void test_synthetic_vectors(void)
{
	static const uint8_t zero[PAGE_SIZE];
	struct tdvf_section add_only = {
		.gpa = 0x800000, .size = PAGE_SIZE,
		.type = TDVF_SECTION_TEMP_MEM,
	};
	struct tdvf_section extended = {
		.data_offset = 0, .raw_data_size = PAGE_SIZE,
		.gpa = 0xFFFFF000, .size = PAGE_SIZE,
		.type = TDVF_SECTION_BFV, .attributes = TDVF_ATTR_MR_EXTEND,
	};
	uint8_t d[TDX_DIGEST_SIZE];
	struct tdx_mrtd_ctx c;

	EXPECT_EQ(tdx_mrtd(NULL, 0, NULL, 0, TDX_MRTD_SINGLE_PASS, d), 0,
		  "no sections");
	EXPECT_HEX(d, sizeof(d),
		   "38b060a751ac96384cd9327eb1b1e36a21fdb71114be0743"
		   "4c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b",
		   "nothing added gives SHA-384 of nothing");

	EXPECT_EQ(tdx_mrtd(NULL, 0, &add_only, 1, TDX_MRTD_SINGLE_PASS, d),
		  0, "one added page");
	EXPECT_HEX(d, sizeof(d),
		   "73e66eb2f63d5a2c92c756c54b86b24f1a3d87c07a191518"
		   "580ba4b227f9edda1faeb4223ffb2dd70c789055f9af5e7c",
		   "one page added at 0x800000");
	tdx_mrtd_init(&c);
	tdx_mrtd_page_add(&c, 0x800000);
	tdx_mrtd_final(&c, d);
	EXPECT_HEX(d, sizeof(d),
		   "73e66eb2f63d5a2c92c756c54b86b24f1a3d87c07a191518"
		   "580ba4b227f9edda1faeb4223ffb2dd70c789055f9af5e7c",
		   "the same through the record API");

	EXPECT_EQ(tdx_mrtd(zero, sizeof(zero), &extended, 1,
			   TDX_MRTD_SINGLE_PASS, d), 0, "one extended page");
	EXPECT_HEX(d, sizeof(d),
		   "07f08f558c5e2593b33452cf00c12a165c07b027a36424ec"
		   "fa15ebf39b5415e0ed62418458e4bfd77f16fec0f1568dc9",
		   "one zero page at 0xFFFFF000 added and extended");
	/* With one page, both orders are the same. */
	EXPECT_EQ(tdx_mrtd(zero, sizeof(zero), &extended, 1,
			   TDX_MRTD_TWO_PASS, d), 0, "two pass");
	EXPECT_HEX(d, sizeof(d),
		   "07f08f558c5e2593b33452cf00c12a165c07b027a36424ec"
		   "fa15ebf39b5415e0ed62418458e4bfd77f16fec0f1568dc9",
		   "one page: two pass equals single pass");
}

/* The records themselves, built byte by byte here. */
static void test_record_layout(void)
{
	uint8_t rec[128 + 256] = {}, want[TDX_DIGEST_SIZE], d[48];
	uint8_t chunk[TDX_EXTEND_CHUNK];
	struct tdx_mrtd_ctx c;

	for (size_t i = 0; i < sizeof(chunk); i++)
		chunk[i] = (uint8_t)(0xFF - i);
	memcpy(rec, "MEM.PAGE.ADD", 12);
	put(rec + 16, 8, 0x123456789ABCD000ull);
	sha384(rec, 128, want);
	tdx_mrtd_init(&c);
	tdx_mrtd_page_add(&c, 0x123456789ABCD000ull);
	tdx_mrtd_final(&c, d);
	EXPECT(!memcmp(d, want, sizeof(d)), "PAGE.ADD record layout");

	memset(rec, 0, sizeof(rec));
	memcpy(rec, "MR.EXTEND", 9);
	put(rec + 16, 8, 0xFFC84100);
	memcpy(rec + 128, chunk, sizeof(chunk));
	sha384(rec, sizeof(rec), want);
	tdx_mrtd_init(&c);
	tdx_mrtd_extend(&c, 0xFFC84100, chunk);
	tdx_mrtd_final(&c, d);
	EXPECT(!memcmp(d, want, sizeof(d)), "MR.EXTEND record + chunk layout");
}

/* Expected MRTD for one section, spelled out with the record API. */
static void manual_mrtd(const uint8_t *data, uint64_t gpa, unsigned int pages,
			bool two_pass, uint8_t ret[TDX_DIGEST_SIZE])
{
	struct tdx_mrtd_ctx c;

	tdx_mrtd_init(&c);
	for (unsigned int p = 0; p < pages; p++) {
		tdx_mrtd_page_add(&c, gpa + p * PAGE_SIZE);
		for (unsigned int k = 0; !two_pass && k < 16; k++)
			tdx_mrtd_extend(&c, gpa + p * PAGE_SIZE + k * 256,
					data + p * PAGE_SIZE + k * 256);
	}
	for (unsigned int p = 0; two_pass && p < pages; p++)
		for (unsigned int k = 0; k < 16; k++)
			tdx_mrtd_extend(&c, gpa + p * PAGE_SIZE + k * 256,
					data + p * PAGE_SIZE + k * 256);
	tdx_mrtd_final(&c, ret);
}

static void test_orders_and_sources(void)
{
	uint8_t img[3 * PAGE_SIZE], data[3 * PAGE_SIZE] = {};
	uint8_t d[TDX_DIGEST_SIZE], want[TDX_DIGEST_SIZE];
	struct tdvf_section s = {
		.data_offset = PAGE_SIZE, .raw_data_size = 2 * PAGE_SIZE,
		.gpa = 0xFFC00000, .size = 2 * PAGE_SIZE,
		.type = TDVF_SECTION_BFV, .attributes = TDVF_ATTR_MR_EXTEND,
	};
	struct tdvf_section two[2] = {
		s,
		{ .gpa = 0x800000, .size = PAGE_SIZE,
		  .type = TDVF_SECTION_TEMP_MEM,
		  .attributes = TDVF_ATTR_PAGE_AUG },
	};
	uint8_t page[PAGE_SIZE];

	for (size_t i = 0; i < sizeof(img); i++)
		img[i] = (uint8_t)(i * 31 + i / 4096);
	memcpy(data, img + PAGE_SIZE, 2 * PAGE_SIZE);

	EXPECT_EQ(tdx_mrtd(img, sizeof(img), &s, 1, TDX_MRTD_SINGLE_PASS, d),
		  0, "single pass");
	manual_mrtd(data, s.gpa, 2, false, want);
	EXPECT(!memcmp(d, want, sizeof(d)),
	       "single pass: each page added then extended");
	EXPECT_EQ(tdx_mrtd(img, sizeof(img), &s, 1, TDX_MRTD_TWO_PASS, d), 0,
		  "two pass");
	manual_mrtd(data, s.gpa, 2, true, want);
	EXPECT(!memcmp(d, want, sizeof(d)),
	       "two pass: all pages added, then all extended");

	EXPECT_EQ(tdx_mrtd(img, sizeof(img), two, 2, TDX_MRTD_TWO_PASS, d),
		  0, "with a PAGE.AUG section");
	EXPECT(!memcmp(d, want, sizeof(d)),
	       "a PAGE.AUG section should not be measured");

	/* Raw data shorter than the section: the rest is zero. */
	s.raw_data_size = PAGE_SIZE + 0x800;
	memset(data + PAGE_SIZE + 0x800, 0, 0x800);
	EXPECT_EQ(tdx_mrtd(img, sizeof(img), &s, 1, TDX_MRTD_SINGLE_PASS, d),
		  0, "short raw data");
	manual_mrtd(data, s.gpa, 2, false, want);
	EXPECT(!memcmp(d, want, sizeof(d)),
	       "pages past the raw data should be measured as zeros");
	EXPECT_EQ(tdx_section_page(img, sizeof(img), &s, 1, page), 0,
		  "second page");
	EXPECT(!memcmp(page, data + PAGE_SIZE, PAGE_SIZE),
	       "section page = raw data then zeros");
	EXPECT_EQ(tdx_section_page(img, sizeof(img), &s, 2, page), -EINVAL,
		  "a page past the section should fail");
}

static void test_rejects(void)
{
	static const struct {
		const char *what;
		struct tdvf_section s;
	} cases[] = {
		{ "unaligned GPA", { .gpa = 0x800800, .size = PAGE_SIZE } },
		{ "unaligned size", { .gpa = 0x800000, .size = 0x1800 } },
		{ "wrapping section", { .gpa = 0xFFFFFFFFFFFFF000ull,
					.size = 2 * PAGE_SIZE } },
		{ "raw data larger than the section",
		  { .raw_data_size = 2 * PAGE_SIZE, .size = PAGE_SIZE } },
		{ "raw data beyond the image",
		  { .data_offset = PAGE_SIZE, .raw_data_size = PAGE_SIZE,
		    .size = PAGE_SIZE, .attributes = TDVF_ATTR_MR_EXTEND } },
		{ "raw data offset near 4 GiB",
		  { .data_offset = 0xFFFFF000, .raw_data_size = 0x2000,
		    .size = 0x2000 } },
		{ "measured TD_HOB",
		  { .size = PAGE_SIZE, .type = TDVF_SECTION_TD_HOB,
		    .attributes = TDVF_ATTR_MR_EXTEND } },
		{ "measured and accepted later",
		  { .raw_data_size = PAGE_SIZE, .size = PAGE_SIZE,
		    .attributes = TDVF_ATTR_MR_EXTEND | TDVF_ATTR_PAGE_AUG } },
	};
	static const uint8_t img[PAGE_SIZE];
	uint8_t d[TDX_DIGEST_SIZE];
	struct tdvf_section ok = { .gpa = 0, .size = PAGE_SIZE };

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		EXPECT_EQ(tdx_mrtd(img, sizeof(img), &cases[i].s, 1,
				   TDX_MRTD_SINGLE_PASS, d), -EINVAL,
			  "%s should give EINVAL", cases[i].what);
	EXPECT_EQ(tdx_mrtd(img, sizeof(img), &ok, 1, 2, d), -EINVAL,
		  "an unknown mode should give EINVAL");
	EXPECT_EQ(tdx_mrtd(img, sizeof(img), &ok, 1, TDX_MRTD_TWO_PASS, d), 0,
		  "the valid section works");
}

static void test_rtmr_extend(void)
{
	uint8_t rtmr[TDX_DIGEST_SIZE] = {}, d[TDX_DIGEST_SIZE], both[96];
	uint8_t want[TDX_DIGEST_SIZE];

	for (size_t i = 0; i < sizeof(d); i++)
		d[i] = (uint8_t)i;
	memset(both, 0, 48);
	memcpy(both + 48, d, 48);
	sha384(both, sizeof(both), want);
	tdx_rtmr_extend(rtmr, d);
	EXPECT(!memcmp(rtmr, want, sizeof(want)),
	       "RTMR = SHA-384(zeros || digest)");
	memcpy(both, rtmr, 48);
	sha384(both, sizeof(both), want);
	tdx_rtmr_extend(rtmr, d);
	EXPECT(!memcmp(rtmr, want, sizeof(want)),
	       "second extend chains on the first");
}

static void test_image_without_tdvf(void)
{
	uint8_t img[PAGE_SIZE] = {}, d[TDX_DIGEST_SIZE];
	const uint8_t footer[18] = {
		18, 0, 0xde, 0x82, 0xb5, 0x96, 0xb2, 0x1f, 0xf7, 0x45,
		0xba, 0xea, 0xa3, 0x66, 0xc5, 0x5a, 0x08, 0x2d,
	};

	memcpy(img + PAGE_SIZE - 50, footer, sizeof(footer));
	EXPECT_EQ(tdx_mrtd_image(img, sizeof(img), TDX_MRTD_SINGLE_PASS, d),
		  -ENOENT, "an OVMF image without TDVF should give ENOENT");
	img[PAGE_SIZE - 48] ^= 1;
	EXPECT_EQ(tdx_mrtd_image(img, sizeof(img), TDX_MRTD_SINGLE_PASS, d),
		  -ENOEXEC, "a non-OVMF image should give ENOEXEC");
}

/* ---- fixtures (tdx.md section 7) ---- */


static uint8_t *amdsev, *inteltdx;
static size_t amdsev_size, inteltdx_size;

static void test_fixture_inteltdx(void)
{
	uint8_t d[TDX_DIGEST_SIZE];

	EXPECT_EQ(tdx_mrtd_image(inteltdx, inteltdx_size, TDX_MRTD_SINGLE_PASS,
				 d), 0, "inteltdx single pass");
	EXPECT_HEX(d, sizeof(d),
		   "a7a1f751abc454f9cbab198ca8d2edb2821935df525c7418"
		   "2b5e776cb0929e8c59aefecce725b0d08a5e9d3d3183bd08",
		   "OVMF.inteltdx.ms.fd MRTD, single pass");
	EXPECT_EQ(tdx_mrtd_image(inteltdx, inteltdx_size, TDX_MRTD_TWO_PASS,
				 d), 0, "inteltdx two pass");
	EXPECT_HEX(d, sizeof(d),
		   "b90b236113eb4c0d4df4ef590568c14e6028a3a31d7e8ac6"
		   "3dee9845df5008d3ebf82d4f5974e933798f65d7a279b9a9",
		   "OVMF.inteltdx.ms.fd MRTD, two pass");
}

static void test_fixture_amdsev_tdvf(void)
{
	uint8_t d[TDX_DIGEST_SIZE];

	EXPECT_EQ(tdx_mrtd_image(amdsev, amdsev_size, TDX_MRTD_SINGLE_PASS,
				 d), 0, "amdsev TDVF single pass");
	EXPECT_HEX(d, sizeof(d),
		   "5f77220a7135b2be2087c3555b897a1c56ca84516fafc622"
		   "a33fa498a46305a12597a18bb57bc50f714ffab9fe6f004d",
		   "OVMF.amdsev.fd TDVF table MRTD, single pass");
}

int main(void)
{
	static const struct test_case pure[] = {
		TEST_CASE(test_synthetic_vectors),
		TEST_CASE(test_record_layout),
		TEST_CASE(test_orders_and_sources),
		TEST_CASE(test_rejects),
		TEST_CASE(test_rtmr_extend),
		TEST_CASE(test_image_without_tdvf),
	};
	static const struct test_case fixture[] = {
		TEST_CASE(test_fixture_inteltdx),
		TEST_CASE(test_fixture_amdsev_tdvf),
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
