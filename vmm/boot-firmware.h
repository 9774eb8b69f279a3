/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * UEFI firmware for a VM without a confidential launch (boot.firmware
 * with cc.mode none or sw): the image, the Q35 chipset and fw_cfg.
 */
#ifndef CVMM_BOOT_FIRMWARE_H
#define CVMM_BOOT_FIRMWARE_H

#include <stdio.h>

#include "cli/config.h"
#include "lib/util.h"

struct vm;
struct pc_firmware;

/* Needs the PC (vm->pc); reports its errors. */
int __must_check boot_firmware(struct vm *vm);
void boot_firmware_free(struct pc_firmware *fw);

/*
 * cvmm run --plan for a firmware boot without SNP or TDX: the memslots,
 * devices and fw_cfg items and files with their sizes, from the config
 * and the files it names alone (no /dev/kvm).
 */
int __must_check boot_firmware_plan(const struct vm_config *cfg, FILE *f);

#endif
