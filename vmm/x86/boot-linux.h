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

/*
 * Where the kernel goes in guest RAM below ram_end: [*ret_load, *ret_end)
 * spans MAX(init_size, payload_size) above the boot structures (1 MiB),
 * at pref_address if it fits there, else (relocatable only) at 16 MiB
 * aligned up to kernel_alignment. On -EINVAL, reason says why. Pure.
 */
int __must_check bzimage_place(const struct bzimage *img, uint64_t ram_end,
			       uint64_t *ret_load, uint64_t *ret_end,
			       char *reason, size_t reason_len);

/*
 * What the bzImage entry and the PVH entry (vmm/x86/boot-pvh.c) share:
 * the low memory below, the files, the command line, the e820 map, the
 * ACPI tables and the vCPUs' reset state.
 */
#define BOOT_CMDLINE_GPA 0x20000ull
/* cvmm's boot structures, the BIOS area and the ACPI tables lie below. */
#define BOOT_LOW_MEMORY_END 0x100000ull

struct boot_e820_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
};

/* As many entries as boot_params (and so Linux's PVH entry) holds. */
#define BOOT_E820_MAX 128

struct boot_e820 {
	unsigned int nr;
	struct boot_e820_entry e[BOOT_E820_MAX];
};

/* Guest RAM below the PCI hole: where kernels and initrds may go. */
uint64_t boot_low_ram_end(struct vm *vm);
/* Open a regular file; an error names what and path: -EINVAL. */
int boot_open_file(const char *what, const char *path, uint64_t *ret_size);
/* pread() all of [off, off + len) of fd into guest memory at gpa. */
int __must_check boot_read_into_guest(struct vm *vm, int fd, uint64_t off,
				      uint64_t gpa, uint64_t len);
/*
 * The initrd as high as allowed (below addr_max + 1 and the RAM below
 * the PCI hole), page aligned, above kernel_end; 0s without an initrd.
 */
int __must_check boot_load_initrd(struct vm *vm, uint64_t addr_max,
				  uint64_t kernel_end, uint64_t *ret_gpa,
				  uint64_t *ret_size);
/* The command line (at most max bytes) at BOOT_CMDLINE_GPA. */
int __must_check boot_write_cmdline(struct vm *vm, uint32_t max,
				    const char *kernel);
/* The e820 memory map the guest gets, from the memory plan. */
void boot_e820_build(struct vm *vm, struct boot_e820 *map);
/* The ACPI tables and the reset vector; the RSDP's address. */
int __must_check boot_write_platform(struct vm *vm, uint64_t *ret_rsdp);
/* Every vCPU's MSRs and LAPIC as a PC's at reset. */
int __must_check boot_reset_vcpus(struct vm *vm);

#endif
