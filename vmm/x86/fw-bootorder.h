/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fw_cfg's `bootorder` file: the devices firmware boots first, one
 * OpenFirmware device path a line, as QEMU writes them and OVMF's
 * QemuBootOrderLib translates them to UEFI device paths. cvmm names its
 * virtio disks, in PCI slot order (the order of cfg->devices.disks): a
 * virtio-blk function at slot S is "/pci@i0cf8/scsi@S/disk@0,0" (S in
 * hex), which OVMF matches with PciRoot(0x0)/Pci(S,0x0).
 */
#ifndef CVMM_FW_BOOTORDER_H
#define CVMM_FW_BOOTORDER_H

#include "lib/util.h"

struct fw_cfg;
struct pci_host;

/* Longest path: "/pci@i0cf8/scsi@1f/disk@0,0\n". */
#define FW_BOOTORDER_LINE_MAX 32

/*
 * Add "bootorder" for the disks at slots[0..nr) (nothing without disks);
 * the file is the lines, the last one's newline replaced by a NUL.
 */
int __must_check fw_bootorder_add(struct fw_cfg *fc,
				  const unsigned int *slots, unsigned int nr);

/* The slots of the virtio-blk functions on host's bus, in slot order. */
unsigned int fw_bootorder_disk_slots(const struct pci_host *host,
				     unsigned int *slots, unsigned int max);

#endif
