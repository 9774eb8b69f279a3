/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A firmware boot's kernel and UEFI Secure Boot (ordinary VMs, --kernel).
 * OVMF's kernel loader starts the kernel with LoadImage(), which a Secure
 * Boot firmware (OVMF.inteltdx.ms.fd: Microsoft's keys enrolled) refuses
 * for a kernel signed by its distribution only. The loader then reads the
 * fw_cfg file opt/org.tianocore/EnableLegacyLoader, and only then, to ask
 * whether it may boot the kernel anyway through its legacy loader, which
 * checks no signature. cvmm serves "no" there, so a refused kernel never
 * runs, and takes the guest's read of that file as the refusal: cvmm ends
 * the VM with status 1 and one line saying why (docs/linux.md).
 */
#ifndef CVMM_FW_SECURE_BOOT_H
#define CVMM_FW_SECURE_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "lib/util.h"

struct fw_cfg;
struct vm;

#define FW_LEGACY_LOADER_FILE "opt/org.tianocore/EnableLegacyLoader"

struct fw_secure_boot {
	struct vm *vm;
	struct fw_cfg *fc;
	/* The legacy-loader file's item, or -ENOENT. */
	int key;
	bool refused;
};

/*
 * Add opt/org.tianocore/EnableLegacyLoader ("no") for a kernel in an
 * ordinary VM; SNP and TDX firmware never use the legacy loader.
 */
int __must_check fw_secure_boot_add_files(const struct vm_config *cfg,
					  struct fw_cfg *fc);

/* After fw_cfg_finish(): watch for the refusal. */
void fw_secure_boot_watch(struct fw_secure_boot *sb, struct vm *vm,
			  struct fw_cfg *fc);

/* Whether the PE image in buf has a section of that name (8 chars at most). */
bool fw_pe_has_section(const uint8_t *buf, uint32_t len, const char *name);

/*
 * With a shim: a shim starts the firmware's "kernel" itself and requires
 * an .sbat section in it (shim's SBAT policy since 15.3), which kernels
 * signed for GRUB to start usually lack (Debian's). Such a kernel gives
 * -EINVAL and the reason, so that cvmm refuses it at start rather than
 * meet the shim's "Verification failed: (0x1A) Security Violation".
 */
int __must_check fw_shim_check_kernel(const struct vm_config *cfg,
				      const uint8_t *buf, uint32_t len,
				      char *reason, size_t reason_len);

/* Whether buf starts with a PE image's headers (MZ, then PE). */
bool fw_is_efi_app(const uint8_t *buf, uint32_t len);

/*
 * Whether the bzImage's PE header (its first len bytes) has a Secure Boot
 * signature (a non-empty certificate table), for the explanation.
 */
bool fw_kernel_is_signed(const uint8_t *buf, uint32_t len);

#endif
