/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * cvmm's ACPI tables as fw_cfg files for firmware: etc/acpi/rsdp,
 * etc/acpi/tables and the etc/table-loader script that relocates them.
 */
#ifndef CVMM_FW_ACPI_H
#define CVMM_FW_ACPI_H

#include "lib/util.h"

struct fw_cfg;
struct acpi_platform;

int __must_check fw_acpi_add_files(struct fw_cfg *fc,
				   const struct acpi_platform *p);

#endif
