/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ACPI tables for a PC platform booted without firmware: RSDP, XSDT,
 * FADT (hardware-reduced), DSDT, MADT and MCFG, written into guest memory
 * where a kernel finds them through boot_params.acpi_rsdp_addr (or by
 * scanning 0xe0000-0xfffff).
 */
#ifndef CVMM_ACPI_H
#define CVMM_ACPI_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/util.h"

struct guest_memory;

/* In the BIOS area below 1 MiB, which the e820 map reserves. */
#define ACPI_TABLES_GPA 0xe0000ull
#define ACPI_TABLES_SIZE 0x10000ull

struct acpi_platform {
	unsigned int nr_vcpus;
	/* KVM has a PIC pair (in-kernel irqchip): the MADT says PCAT_COMPAT. */
	bool pic;
	/* The PCI host bridge's 64-bit window. */
	uint64_t pci_mmio64_base;
	uint64_t pci_mmio64_size;
};

/*
 * Write the tables at ACPI_TABLES_GPA; *ret_rsdp_gpa is the RSDP.
 * Counts the bytes in mem->stats.bytes_populated.
 */
int __must_check acpi_write_tables(struct guest_memory *mem,
				   const struct acpi_platform *p,
				   uint64_t *ret_rsdp_gpa);

/*
 * The same tables built into buf (ACPI_TABLES_SIZE bytes) with pointers
 * counted from base; *ret_len bytes used, the RSDP at *ret_rsdp_off.
 * Base 0 gives the blob fw_cfg's table loader relocates (vmm/fw-acpi.c).
 */
int __must_check acpi_build_tables(const struct acpi_platform *p,
				   uint64_t base, uint8_t *buf,
				   size_t *ret_len, size_t *ret_rsdp_off);

#endif
