// SPDX-License-Identifier: GPL-2.0-only
/*
 * The Secure Boot refusal of a firmware boot's kernel (fw-secure-boot.h).
 * The explanation uses what cvmm knows: whether the kernel carries a
 * signature at all. (With a shim the loader never gets this far: a shim
 * the firmware refuses ends its kernel boot, and the shim itself
 * verifies the kernel.)
 */
#include <stdio.h>
#include <string.h>

#include "devices/fw-cfg.h"
#include "lib/log.h"
#include "vmm/vm.h"
#include "vmm/x86/fw-secure-boot.h"

/* PE/COFF (Microsoft PE format): where the certificate table is. */
#define PE_OFFSET_FIELD 0x3c
#define PE_COFF_HEADER_SIZE 24
#define PE32_MAGIC 0x10b
#define PE32PLUS_MAGIC 0x20b
#define PE32_CERT_DIR 128
#define PE32PLUS_CERT_DIR 144
#define PE_SECTION_HEADER_SIZE 40
#define PE_SECTION_NAME_SIZE 8

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The offset of the PE signature, or 0 for no PE image. */
static uint32_t pe_header(const uint8_t *buf, uint32_t len)
{
	uint32_t pe;

	if (len < PE_OFFSET_FIELD + 4 || memcmp(buf, "MZ", 2))
		return 0;
	pe = le32(buf + PE_OFFSET_FIELD);
	if (pe < PE_OFFSET_FIELD + 4 || len < PE_COFF_HEADER_SIZE + 2 ||
	    pe > len - PE_COFF_HEADER_SIZE - 2 || memcmp(buf + pe, "PE\0\0", 4))
		return 0;
	return pe;
}

bool fw_is_efi_app(const uint8_t *buf, uint32_t len)
{
	return pe_header(buf, len) != 0;
}

bool fw_kernel_is_signed(const uint8_t *buf, uint32_t len)
{
	uint32_t pe = pe_header(buf, len), opt, dir;
	uint16_t magic;

	if (!pe)
		return false;
	opt = pe + PE_COFF_HEADER_SIZE;
	magic = buf[opt] | buf[opt + 1] << 8;
	if (magic == PE32PLUS_MAGIC)
		dir = opt + PE32PLUS_CERT_DIR;
	else if (magic == PE32_MAGIC)
		dir = opt + PE32_CERT_DIR;
	else
		return false;
	/* { u32 file offset; u32 size } */
	return dir <= len - 8 && le32(buf + dir + 4) != 0;
}

bool fw_pe_has_section(const uint8_t *buf, uint32_t len, const char *name)
{
	uint32_t pe = pe_header(buf, len), table, n;
	char want[PE_SECTION_NAME_SIZE] = { 0 };

	if (!pe)
		return false;
	memcpy(want, name, strnlen(name, sizeof(want)));
	n = buf[pe + 6] | buf[pe + 7] << 8;
	table = pe + PE_COFF_HEADER_SIZE + (buf[pe + 20] | buf[pe + 21] << 8);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t at = table + i * PE_SECTION_HEADER_SIZE;

		if (at > len - PE_SECTION_HEADER_SIZE)
			return false;
		if (!memcmp(buf + at, want, sizeof(want)))
			return true;
	}
	return false;
}

int fw_shim_check_kernel(const struct vm_config *cfg, const uint8_t *buf,
			 uint32_t len, char *reason, size_t reason_len)
{
	/* Not a PE image at all: the shim says so itself. */
	if (!cfg->boot.shim || !pe_header(buf, len) ||
	    fw_pe_has_section(buf, len, ".sbat"))
		return 0;
	snprintf(reason, reason_len,
		 "kernel '%s' has no .sbat section, and shim '%s' starts no image without one (SBAT, shim 15.3 and later; Debian's kernels are signed for GRUB to start): use a kernel with an .sbat section, or as --kernel the signed GRUB of the shim's distribution with the kernel on a --disk (docs/linux.md)",
		 cfg->boot.kernel, cfg->boot.shim);
	return -EINVAL;
}

int fw_secure_boot_add_files(const struct vm_config *cfg, struct fw_cfg *fc)
{
	int r;

	if (!cfg->boot.kernel || cfg->cc.mode == CC_MODE_SNP ||
	    cfg->cc.mode == CC_MODE_TDX)
		return 0;
	/* As QEMU's -fw_cfg string=no: the bytes, no NUL. */
	r = fw_cfg_add_file(fc, FW_LEGACY_LOADER_FILE, "no", 2);
	return r < 0 ? log_error_errno(r, "fw_cfg: %s", FW_LEGACY_LOADER_FILE) :
		       0;
}

static void explain(const struct fw_secure_boot *sb)
{
	const struct vm_config *cfg = sb->vm->cfg;
	const struct fw_cfg_item *setup = &sb->fc->items[FW_CFG_SETUP_DATA];
	const struct fw_cfg_item *head = setup->size ? setup :
					 &sb->fc->items[FW_CFG_KERNEL_DATA];

	if (!fw_kernel_is_signed(head->data, head->size))
		log_error("firmware '%s' refused kernel '%s' under Secure Boot: the kernel carries no signature",
			  cfg->boot.firmware, cfg->boot.kernel);
	else
		log_error("firmware '%s' refused kernel '%s' under Secure Boot: the kernel's signature is not from a key in the firmware's db (a distribution's kernel needs that distribution's shim: --shim FILE)",
			  cfg->boot.firmware, cfg->boot.kernel);
}

/* On the vCPU thread, fw_cfg's lock held. */
static void on_select(void *ctx, uint16_t key)
{
	struct fw_secure_boot *sb = ctx;

	if (key != sb->key || sb->refused)
		return;
	sb->refused = true;
	explain(sb);
	/* A runtime failure: exit status 1. */
	vm_request_stop(sb->vm, 1);
}

void fw_secure_boot_watch(struct fw_secure_boot *sb, struct vm *vm,
			  struct fw_cfg *fc)
{
	sb->vm = vm;
	sb->fc = fc;
	sb->key = fw_cfg_file_key(fc, FW_LEGACY_LOADER_FILE);
	if (sb->key < 0)
		return;
	fc->on_select = on_select;
	fc->select_ctx = sb;
}
