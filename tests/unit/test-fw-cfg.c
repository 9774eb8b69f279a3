// SPDX-License-Identifier: GPL-2.0-only
/*
 * fw_cfg (devices/fw-cfg.c) as OVMF drives it, against QEMU's ABI
 * (docs/specs/fw_cfg.rst, edk2 QemuFwCfgLib): the signature and version
 * through the ports, the file directory, DMA read/skip/select, writes and
 * bad descriptors ending in the error bit. And the ACPI table loader
 * (vmm/fw-acpi.c) run the way OVMF's QemuFwCfgAcpi.c runs it: the tables
 * it yields must carry valid checksums and pointers.
 */
#include <string.h>

#include "devices/fw-cfg.h"
#include "tests/test.h"
#include "vmm/x86/acpi.h"
#include "vmm/x86/fw-acpi.h"

#define EQ(a, b) EXPECT_EQ(a, b, "%s", "mismatch")

/* A guest RAM of 64 KiB at GPA 0x10000. */
#define RAM_GPA 0x10000ull
#define RAM_SIZE 0x10000ull
static uint8_t ram[RAM_SIZE];

static void *ram_hva(void *ctx, uint64_t gpa, uint64_t len)
{
	(void)ctx;
	if (gpa < RAM_GPA || len > RAM_SIZE || gpa - RAM_GPA > RAM_SIZE - len)
		return NULL;
	return ram + (gpa - RAM_GPA);
}

static void out16(struct fw_cfg *fc, uint16_t port, uint16_t v)
{
	uint8_t b[2] = { v, v >> 8 };

	fw_cfg_access(fc, port - FW_CFG_PORT_SEL, b, 2, true);
}

static uint8_t in8(struct fw_cfg *fc, uint16_t port)
{
	uint8_t b;

	fw_cfg_access(fc, port - FW_CFG_PORT_SEL, &b, 1, false);
	return b;
}

/* As OVMF does: each half byte-swapped, high half first. */
static void dma_start(struct fw_cfg *fc, uint64_t desc)
{
	uint8_t hi[4] = { desc >> 56, desc >> 48, desc >> 40, desc >> 32 };
	uint8_t lo[4] = { desc >> 24, desc >> 16, desc >> 8, desc };

	fw_cfg_access(fc, FW_CFG_PORT_DMA - FW_CFG_PORT_SEL, hi, 4, true);
	fw_cfg_access(fc, FW_CFG_PORT_DMA + 4 - FW_CFG_PORT_SEL, lo, 4, true);
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

/* A descriptor at desc_gpa; returns the control word the device left. */
static uint32_t dma(struct fw_cfg *fc, uint64_t desc_gpa, uint32_t control,
		    uint32_t len, uint64_t addr)
{
	uint8_t *d = ram_hva(NULL, desc_gpa, 16);

	put_be32(d, control);
	put_be32(d + 4, len);
	put_be32(d + 8, addr >> 32);
	put_be32(d + 12, (uint32_t)addr);
	dma_start(fc, desc_gpa);
	return get_be32(d);
}

static void setup(struct fw_cfg *fc)
{
	memset(ram, 0, sizeof(ram));
	EQ(fw_cfg_init(fc, ram_hva, NULL), 0);
	EQ(fw_cfg_add_u16(fc, FW_CFG_NB_CPUS, 3), 0);
	EQ(fw_cfg_add_file(fc, "etc/zz", "last", 4), 0);
	EQ(fw_cfg_add_file(fc, "bootorder", "/pci@i0cf8\n", 11), 0);
	EQ(fw_cfg_add_file(fc, "etc/e820", "0123456789abcdefghij", 20),
		  0);
	EQ(fw_cfg_finish(fc), 0);
}

static void test_signature_and_version_through_ports(void)
{
	struct fw_cfg fc;
	char sig[5] = { 0 };
	uint8_t dma_sig[8];

	setup(&fc);
	out16(&fc, FW_CFG_PORT_SEL, FW_CFG_SIGNATURE);
	for (int i = 0; i < 4; i++)
		sig[i] = in8(&fc, FW_CFG_PORT_DATA);
	EXPECT(!strcmp(sig, "QEMU"), "signature '%s'", sig);
	/* Past the end of an item the data port reads 0. */
	EQ(in8(&fc, FW_CFG_PORT_DATA), 0);
	out16(&fc, FW_CFG_PORT_SEL, FW_CFG_ID);
	EQ(in8(&fc, FW_CFG_PORT_DATA), FW_CFG_VERSION | FW_CFG_VERSION_DMA);
	out16(&fc, FW_CFG_PORT_SEL, FW_CFG_NB_CPUS);
	EQ(in8(&fc, FW_CFG_PORT_DATA), 3);
	EQ(in8(&fc, FW_CFG_PORT_DATA), 0);
	/* Selecting rewinds. */
	out16(&fc, FW_CFG_PORT_SEL, FW_CFG_NB_CPUS);
	EQ(in8(&fc, FW_CFG_PORT_DATA), 3);
	fw_cfg_access(&fc, FW_CFG_PORT_DMA - FW_CFG_PORT_SEL, dma_sig, 8, false);
	EXPECT(!memcmp(dma_sig, "QEMU CFG", 8), "DMA port signature");
	/* Items nobody set, and selectors past the table, read as zeros. */
	out16(&fc, FW_CFG_PORT_SEL, 0x3fff);
	EQ(in8(&fc, FW_CFG_PORT_DATA), 0);
	fw_cfg_free(&fc);
}

static void test_directory_sorted_by_name(void)
{
	struct fw_cfg fc;
	uint8_t dir[4 + 3 * 64];
	const char *want[] = { "bootorder", "etc/e820", "etc/zz" };
	const uint32_t sizes[] = { 11, 20, 4 };

	setup(&fc);
	out16(&fc, FW_CFG_PORT_SEL, FW_CFG_FILE_DIR);
	for (size_t i = 0; i < sizeof(dir); i++)
		dir[i] = in8(&fc, FW_CFG_PORT_DATA);
	EQ(get_be32(dir), 3u);
	for (int i = 0; i < 3; i++) {
		const uint8_t *e = dir + 4 + 64 * i;
		uint16_t sel = e[4] << 8 | e[5];

		EXPECT(!strcmp((const char *)e + 8, want[i]), "entry %d is '%s'",
		       i, (const char *)e + 8);
		EQ(get_be32(e), sizes[i]);
		EXPECT(sel >= FW_CFG_FILE_FIRST, "selector 0x%x", sel);
		/* The selector reads the file. */
		out16(&fc, FW_CFG_PORT_SEL, sel);
		EQ(in8(&fc, FW_CFG_PORT_DATA),
			  (uint8_t)fw_cfg_find_file(&fc, want[i])->data[0]);
	}
	EQ(fw_cfg_add_file(&fc, "etc/zz", "x", 1), -EEXIST);
	EQ(fw_cfg_add_file(&fc, "0123456789012345678901234567890123456789012345678901234567890", "x", 1),
		  -ENAMETOOLONG);
	fw_cfg_free(&fc);
}

static void test_dma_select_read_skip(void)
{
	struct fw_cfg fc;
	uint16_t e820 = FW_CFG_FILE_FIRST + 2;
	uint8_t *buf = ram_hva(NULL, RAM_GPA + 0x100, 32);

	setup(&fc);
	/* Select and read 4 bytes. */
	EQ(dma(&fc, RAM_GPA, (uint32_t)e820 << 16 | FW_CFG_DMA_SELECT |
					    FW_CFG_DMA_READ,
		      4, RAM_GPA + 0x100), 0u);
	EXPECT(!memcmp(buf, "0123", 4), "first read");
	/* Skip 6, read 4: offsets carry on from the last transfer. */
	EQ(dma(&fc, RAM_GPA, FW_CFG_DMA_SKIP, 6, 0), 0u);
	EQ(dma(&fc, RAM_GPA, FW_CFG_DMA_READ, 4, RAM_GPA + 0x100), 0u);
	EXPECT(!memcmp(buf, "abcd", 4), "read after skip");
	/* Reading past the end fills with zeros. */
	memset(buf, 0xee, 32);
	EQ(dma(&fc, RAM_GPA, FW_CFG_DMA_READ, 16, RAM_GPA + 0x100), 0u);
	EXPECT(!memcmp(buf, "efghij\0\0\0\0\0\0\0\0\0\0", 16), "tail and zeros");
	EQ(buf[16], 0xee);
	/* A zero-length read at a bad address is fine: nothing moves. */
	EQ(dma(&fc, RAM_GPA, FW_CFG_DMA_READ, 0, 0xdead0000), 0u);
	EQ(fc.stats.dma_errors, 0u);
	fw_cfg_free(&fc);
}

static void test_dma_errors(void)
{
	struct fw_cfg fc;

	setup(&fc);
	/* A buffer outside RAM, one running off its end, one wrapping. */
	EQ(dma(&fc, RAM_GPA, FW_CFG_DMA_SELECT | FW_CFG_DMA_READ, 4,
		      0x1000), (uint32_t)FW_CFG_DMA_ERROR);
	EQ(dma(&fc, RAM_GPA, FW_CFG_DMA_READ, 0x20,
		      RAM_GPA + RAM_SIZE - 0x10), (uint32_t)FW_CFG_DMA_ERROR);
	EQ(dma(&fc, RAM_GPA, FW_CFG_DMA_READ, 0x20, ~0ull - 8),
		  (uint32_t)FW_CFG_DMA_ERROR);
	/* No item is writable. */
	EQ(dma(&fc, RAM_GPA, FW_CFG_DMA_WRITE, 4, RAM_GPA + 0x100),
		  (uint32_t)FW_CFG_DMA_ERROR);
	/* A descriptor outside RAM, or straddling its end: no completion. */
	dma_start(&fc, 0x2000);
	dma_start(&fc, RAM_GPA + RAM_SIZE - 8);
	EQ(fc.stats.dma_errors, 6u);
	EQ(fc.stats.dma_transfers, 6u);
	/* Writes to the data port and odd-sized selector writes are dropped. */
	fw_cfg_access(&fc, 1, (uint8_t[4]){ 1, 2, 3, 4 }, 4, true);
	fw_cfg_access(&fc, 0, (uint8_t[1]){ 5 }, 1, true);
	fw_cfg_free(&fc);
}

/* The loader's commands run as OVMF runs them, blobs placed in ram. */
static uint8_t *blob_base(const char *name, uint8_t *rsdp, uint8_t *tables)
{
	return !strcmp(name, "etc/acpi/rsdp") ? rsdp : tables;
}

static uint8_t sum8(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s += *p++;
	return s;
}

static void test_acpi_through_the_loader(void)
{
	const struct acpi_platform p = { .nr_vcpus = 2, .pic = true,
					 .pci_mmio64_base = 1ull << 34,
					 .pci_mmio64_size = 1ull << 36 };
	const struct fw_cfg_item *loader, *tables, *rsdp_item;
	static uint8_t rsdp[64], tbl[ACPI_TABLES_SIZE];
	/* Where the firmware put the blobs (addresses as seen by the guest). */
	const uint64_t tbl_gpa = 0x7f000000, rsdp_gpa = 0xf0000;
	struct fw_cfg fc;
	uint64_t xsdt;

	EQ(fw_cfg_init(&fc, ram_hva, NULL), 0);
	EQ(fw_acpi_add_files(&fc, &p), 0);
	loader = fw_cfg_find_file(&fc, "etc/table-loader");
	tables = fw_cfg_find_file(&fc, "etc/acpi/tables");
	rsdp_item = fw_cfg_find_file(&fc, "etc/acpi/rsdp");
	EXPECT(loader && tables && rsdp_item, "three files");
	if (!loader || !tables || !rsdp_item)
		return;
	EQ(loader->size % 128, 0u);
	memcpy(rsdp, rsdp_item->data, rsdp_item->size);
	memcpy(tbl, tables->data, tables->size);
	for (uint32_t off = 0; off < loader->size; off += 128) {
		const uint8_t *c = loader->data + off;
		uint32_t type = c[0] | c[1] << 8;
		const char *file = (const char *)c + 4;
		uint8_t *base = blob_base(file, rsdp, tbl);

		if (type == 2) {
			const char *pointee = (const char *)c + 60;
			uint32_t at = c[116] | c[117] << 8 | c[118] << 16;
			uint8_t size = c[120];
			uint64_t v = 0;

			memcpy(&v, base + at, size);
			v += !strcmp(pointee, "etc/acpi/rsdp") ? rsdp_gpa : tbl_gpa;
			memcpy(base + at, &v, size);
		} else if (type == 3) {
			uint32_t result = c[60] | c[61] << 8 | c[62] << 16;
			uint32_t start = c[64] | c[65] << 8 | c[66] << 16;
			uint32_t len = c[68] | c[69] << 8 | c[70] << 16;

			EQ(base[result], 0);
			base[result] = -sum8(base + start, len);
		} else {
			EQ(type, 1u);
		}
	}
	EXPECT(!memcmp(rsdp, "RSD PTR ", 8), "RSDP signature");
	EQ(sum8(rsdp, 20), 0);
	EQ(sum8(rsdp, 36), 0);
	memcpy(&xsdt, rsdp + 24, 8);
	EXPECT(xsdt >= tbl_gpa && xsdt < tbl_gpa + tables->size, "XSDT 0x%llx",
	       (unsigned long long)xsdt);
	xsdt -= tbl_gpa;
	EXPECT(!memcmp(tbl + xsdt, "XSDT", 4), "XSDT signature");
	EQ(sum8(tbl + xsdt, tbl[xsdt + 4]), 0);
	/* Every table the XSDT names, and the FADT's DSDT, checksum to 0. */
	for (uint32_t at = 36; at < tbl[xsdt + 4]; at += 8) {
		uint64_t t, dsdt;
		uint32_t len;

		memcpy(&t, tbl + xsdt + at, 8);
		EXPECT(t >= tbl_gpa, "table pointer relocated");
		t -= tbl_gpa;
		memcpy(&len, tbl + t + 4, 4);
		EQ(sum8(tbl + t, len), 0);
		if (memcmp(tbl + t, "FACP", 4))
			continue;
		memcpy(&dsdt, tbl + t + 140, 8);
		EXPECT(dsdt >= tbl_gpa, "X_DSDT relocated");
		EXPECT(!memcmp(tbl + dsdt - tbl_gpa, "DSDT", 4), "X_DSDT -> DSDT");
		memcpy(&len, tbl + dsdt - tbl_gpa + 4, 4);
		EQ(sum8(tbl + dsdt - tbl_gpa, len), 0);
	}
	fw_cfg_free(&fc);
}

TEST_MAIN(TEST_CASE(test_signature_and_version_through_ports),
	  TEST_CASE(test_directory_sorted_by_name),
	  TEST_CASE(test_dma_select_read_skip),
	  TEST_CASE(test_dma_errors),
	  TEST_CASE(test_acpi_through_the_loader))
