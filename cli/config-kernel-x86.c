// SPDX-License-Identifier: GPL-2.0-only
/*
 * An x86 kernel is a bzImage, a vmlinux (ELF: a direct boot enters it at
 * its PVH entry, vmm/x86/boot-pvh.c), or for a firmware boot any EFI
 * application (PE, "MZ" first): the firmware's loader starts it, a shim's
 * second stage such as GRUB too (vmm/x86/boot-firmware.c). A direct boot
 * refuses a PE that is not a bzImage when it parses the header, and the
 * firmware and CC boots a vmlinux.
 */
#include <string.h>
#include <unistd.h>

#include "cli/config-kernel.h"

/* x86 boot protocol: the setup header magic "HdrS" at file offset 0x202. */
#define BZIMAGE_HDRS_OFF 0x202
#define BZIMAGE_HDRS "HdrS"

int cfg_check_kernel(int fd, const char *shown, const char *json_path,
		     struct cfg_diag *d)
{
	char magic[4], mz[2], elf[4];

	if (pread(fd, mz, sizeof(mz), 0) == sizeof(mz) && !memcmp(mz, "MZ", 2))
		return 0;
	if (pread(fd, elf, sizeof(elf), 0) == sizeof(elf) &&
	    !memcmp(elf, "\x7f" "ELF", 4))
		return 0;
	if (pread(fd, magic, sizeof(magic), BZIMAGE_HDRS_OFF) !=
		    sizeof(magic) ||
	    memcmp(magic, BZIMAGE_HDRS, sizeof(magic))) {
		cfg_error(d, json_path,
			  "'%s' is not a bzImage (no \"HdrS\" at offset 0x202)",
			  shown);
		return -EINVAL;
	}
	return 0;
}
