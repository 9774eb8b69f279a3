// SPDX-License-Identifier: GPL-2.0-only
/*
 * The arm64 Image header and boot placement, after Linux
 * Documentation/arch/arm64/booting.rst: a 2 MiB aligned base plus
 * text_offset, image_size bytes from there, the device tree 8-byte
 * aligned within one 2 MiB block, x0 = its address at entry.
 */
#include <stdio.h>
#include <string.h>

#include "vmm/arm64/image.h"

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

int arm64_image_parse(const uint8_t *hdr, size_t len, uint64_t file_size,
		      struct arm64_image *ret, char *why, size_t why_size)
{
	struct arm64_image img = { .file_size = file_size };
	uint32_t magic;

	if (len < ARM64_IMAGE_HEADER_SIZE || file_size < ARM64_IMAGE_HEADER_SIZE) {
		snprintf(why, why_size, "%llu bytes, shorter than the 64-byte Image header",
			 (unsigned long long)file_size);
		return -ENOEXEC;
	}
	magic = le32(hdr + 56);
	if (magic != ARM64_IMAGE_MAGIC) {
		snprintf(why, why_size, "header field magic is 0x%08x, not 0x%08x (\"ARM\\x64\")%s",
			 magic, ARM64_IMAGE_MAGIC,
			 hdr[0] == 0x1f && hdr[1] == 0x8b ?
				 "; the file is gzip-compressed, decompress it first (gzip -dc)" : "");
		return -ENOEXEC;
	}
	img.text_offset = le64(hdr + 8);
	img.image_size = le64(hdr + 16);
	img.flags = le64(hdr + 24);
	if (!img.image_size) {
		/* Pre-3.17 kernel: text_offset is 0x80000, size unknown. */
		img.text_offset = ARM64_IMAGE_OLD_TEXT_OFFSET;
		img.image_size = file_size;
		img.flags = 0;
	}
	if (img.flags & ~ARM64_IMAGE_FLAGS_KNOWN) {
		snprintf(why, why_size, "header field flags is 0x%llx: bits 0x%llx are reserved",
			 (unsigned long long)img.flags,
			 (unsigned long long)(img.flags & ~ARM64_IMAGE_FLAGS_KNOWN));
		return -EINVAL;
	}
	if (img.flags & ARM64_IMAGE_FLAG_BE) {
		snprintf(why, why_size, "header field flags is 0x%llx: a big-endian kernel (bit 0), and KVM's vCPUs start little-endian",
			 (unsigned long long)img.flags);
		return -EINVAL;
	}
	if (img.text_offset >= SZ_2M || !IS_ALIGNED(img.text_offset, SZ_4K)) {
		snprintf(why, why_size, "header field text_offset is 0x%llx, not a page-aligned offset below 2 MiB",
			 (unsigned long long)img.text_offset);
		return -EINVAL;
	}
	if (img.image_size < file_size) {
		snprintf(why, why_size, "header field image_size is 0x%llx, smaller than the file (0x%llx bytes)",
			 (unsigned long long)img.image_size,
			 (unsigned long long)file_size);
		return -EINVAL;
	}
	*ret = img;
	return 0;
}

int arm64_boot_layout(const struct arm64_image *img, uint64_t ram_gpa,
		      uint64_t ram_size, uint64_t initrd_size, uint64_t dtb_max,
		      struct arm64_boot_layout *ret, char *why, size_t why_size)
{
	uint64_t ram_end = ram_gpa + ram_size;
	uint64_t kernel_gpa = ALIGN_UP(ram_gpa, SZ_2M) + img->text_offset;
	uint64_t kernel_end = kernel_gpa + img->image_size;
	uint64_t dtb_gpa, initrd_gpa;

	if (dtb_max > SZ_2M || ram_size < 2 * SZ_2M || ram_end < ram_gpa ||
	    kernel_end < kernel_gpa) {
		snprintf(why, why_size, "RAM 0x%llx+0x%llx cannot hold a kernel and a device tree",
			 (unsigned long long)ram_gpa, (unsigned long long)ram_size);
		return -ENOSPC;
	}
	/* The last 2 MiB block: the DTB never shares it with the kernel. */
	dtb_gpa = ALIGN_DOWN(ram_end, SZ_2M) - SZ_2M;
	initrd_gpa = ALIGN_DOWN(dtb_gpa - MIN(initrd_size, dtb_gpa), SZ_4K);
	if (kernel_end > dtb_gpa || initrd_size > dtb_gpa - kernel_end ||
	    initrd_gpa < kernel_end) {
		snprintf(why, why_size, "the kernel (0x%llx bytes at 0x%llx, header field image_size), an initrd of 0x%llx bytes and the device tree do not fit in RAM ending at 0x%llx",
			 (unsigned long long)img->image_size,
			 (unsigned long long)kernel_gpa,
			 (unsigned long long)initrd_size,
			 (unsigned long long)ram_end);
		return -ENOSPC;
	}
	*ret = (struct arm64_boot_layout){
		.kernel_gpa = kernel_gpa,
		.initrd_gpa = initrd_size ? initrd_gpa : 0,
		.dtb_gpa = dtb_gpa,
	};
	return 0;
}
