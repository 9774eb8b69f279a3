/* SPDX-License-Identifier: GPL-2.0-only */
/* Loading what the guest boots: the embedded test guest (or, later, a
 * kernel or firmware) written in place into guest memory. */
#ifndef CVMM_BOOT_H
#define CVMM_BOOT_H

#include <stddef.h>
#include <stdint.h>

#include "guest/image.h"
#include "lib/util.h"

struct vm;

/* Write the boot images and set every vCPU's initial state. */
int __must_check boot_load(struct vm *vm);

/*
 * The loaders boot_load() picks from, one per kind of guest, in the
 * architecture's part (vmm/x86/): the embedded test guest, and a Linux
 * kernel (vmm/x86/boot-linux.h).
 */
int __must_check boot_test_guest(struct vm *vm);
/*
 * The test guest's boot info at gpa (vmm/boot-info.c, every
 * architecture): the machine, the scenario, flags (BOOTINFO_F_*).
 */
int __must_check boot_test_write_info(struct vm *vm, uint64_t gpa,
				      uint32_t flags);
/*
 * Load cfg->boot.kernel, initrd and command line into guest memory, write
 * the zero page and ACPI tables, and put the boot vCPU at the 64-bit
 * entry; a vmlinux (ELF) goes through its PVH entry instead
 * (vmm/x86/boot-pvh.h). Bad files and sizes are reported, naming the
 * file: -EINVAL.
 */
int __must_check boot_linux(struct vm *vm);

#endif
