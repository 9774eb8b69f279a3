// SPDX-License-Identifier: GPL-2.0-only
/*
 * bzimage_parse(): a good setup header and one bad field at a time, each
 * refused with its reason.
 */
#include <stdio.h>
#include <string.h>

#include "tests/test.h"
#include "vmm/x86/boot-linux.h"

#define SETUP_SECTS 4
#define FILE_SIZE ((SETUP_SECTS + 1) * 512 + 0x10000)

static uint8_t hdr[BZIMAGE_HEADER_READ];

static void put(uint32_t off, uint64_t v, unsigned int bytes)
{
	for (unsigned int i = 0; i < bytes; i++)
		hdr[off + i] = v >> (8 * i);
}

/* Debian 7.2's values. */
static void good_header(void)
{
	memset(hdr, 0, sizeof(hdr));
	hdr[0x1f1] = SETUP_SECTS;
	put(0x1fe, 0xaa55, 2);
	hdr[0x201] = 0x6a;
	memcpy(hdr + 0x202, "HdrS", 4);
	put(0x206, 0x020f, 2);
	hdr[0x211] = 0x01;
	put(0x22c, 0x7fffffff, 4);
	put(0x230, 0x200000, 4);
	hdr[0x234] = 1;
	put(0x236, 0x7f, 2);
	put(0x238, 2047, 4);
	put(0x258, 0x1000000, 8);
	put(0x260, 0x3c4e000, 4);
}

static void test_good_header(void)
{
	struct bzimage img;
	char reason[160] = "";

	good_header();
	EXPECT(bzimage_parse(hdr, sizeof(hdr), FILE_SIZE, &img, reason,
			    sizeof(reason)) == 0,
	      "a Debian 7.2 header should parse (%s)", reason);
	EXPECT(img.version == 0x020f, "version 2.15");
	EXPECT(img.setup_size == 5 * 512, "setup is (4 + 1) sectors");
	EXPECT(img.payload_size == FILE_SIZE - 5 * 512, "payload is the rest");
	EXPECT(img.header_end == 0x26c, "header ends at 0x202 + 0x6a");
	EXPECT(img.cmdline_size == 2047, "cmdline_size");
	EXPECT(img.relocatable && img.kernel_alignment == 0x200000,
	      "relocatable, 2 MiB aligned");
	EXPECT(img.pref_address == 0x1000000 && img.init_size == 0x3c4e000,
	      "pref_address and init_size");
}

static void test_zero_setup_sects_means_four(void)
{
	struct bzimage img;
	char reason[160];

	good_header();
	hdr[0x1f1] = 0;
	EXPECT(bzimage_parse(hdr, sizeof(hdr), FILE_SIZE, &img, reason,
			    sizeof(reason)) == 0 && img.setup_size == 5 * 512,
	      "setup_sects 0 should mean 4");
}

static const struct bad_case {
	const char *name;
	uint32_t off;
	uint64_t value;
	unsigned int bytes;
	uint64_t file_size;
	const char *reason;
} bad_cases[] = {
	{ "no boot flag", 0x1fe, 0, 2, FILE_SIZE, "0xAA55" },
	{ "no HdrS", 0x202, 0, 4, FILE_SIZE, "HdrS" },
	{ "protocol 2.11", 0x206, 0x020b, 2, FILE_SIZE,
	  "boot protocol 2.11 is older than 2.12" },
	{ "zImage", 0x211, 0, 1, FILE_SIZE, "LOADED_HIGH" },
	{ "no 64-bit entry", 0x236, 0x7e, 2, FILE_SIZE, "XLF_KERNEL_64" },
	{ "alignment not a power of two", 0x230, 0x300000, 4, FILE_SIZE,
	  "not a power of two" },
	{ "init_size 0", 0x260, 0, 4, FILE_SIZE, "init_size is 0" },
	{ "setup only", 0x1f1, SETUP_SECTS, 1, 5 * 512, "truncated" },
	{ "setup longer than file", 0x1f1, 200, 1, FILE_SIZE, "truncated" },
};

static void test_bad_headers(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(bad_cases); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct bzimage img;
		char reason[160] = "";
		int r;

		good_header();
		put(c->off, c->value, c->bytes);
		r = bzimage_parse(hdr, sizeof(hdr), c->file_size, &img, reason,
				  sizeof(reason));
		EXPECT(r == -EINVAL, "%s should be refused with EINVAL",
		       c->name);
		EXPECT(strstr(reason, c->reason),
		       "%s: reason '%s' should say '%s'", c->name, reason,
		       c->reason);
	}
}

static void test_short_file(void)
{
	struct bzimage img;
	char reason[160] = "";

	good_header();
	EXPECT(bzimage_parse(hdr, 0x200, 0x200, &img, reason,
			    sizeof(reason)) == -EINVAL &&
	      strstr(reason, "too short"),
	      "a 512-byte file should be too short (%s)", reason);
}

TEST_MAIN(TEST_CASE(test_good_header),
	  TEST_CASE(test_zero_setup_sects_means_four),
	  TEST_CASE(test_bad_headers),
	  TEST_CASE(test_short_file))
