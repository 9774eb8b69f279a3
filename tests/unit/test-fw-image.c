// SPDX-License-Identifier: GPL-2.0-only
/*
 * Whether a firmware image has QEMU's kernel loader (vmm/x86/fw-image.c):
 * images built here (an FFS driver file header inside an LZMA-compressed
 * GUID-defined section, or plain; the same without it; a section that
 * does not decompress), and the three fixtures, which all have one; and
 * the check of an SNP or TDX launch (vm_validate()) on the SNP and TDX
 * fixtures, as they are (they boot --kernel) and with their compressed
 * volumes hidden (no loader: refused, naming the firmware and why).
 */
#include <errno.h>
#include <lzma.h>
#include <stdlib.h>
#include <string.h>

#include "tests/test.h"
#include "tests/unit/fixture.h"
#include "vmm/validate.h"
#include "vmm/x86/fw-image.h"

#define OVMF_SHA256 \
	"6a3e8f438ad7269f5dfd884647587b88391fb23965bb3aa7902b519438dba129"

static const uint8_t loader_guid[16] = {
	0xca, 0x40, 0x60, 0x80, 0xd9, 0xda, 0x78, 0x49,
	0xa3, 0xb4, 0x2d, 0x2a, 0xb0, 0xc8, 0xa4, 0x8f,
};
static const uint8_t lzma_guid[16] = {
	0x98, 0x58, 0x4e, 0xee, 0x14, 0x39, 0x59, 0x42,
	0x9d, 0x6e, 0xdc, 0x7b, 0xd7, 0x94, 0x03, 0xcf,
};

#define VOLUME_SIZE (256 * 1024)
#define IMAGE_SIZE (512 * 1024)
#define SECTION_AT 0x1000
/* GUID-defined section header: size[3], type, GUID, data offset, attrs. */
#define SECTION_HDR 24

/* A volume with an FFS file header at 100 KiB of the given type. */
static void make_volume(uint8_t *v, bool loader, uint8_t type)
{
	memset(v, 0x5a, VOLUME_SIZE);
	if (!loader)
		return;
	memcpy(v + 100 * 1024, loader_guid, 16);
	v[100 * 1024 + 18] = type;
}

/* An image holding vol compressed in a GUID-defined LZMA section. */
static void make_image(uint8_t *img, const uint8_t *vol)
{
	lzma_options_lzma opt;
	lzma_stream s = LZMA_STREAM_INIT;
	uint8_t *sec = img + SECTION_AT;
	size_t len;

	memset(img, 0xff, IMAGE_SIZE);
	EXPECT(!lzma_lzma_preset(&opt, 1), "preset");
	EXPECT_EQ(lzma_alone_encoder(&s, &opt), LZMA_OK, "encoder");
	s.next_in = vol;
	s.avail_in = VOLUME_SIZE;
	s.next_out = sec + SECTION_HDR;
	s.avail_out = IMAGE_SIZE - SECTION_AT - SECTION_HDR;
	EXPECT_EQ(lzma_code(&s, LZMA_FINISH), LZMA_STREAM_END, "compress");
	len = SECTION_HDR + s.total_out;
	lzma_end(&s);
	sec[0] = len;
	sec[1] = len >> 8;
	sec[2] = len >> 16;
	sec[3] = 0x02;
	memcpy(sec + 4, lzma_guid, 16);
	sec[20] = SECTION_HDR;
	sec[21] = 0;
}

static enum fw_kernel_loader built(bool loader, uint8_t type)
{
	static uint8_t vol[VOLUME_SIZE], img[IMAGE_SIZE];

	make_volume(vol, loader, type);
	make_image(img, vol);
	return fw_image_kernel_loader(img, sizeof(img));
}

static void test_compressed(void)
{
	EXPECT_EQ(built(true, 0x07), FW_KERNEL_LOADER_YES, "driver inside");
	EXPECT_EQ(built(false, 0), FW_KERNEL_LOADER_NO, "no driver");
	/* The GUID in something that is not a driver's file header. */
	EXPECT_EQ(built(true, 0x02), FW_KERNEL_LOADER_NO, "not a driver");
}

static void test_plain_and_empty(void)
{
	static uint8_t img[IMAGE_SIZE];

	memset(img, 0, sizeof(img));
	EXPECT_EQ(fw_image_kernel_loader(img, sizeof(img)),
		  FW_KERNEL_LOADER_NO, "nothing at all");
	memcpy(img + 0x3000, loader_guid, 16);
	img[0x3000 + 18] = 0x07;
	EXPECT_EQ(fw_image_kernel_loader(img, sizeof(img)),
		  FW_KERNEL_LOADER_YES, "an uncompressed volume");
}

static void test_broken_section(void)
{
	static uint8_t vol[VOLUME_SIZE], img[IMAGE_SIZE];

	make_volume(vol, false, 0);
	make_image(img, vol);
	memset(img + SECTION_AT + SECTION_HDR + 13, 0xee, 64);
	EXPECT_EQ(fw_image_kernel_loader(img, sizeof(img)),
		  FW_KERNEL_LOADER_UNKNOWN, "cannot tell");
	/* A section size past the image's end is no section. */
	img[SECTION_AT + 2] = 0x7f;
	EXPECT_EQ(fw_image_kernel_loader(img, sizeof(img)),
		  FW_KERNEL_LOADER_NO, "bad size");
}

static void test_fixtures(void)
{
	static const struct {
		const char *name, *sha256;
	} fws[] = {
		{ "OVMF.fd", OVMF_SHA256 },
		{ "OVMF.amdsev.fd", AMDSEV_SHA256 },
		{ "OVMF.inteltdx.ms.fd", INTELTDX_SHA256 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(fws); i++) {
		size_t size = 0;
		uint8_t *img = fixture_load(fws[i].name, fws[i].sha256, &size);

		if (!img) {
			printf("note: %s: %s\n", fws[i].name, skip_why);
			continue;
		}
		EXPECT_EQ(fw_image_kernel_loader(img, size),
			  FW_KERNEL_LOADER_YES, "%s", fws[i].name);
		free(img);
	}
}

static char scratch[] = "/tmp/test-fw-image-XXXXXX";

static void write_file(const char *path, const uint8_t *buf, size_t size)
{
	FILE *f = fopen(path, "wb");

	EXPECT(f && fwrite(buf, 1, size, f) == size && !fclose(f),
	       "writing %s", path);
}

/* vm_validate() of a measured launch of @fw with --kernel; its errors. */
static int validate_launch(enum cc_mode mode, const char *fw, char **ret_out)
{
	struct vm_config cfg;
	struct cfg_diag d;
	size_t len = 0;
	char path[64];
	FILE *f;
	int r;

	vm_config_init(&cfg);
	cfg.cc.mode = mode;
	snprintf(path, sizeof(path), "%s/%s", scratch, fw);
	cfg.boot.firmware = strdup(path);
	snprintf(path, sizeof(path), "%s/kernel", scratch);
	cfg.boot.kernel = strdup(path);
	vm_config_finish(&cfg);
	f = open_memstream(ret_out, &len);
	cfg_diag_init(&d, f);
	r = vm_validate(&cfg, VM_USE_MEASURE, &d, NULL);
	fclose(f);
	vm_config_free(&cfg);
	return r;
}

/*
 * An SNP or TDX launch with --kernel needs the kernel loader as much as
 * an ordinary VM: the SNP and TDX fixtures have it (with the SEV hashes
 * verifier for SNP; TDVF measures the items instead) and pass. With
 * every LZMA section's GUID overwritten, the loader is hidden while the
 * footer table and metadata the launch reads stay: refused.
 */
static void test_cc_launch(void)
{
	static const struct {
		const char *name, *sha256;
		enum cc_mode mode;
	} fws[] = {
		{ "OVMF.amdsev.fd", AMDSEV_SHA256, CC_MODE_SNP },
		{ "OVMF.inteltdx.ms.fd", INTELTDX_SHA256, CC_MODE_TDX },
	};
	static const char *const files[] = { "kernel", "good.fd", "noloader.fd" };
	static const uint8_t kernel[4096];

	EXPECT(mkdtemp(scratch), "mkdtemp");
	for (size_t i = 0; i < ARRAY_SIZE(fws); i++) {
		size_t size = 0;
		uint8_t *img = fixture_load(fws[i].name, fws[i].sha256, &size);
		uint8_t *p;
		char path[64], *out = NULL;

		if (!img) {
			printf("note: %s: %s\n", fws[i].name, skip_why);
			continue;
		}
		snprintf(path, sizeof(path), "%s/kernel", scratch);
		write_file(path, kernel, sizeof(kernel));
		snprintf(path, sizeof(path), "%s/good.fd", scratch);
		write_file(path, img, size);
		EXPECT_EQ(validate_launch(fws[i].mode, "good.fd", &out), 0,
			  "%s as it is: %s", fws[i].name, out);
		free(out);
		for (p = img; (p = memmem(p, img + size - p, lzma_guid, 16));)
			memset(p, 0, 16);
		snprintf(path, sizeof(path), "%s/noloader.fd", scratch);
		write_file(path, img, size);
		EXPECT_EQ(validate_launch(fws[i].mode, "noloader.fd", &out),
			  -EINVAL, "%s without its loader", fws[i].name);
		EXPECT(out && strstr(out, "noloader.fd' has no kernel loader") &&
			       strstr(out, "(no QemuKernelLoaderFsDxe in its volumes)"),
		       "%s: the error names the firmware and why: %s",
		       fws[i].name, out);
		free(out);
		free(img);
	}
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		char path[64];

		snprintf(path, sizeof(path), "%s/%s", scratch, files[i]);
		unlink(path);
	}
	rmdir(scratch);
}

TEST_MAIN(TEST_CASE(test_compressed), TEST_CASE(test_plain_and_empty),
	  TEST_CASE(test_broken_section), TEST_CASE(test_fixtures),
	  TEST_CASE(test_cc_launch))
