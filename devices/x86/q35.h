/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The Q35 chipset as far as OVMF and Linux look at it (one device per
 * file): the MCH host bridge at 00.0 (q35-mch.c), the ICH9 LPC bridge at
 * 00:1f.0 with its PMBASE/ACPI_CNTL registers (ich9-lpc.c), the ACPI PM
 * I/O block those registers enable (ich9-pm.c) and the reset control
 * register at port 0xcf9 (reset-cf9.c). IDs and register offsets: edk2
 * IndustryStandard/Q35MchIch9.h, Intel's ICH9 datasheet (13.1 LPC config,
 * 13.8.3 PM I/O registers), and QEMU's hw/pci-host/q35.c, hw/isa/lpc_ich9.c.
 *
 * What cvmm decodes is fixed where OVMF's value is fixed: ECAM stays at
 * PCI_ECAM_BASE (OvmfPkgX64's PcdPciExpressBaseAddress, which OVMF writes
 * to PCIEXBAR), and the PM block answers at ICH9_PMBASE only, the base
 * OVMF programs, and only once ACPI_EN is set. Other register writes are
 * stored and read back, not acted on (PAM, SMRAM, RCBA, PIRQ routing).
 */
#ifndef CVMM_Q35_H
#define CVMM_Q35_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "devices/x86/legacy.h"
#include "devices/pci.h"

#define Q35_MCH_VENDOR 0x8086
#define Q35_MCH_DEVICE 0x29c0
#define Q35_MCH_PCIEXBAR 0x60

#define ICH9_LPC_SLOT 31
#define ICH9_LPC_DEVICE 0x2918
#define ICH9_PMBASE_REG 0x40
#define ICH9_ACPI_CNTL_REG 0x44
#define ICH9_ACPI_EN 0x80
#define ICH9_RCBA_REG 0xf0

/* The PM I/O base OVMF programs (ICH9_PMBASE_VALUE) and its size. */
#define ICH9_PMBASE 0x600
#define ICH9_PM_LEN 0x80
/* Offsets in the PM block. */
#define ICH9_PM1_STS 0x00
#define ICH9_PM1_EN 0x02
#define ICH9_PM1_CNT 0x04
#define ICH9_PM1_TMR 0x08
#define ICH9_GPE0_STS 0x20
#define ICH9_GPE0_LEN 0x10
#define ICH9_PM1_CNT_SCI_EN 0x1
#define ICH9_PM1_CNT_SLP_EN 0x2000
#define ICH9_SLP_TYP_SHIFT 10
#define ICH9_SLP_TYP_MASK 0x7
/* SLP_TYP of soft-off on QEMU's ICH9 (OVMF's ResetSystemLib writes it). */
#define ICH9_SLP_TYP_S5 0
/* The ACPI PM timer: 3.579545 MHz, 24 bits. */
#define ICH9_PM_TIMER_HZ 3579545ull
#define ICH9_PM_TIMER_MASK 0xffffff

/* Reset control: bit 1 hard reset, bit 2 reset CPU (a write with it set). */
#define RESET_CF9_PORT 0xcf9
#define RESET_CF9_RST_CPU 0x4
#define RESET_CF9_SYS_RST 0x2

struct q35_mch {
	struct pci_device pci;
};

/* The PM block's registers; the LPC's config enables its decoding. */
struct ich9_pm {
	uint16_t pm1_sts;
	uint16_t pm1_en;
	uint32_t pm1_cnt;
	uint8_t gpe0[ICH9_GPE0_LEN];
	/* CLOCK_MONOTONIC at which the timer read 0. */
	uint64_t timer_zero_ns;
};

struct ich9_lpc {
	struct pci_device pci;
	/* Guards pm and the decode decision read from pci.cfg. */
	pthread_mutex_t lock;
	struct ich9_pm pm;
	struct power_ops ops;
};

struct reset_cf9 {
	uint8_t value;
	struct power_ops ops;
};

/* The host bridge's header, put at 00.0 in place of the generic one. */
void q35_mch_init(struct q35_mch *mch);
int __must_check q35_mch_attach(struct q35_mch *mch, struct pci_host *host);

void ich9_lpc_init(struct ich9_lpc *lpc, const struct power_ops *ops);
int __must_check ich9_lpc_attach(struct ich9_lpc *lpc, struct pci_host *host);

/* The PM block's port handler (ich9-pm.c); opaque is the LPC. */
int __must_check ich9_pm_register(struct ich9_lpc *lpc, struct bus *pio);
int ich9_pm_access(void *opaque, uint64_t offset, uint8_t *data,
		   uint32_t size, bool is_write);
/* The PM timer's 24-bit value at now_ns. */
uint32_t ich9_pm_timer(const struct ich9_pm *pm, uint64_t now_ns);

void reset_cf9_init(struct reset_cf9 *rc, const struct power_ops *ops);
/* Port 0xcf9 sits inside the PCI config ports: the host hands it over. */
void reset_cf9_attach(struct reset_cf9 *rc, struct pci_host *host);
int reset_cf9_access(void *opaque, uint64_t offset, uint8_t *data,
		     uint32_t size, bool is_write);

#endif
