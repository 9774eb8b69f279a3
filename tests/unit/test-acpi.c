// SPDX-License-Identifier: GPL-2.0-only
/*
 * The ACPI tables as a guest finds them: RSDP -> XSDT -> FADT, MADT, MCFG,
 * FADT -> DSDT, every checksum zero, the fields Linux acts on, and AML
 * whose package lengths hold together. Plus the AML encoder's corners.
 */
#include <stdlib.h>
#include <string.h>

#include "devices/x86/legacy.h"
#include "devices/pci.h"
#include "memory/memory.h"
#include "tests/test.h"
#include "vmm/x86/acpi.h"
#include "vmm/x86/aml.h"
#include "vmm/irq.h"

#define LOW_MEM 0x100000
#define NR_VCPUS 4

static uint8_t *ram;

static uint64_t get(const uint8_t *p, unsigned int bytes)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < bytes; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static uint8_t sum(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	while (len--)
		s += *p++;
	return s;
}

static const uint8_t *table_at(uint64_t gpa, const char *sig)
{
	const uint8_t *t;

	if (gpa < ACPI_TABLES_GPA || gpa >= ACPI_TABLES_GPA + ACPI_TABLES_SIZE)
		return NULL;
	t = ram + gpa;
	EXPECT(!memcmp(t, sig, 4), "table at 0x%llx should be %s",
	       (unsigned long long)gpa, sig);
	EXPECT(sum(t, get(t + 4, 4)) == 0, "%s checksum should be right", sig);
	return t;
}

static struct guest_memory mem;
/* The in-kernel irqchip's PIC, unless a test says otherwise. */
static bool with_pic = true;

static uint64_t write_tables(void)
{
	const struct acpi_platform p = {
		.nr_vcpus = NR_VCPUS,
		.pic = with_pic,
		.pci_mmio64_base = 0x100000000ull,
		.pci_mmio64_size = PCI_MMIO64_SIZE,
	};
	uint64_t rsdp = 0;

	free(ram);
	ram = calloc(1, LOW_MEM);
	mem = (struct guest_memory){ .nr_regions = 1 };
	mem.regions[0] = (struct mem_region){
		.kind = MEM_REGION_RAM, .gpa = 0, .size = LOW_MEM, .hva = ram,
	};
	EXPECT(acpi_write_tables(&mem, &p, &rsdp) == 0,
	       "the tables should be written");
	return rsdp;
}

static const uint8_t *xsdt_entry(const char *sig)
{
	uint64_t rsdp_gpa = write_tables(); /* it replaces ram */
	const uint8_t *rsdp = ram + rsdp_gpa;
	const uint8_t *xsdt = table_at(get(rsdp + 24, 8), "XSDT");
	uint32_t n;

	if (!xsdt)
		return NULL;
	n = (get(xsdt + 4, 4) - 36) / 8;
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *t = ram + get(xsdt + 36 + 8 * i, 8);

		if (!memcmp(t, sig, 4))
			return table_at(get(xsdt + 36 + 8 * i, 8), sig);
	}
	return NULL;
}

static void test_rsdp(void)
{
	uint64_t gpa = write_tables();
	const uint8_t *rsdp = ram + gpa;

	EXPECT(gpa >= 0xe0000 && gpa < 0x100000 && gpa % 16 == 0,
	       "the RSDP should be where a scan finds it");
	EXPECT(!memcmp(rsdp, "RSD PTR ", 8), "RSDP signature");
	EXPECT(rsdp[15] == 2, "RSDP revision 2 (XSDT)");
	EXPECT(sum(rsdp, 20) == 0, "RSDP 1.0 checksum should be right");
	EXPECT(sum(rsdp, 36) == 0, "RSDP extended checksum should be right");
	EXPECT(get(rsdp + 20, 4) == 36, "RSDP length 36");
	EXPECT(mem.stats.bytes_populated > 0, "bytes counted as populated");
}

static void test_xsdt_lists_tables(void)
{
	EXPECT(xsdt_entry("FACP"), "the XSDT should list a FADT");
	EXPECT(xsdt_entry("APIC"), "the XSDT should list a MADT");
	EXPECT(xsdt_entry("MCFG"), "the XSDT should list an MCFG");
}

static void test_fadt_hardware_reduced(void)
{
	const uint8_t *f = xsdt_entry("FACP");
	const uint8_t *dsdt;

	if (!f)
		return;
	EXPECT_EQ(get(f + 4, 4), 276, "FADT length (ACPI 6.5)");
	EXPECT(get(f + 112, 4) & (1u << 20), "HW_REDUCED_ACPI should be set");
	EXPECT(get(f + 112, 4) & (1u << 10), "RESET_REG_SUP should be set");
	EXPECT_EQ(f[116], 1, "reset register in system I/O");
	EXPECT_EQ(get(f + 120, 8), ACPI_RESET_PORT, "reset register port");
	EXPECT_EQ(f[128], ACPI_RESET_VALUE, "reset value");
	EXPECT_EQ(get(f + 248, 8), ACPI_SLEEP_CTL_PORT, "sleep control port");
	EXPECT_EQ(get(f + 260, 8), ACPI_SLEEP_STS_PORT, "sleep status port");
	EXPECT(!(get(f + 109, 2) & (1u << 1)), "no 8042 should be claimed");
	EXPECT(!(get(f + 109, 2) & (1u << 3)), "MSI should be allowed");
	EXPECT_EQ(get(f + 140, 8), get(f + 40, 4), "X_DSDT = DSDT");
	dsdt = table_at(get(f + 140, 8), "DSDT");
	EXPECT(dsdt, "the DSDT should be there");
}

static void test_madt_cpus_and_ioapic(void)
{
	const uint8_t *m = xsdt_entry("APIC");
	uint32_t len, lapics = 0, ioapics = 0;

	if (!m)
		return;
	len = get(m + 4, 4);
	EXPECT_EQ(get(m + 36, 4), IRQ_LAPIC_GPA, "local APIC address");
	for (uint32_t off = 44; off < len; off += m[off + 1]) {
		if (!m[off + 1])
			break;
		if (m[off] == 0) {
			EXPECT_EQ(m[off + 3], lapics, "APIC IDs 0..n-1");
			EXPECT(get(m + off + 4, 4) & 1, "CPU %u enabled",
			       lapics);
			lapics++;
		} else if (m[off] == 1) {
			EXPECT_EQ(get(m + off + 4, 4), IRQ_IOAPIC_GPA,
				  "IOAPIC address");
			ioapics++;
		}
	}
	EXPECT_EQ(lapics, NR_VCPUS, "one local APIC per vCPU");
	EXPECT_EQ(ioapics, 1, "one IOAPIC");
}

static void test_madt_pcat_compat_only_with_pic(void)
{
	const uint8_t *m = xsdt_entry("APIC");

	EXPECT(m && get(m + 40, 4) == 1,
	       "with the in-kernel PIC the MADT flags should be PCAT_COMPAT");
	with_pic = false;
	m = xsdt_entry("APIC");
	EXPECT(m && get(m + 40, 4) == 0,
	       "the split irqchip's MADT should not claim a PIC");
	with_pic = true;
}

static void test_mcfg_ecam(void)
{
	const uint8_t *m = xsdt_entry("MCFG");

	if (!m)
		return;
	EXPECT_EQ(get(m + 44, 8), PCI_ECAM_BASE, "ECAM base");
	EXPECT_EQ(m[54], 0, "first bus 0");
	EXPECT_EQ(m[55], 0, "last bus 0");
}

/* PkgLength (ACPI 6.5 section 20.2.4): returns the length, *n its bytes. */
static uint32_t pkg_length(const uint8_t *p, unsigned int *n)
{
	uint32_t len = p[0] & 0x3f;

	*n = 1 + (p[0] >> 6);
	if (*n == 1)
		return len;
	len = p[0] & 0xf;
	for (unsigned int i = 1; i < *n; i++)
		len |= (uint32_t)p[i] << (4 + 8 * (i - 1));
	return len;
}

static void test_dsdt_structure(void)
{
	const uint8_t *f = xsdt_entry("FACP"), *d;
	uint32_t len, scope_len;
	unsigned int n;

	if (!f)
		return;
	d = ram + get(f + 140, 8);
	len = get(d + 4, 4);
	EXPECT_EQ(d[36], 0x10, "the DSDT should open with Scope()");
	scope_len = pkg_length(d + 37, &n);
	EXPECT(n > 1, "\\_SB's package needs a multi-byte PkgLength");
	EXPECT(!memcmp(d + 37 + n, "\\_SB_", 5), "the scope should be \\_SB");
	/*
	 * After the scope: Name(\_S5_, Package(4) {5, 0, 0, 0}): NameOp,
	 * name, PackageOp, PkgLength, count, BytePrefix 5.
	 */
	EXPECT(37 + scope_len + 11 <= len, "\\_S5 should follow the scope");
	EXPECT(!memcmp(d + 37 + scope_len, "\x08\\_S5_\x12", 7),
	       "Name(\\_S5_, Package ...) right after the scope");
	EXPECT_EQ(d[37 + scope_len + 10], ACPI_S5_SLP_TYP, "\\_S5 SLP_TYPa");
	EXPECT(memmem(d, len, "COM1", 4) && memmem(d, len, "PCI0", 4) &&
	       memmem(d, len, "RTC_", 4), "COM1, RTC and PCI0 should be there");
}

static void test_aml_eisaid(void)
{
	struct aml a;

	aml_init(&a);
	aml_eisaid(&a, "PNP0A08");
	EXPECT(aml_finish(&a) == 0, "EISAID should encode");
	EXPECT(a.len == 5 && !memcmp(a.buf, "\x0c\x41\xd0\x0a\x08", 5),
	       "PNP0A08 should be DWord 0x080ad041");
	aml_free(&a);
}

static void test_aml_pkg_length_sizes(void)
{
	static const size_t bodies[] = { 0, 61, 62, 63, 4000, 5000 };

	for (size_t i = 0; i < ARRAY_SIZE(bodies); i++) {
		uint8_t *buf = calloc(1, bodies[i] + 1);
		struct aml a;
		unsigned int n;
		uint32_t len;

		aml_init(&a);
		aml_buffer(&a, buf, bodies[i]);
		EXPECT(aml_finish(&a) == 0, "buffer of %zu should encode",
		       bodies[i]);
		len = pkg_length(a.buf + 1, &n);
		EXPECT_EQ(1 + len, a.len,
			  "PkgLength should cover a buffer of %zu", bodies[i]);
		aml_free(&a);
		free(buf);
	}
}

static void test_aml_unbalanced_end_refused(void)
{
	struct aml a;

	aml_init(&a);
	aml_scope(&a, "\\_SB");
	EXPECT(aml_finish(&a) == -EINVAL, "an open scope should be an error");
	aml_free(&a);
	aml_init(&a);
	aml_name(&a, "TOOLONG");
	EXPECT(aml_finish(&a) == -EINVAL, "a 7-character segment should fail");
	aml_free(&a);
}

TEST_MAIN(TEST_CASE(test_rsdp), TEST_CASE(test_xsdt_lists_tables),
	  TEST_CASE(test_fadt_hardware_reduced),
	  TEST_CASE(test_madt_cpus_and_ioapic),
	  TEST_CASE(test_madt_pcat_compat_only_with_pic),
	  TEST_CASE(test_mcfg_ecam),
	  TEST_CASE(test_dsdt_structure), TEST_CASE(test_aml_eisaid),
	  TEST_CASE(test_aml_pkg_length_sizes),
	  TEST_CASE(test_aml_unbalanced_end_refused))
