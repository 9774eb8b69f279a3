/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Linux direct boot through the PVH entry of an uncompressed vmlinux
 * (shared/spec/x86-boot.md section 5): the ELF's PT_LOAD segments at
 * their physical addresses, an hvm_start_info, and the boot vCPU in
 * 32-bit protected mode at the XEN_ELFNOTE_PHYS32_ENTRY address.
 */
#ifndef CVMM_BOOT_PVH_H
#define CVMM_BOOT_PVH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/util.h"

struct vm;

/* Linux's vmlinux has two or three; more is not a kernel. */
#define PVH_MAX_SEGMENTS 16

/* One PT_LOAD: file bytes [file_off, + filesz) at paddr, zeroed to memsz. */
struct pvh_segment {
	uint64_t file_off;
	uint64_t filesz;
	uint64_t paddr;
	uint64_t memsz;
};

struct pvh_image {
	/* XEN_ELFNOTE_PHYS32_ENTRY: the 32-bit physical entry point. */
	uint32_t entry;
	unsigned int nr_segments;
	struct pvh_segment segments[PVH_MAX_SEGMENTS];
	/* The highest end of a segment in memory. */
	uint64_t end;
};

/* Whether buf (len bytes) starts with the ELF magic. Pure. */
bool pvh_is_elf(const uint8_t *buf, size_t len);

/*
 * Check the ELF file in buf (the whole file, len bytes): class and
 * machine, program headers, PT_LOAD segments inside the file, below
 * 4 GiB and not overlapping, and the PVH entry note. On -EINVAL, reason
 * holds a sentence fragment saying what is wrong. Pure.
 */
int __must_check pvh_elf_parse(const uint8_t *buf, size_t len,
			       struct pvh_image *ret, char *reason,
			       size_t reason_len);

/* Whether the file fd starts with the ELF magic. */
bool pvh_file_is_elf(int fd);

/*
 * Boot the vmlinux open at fd (path, size bytes) through its PVH entry,
 * with cfg->boot's initrd and command line: bad files and sizes are
 * reported, naming the file: -EINVAL.
 */
int __must_check boot_pvh(struct vm *vm, int fd, const char *path,
			  uint64_t size);

#endif
