// SPDX-License-Identifier: GPL-2.0-only
/*
 * The firmware platform of a CC guest for --plan; see fw-cfg-plan.h. The
 * items follow boot-firmware.c's add_fw_cfg() one for one.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "devices/pci.h"
#include "devices/uart.h"
#include "devices/x86/q35.h"
#include "vmm/irq.h"
#include "vmm/x86/acpi.h"
#include "vmm/x86/boot-linux.h"
#include "vmm/x86/fw-acpi.h"
#include "vmm/x86/fw-bootorder.h"
#include "vmm/x86/fw-cfg-plan.h"
#include "vmm/x86/fw-secure-boot.h"

#define E820_ENTRY_SIZE 20
#define E820_RAM 1
/* devices/pci.c aligns the 64-bit window to 1 GiB above RAM. */
#define WINDOW_64_ALIGN (1ull << 30)

static int add_e820(struct fw_cfg *fc, const struct mem_plan *mem,
		    uint64_t *ret_ram_end)
{
	uint8_t buf[MEM_MAX_REGIONS * E820_ENTRY_SIZE];
	uint32_t len = 0, type = E820_RAM;

	*ret_ram_end = MEM_4G;
	for (unsigned int i = 0; i < mem->nr_regions; i++) {
		const struct mem_region_plan *r = &mem->regions[i];

		if (r->kind != MEM_REGION_RAM)
			continue;
		memcpy(buf + len, &r->gpa, 8);
		memcpy(buf + len + 8, &r->size, 8);
		memcpy(buf + len + 16, &type, 4);
		len += E820_ENTRY_SIZE;
		*ret_ram_end = MAX(*ret_ram_end, r->gpa + r->size);
	}
	return fw_cfg_add_file(fc, "etc/e820", buf, len);
}

static int add_kernel(const struct vm_config *cfg, const struct cc_image *img,
		      struct fw_cfg *fc, char *reason, size_t len)
{
	struct bzimage bz;
	char why[160];
	int r;

	r = bzimage_parse(img->kernel, MIN(img->kernel_size,
					  (size_t)BZIMAGE_HEADER_READ),
			  img->kernel_size, &bz, why, sizeof(why));
	/* As boot-firmware.c: any other EFI application goes whole. */
	if (r < 0 && fw_is_efi_app(img->kernel, MIN(img->kernel_size,
						    (size_t)UINT32_MAX))) {
		bz.setup_size = 0;
		bz.payload_size = img->kernel_size;
		r = 0;
	}
	if (r < 0 || img->kernel_size > UINT32_MAX) {
		snprintf(reason, len, "kernel '%s': %s", cfg->boot.kernel,
			 r < 0 ? why : "larger than fw_cfg's 4 GiB items");
		return -EINVAL;
	}
	r = fw_shim_check_kernel(cfg, img->kernel, img->kernel_size, reason,
				 len);
	if (r < 0)
		return r;
	r = fw_cfg_add_u32(fc, FW_CFG_SETUP_SIZE, bz.setup_size);
	if (r == 0)
		r = fw_cfg_add_item(fc, FW_CFG_SETUP_DATA, img->kernel,
				    bz.setup_size);
	if (r == 0)
		r = fw_cfg_add_u32(fc, FW_CFG_KERNEL_SIZE, bz.payload_size);
	if (r == 0)
		r = fw_cfg_add_item(fc, FW_CFG_KERNEL_DATA,
				    img->kernel + bz.setup_size,
				    bz.payload_size);
	return r;
}

/* The shim is not measured by the launch: its size is what --plan shows. */
static int add_shim(const char *path, struct fw_cfg *fc, char *reason,
		    size_t len)
{
	_cleanup_free_ uint8_t *zeros = NULL;
	struct stat st;

	if (stat(path, &st) < 0 || st.st_size > UINT32_MAX) {
		snprintf(reason, len, "shim '%s': %s", path,
			 st.st_size > UINT32_MAX ? "larger than fw_cfg's 4 GiB items" :
			 strerror(errno));
		return -EINVAL;
	}
	zeros = calloc(1, st.st_size ? st.st_size : 1);
	if (!zeros)
		return -ENOMEM;
	return fw_cfg_add_file(fc, "etc/boot/shim", zeros, st.st_size);
}

static int add_boot_items(const struct vm_config *cfg,
			  const struct cc_image *img, struct fw_cfg *fc,
			  char *reason, size_t len)
{
	const char *cmdline = cfg->boot.cmdline ? cfg->boot.cmdline : "";
	int r;

	if (!cfg->boot.kernel)
		return 0;
	r = add_kernel(cfg, img, fc, reason, len);
	if (r == 0 && cfg->boot.shim)
		r = add_shim(cfg->boot.shim, fc, reason, len);
	if (r == 0 && cfg->boot.initrd) {
		r = fw_cfg_add_u32(fc, FW_CFG_INITRD_SIZE, img->initrd_size);
		if (r == 0)
			r = fw_cfg_add_item(fc, FW_CFG_INITRD_DATA, img->initrd,
					    img->initrd_size);
	}
	if (r == 0)
		r = fw_cfg_add_u32(fc, FW_CFG_CMDLINE_SIZE, strlen(cmdline) + 1);
	if (r == 0)
		r = fw_cfg_add_item(fc, FW_CFG_CMDLINE_DATA, cmdline,
				    strlen(cmdline) + 1);
	return r;
}

/* pc-virtio.c plugs the disks first, from the first free slot. */
static int add_bootorder(const struct vm_config *cfg, struct fw_cfg *fc)
{
	unsigned int slots[PCI_MAX_DEVICES];

	for (unsigned int i = 0; i < cfg->devices.nr_disks; i++)
		slots[i] = 1 + i;
	return fw_bootorder_add(fc, slots, cfg->devices.nr_disks);
}

int fw_cfg_plan_build(const struct vm_config *cfg,
		      const struct launch_plan *plan,
		      const struct cc_image *img, struct fw_cfg *fc,
		      char *reason, size_t len)
{
	struct acpi_platform p = {
		.nr_vcpus = plan->nr_vcpus,
		.pic = cfg->machine.irqchip == IRQCHIP_IN_KERNEL,
		.pci_mmio64_size = PCI_MMIO64_SIZE,
	};
	uint64_t ram_end = MEM_4G;
	int r;

	r = fw_cfg_init(fc, NULL, NULL);
	if (r == 0)
		r = fw_cfg_add_u16(fc, FW_CFG_NB_CPUS, plan->nr_vcpus);
	if (r == 0)
		r = fw_cfg_add_u16(fc, FW_CFG_MAX_CPUS, plan->nr_vcpus);
	if (r == 0)
		r = add_e820(fc, &plan->mem, &ram_end);
	p.pci_mmio64_base = ALIGN_UP(ram_end, WINDOW_64_ALIGN);
	if (r == 0)
		r = fw_acpi_add_files(fc, &p);
	if (r == 0)
		r = add_bootorder(cfg, fc);
	if (r == 0)
		r = add_boot_items(cfg, img, fc, reason, len);
	if (r == 0)
		r = fw_cfg_finish(fc);
	if (r < 0 && r != -EINVAL)
		snprintf(reason, len, "the fw_cfg items: %s", strerror(-r));
	return r;
}

static const char *const item_names[FW_CFG_FILE_DIR] = {
	[FW_CFG_SIGNATURE] = "signature",
	[FW_CFG_ID] = "interface (DMA)",
	[FW_CFG_NB_CPUS] = "NB_CPUS",
	[FW_CFG_MAX_CPUS] = "MAX_CPUS",
	[FW_CFG_SETUP_SIZE] = "SETUP_SIZE",
	[FW_CFG_SETUP_DATA] = "SETUP_DATA: the kernel's setup sectors",
	[FW_CFG_KERNEL_SIZE] = "KERNEL_SIZE",
	[FW_CFG_KERNEL_DATA] = "KERNEL_DATA: the rest of the kernel",
	[FW_CFG_INITRD_SIZE] = "INITRD_SIZE",
	[FW_CFG_INITRD_DATA] = "INITRD_DATA",
	[FW_CFG_CMDLINE_SIZE] = "CMDLINE_SIZE",
	[FW_CFG_CMDLINE_DATA] = "CMDLINE_DATA: the command line and its NUL",
};

static void write_platform(const struct vm_config *cfg, FILE *f)
{
	bool split = cfg->machine.irqchip == IRQCHIP_SPLIT;

	fprintf(f, "platform: Q35 PC for the firmware (vm_build(), after the launch steps above)\n");
	fprintf(f, "  chipset   Q35 MCH 00:00.0, ICH9 LPC 00:1f.0 with PM at 0x%x, reset 0xcf9, CMOS, port 0x80, ACPI power ports\n",
		ICH9_PMBASE);
	fprintf(f, "  console   UART COM1 at 0x%x, IRQ %u\n", UART_COM1_BASE,
		UART_COM1_IRQ);
	if (split)
		fprintf(f, "  irqchip   split: local APICs in KVM, cvmm's IOAPIC at 0x%llx (%u pins, MSI routes); no PIC, no PIT\n",
			IRQ_IOAPIC_GPA, IRQ_IOAPIC_PINS);
	else
		fprintf(f, "  irqchip   in-kernel: KVM's IOAPIC, PIC pair and local APICs, KVM_CREATE_PIT2\n");
	fprintf(f, "  SMM       none\n");
	fprintf(f, "  firmware  the launch's private, measured range above; no read-only memslot\n");
	fprintf(f, "  fw_cfg    ports 0x%x-0x%x, DMA only into RAM the guest has shared\n",
		FW_CFG_PORT_SEL, FW_CFG_PORT_SEL + FW_CFG_PORTS_LEN - 1);
}

void fw_cfg_plan_write(const struct vm_config *cfg, const struct fw_cfg *fc,
		       FILE *f)
{
	write_platform(cfg, f);
	for (unsigned int key = 0; key < FW_CFG_FILE_DIR; key++)
		if (fc->items[key].size && item_names[key])
			fprintf(f, "  fw_cfg    item 0x%02x %-44s %u bytes\n", key,
				item_names[key], fc->items[key].size);
	for (unsigned int i = 0; i < fc->nr_files; i++)
		fprintf(f, "  fw_cfg    file %-49s %u bytes\n", fc->names[i],
			fc->items[FW_CFG_FILE_FIRST + i].size);
}
