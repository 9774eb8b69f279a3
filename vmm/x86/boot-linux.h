/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Linux direct boot (shared/spec/x86-boot.md): a bzImage entered at its
 * 64-bit entry point with a zero page, command line, initrd and ACPI
 * tables written in place into guest memory.
 */
#ifndef CVMM_BOOT_LINUX_H
#define CVMM_BOOT_LINUX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/util.h"

struct vm;

/* What cvmm needs from a bzImage's setup header. */
struct bzimage {
	uint16_t version;
	/* Bytes of the real-mode part: (setup_sects + 1) * 512. */
	uint32_t setup_size;
	/* The protected-mode kernel: the rest of the file. */
	uint64_t payload_size;
	/* End of the setup header, 0x202 + the byte at 0x201. */
	uint32_t header_end;
	uint32_t cmdline_size;
	uint32_t initrd_addr_max;
	uint32_t kernel_alignment;
	bool relocatable;
	uint64_t pref_address;
	uint32_t init_size;
};

/* The first bytes of the file bzimage_parse() needs (fewer if shorter). */
#define BZIMAGE_HEADER_READ 0x1000

/*
 * Check the setup header in buf (the first len bytes of a file of
 * file_size bytes). On -EINVAL, reason holds a sentence fragment that
 * says what is wrong ("boot protocol 2.06 is older than 2.12"). Pure.
 */
int __must_check bzimage_parse(const uint8_t *buf, size_t len,
			       uint64_t file_size, struct bzimage *ret,
			       char *reason, size_t reason_len);

#endif
