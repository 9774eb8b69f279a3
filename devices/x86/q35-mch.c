// SPDX-License-Identifier: GPL-2.0-only
/*
 * The Q35 MCH host bridge at 00.0 (model in q35.h): the device ID OVMF's
 * SEC reads first to tell the platform, and registers 0x40-0xff stored
 * as written (PCIEXBAR, PAM, SMRAM, TSEG size), none acted on.
 */
#include <string.h>

#include "devices/x86/q35.h"

#define CLASS_HOST_BRIDGE 0x060000
#define MCH_REGS_START 0x40
#define MCH_REGS_END 0x100

void q35_mch_init(struct q35_mch *mch)
{
	struct pci_device *d = &mch->pci;

	*d = (struct pci_device){ .name = "q35-mch", .opaque = mch };
	pci_cfg_write32(d->cfg, PCI_VENDOR_ID,
			Q35_MCH_VENDOR | Q35_MCH_DEVICE << 16);
	pci_cfg_write32(d->cfg, PCI_REVISION_ID, CLASS_HOST_BRIDGE << 8);
	d->wmask[PCI_COMMAND] = PCI_COMMAND_IO | PCI_COMMAND_MEMORY |
				PCI_COMMAND_MASTER;
	memset(d->wmask + MCH_REGS_START, 0xff, MCH_REGS_END - MCH_REGS_START);
}

int q35_mch_attach(struct q35_mch *mch, struct pci_host *host)
{
	return pci_host_set_device(host, 0, &mch->pci);
}
