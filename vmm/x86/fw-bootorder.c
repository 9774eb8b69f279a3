// SPDX-License-Identifier: GPL-2.0-only
/* fw_cfg's `bootorder`; see fw-bootorder.h. */
#include <stdio.h>

#include "devices/fw-cfg.h"
#include "devices/pci.h"
#include "vmm/x86/fw-bootorder.h"

/* A modern virtio-blk function (virtio 1.2 section 4.1.2). */
#define VIRTIO_BLK_PCI_ID (0x1af4 | (0x1040u + 2) << 16)

int fw_bootorder_add(struct fw_cfg *fc, const unsigned int *slots,
		     unsigned int nr)
{
	char buf[PCI_MAX_DEVICES * FW_BOOTORDER_LINE_MAX];
	size_t len = 0;

	if (!nr)
		return 0;
	if (nr > PCI_MAX_DEVICES)
		return -EINVAL;
	for (unsigned int i = 0; i < nr; i++)
		len += snprintf(buf + len, sizeof(buf) - len,
				"/pci@i0cf8/scsi@%x/disk@0,0\n", slots[i]);
	/* QEMU's file ends in a NUL instead of the last newline. */
	buf[len - 1] = '\0';
	return fw_cfg_add_file(fc, "bootorder", buf, len);
}

unsigned int fw_bootorder_disk_slots(const struct pci_host *host,
				     unsigned int *slots, unsigned int max)
{
	unsigned int nr = 0;

	for (unsigned int s = 0; s < PCI_MAX_DEVICES && nr < max; s++)
		if (host->devices[s] &&
		    pci_cfg_read32(host->devices[s]->cfg, PCI_VENDOR_ID) ==
			    VIRTIO_BLK_PCI_ID)
			slots[nr++] = s;
	return nr;
}
