// SPDX-License-Identifier: GPL-2.0-only
/*
 * bzimage_parse(): a good setup header and one bad field at a time, each
 * refused with its reason; a short read that ends inside the setup header.
 * bzimage_place(): at pref_address, relocated, or refused, and a
 * pref_address near 2^64 whose end wraps (found by fuzz-kernel-image).
 */
#include <stdio.h>
#include <string.h>

#include "tests/test.h"
#include "vmm/x86/boot-linux.h"

#define SETUP_SECTS 4
#define FILE_SIZE ((SETUP_SECTS + 1) * 512 + 0x10000)
#define ULL(x) ((unsigned long long)(x))

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

/* A short read that stops past init_size but before the header's end. */
static void test_short_read_inside_header(void)
{
	struct bzimage img;
	char reason[160] = "";

	good_header();
	EXPECT(bzimage_parse(hdr, 0x268, FILE_SIZE, &img, reason,
			    sizeof(reason)) == -EINVAL &&
	      strstr(reason, "setup header ends at 0x26c"),
	      "a read of 0x268 bytes should not give header_end 0x26c (%s)",
	      reason);
	EXPECT(bzimage_parse(hdr, 0x26c, FILE_SIZE, &img, reason,
			    sizeof(reason)) == 0 && img.header_end == 0x26c,
	      "a read of 0x26c bytes holds the whole header (%s)", reason);
}

#define RAM_END 0x40000000ull

static int place(uint64_t pref, bool relocatable, uint64_t *load,
		 char *reason)
{
	struct bzimage img;
	uint64_t end;
	int r;

	good_header();
	put(0x258, pref, 8);
	hdr[0x234] = relocatable;
	r = bzimage_parse(hdr, sizeof(hdr), FILE_SIZE, &img, reason, 160);
	EXPECT(r == 0, "the header should parse (%s)", reason);
	r = bzimage_place(&img, RAM_END, load, &end, reason, 160);
	EXPECT(r || end == *load + 0x3c4e000,
	       "the kernel should span init_size from 0x%llx", ULL(*load));
	return r;
}

static void test_place(void)
{
	char reason[160] = "";
	uint64_t load = 0;

	EXPECT(place(0x1000000, true, &load, reason) == 0 &&
	       load == 0x1000000, "at pref_address (%s)", reason);
	EXPECT(place(0x1100000, true, &load, reason) == 0 &&
	       load == 0x1000000, "unaligned: relocated to 16 MiB (%s)", reason);
	EXPECT(place(0x1100000, false, &load, reason) == 0 &&
	       load == 0x1100000, "fixed, at pref_address (%s)", reason);
	EXPECT(place(0x3f000000, false, &load, reason) == -EINVAL &&
	       strstr(reason, "not relocatable"),
	       "fixed and past RAM's end: refused (%s)", reason);
	EXPECT(place(0x80000, false, &load, reason) == -EINVAL,
	       "fixed and below 1 MiB: refused (%s)", reason);
}

/* pref_address + init_size wraps past 2^64 to an address inside RAM. */
static void test_place_wrapping_pref_address(void)
{
	uint64_t pref = 0xfffffffffe000000ull, load = 0;
	char reason[160] = "";

	EXPECT(place(pref, false, &load, reason) == -EINVAL &&
	       strstr(reason, "not relocatable"),
	       "a fixed kernel at 0x%llx should be refused (%s, load 0x%llx)",
	       ULL(pref), reason, ULL(load));
	EXPECT(place(pref, true, &load, reason) == 0 && load == 0x1000000,
	       "a relocatable one should go to 16 MiB (%s, load 0x%llx)",
	       reason, ULL(load));
}

TEST_MAIN(TEST_CASE(test_good_header),
	  TEST_CASE(test_zero_setup_sects_means_four),
	  TEST_CASE(test_bad_headers),
	  TEST_CASE(test_short_file),
	  TEST_CASE(test_short_read_inside_header),
	  TEST_CASE(test_place),
	  TEST_CASE(test_place_wrapping_pref_address))
