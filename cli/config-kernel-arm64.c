// SPDX-License-Identifier: GPL-2.0-only
/*
 * An arm64 kernel is an Image: its header's magic here, the rest of the
 * header when the VM is built (vmm/arm64/image.c).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "cli/config-kernel.h"

/* Linux Documentation/arch/arm64/booting.rst: "ARM\x64" at offset 56. */
#define IMAGE_MAGIC_OFF 56
#define IMAGE_MAGIC "ARM\x64"

int cfg_check_kernel(int fd, const char *shown, const char *json_path,
		     struct cfg_diag *d)
{
	unsigned char magic[4];

	if (pread(fd, magic, sizeof(magic), IMAGE_MAGIC_OFF) != sizeof(magic) ||
	    memcmp(magic, IMAGE_MAGIC, sizeof(magic))) {
		if (pread(fd, magic, 2, 0) == 2 && magic[0] == 0x1f &&
		    magic[1] == 0x8b)
			cfg_error(d, json_path,
				  "'%s' is gzip-compressed: decompress the Image first (gzip -dc)",
				  shown);
		else
			cfg_error(d, json_path,
				  "'%s' is not an arm64 Image (no \"ARM\\x64\" at offset 56)",
				  shown);
		return -EINVAL;
	}
	return 0;
}
