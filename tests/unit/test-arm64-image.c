// SPDX-License-Identifier: GPL-2.0-only
/*
 * arm64_image_parse() and arm64_boot_layout(): a good Image header (the
 * values of Debian's 7.2 arm64 kernel) and one bad field at a time, each
 * refused naming the field; the kernel at a 2 MiB boundary plus
 * text_offset, the device tree in the last 2 MiB block, the initrd
 * page-aligned below it, and what does not fit refused.
 */
#include <string.h>

#include "tests/test.h"
#include "vmm/arm64/image.h"

#define FILE_SIZE 0x2e08a00ull
#define IMAGE_SIZE 0x3040000ull

static uint8_t hdr[ARM64_IMAGE_HEADER_SIZE];
static char why[256];

static void put(uint32_t off, uint64_t v, unsigned int bytes)
{
	for (unsigned int i = 0; i < bytes; i++)
		hdr[off + i] = v >> (8 * i);
}

static void good_header(void)
{
	memset(hdr, 0, sizeof(hdr));
	put(0, 0xfa405a4d, 4);		/* code0: "MZ" + branch */
	put(8, 0, 8);			/* text_offset */
	put(16, IMAGE_SIZE, 8);		/* image_size */
	put(24, 0xa, 8);		/* flags: LE, 4K pages, anywhere */
	put(56, ARM64_IMAGE_MAGIC, 4);
}

static int parse(struct arm64_image *img)
{
	why[0] = 0;
	return arm64_image_parse(hdr, sizeof(hdr), FILE_SIZE, img, why,
				 sizeof(why));
}

static void test_good(void)
{
	struct arm64_image img;

	good_header();
	EXPECT_EQ(parse(&img), 0, "a good header should parse: %s", why);
	EXPECT_EQ(img.text_offset, 0, "text_offset");
	EXPECT_EQ(img.image_size, IMAGE_SIZE, "image_size");
	EXPECT_EQ(img.flags, 0xa, "flags");
	EXPECT_EQ(img.file_size, FILE_SIZE, "file size");
}

/* image_size 0: a kernel before 3.17, at text_offset 0x80000. */
static void test_old_kernel(void)
{
	struct arm64_image img;

	good_header();
	put(8, 0x1234000, 8);
	put(16, 0, 8);
	put(24, 0x3, 8);
	EXPECT_EQ(parse(&img), 0, "an old header should parse: %s", why);
	EXPECT_EQ(img.text_offset, 0x80000, "old kernels load at 0x80000");
	EXPECT_EQ(img.image_size, FILE_SIZE, "the file's size stands in");
	EXPECT_EQ(img.flags, 0, "old kernels' flags are ignored");
}

static const struct bad {
	const char *name;
	uint32_t off;
	uint64_t value;
	unsigned int bytes;
	int err;
	const char *says;
} bad[] = {
	{ "magic", 56, 0x644d5242, 4, -ENOEXEC, "header field magic is 0x644d5242" },
	{ "gzip", 0, 0x08088b1f, 4, 0, NULL },	/* magic intact: fine */
	{ "big endian", 24, 0x1, 8, -EINVAL, "header field flags is 0x1: a big-endian" },
	{ "reserved flags", 24, 0x10, 8, -EINVAL, "header field flags is 0x10: bits 0x10 are reserved" },
	{ "text_offset unaligned", 8, 0x80010, 8, -EINVAL, "header field text_offset is 0x80010" },
	{ "text_offset 2M", 8, SZ_2M, 8, -EINVAL, "header field text_offset is 0x200000" },
	{ "image_size below file", 16, 0x1000, 8, -EINVAL, "header field image_size is 0x1000, smaller than the file" },
};

static void test_bad_fields(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct arm64_image img;
		int r;

		good_header();
		put(bad[i].off, bad[i].value, bad[i].bytes);
		r = parse(&img);
		EXPECT_EQ(r, bad[i].err, "%s: result", bad[i].name);
		if (bad[i].says)
			EXPECT(strstr(why, bad[i].says), "%s: reason should say '%s', says '%s'",
			       bad[i].name, bad[i].says, why);
	}
}

static void test_gzip_and_short(void)
{
	struct arm64_image img;

	memset(hdr, 0, sizeof(hdr));
	hdr[0] = 0x1f;
	hdr[1] = 0x8b;
	EXPECT_EQ(parse(&img), -ENOEXEC, "a gzip file is no Image");
	EXPECT(strstr(why, "gzip-compressed"), "the reason should say gzip: %s", why);
	good_header();
	EXPECT_EQ(arm64_image_parse(hdr, sizeof(hdr), 63, &img, why, sizeof(why)),
		  -ENOEXEC, "a 63-byte file has no header");
	EXPECT_EQ(arm64_image_parse(hdr, 32, FILE_SIZE, &img, why, sizeof(why)),
		  -ENOEXEC, "32 bytes of header are not enough");
}

static void test_layout(void)
{
	struct arm64_image img = { .text_offset = 0x80000,
				   .image_size = IMAGE_SIZE,
				   .file_size = FILE_SIZE };
	struct arm64_boot_layout l;
	int r;

	r = arm64_boot_layout(&img, 0x80000000, 0x10000000, 0x123456, 0x10000,
			      &l, why, sizeof(why));
	EXPECT_EQ(r, 0, "256 MiB should hold it all: %s", why);
	EXPECT_EQ(l.kernel_gpa, 0x80080000, "2 MiB aligned base + text_offset");
	EXPECT_EQ(l.dtb_gpa, 0x8fe00000, "the DTB in the last 2 MiB block");
	EXPECT_EQ(l.initrd_gpa, ALIGN_DOWN(0x8fe00000 - 0x123456, SZ_4K),
		  "the initrd page-aligned below the DTB");
	EXPECT(l.initrd_gpa >= l.kernel_gpa + img.image_size,
	       "the initrd should not overlap the kernel's image_size");

	/* RAM not 2 MiB aligned: the kernel goes to the next boundary. */
	r = arm64_boot_layout(&img, 0x80100000, 0x10000000, 0, 0x10000, &l,
			      why, sizeof(why));
	EXPECT_EQ(r, 0, "unaligned RAM: %s", why);
	EXPECT_EQ(l.kernel_gpa, 0x80280000, "next 2 MiB boundary + text_offset");
	EXPECT_EQ(l.initrd_gpa, 0, "no initrd, no address");
}

static void test_layout_refused(void)
{
	struct arm64_image img = { .image_size = IMAGE_SIZE };
	struct arm64_boot_layout l;

	EXPECT_EQ(arm64_boot_layout(&img, 0x80000000, 4 * SZ_2M, 0, 0x10000,
				    &l, why, sizeof(why)),
		  -ENOSPC, "8 MiB of RAM cannot hold a 48 MiB kernel");
	EXPECT(strstr(why, "image_size"), "the reason should name image_size: %s", why);
	EXPECT_EQ(arm64_boot_layout(&img, 0x80000000, 0x4000000, 0x1000000,
				    0x10000, &l, why, sizeof(why)),
		  -ENOSPC, "kernel + 16 MiB initrd should not fit in 64 MiB");
	EXPECT_EQ(arm64_boot_layout(&img, 0x80000000, 0x4000000, ~0ull,
				    0x10000, &l, why, sizeof(why)),
		  -ENOSPC, "a huge initrd must not wrap around");
	EXPECT_EQ(arm64_boot_layout(&img, 0x80000000, 0x10000000, 0,
				    SZ_2M + 1, &l, why, sizeof(why)),
		  -ENOSPC, "a DTB over 2 MiB is refused");
}

TEST_MAIN(TEST_CASE(test_good),
	  TEST_CASE(test_old_kernel),
	  TEST_CASE(test_bad_fields),
	  TEST_CASE(test_gzip_and_short),
	  TEST_CASE(test_layout),
	  TEST_CASE(test_layout_refused))
