/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The TD HOB list QEMU hands to TDVF (tdx.md section 5): a handoff-info
 * table, one resource descriptor per RAM range (accepted or not) and an
 * end marker. TDVF measures it into RTMR0, so the bytes must match QEMU's.
 */
#ifndef CVMM_CC_TDX_HOB_H
#define CVMM_CC_TDX_HOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cc/ovmf.h"

#define TDX_HOB_HANDOFF_SIZE 56
#define TDX_HOB_RESOURCE_SIZE 48
#define TDX_HOB_END_SIZE 8

/* EFI resource types and the attribute QEMU gives both. */
#define TDX_HOB_RES_SYSTEM_MEMORY 0
#define TDX_HOB_RES_UNACCEPTED 7
#define TDX_HOB_RES_ATTR 0x7		/* PRESENT | INITIALIZED | TESTED */

/* A RAM range of the guest, from its e820 RAM entries. */
struct tdx_ram_range {
	uint64_t gpa;
	uint64_t size;
};

/* RAM split around the accepted sections. */
struct tdx_ram_entry {
	uint64_t gpa;
	uint64_t size;
	bool accepted;
};

/* Room for the split: each accepted section adds at most two entries. */
#define TDX_RAM_SPLIT_MAX(nr_ram, nr_secs) ((nr_ram) + 2 * (nr_secs))

/**
 * tdx_ram_split() - RAM as TDVF will see it, sorted by address
 * @ret: room for TDX_RAM_SPLIT_MAX(nr_ram, nr_secs) entries
 *
 * The TD_HOB and TEMP_MEM sections (not PAGE.AUG) are accepted; the rest
 * of RAM is not. Like QEMU, each such section must lie within one RAM
 * range; a section inside an already accepted piece is fine. RAM ranges
 * need not be sorted but must be non-empty, 4 KiB aligned and disjoint.
 * Returns 0 or -EINVAL.
 */
int __must_check tdx_ram_split(const struct tdx_ram_range *ram, size_t nr_ram,
			       const struct tdvf_section *secs, size_t nr_secs,
			       struct tdx_ram_entry *ret, size_t *ret_nr);

/* Bytes of the largest HOB that tdx_hob_build() can write for these. */
size_t tdx_hob_max_size(size_t nr_ram, size_t nr_secs);

/**
 * tdx_hob_build() - write the TD HOB list
 * @buf: where the HOB goes; it is loaded at the TD_HOB section's GPA,
 *       which is also the initial RCX of every vCPU
 * @ret_len: bytes written (the rest of @buf is left alone)
 *
 * Returns 0; -EINVAL for a tdx_ram_split() error or unless the sections
 * hold exactly one TD_HOB, not PAGE.AUG; -E2BIG if the HOB is larger than
 * the TD_HOB section; -ENOBUFS if it is larger than @buf_size; -ENOMEM.
 */
int __must_check tdx_hob_build(const struct tdx_ram_range *ram, size_t nr_ram,
			       const struct tdvf_section *secs, size_t nr_secs,
			       uint8_t *buf, size_t buf_size, size_t *ret_len);

#endif
