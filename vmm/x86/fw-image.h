/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What a UEFI firmware image holds, read from its firmware volumes: for
 * now, whether it has QEMU's kernel loader (edk2's QemuKernelLoaderFsDxe,
 * FFS file 806040ca-dad9-4978-a3b4-2d2ab0c8a48f), without which it ignores
 * the kernel, initrd and command line fw_cfg hands it. OVMF keeps its DXE
 * drivers in an LZMA-compressed GUID-defined section (section GUID
 * ee4e5898-3914-4259-9d6e-dc7bd79403cf, LZMA "alone" format: 5 bytes of
 * properties, the 64-bit size, the stream); the image is searched as it
 * is and inside every such section, decompressed until the driver shows.
 */
#ifndef CVMM_FW_IMAGE_H
#define CVMM_FW_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "lib/util.h"

enum fw_kernel_loader {
	FW_KERNEL_LOADER_YES,
	FW_KERNEL_LOADER_NO,
	/* A compressed section that did not decompress: cannot tell. */
	FW_KERNEL_LOADER_UNKNOWN,
};

enum fw_kernel_loader fw_image_kernel_loader(const uint8_t *image,
					     size_t size);

/*
 * fw_image_check_kernel() - may this firmware boot boot.kernel?
 *
 * A firmware without the kernel loader would ignore the kernel fw_cfg
 * offers and boot something else: in an ordinary VM and in an SNP or TDX
 * launch alike (OVMF.amdsev.fd and OVMF.inteltdx.fd both build the
 * loader in). Returns 0 without boot.kernel or when the loader is there
 * (or cannot be told), else -EINVAL with @reason naming the firmware.
 */
int __must_check fw_image_check_kernel(const struct vm_config *cfg,
				       const uint8_t *image, size_t size,
				       char *reason, size_t len);

#endif
