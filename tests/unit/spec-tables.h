/* SPDX-License-Identifier: GPL-2.0-only */
/* Tables the spec gives for the fixture firmware, shared by the tests. */
#ifndef CVMM_TESTS_SPEC_TABLES_H
#define CVMM_TESTS_SPEC_TABLES_H

#include "cc/ovmf.h"

/* OVMF.inteltdx.ms.fd's TDVF sections, as tdx.md section 4 lists them. */
static const struct tdvf_section tdx_sections[] = {
	{ 0x84000, 0x37C000, 0xFFC84000, 0x37C000, TDVF_SECTION_BFV,
	  TDVF_ATTR_MR_EXTEND },
	{ 0x0, 0x84000, 0xFFC00000, 0x84000, TDVF_SECTION_CFV, 0 },
	{ 0, 0, 0x810000, 0x10000, TDVF_SECTION_TEMP_MEM, 0 },
	{ 0, 0, 0x80B000, 0x2000, TDVF_SECTION_TEMP_MEM, 0 },
	{ 0, 0, 0x809000, 0x2000, TDVF_SECTION_TD_HOB, 0 },
	{ 0, 0, 0x800000, 0x6000, TDVF_SECTION_TEMP_MEM, 0 },
};

#endif
