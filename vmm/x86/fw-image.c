// SPDX-License-Identifier: GPL-2.0-only
/* A firmware image's kernel loader; see fw-image.h. */
#include <errno.h>
#include <lzma.h>
#include <stdio.h>
#include <string.h>

#include "lib/log.h"
#include "vmm/x86/fw-image.h"

/* PI 1.8 vol. 3: section types and the FFS file header. */
#define SECTION_GUID_DEFINED 0x02
#define SECTION_HEADER_SIZE 4
#define SECTION_SIZE_EXTENDED 0xffffff
#define FFS_TYPE_OFFSET 18
#define FFS_TYPE_DRIVER 0x07
#define FFS_HEADER_SIZE 24

/* GUIDs in their in-memory (EFI_GUID, little-endian fields) layout. */
static const uint8_t kernel_loader_guid[16] = {
	0xca, 0x40, 0x60, 0x80, 0xd9, 0xda, 0x78, 0x49,
	0xa3, 0xb4, 0x2d, 0x2a, 0xb0, 0xc8, 0xa4, 0x8f,
};
static const uint8_t lzma_section_guid[16] = {
	0x98, 0x58, 0x4e, 0xee, 0x14, 0x39, 0x59, 0x42,
	0x9d, 0x6e, 0xdc, 0x7b, 0xd7, 0x94, 0x03, 0xcf,
};

#define CHUNK (64 * 1024)

/* An FFS driver file header named by the loader's GUID in buf. */
static bool has_loader_file(const uint8_t *buf, size_t len)
{
	const uint8_t *p = buf, *end = buf + len;

	while ((p = memmem(p, end - p, kernel_loader_guid,
			   sizeof(kernel_loader_guid)))) {
		if (end - p >= FFS_HEADER_SIZE &&
		    p[FFS_TYPE_OFFSET] == FFS_TYPE_DRIVER)
			return true;
		p++;
	}
	return false;
}

/* Decompress data until the loader shows; *ret_ok: it decompressed. */
static bool lzma_has_loader(const uint8_t *data, size_t len, bool *ret_ok)
{
	uint8_t out[CHUNK];
	lzma_stream s = LZMA_STREAM_INIT;
	size_t keep = 0;
	lzma_ret r;
	bool found = false;

	*ret_ok = false;
	if (lzma_alone_decoder(&s, UINT64_MAX) != LZMA_OK)
		return false;
	s.next_in = data;
	s.avail_in = len;
	do {
		s.next_out = out + keep;
		s.avail_out = sizeof(out) - keep;
		r = lzma_code(&s, LZMA_FINISH);
		len = sizeof(out) - s.avail_out;
		found = has_loader_file(out, len);
		/* A header may straddle two chunks. */
		keep = MIN(len, (size_t)FFS_HEADER_SIZE - 1);
		memmove(out, out + len - keep, keep);
	} while (!found && r == LZMA_OK);
	*ret_ok = found || r == LZMA_STREAM_END;
	lzma_end(&s);
	return found;
}

/* The GUID-defined section whose GUID is at g, as [*ret_data, +len). */
static bool lzma_section(const uint8_t *image, size_t size, const uint8_t *g,
			 const uint8_t **ret_data, size_t *ret_len)
{
	size_t at = g - image, hdr, sec_size, data_off;

	if (at < SECTION_HEADER_SIZE || size - at < 20)
		return false;
	hdr = at - SECTION_HEADER_SIZE;
	sec_size = image[hdr] | image[hdr + 1] << 8 | image[hdr + 2] << 16;
	if (sec_size == SECTION_SIZE_EXTENDED && hdr >= 4) {
		hdr -= 4;
		sec_size = image[hdr + 4] | image[hdr + 5] << 8 |
			   image[hdr + 6] << 16 | (size_t)image[hdr + 7] << 24;
	}
	if (image[hdr + 3] != SECTION_GUID_DEFINED)
		return false;
	data_off = image[at + 16] | image[at + 17] << 8;
	if (sec_size > size - hdr || data_off >= sec_size)
		return false;
	*ret_data = image + hdr + data_off;
	*ret_len = sec_size - data_off;
	return true;
}

enum fw_kernel_loader fw_image_kernel_loader(const uint8_t *image,
					     size_t size)
{
	const uint8_t *p = image, *end = image + size, *data;
	bool all_ok = true, ok;
	size_t len;

	if (has_loader_file(image, size))
		return FW_KERNEL_LOADER_YES;
	while ((p = memmem(p, end - p, lzma_section_guid,
			   sizeof(lzma_section_guid)))) {
		if (lzma_section(image, size, p, &data, &len)) {
			if (lzma_has_loader(data, len, &ok))
				return FW_KERNEL_LOADER_YES;
			if (!ok)
				log_debug("firmware: the LZMA section at 0x%zx does not decompress",
					  (size_t)(p - image));
			all_ok &= ok;
		}
		p++;
	}
	return all_ok ? FW_KERNEL_LOADER_NO : FW_KERNEL_LOADER_UNKNOWN;
}

int fw_image_check_kernel(const struct vm_config *cfg, const uint8_t *image,
			  size_t size, char *reason, size_t len)
{
	if (!cfg->boot.kernel ||
	    fw_image_kernel_loader(image, size) != FW_KERNEL_LOADER_NO)
		return 0;
	snprintf(reason, len,
		 "firmware '%s' has no kernel loader (no QemuKernelLoaderFsDxe in its volumes): it cannot boot --kernel '%s'",
		 cfg->boot.firmware, cfg->boot.kernel);
	return -EINVAL;
}
