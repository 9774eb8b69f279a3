/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * UEFI firmware: the image, the Q35 chipset and fw_cfg. With cc.mode snp
 * or tdx the image and the vCPUs' state are the launch's (vmm/launch.h),
 * and fw_cfg serves the kernel, initrd and command line the launch hashed.
 */
#ifndef CVMM_BOOT_FIRMWARE_H
#define CVMM_BOOT_FIRMWARE_H

#include "lib/util.h"

struct fw_cfg;
struct vm;
struct pc_firmware;

/*
 * Needs the PC (vm->pc); for snp and tdx, after launch_load(). Reports
 * its errors.
 */
int __must_check boot_firmware(struct vm *vm);
/* The VM's fw_cfg device, NULL without firmware (tests, --stats). */
struct fw_cfg *boot_firmware_fw_cfg(struct vm *vm);
void boot_firmware_free(struct pc_firmware *fw);

#endif
