/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * UEFI firmware for a VM without a confidential launch (boot.firmware
 * with cc.mode none or sw): the image, the Q35 chipset and fw_cfg.
 */
#ifndef CVMM_BOOT_FIRMWARE_H
#define CVMM_BOOT_FIRMWARE_H

#include "lib/util.h"

struct vm;
struct pc_firmware;

/* Needs the PC (vm->pc); reports its errors. */
int __must_check boot_firmware(struct vm *vm);
void boot_firmware_free(struct pc_firmware *fw);

#endif
