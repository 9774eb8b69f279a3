// SPDX-License-Identifier: GPL-2.0-only
/*
 * The firmware boot's Secure Boot pieces (vmm/x86/fw-secure-boot.c): the
 * PE checks behind the one-line reason, the legacy-loader switch served
 * to ordinary VMs only, and fw_cfg's progress notes and select watcher
 * (devices/fw-cfg.c) that the refusal and the SEV hashes test rely on.
 */
#include <errno.h>
#include <string.h>

#include "devices/fw-cfg.h"
#include "tests/test.h"
#include "vmm/x86/fw-secure-boot.h"

#define PE_AT 0x80
#define OPT_AT (PE_AT + 24)

/* A PE32+ header, with a certificate table of cert_size bytes. */
static void make_pe(uint8_t *buf, size_t len, uint32_t cert_size)
{
	memset(buf, 0, len);
	memcpy(buf, "MZ", 2);
	buf[0x3c] = PE_AT;
	memcpy(buf + PE_AT, "PE\0\0", 4);
	buf[OPT_AT] = 0x0b;
	buf[OPT_AT + 1] = 0x02;
	/* Data directory 4: { offset, size } at 144 into the header. */
	buf[OPT_AT + 144] = 0x00;
	buf[OPT_AT + 145] = 0x10;
	memcpy(buf + OPT_AT + 148, &cert_size, 4);
	/* Two sections after a 240-byte optional header: .text, .data. */
	buf[PE_AT + 6] = 2;
	buf[PE_AT + 20] = 240;
	memcpy(buf + OPT_AT + 240, ".text", 5);
	memcpy(buf + OPT_AT + 280, ".data", 5);
}

static void test_sbat_section(void)
{
	static char kernel[] = "vmlinuz", shim[] = "shimx64.efi";
	struct vm_config cfg = { 0 };
	uint8_t pe[512];
	char why[256] = "";

	make_pe(pe, sizeof(pe), 0x5c0);
	EXPECT(fw_pe_has_section(pe, sizeof(pe), ".data"), ".data is there");
	EXPECT(!fw_pe_has_section(pe, sizeof(pe), ".sbat"), "no .sbat");
	EXPECT(!fw_pe_has_section(pe, sizeof(pe), ".dat"),
	       "a name matches whole, not its prefix");
	EXPECT(!fw_pe_has_section(pe, OPT_AT + 290, ".data"),
	       "a section table cut short is not read past its end");
	cfg.boot.kernel = kernel;
	EXPECT_EQ(fw_shim_check_kernel(&cfg, pe, sizeof(pe), why, sizeof(why)), 0,
		  "no shim, no SBAT needed");
	cfg.boot.shim = shim;
	EXPECT_EQ(fw_shim_check_kernel(&cfg, pe, sizeof(pe), why, sizeof(why)), -EINVAL,
		  "a shim refuses a kernel without .sbat");
	EXPECT(strstr(why, "kernel 'vmlinuz' has no .sbat section"),
	       "the reason names the kernel: %s", why);
	pe[0] = 'X';
	EXPECT_EQ(fw_shim_check_kernel(&cfg, pe, sizeof(pe), why, sizeof(why)),
		  0, "a kernel that is no PE image is left to the shim");
	pe[0] = 'M';
	memcpy(pe + OPT_AT + 280, ".sbat\0\0\0", 8);
	EXPECT_EQ(fw_shim_check_kernel(&cfg, pe, sizeof(pe), why, sizeof(why)), 0,
		  "a shim starts a kernel with .sbat");
}

static void test_signed_and_unsigned_pe(void)
{
	uint8_t pe[512];

	make_pe(pe, sizeof(pe), 0x5c0);
	EXPECT(fw_is_efi_app(pe, sizeof(pe)), "a PE header is an EFI app");
	EXPECT(fw_kernel_is_signed(pe, sizeof(pe)),
	       "a certificate table of 0x5c0 bytes is a signature");
	make_pe(pe, sizeof(pe), 0);
	EXPECT(!fw_kernel_is_signed(pe, sizeof(pe)),
	       "an empty certificate table is no signature");
	/* The directory lies beyond the bytes given. */
	make_pe(pe, sizeof(pe), 0x5c0);
	EXPECT(!fw_kernel_is_signed(pe, OPT_AT + 100),
	       "a header cut short is not read past its end");
}

static void test_not_pe(void)
{
	uint8_t pe[512];

	make_pe(pe, sizeof(pe), 0x5c0);
	pe[PE_AT] = 'X';
	EXPECT(!fw_is_efi_app(pe, sizeof(pe)), "no PE signature, no EFI app");
	make_pe(pe, sizeof(pe), 0x5c0);
	pe[0x3c] = 0xf0;
	pe[0x3d] = 0xff;
	EXPECT(!fw_is_efi_app(pe, sizeof(pe)),
	       "a PE offset past the end is refused");
	EXPECT(!fw_is_efi_app(pe, 10), "10 bytes are no EFI app");
	make_pe(pe, sizeof(pe), 0x5c0);
	pe[OPT_AT] = 0x07;
	EXPECT(!fw_kernel_is_signed(pe, sizeof(pe)),
	       "an unknown optional-header magic has no certificate table");
}

static void test_legacy_loader_switch(void)
{
	static char kernel[] = "vmlinuz";
	struct vm_config cfg = { 0 };
	const struct fw_cfg_item *it;
	struct fw_cfg fc;

	cfg.boot.kernel = kernel;
	for (int mode = CC_MODE_NONE; mode <= CC_MODE_TDX; mode++) {
		EXPECT_EQ(fw_cfg_init(&fc, NULL, NULL), 0, "fw_cfg_init");
		cfg.cc.mode = mode;
		EXPECT_EQ(fw_secure_boot_add_files(&cfg, &fc), 0, "add");
		it = fw_cfg_find_file(&fc, FW_LEGACY_LOADER_FILE);
		if (mode == CC_MODE_SNP || mode == CC_MODE_TDX) {
			EXPECT(!it, "no legacy-loader switch for cc mode %d",
			       mode);
		} else {
			EXPECT(it && it->size == 2 && !memcmp(it->data, "no", 2),
			       "the legacy loader is switched off (\"no\") for cc mode %d",
			       mode);
		}
		fw_cfg_free(&fc);
	}
	cfg.boot.kernel = NULL;
	EXPECT_EQ(fw_cfg_init(&fc, NULL, NULL), 0, "fw_cfg_init");
	EXPECT_EQ(fw_secure_boot_add_files(&cfg, &fc), 0, "add");
	EXPECT(!fw_cfg_find_file(&fc, FW_LEGACY_LOADER_FILE),
	       "no switch without a kernel");
	fw_cfg_free(&fc);
}

static uint16_t last_selected;
static unsigned int selections;

static void on_select(void *ctx, uint16_t key)
{
	(void)ctx;
	last_selected = key;
	selections++;
}

static void port_write16(struct fw_cfg *fc, uint16_t v)
{
	uint8_t b[2] = { v, v >> 8 };

	fw_cfg_access(fc, 0, b, 2, true);
}

static uint8_t port_read8(struct fw_cfg *fc)
{
	uint8_t b = 0;

	fw_cfg_access(fc, 1, &b, 1, false);
	return b;
}

static void test_progress_and_watch(void)
{
	struct fw_cfg fc;
	int key;

	EXPECT_EQ(fw_cfg_init(&fc, NULL, NULL), 0, "fw_cfg_init");
	EXPECT_EQ(fw_cfg_add_item(&fc, FW_CFG_INITRD_DATA, "abc", 3), 0,
		  "add");
	EXPECT_EQ(fw_cfg_add_file(&fc, "opt/x", "no", 2), 0, "add file");
	EXPECT_EQ(fw_cfg_finish(&fc), 0, "finish");
	key = fw_cfg_file_key(&fc, "opt/x");
	EXPECT_EQ(key, FW_CFG_FILE_FIRST, "the first file's key");
	EXPECT(fw_cfg_file_key(&fc, "opt/y") < 0, "an absent file has no key");
	fc.on_select = on_select;
	port_write16(&fc, FW_CFG_INITRD_DATA);
	EXPECT_EQ(last_selected, FW_CFG_INITRD_DATA, "the watcher sees 0x12");
	port_read8(&fc);
	port_read8(&fc);
	EXPECT(!(fc.stats.read_to_end & (1ull << FW_CFG_INITRD_DATA)),
	       "two of three bytes are not the end");
	port_read8(&fc);
	EXPECT(fc.stats.read_to_end & (1ull << FW_CFG_INITRD_DATA),
	       "the third byte is the end");
	port_write16(&fc, key);
	EXPECT_EQ(last_selected, key, "the watcher sees the file");
	EXPECT_EQ(selections, 2, "two selections");
	/* A selector past the items has no bytes and no bit. */
	port_write16(&fc, 0x3fff);
	port_read8(&fc);
	EXPECT(!(fc.stats.read_to_end & ~((1ull << FW_CFG_INITRD_DATA) |
					  (1ull << FW_CFG_FILE_DIR))),
	       "only the items read to their end are noted");
	fw_cfg_free(&fc);
}

int main(void)
{
	static const struct test_case cases[] = {
		TEST_CASE(test_signed_and_unsigned_pe),
		TEST_CASE(test_not_pe),
		TEST_CASE(test_sbat_section),
		TEST_CASE(test_legacy_loader_switch),
		TEST_CASE(test_progress_and_watch),
	};

	return test_run(cases, sizeof(cases) / sizeof(cases[0]));
}
