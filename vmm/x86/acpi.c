// SPDX-License-Identifier: GPL-2.0-only
/*
 * ACPI tables (ACPI 6.5) for the PC platform of vmm/x86/pc.c. The platform is
 * hardware-reduced (FADT flag HW_REDUCED_ACPI): no PM1 blocks, no SCI, no
 * FACS; power-off and reset go through the sleep-control and reset
 * registers of devices/x86/acpi-power.c, which is also how Linux
 * treats QEMU's microvm. Legacy PIC and PIT timer set-up are skipped by
 * Linux on such a platform; interrupts go through the IOAPIC, and the
 * LAPIC timer runs in TSC-deadline mode.
 *
 * The DSDT describes COM1, the RTC and the PCI host bridge of
 * devices/pci.c with its windows and INTx routing (_PRT); MCFG gives its
 * ECAM, which a PNP0C02 device reserves, as Linux wants before it trusts
 * the MCFG.
 */
#include <stdlib.h>
#include <string.h>

#include "devices/x86/legacy.h"
#include "devices/pci.h"
#include "devices/uart.h"
#include "lib/byteorder.h"
#include "lib/log.h"
#include "memory/memory.h"
#include "vmm/x86/acpi.h"
#include "vmm/x86/aml.h"
#include "vmm/irq.h"

#define ACPI_HEADER_SIZE 36
#define RSDP_SIZE 36
#define RSDP_V1_SIZE 20
#define TABLE_ALIGN 16

#define FADT_SIZE 276
#define FADT_REVISION 6
#define FADT_MINOR 5

/* FADT field offsets (ACPI 6.5 table 5.9). */
#define FADT_DSDT 40
#define FADT_CENTURY 108
#define FADT_IAPC_BOOT_ARCH 109
#define FADT_FLAGS 112
#define FADT_RESET_REG 116
#define FADT_RESET_VALUE 128
#define FADT_MINOR_VERSION 131
#define FADT_X_DSDT 140
#define FADT_SLEEP_CONTROL 244
#define FADT_SLEEP_STATUS 256
#define FADT_HYPERVISOR_ID 268

#define FADT_F_WBINVD (1u << 0)
#define FADT_F_PWR_BUTTON (1u << 4)
#define FADT_F_SLP_BUTTON (1u << 5)
#define FADT_F_RESET_REG_SUP (1u << 10)
#define FADT_F_HW_REDUCED_ACPI (1u << 20)
/* IAPC_BOOT_ARCH: no VGA. Not set: LEGACY_DEVICES, 8042, NO_MSI, NO_CMOS. */
#define BOOT_ARCH_NO_VGA (1u << 2)
#define CMOS_CENTURY_REG 0x32

#define GAS_SYSTEM_IO 1
#define GAS_ACCESS_BYTE 1

#define MADT_PCAT_COMPAT (1u << 0)
#define MADT_LAPIC 0
#define MADT_IOAPIC 1
#define MADT_LAPIC_NMI 4
#define MADT_ENABLED 1
#define MADT_ALL_CPUS 0xff

/* INTx of slot S pin P (0 = INTA) reaches GSI 16 + (S + P) % 4. */
#define PCI_INTX_GSI_BASE 16
#define PCI_INTX_PINS 4

struct tables {
	/* The GPA the tables' pointers count from (0: offsets in buf). */
	uint64_t base;
	uint8_t *buf;
	size_t len;
	int err;
};

static void set_le(uint8_t *p, uint64_t v, unsigned int bytes)
{
	for (unsigned int i = 0; i < bytes; i++)
		p[i] = v >> (8 * i);
}

static uint8_t checksum(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum += p[i];
	return -sum;
}

/* Room for len more bytes at the next aligned offset; NULL if full. */
static uint8_t *tables_alloc(struct tables *t, size_t len, size_t *ret_off)
{
	size_t off = ALIGN_UP(t->len, (size_t)TABLE_ALIGN);

	if (t->err || off + len > ACPI_TABLES_SIZE) {
		t->err = -ENOSPC;
		return NULL;
	}
	t->len = off + len;
	*ret_off = off;
	return t->buf + off;
}

static void header(uint8_t *p, const char *sig, uint32_t len, uint8_t rev)
{
	memcpy(p, sig, 4);
	set_le(p + 4, len, 4);
	p[8] = rev;
	memcpy(p + 10, "CVMM  ", 6);
	memcpy(p + 16, "CVMMPLAT", 8);
	set_le(p + 24, 1, 4);
	memcpy(p + 28, "CVMM", 4);
	set_le(p + 32, 1, 4);
}

/* Checksum last: it covers every byte of the table. */
static void finish(uint8_t *p)
{
	uint32_t len = get_le32(p + 4);

	p[9] = 0;
	p[9] = checksum(p, len);
}

/* Copy a table built elsewhere in; returns its GPA (0 on failure). */
static uint64_t add_table(struct tables *t, const char *sig, uint8_t rev,
			  const uint8_t *body, size_t body_len)
{
	size_t off;
	uint8_t *p = tables_alloc(t, ACPI_HEADER_SIZE + body_len, &off);

	if (!p)
		return 0;
	header(p, sig, ACPI_HEADER_SIZE + body_len, rev);
	memcpy(p + ACPI_HEADER_SIZE, body, body_len);
	finish(p);
	return t->base + off;
}

static void gas_io(uint8_t *p, uint16_t port)
{
	p[0] = GAS_SYSTEM_IO;
	p[1] = 8;
	p[2] = 0;
	p[3] = GAS_ACCESS_BYTE;
	set_le(p + 4, port, 8);
}

static uint64_t add_fadt(struct tables *t, uint64_t dsdt)
{
	uint8_t body[FADT_SIZE - ACPI_HEADER_SIZE] = { 0 };
/* The FADT's fields by their offsets in the table, header included. */
#define F(off) (body + (off) - ACPI_HEADER_SIZE)

	set_le(F(FADT_DSDT), dsdt, 4);
	*F(FADT_CENTURY) = CMOS_CENTURY_REG;
	set_le(F(FADT_IAPC_BOOT_ARCH), BOOT_ARCH_NO_VGA, 2);
	set_le(F(FADT_FLAGS),
	       FADT_F_WBINVD | FADT_F_PWR_BUTTON | FADT_F_SLP_BUTTON |
		       FADT_F_RESET_REG_SUP | FADT_F_HW_REDUCED_ACPI, 4);
	gas_io(F(FADT_RESET_REG), ACPI_RESET_PORT);
	*F(FADT_RESET_VALUE) = ACPI_RESET_VALUE;
	*F(FADT_MINOR_VERSION) = FADT_MINOR;
	set_le(F(FADT_X_DSDT), dsdt, 8);
	gas_io(F(FADT_SLEEP_CONTROL), ACPI_SLEEP_CTL_PORT);
	gas_io(F(FADT_SLEEP_STATUS), ACPI_SLEEP_STS_PORT);
	memcpy(F(FADT_HYPERVISOR_ID), "CVMM\0\0\0\0", 8);
#undef F
	return add_table(t, "FACP", FADT_REVISION, body, sizeof(body));
}

static uint64_t add_madt(struct tables *t, const struct acpi_platform *pl)
{
	unsigned int nr_vcpus = pl->nr_vcpus;
	size_t len = 8 + 8 * nr_vcpus + 12 + 6;
	_cleanup_free_ uint8_t *body = calloc(1, len);
	uint8_t *p = body;

	if (!body) {
		t->err = -ENOMEM;
		return 0;
	}
	set_le(p, IRQ_LAPIC_GPA, 4);
	/*
	 * The split irqchip has no PIC. Linux needs no interrupt source
	 * override either way: a hardware-reduced platform has no legacy
	 * IRQs, and COM1's IRQ 4 comes from its _CRS, edge and active-high.
	 */
	set_le(p + 4, pl->pic ? MADT_PCAT_COMPAT : 0, 4);
	p += 8;
	for (unsigned int i = 0; i < nr_vcpus; i++, p += 8) {
		p[0] = MADT_LAPIC;
		p[1] = 8;
		p[2] = i; /* ACPI processor UID */
		p[3] = i; /* APIC ID, as CPUID gives it */
		set_le(p + 4, MADT_ENABLED, 4);
	}
	p[0] = MADT_IOAPIC;
	p[1] = 12;
	p[2] = 0; /* IOAPIC ID, KVM's reset value */
	set_le(p + 4, IRQ_IOAPIC_GPA, 4);
	set_le(p + 8, 0, 4); /* GSI base */
	p += 12;
	/* LINT1 of every CPU is the NMI line, as on a PC. */
	p[0] = MADT_LAPIC_NMI;
	p[1] = 6;
	p[2] = MADT_ALL_CPUS;
	set_le(p + 3, 0, 2);
	p[5] = 1;
	return add_table(t, "APIC", 5, body, len);
}

static uint64_t add_mcfg(struct tables *t)
{
	uint8_t body[8 + 16] = { 0 };

	set_le(body + 8, PCI_ECAM_BASE, 8);
	set_le(body + 16, 0, 2); /* segment */
	body[18] = 0;		 /* first bus */
	body[19] = PCI_ECAM_SIZE / (1 << 20) - 1;
	return add_table(t, "MCFG", 1, body, sizeof(body));
}

static void dsdt_com1(struct aml *a)
{
	struct aml_res crs = { 0 };

	aml_device(a, "COM1");
	aml_name(a, "_HID");
	aml_eisaid(a, "PNP0501");
	aml_name(a, "_UID");
	aml_integer(a, 1);
	aml_res_io(&crs, UART_COM1_BASE, 8);
	aml_res_irq(&crs, UART_COM1_IRQ);
	aml_name(a, "_CRS");
	aml_res_buffer(a, &crs);
	aml_end(a);
}

/*
 * The RTC as an ACPI device: its IRQ 8 then reaches Linux through ACPI
 * (a hardware-reduced platform has no legacy ISA IRQ numbering).
 */
static void dsdt_rtc(struct aml *a)
{
	struct aml_res crs = { 0 };

	aml_device(a, "RTC");
	aml_name(a, "_HID");
	aml_eisaid(a, "PNP0B00");
	aml_res_io(&crs, CMOS_PORT, 2);
	aml_res_irq(&crs, CMOS_IRQ);
	aml_name(a, "_CRS");
	aml_res_buffer(a, &crs);
	aml_end(a);
}

static void dsdt_pci_prt(struct aml *a)
{
	aml_name(a, "_PRT");
	aml_package(a, (PCI_MAX_DEVICES - 1) * PCI_INTX_PINS);
	for (unsigned int slot = 1; slot < PCI_MAX_DEVICES; slot++) {
		for (unsigned int pin = 0; pin < PCI_INTX_PINS; pin++) {
			aml_package(a, 4);
			aml_integer(a, (uint64_t)slot << 16 | 0xffff);
			aml_integer(a, pin);
			aml_integer(a, 0); /* no link device: a GSI */
			aml_integer(a, PCI_INTX_GSI_BASE +
					       (slot + pin) % PCI_INTX_PINS);
			aml_end(a);
		}
	}
	aml_end(a);
}

static void dsdt_pci(struct aml *a, const struct acpi_platform *p)
{
	struct aml_res crs = { 0 };

	aml_device(a, "PCI0");
	aml_name(a, "_HID");
	aml_eisaid(a, "PNP0A08");
	aml_name(a, "_CID");
	aml_eisaid(a, "PNP0A03");
	aml_name(a, "_SEG");
	aml_integer(a, 0);
	aml_name(a, "_BBN");
	aml_integer(a, 0);
	aml_name(a, "_UID");
	aml_integer(a, 0);
	aml_res_bus_range(&crs, 0, PCI_ECAM_SIZE / (1 << 20) - 1);
	aml_res_io(&crs, PCI_CONFIG_ADDRESS, 8);
	aml_res_io_window(&crs, 0, PCI_CONFIG_ADDRESS);
	aml_res_io_window(&crs, PCI_IO_BASE, PCI_IO_SIZE);
	aml_res_mem_window(&crs, PCI_MMIO32_BASE, PCI_MMIO32_SIZE);
	aml_res_mem_window(&crs, p->pci_mmio64_base, p->pci_mmio64_size);
	aml_name(a, "_CRS");
	aml_res_buffer(a, &crs);
	dsdt_pci_prt(a);
	aml_end(a);
}

/* Motherboard resources: the ECAM range, so that Linux uses the MCFG. */
static void dsdt_resources(struct aml *a)
{
	struct aml_res crs = { 0 };

	aml_device(a, "MRES");
	aml_name(a, "_HID");
	aml_eisaid(a, "PNP0C02");
	aml_name(a, "_UID");
	aml_integer(a, 1);
	aml_res_mem32_fixed(&crs, PCI_ECAM_BASE, PCI_ECAM_SIZE);
	aml_name(a, "_CRS");
	aml_res_buffer(a, &crs);
	aml_end(a);
}

static uint64_t add_dsdt(struct tables *t, const struct acpi_platform *p)
{
	struct aml a;
	uint64_t gpa;
	int r;

	aml_init(&a);
	aml_scope(&a, "\\_SB");
	dsdt_com1(&a);
	dsdt_rtc(&a);
	dsdt_pci(&a, p);
	dsdt_resources(&a);
	aml_end(&a);
	/* \_S5: SLP_TYP for sleep control; hardware-reduced uses only a. */
	aml_name(&a, "\\_S5");
	aml_package(&a, 4);
	aml_integer(&a, ACPI_S5_SLP_TYP);
	aml_integer(&a, 0);
	aml_integer(&a, 0);
	aml_integer(&a, 0);
	aml_end(&a);
	r = aml_finish(&a);
	if (r < 0) {
		t->err = r;
		aml_free(&a);
		return 0;
	}
	gpa = add_table(t, "DSDT", 2, a.buf, a.len);
	aml_free(&a);
	return gpa;
}

static uint64_t add_xsdt(struct tables *t, const uint64_t *entries,
			 unsigned int n)
{
	uint8_t body[8 * 8];

	for (unsigned int i = 0; i < n; i++)
		set_le(body + 8 * i, entries[i], 8);
	return add_table(t, "XSDT", 1, body, 8 * n);
}

static void write_rsdp(uint8_t *p, uint64_t xsdt)
{
	memcpy(p, "RSD PTR ", 8);
	memcpy(p + 9, "CVMM  ", 6);
	p[15] = 2; /* revision: ACPI 2.0+, XSDT */
	set_le(p + 20, RSDP_SIZE, 4);
	set_le(p + 24, xsdt, 8);
	p[8] = checksum(p, RSDP_V1_SIZE);
	p[32] = checksum(p, RSDP_SIZE);
}

int acpi_build_tables(const struct acpi_platform *p, uint64_t base,
		      uint8_t *buf, size_t *ret_len, size_t *ret_rsdp_off)
{
	struct tables t = { .base = base, .buf = buf };
	uint64_t xsdt_entries[3], dsdt, xsdt;
	size_t rsdp_off;
	uint8_t *rsdp;

	/* The RSDP first, 16-byte aligned in 0xe0000-0xfffff for scanners. */
	rsdp = tables_alloc(&t, RSDP_SIZE, &rsdp_off);
	dsdt = add_dsdt(&t, p);
	xsdt_entries[0] = add_fadt(&t, dsdt);
	xsdt_entries[1] = add_madt(&t, p);
	xsdt_entries[2] = add_mcfg(&t);
	xsdt = add_xsdt(&t, xsdt_entries, ARRAY_SIZE(xsdt_entries));
	if (t.err)
		return t.err;
	write_rsdp(rsdp, xsdt);
	*ret_len = t.len;
	*ret_rsdp_off = rsdp_off;
	return 0;
}

int acpi_write_tables(struct guest_memory *mem, const struct acpi_platform *p,
		      uint64_t *ret_rsdp_gpa)
{
	_cleanup_free_ uint8_t *buf = calloc(1, ACPI_TABLES_SIZE);
	size_t len, rsdp_off;
	int r;

	if (!buf)
		return -ENOMEM;
	r = acpi_build_tables(p, ACPI_TABLES_GPA, buf, &len, &rsdp_off);
	if (r < 0)
		return r;
	r = mem_populate(mem, ACPI_TABLES_GPA, buf, len);
	if (r < 0)
		return r;
	*ret_rsdp_gpa = ACPI_TABLES_GPA + rsdp_off;
	return 0;
}
