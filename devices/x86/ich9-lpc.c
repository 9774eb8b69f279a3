// SPDX-License-Identifier: GPL-2.0-only
/*
 * The ICH9 LPC bridge at 00:1f.0 (model in q35.h): PMBASE (0x40, an I/O
 * BAR of 128 bytes) and ACPI_CNTL (0x44, bit 7 ACPI_EN) decide whether the
 * PM block of ich9-pm.c answers; the other registers (GPIO base, PIRQ
 * routing, RCBA) are stored as written.
 */
#include <string.h>

#include "devices/x86/q35.h"

#define CLASS_ISA_BRIDGE 0x060100
#define LPC_REGS_START 0x40
#define LPC_REGS_END 0x100
/* PMBASE bits 15:7 are the base; bit 0 reads 1, an I/O space BAR. */
#define PMBASE_WMASK 0xff80u
#define PMBASE_IO 0x1u

void ich9_lpc_init(struct ich9_lpc *lpc, const struct power_ops *ops)
{
	struct pci_device *d = &lpc->pci;

	*d = (struct pci_device){ .name = "ich9-lpc", .opaque = lpc };
	pthread_mutex_init(&lpc->lock, NULL);
	lpc->ops = *ops;
	lpc->pm = (struct ich9_pm){ .pm1_cnt = ICH9_PM1_CNT_SCI_EN };
	pci_cfg_write32(d->cfg, PCI_VENDOR_ID,
			Q35_MCH_VENDOR | ICH9_LPC_DEVICE << 16);
	pci_cfg_write32(d->cfg, PCI_REVISION_ID, CLASS_ISA_BRIDGE << 8);
	d->wmask[PCI_COMMAND] = PCI_COMMAND_IO | PCI_COMMAND_MEMORY;
	memset(d->wmask + LPC_REGS_START, 0xff, LPC_REGS_END - LPC_REGS_START);
	pci_cfg_write32(d->cfg, ICH9_PMBASE_REG, PMBASE_IO);
	pci_cfg_write32(d->wmask, ICH9_PMBASE_REG, PMBASE_WMASK);
}

int ich9_lpc_attach(struct ich9_lpc *lpc, struct pci_host *host)
{
	return pci_host_set_device(host, ICH9_LPC_SLOT, &lpc->pci);
}
