// SPDX-License-Identifier: GPL-2.0-only
/*
 * cvmm's ACPI tables (vmm/acpi.c) handed to firmware through fw_cfg's
 * table loader, the way OVMF installs them (edk2
 * OvmfPkg/Library/AcpiPlatformLib/QemuFwCfgAcpi.c, QemuLoader.h):
 *
 * - "etc/acpi/rsdp" and "etc/acpi/tables" are blobs built with every
 *   pointer an offset into the tables blob, and every checksum byte 0;
 * - "etc/table-loader" is a list of 128-byte commands: ALLOCATE each
 *   blob, ADD_POINTER for each pointer (the firmware adds the blob's
 *   address), ADD_CHECKSUM for each table.
 *
 * OVMF then installs every table a pointer leads to, except the RSDT and
 * XSDT, which its own ACPI driver builds.
 */
#include <stdlib.h>
#include <string.h>

#include "devices/fw-cfg.h"
#include "vmm/x86/acpi.h"
#include "vmm/x86/fw-acpi.h"

#define LOADER_ENTRY_SIZE 128
#define LOADER_ALLOCATE 1
#define LOADER_ADD_POINTER 2
#define LOADER_ADD_CHECKSUM 3
#define ZONE_HIGH 1
#define ZONE_FSEG 2

#define RSDP_NAME "etc/acpi/rsdp"
#define TABLES_NAME "etc/acpi/tables"

#define HEADER_SIZE 36
#define HEADER_LENGTH 4
#define HEADER_CHECKSUM 9
#define RSDP_SIZE 36
#define RSDP_V1_SIZE 20
#define RSDP_CHECKSUM 8
#define RSDP_XSDT 24
#define RSDP_EXT_CHECKSUM 32
#define FADT_DSDT 40
#define FADT_X_DSDT 140
/* The loader's list: at most 3 + 2 per table; a few tables here. */
#define MAX_COMMANDS 32

struct loader {
	uint8_t cmds[MAX_COMMANDS][LOADER_ENTRY_SIZE];
	unsigned int n;
	int err;
};

static void put_le(uint8_t *p, uint64_t v, unsigned int bytes)
{
	for (unsigned int i = 0; i < bytes; i++)
		p[i] = v >> (8 * i);
}

static uint64_t get_le(const uint8_t *p, unsigned int bytes)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < bytes; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static uint8_t *next_cmd(struct loader *l, uint32_t type)
{
	uint8_t *c;

	if (l->n == MAX_COMMANDS) {
		l->err = -ENOSPC;
		return NULL;
	}
	c = l->cmds[l->n++];
	memset(c, 0, LOADER_ENTRY_SIZE);
	put_le(c, type, 4);
	return c + 4;
}

static void cmd_allocate(struct loader *l, const char *file, uint32_t align,
			 uint8_t zone)
{
	uint8_t *c = next_cmd(l, LOADER_ALLOCATE);

	if (!c)
		return;
	strcpy((char *)c, file);
	put_le(c + FW_CFG_NAME_SIZE, align, 4);
	c[FW_CFG_NAME_SIZE + 4] = zone;
}

static void cmd_add_pointer(struct loader *l, const char *file,
			    uint32_t offset, uint8_t size)
{
	uint8_t *c = next_cmd(l, LOADER_ADD_POINTER);

	if (!c)
		return;
	strcpy((char *)c, file);
	strcpy((char *)c + FW_CFG_NAME_SIZE, TABLES_NAME);
	put_le(c + 2 * FW_CFG_NAME_SIZE, offset, 4);
	c[2 * FW_CFG_NAME_SIZE + 4] = size;
}

static void cmd_add_checksum(struct loader *l, const char *file,
			     uint32_t result, uint32_t start, uint32_t len)
{
	uint8_t *c = next_cmd(l, LOADER_ADD_CHECKSUM);

	if (!c)
		return;
	strcpy((char *)c, file);
	put_le(c + FW_CFG_NAME_SIZE, result, 4);
	put_le(c + FW_CFG_NAME_SIZE + 4, start, 4);
	put_le(c + FW_CFG_NAME_SIZE + 8, len, 4);
}

/* The table at off in the blob: its length, or 0 if it does not fit. */
static uint32_t table_len(const uint8_t *blob, size_t blob_len, uint64_t off)
{
	uint32_t len;

	if (off > blob_len || blob_len - off < HEADER_SIZE)
		return 0;
	len = get_le(blob + off + HEADER_LENGTH, 4);
	return len >= HEADER_SIZE && len <= blob_len - off ? len : 0;
}

/* The table's checksum byte zeroed, for the loader to compute. */
static int checksum_table(struct loader *l, uint8_t *blob, size_t blob_len,
			  uint64_t off)
{
	uint32_t len = table_len(blob, blob_len, off);

	if (!len)
		return -EINVAL;
	blob[off + HEADER_CHECKSUM] = 0;
	cmd_add_checksum(l, TABLES_NAME, off + HEADER_CHECKSUM, off, len);
	return 0;
}

/* A table the XSDT names; the FADT also points at the DSDT. */
static int relocate_table(struct loader *l, uint8_t *blob, size_t blob_len,
			  uint64_t off)
{
	uint32_t len = table_len(blob, blob_len, off);
	int r;

	if (!len)
		return -EINVAL;
	if (!memcmp(blob + off, "FACP", 4) && len >= FADT_X_DSDT + 8) {
		cmd_add_pointer(l, TABLES_NAME, off + FADT_DSDT, 4);
		cmd_add_pointer(l, TABLES_NAME, off + FADT_X_DSDT, 8);
		r = checksum_table(l, blob, blob_len,
				   get_le(blob + off + FADT_X_DSDT, 8));
		if (r < 0)
			return r;
	}
	return checksum_table(l, blob, blob_len, off);
}

/*
 * Walk RSDP -> XSDT -> tables (-> DSDT), writing the loader's commands.
 * Pointers are patched before checksums: the loader runs them in order.
 */
static int build_loader(struct loader *l, uint8_t *rsdp, uint8_t *blob,
			size_t blob_len)
{
	uint64_t xsdt = get_le(rsdp + RSDP_XSDT, 8);
	uint32_t xsdt_len = table_len(blob, blob_len, xsdt);
	int r;

	if (!xsdt_len)
		return -EINVAL;
	cmd_allocate(l, RSDP_NAME, 16, ZONE_FSEG);
	cmd_allocate(l, TABLES_NAME, 64, ZONE_HIGH);
	for (uint32_t at = HEADER_SIZE; at + 8 <= xsdt_len; at += 8) {
		cmd_add_pointer(l, TABLES_NAME, xsdt + at, 8);
		r = relocate_table(l, blob, blob_len,
				   get_le(blob + xsdt + at, 8));
		if (r < 0)
			return r;
	}
	blob[xsdt + HEADER_CHECKSUM] = 0;
	cmd_add_checksum(l, TABLES_NAME, xsdt + HEADER_CHECKSUM, xsdt,
			 xsdt_len);
	cmd_add_pointer(l, RSDP_NAME, RSDP_XSDT, 8);
	rsdp[RSDP_CHECKSUM] = rsdp[RSDP_EXT_CHECKSUM] = 0;
	cmd_add_checksum(l, RSDP_NAME, RSDP_CHECKSUM, 0, RSDP_V1_SIZE);
	cmd_add_checksum(l, RSDP_NAME, RSDP_EXT_CHECKSUM, 0, RSDP_SIZE);
	return l->err;
}

int fw_acpi_add_files(struct fw_cfg *fc, const struct acpi_platform *p)
{
	_cleanup_free_ uint8_t *blob = calloc(1, ACPI_TABLES_SIZE);
	_cleanup_free_ struct loader *l = calloc(1, sizeof(*l));
	uint8_t rsdp[RSDP_SIZE];
	size_t len, rsdp_off;
	int r;

	if (!blob || !l)
		return -ENOMEM;
	r = acpi_build_tables(p, 0, blob, &len, &rsdp_off);
	if (r < 0)
		return r;
	/* The RSDP is a blob of its own; its bytes in the tables go unused. */
	memcpy(rsdp, blob + rsdp_off, RSDP_SIZE);
	memset(blob + rsdp_off, 0, RSDP_SIZE);
	r = build_loader(l, rsdp, blob, len);
	if (r < 0)
		return r;
	r = fw_cfg_add_file(fc, RSDP_NAME, rsdp, RSDP_SIZE);
	if (r == 0)
		r = fw_cfg_add_file(fc, TABLES_NAME, blob, len);
	if (r == 0)
		r = fw_cfg_add_file(fc, "etc/table-loader", l->cmds,
				    l->n * LOADER_ENTRY_SIZE);
	return r;
}
