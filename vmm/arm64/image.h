/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The Linux arm64 Image: its 64-byte header (Linux
 * Documentation/arch/arm64/booting.rst) and where the kernel, its initrd
 * and the device tree go in RAM. Pure; vmm/arm64/boot.c does the I/O.
 */
#ifndef CVMM_ARM64_IMAGE_H
#define CVMM_ARM64_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "lib/util.h"

#define ARM64_IMAGE_HEADER_SIZE 64
/* "ARM\x64", little endian, at offset 56 */
#define ARM64_IMAGE_MAGIC 0x644d5241u
/* Kernels before 3.17 leave image_size 0 and load at 0x80000. */
#define ARM64_IMAGE_OLD_TEXT_OFFSET 0x80000ull

/* flags: bit 0 big endian; bits 1-2 page size; bit 3 placement anywhere */
#define ARM64_IMAGE_FLAG_BE (1ull << 0)
#define ARM64_IMAGE_FLAG_PAGE_SHIFT 1
#define ARM64_IMAGE_FLAG_PAGE_MASK (3ull << 1)
#define ARM64_IMAGE_FLAG_ANYWHERE (1ull << 3)
#define ARM64_IMAGE_FLAGS_KNOWN 0xfull

struct arm64_image {
	uint64_t text_offset;
	/* Bytes the kernel occupies from its load address, bss included. */
	uint64_t image_size;
	uint64_t flags;
	/* Bytes of the file. */
	uint64_t file_size;
};

struct arm64_boot_layout {
	uint64_t kernel_gpa;
	uint64_t initrd_gpa;
	uint64_t dtb_gpa;
};

/*
 * Check the header of an Image of file_size bytes whose first bytes are
 * hdr (len of them). On failure returns -EINVAL (-ENOEXEC for something
 * that is not an arm64 Image at all) and writes a reason that names the
 * header field and its value into why.
 */
int __must_check arm64_image_parse(const uint8_t *hdr, size_t len,
				   uint64_t file_size, struct arm64_image *ret,
				   char *why, size_t why_size);

/*
 * Place the kernel at the first 2 MiB boundary of RAM plus text_offset,
 * the device tree (dtb_max bytes reserved) in the last 2 MiB of RAM and
 * the initrd page-aligned just below it. -ENOSPC, with the reason in why,
 * if they do not fit in [ram_gpa, ram_gpa + ram_size).
 */
int __must_check arm64_boot_layout(const struct arm64_image *img,
				   uint64_t ram_gpa, uint64_t ram_size,
				   uint64_t initrd_size, uint64_t dtb_max,
				   struct arm64_boot_layout *ret, char *why,
				   size_t why_size);

#endif
