// SPDX-License-Identifier: GPL-2.0-only
/*
 * UEFI firmware (OVMF) for a VM without a confidential launch: the image
 * as a read-only memslot ending at 4 GiB, the Q35 chipset OVMF recognises
 * beside the PC of vmm/pc.c, and fw_cfg telling it the machine: CPUs, the
 * memory map, ACPI tables, and the kernel, initrd and command line its
 * kernel loader starts (../shared/spec/firmware-platform.md).
 *
 * The vCPUs are left as KVM_CREATE_VCPU made them, at the reset vector
 * (CS:IP f000:fff0, CS base 0xffff0000); the in-kernel local APICs hold
 * the APs until the firmware's INIT-SIPI-SIPI.
 *
 * The firmware is never written: writes to the slot exit to cvmm and are
 * dropped, so OVMF finds no flash and keeps its variables in memory.
 * Persistent variables would need a writable CFI flash device for the
 * variable store (QEMU's pflash) and a file to keep it in.
 *
 * SNP and TDX (vm->cc): the image is the launch's private, measured range
 * and the vCPUs' state the launch's, so neither the slot nor the MSRs are
 * set here; fw_cfg serves the kernel, initrd and command line from the
 * launch's copy, and its DMA reaches only RAM the guest shared.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "cc/image.h"
#include "cc/ovmf.h"
#include "devices/fw-cfg.h"
#include "devices/virtio/virtqueue.h"
#include "devices/x86/q35.h"
#include "lib/io.h"
#include "lib/kvm.h"
#include "lib/log.h"
#include "vmm/debug-hooks.h"
#include "vmm/launch.h"
#include "vmm/vm.h"
#include "vmm/x86/acpi.h"
#include "vmm/x86/boot-firmware.h"
#include "vmm/x86/boot-linux.h"
#include "vmm/x86/cpu.h"
#include "vmm/x86/fw-acpi.h"
#include "vmm/x86/fw-bootorder.h"
#include "vmm/x86/fw-image.h"
#include "vmm/x86/fw-secure-boot.h"
#include "vmm/x86/pc.h"

#ifndef KVM_MEM_READONLY
#define KVM_MEM_READONLY (1u << 1)
#endif

/* Clear of the RAM regions' slots, which count from 0. */
#define FIRMWARE_SLOT MEM_MAX_REGIONS
#define E820_ENTRY_SIZE 20
#define E820_RAM 1

/* CMOS memory-size bytes (firmware-platform.md section 4). */
#define CMOS_EXT_MEM_LOW 0x30
#define CMOS_EXT_MEM2_LOW 0x34
#define CMOS_HIGH_MEM_LOW 0x5b
#define SZ_16M (16ull << 20)
#define SZ_64K 0x10000ull

/* What fw_cfg describes: from the VM, or for --plan from the config. */
struct fw_machine {
	const struct vm_config *cfg;
	/* The kernel and initrd that were hashed (SNP, TDX, a SEV table). */
	const struct cc_image *img;
	const struct mem_region_plan *regions;
	unsigned int nr_regions;
	unsigned int nr_vcpus;
	uint64_t pci_mmio64_base;
	/* The virtio disks' PCI slots, for bootorder. */
	unsigned int disk_slots[PCI_MAX_DEVICES];
	unsigned int nr_disks;
};

struct pc_firmware {
	uint8_t *image;
	uint64_t size;
	struct q35_mch mch;
	struct ich9_lpc lpc;
	struct reset_cf9 cf9;
	struct fw_cfg fw_cfg;
	struct fw_secure_boot secure_boot;
	/*
	 * The kernel and initrd hashed into a SEV kernel-hashes table, read
	 * once: fw_cfg serves these bytes (empty without such a table).
	 */
	struct cc_image files;
};

static void on_poweroff(void *ctx)
{
	log_debug("guest powered off");
	vm_request_stop(ctx, 0);
}

static void on_reset(void *ctx)
{
	vm_request_reset(ctx);
}

static int read_file(const char *what, const char *path, uint8_t **ret_buf,
		     uint64_t *ret_size)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	uint8_t *buf;
	int r;

	if (fd < 0 || fstat(fd, &st) < 0) {
		log_error("%s '%s' cannot be opened: %s", what, path,
			  strerror(errno));
		return -EINVAL;
	}
	buf = malloc(st.st_size ? st.st_size : 1);
	if (!buf)
		return log_error_errno(-ENOMEM, "reading %s '%s'", what, path);
	r = pread_full(fd, buf, st.st_size, 0);
	if (r < 0) {
		free(buf);
		log_error("%s '%s' cannot be read: %s", what, path,
			  strerror(-r));
		return -EINVAL;
	}
	*ret_buf = buf;
	*ret_size = st.st_size;
	return 0;
}

/*
 * A firmware with a SEV kernel-hashes table (OVMF.amdsev.fd) checks the
 * kernel, initrd and command line it gets from fw_cfg against that table
 * in any VM (BlobVerifierSevHashes): fill it at its GPA, as the SNP launch
 * does, with the same code. Without it that firmware refuses the kernel.
 */
static int write_sev_hashes(struct vm *vm, struct pc_firmware *pf,
			    const uint8_t *fw, uint64_t size)
{
	const struct vm_config *cfg = vm->cfg;
	struct ovmf_info info;
	uint8_t page[PAGE_SIZE];
	char reason[CC_REASON_MAX];
	uint64_t gpa;
	int r;

	if (!cfg->boot.kernel || ovmf_parse(fw, size, 0, &info) < 0 ||
	    !info.has_sev_hashes || !info.sev_hashes_gpa)
		return 0;
	gpa = info.sev_hashes_gpa;
	r = cc_boot_files_load(cfg, &pf->files, reason, sizeof(reason));
	if (r < 0) {
		log_error("%s", reason);
		return -EINVAL;
	}
	debug_corrupt_sev_hash(&pf->files.hashes);
	r = snp_kernel_hashes_page(&pf->files.hashes, gpa & (PAGE_SIZE - 1),
				   page);
	if (r == 0)
		r = mem_populate(&vm->mem, ALIGN_DOWN(gpa, PAGE_SIZE), page,
				 PAGE_SIZE);
	if (r < 0)
		return log_error_errno(r, "writing the SEV kernel-hashes table at 0x%llx",
				       (unsigned long long)gpa);
	log_debug("SEV kernel-hashes table at 0x%llx", (unsigned long long)gpa);
	return 0;
}

/* --kernel needs the firmware's kernel loader (fw-image.h). */
static int check_kernel_loader(const struct vm_config *cfg,
			       const uint8_t *image, uint64_t size)
{
	char reason[512];
	int r = fw_image_check_kernel(cfg, image, size, reason,
				      sizeof(reason));

	if (r < 0)
		log_error("%s", reason);
	return r;
}

/*
 * The image in memory of its own, read-only to cvmm too, bound as a
 * KVM_MEM_READONLY slot ending at 4 GiB.
 */
static int map_firmware(struct vm *vm, struct pc_firmware *fw)
{
	const char *path = vm->cfg->boot.firmware;
	_cleanup_free_ uint8_t *buf = NULL;
	struct kvm_userspace_memory_region2 slot = { 0 };
	uint64_t size;
	void *image;
	int r;

	r = read_file("firmware", path, &buf, &size);
	if (r < 0)
		return r;
	if (!size || !IS_ALIGNED(size, SZ_4K) || size > MEM_4G - MEM_HOLE_START) {
		log_error("firmware '%s' is %llu bytes: it must be a non-empty multiple of 4K that fits below 4G above RAM",
			  path, (unsigned long long)size);
		return -EINVAL;
	}
	r = check_kernel_loader(vm->cfg, buf, size);
	if (r < 0)
		return r;
	image = mmap(NULL, size, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (image == MAP_FAILED)
		return log_error_errno(-errno, "mapping firmware '%s'", path);
	memcpy(image, buf, size);
	fw->image = image;
	fw->size = size;
	r = write_sev_hashes(vm, fw, buf, size);
	if (r < 0)
		return r;
	if (mprotect(image, size, PROT_READ) < 0)
		return log_error_errno(-errno, "protecting firmware '%s'", path);
	slot = (struct kvm_userspace_memory_region2){
		.slot = FIRMWARE_SLOT,
		.flags = KVM_MEM_READONLY,
		.guest_phys_addr = MEM_4G - size,
		.memory_size = size,
		.userspace_addr = (uintptr_t)image,
	};
	r = kvm_ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION2, &slot);
	if (r < 0)
		return log_error_errno(r, "KVM_SET_USER_MEMORY_REGION2 for firmware '%s' at 0x%llx (KVM_MEM_READONLY)",
				       path, (unsigned long long)(MEM_4G - size));
	vm->mem.stats.bytes_populated += size;
	return 0;
}

static int add_chipset(struct vm *vm, struct pc_firmware *fw)
{
	const struct power_ops ops = {
		.poweroff = on_poweroff,
		.reset = on_reset,
		.ctx = vm,
	};
	struct pci_host *host = &vm->pc->pci;
	int r;

	q35_mch_init(&fw->mch);
	ich9_lpc_init(&fw->lpc, &ops);
	reset_cf9_init(&fw->cf9, &ops);
	r = q35_mch_attach(&fw->mch, host);
	if (r == 0)
		r = ich9_lpc_attach(&fw->lpc, host);
	if (r < 0)
		return log_error_errno(r, "placing the Q35 MCH and ICH9 LPC on the PCI bus");
	r = ich9_pm_register(&fw->lpc, &vm->pio);
	if (r < 0)
		return log_error_errno(r, "registering the ICH9 PM ports");
	reset_cf9_attach(&fw->cf9, host);
	return 0;
}

static uint64_t ram_below_4g(const struct guest_memory *mem)
{
	uint64_t end = 0;

	for (unsigned int i = 0; i < mem->nr_regions; i++)
		if (mem->regions[i].kind == MEM_REGION_RAM &&
		    mem->regions[i].gpa < MEM_4G)
			end = MAX(end, mem->regions[i].gpa + mem->regions[i].size);
	return end;
}

/* The memory-size bytes, firmware's fallback when etc/e820 is absent. */
static void set_cmos_memory(struct vm *vm)
{
	uint8_t *ram = vm->pc->cmos.ram;
	uint64_t low = ram_below_4g(&vm->mem);
	uint64_t high = vm->cfg->machine.memory_size - low;
	uint64_t ext = low > SZ_16M ? MIN((low - SZ_16M) / SZ_64K, 0xffff) : 0;
	uint64_t kb = low > (1 << 20) ? MIN((low - (1 << 20)) >> 10, 0xfc00) : 0;

	ram[CMOS_EXT_MEM_LOW] = kb;
	ram[CMOS_EXT_MEM_LOW + 1] = kb >> 8;
	ram[CMOS_EXT_MEM2_LOW] = ext;
	ram[CMOS_EXT_MEM2_LOW + 1] = ext >> 8;
	high /= SZ_64K;
	for (unsigned int i = 0; i < 3; i++)
		ram[CMOS_HIGH_MEM_LOW + i] = high >> (8 * i);
}

/*
 * DMA goes only to RAM the guest has shared, checked against the
 * attribute map as a virtqueue's buffers are: a private target (an SNP or
 * TDX guest that forgot its bounce buffer) ends the transfer with the
 * error bit, never a write into the private side's shared twin.
 */
static void *fw_cfg_gpa(void *ctx, uint64_t gpa, uint64_t len)
{
	void *hva;

	return virtio_gpa_shared(ctx, gpa, len, &hva) ? hva : NULL;
}

/* etc/e820: { u64 address; u64 length; u32 type } per RAM region. */
static int add_e820(const struct fw_machine *m, struct fw_cfg *fc)
{
	uint8_t buf[MEM_MAX_REGIONS * E820_ENTRY_SIZE];
	uint32_t len = 0;

	for (unsigned int i = 0; i < m->nr_regions; i++) {
		const struct mem_region_plan *r = &m->regions[i];
		uint32_t type = E820_RAM;

		if (r->kind != MEM_REGION_RAM)
			continue;
		memcpy(buf + len, &r->gpa, 8);
		memcpy(buf + len + 8, &r->size, 8);
		memcpy(buf + len + 16, &type, 4);
		len += E820_ENTRY_SIZE;
	}
	return fw_cfg_add_file(fc, "etc/e820", buf, len);
}

static int add_acpi(const struct fw_machine *m, struct fw_cfg *fc)
{
	const struct acpi_platform p = {
		.nr_vcpus = m->nr_vcpus,
		.pic = m->cfg->machine.irqchip == IRQCHIP_IN_KERNEL,
		.pci_mmio64_base = m->pci_mmio64_base,
		.pci_mmio64_size = PCI_MMIO64_SIZE,
	};

	return fw_acpi_add_files(fc, &p);
}

/*
 * The bytes of boot.kernel or boot.initrd: for SNP and TDX the launch's
 * copy (struct cc_image), read once and hashed into the launch, so that
 * what the firmware verifies is what was measured; otherwise the file,
 * read now into *ret_copy.
 */
static int boot_file(const struct fw_machine *m, bool kernel,
		     uint8_t **ret_copy, const uint8_t **ret_buf,
		     uint64_t *ret_size)
{
	const char *path = kernel ? m->cfg->boot.kernel : m->cfg->boot.initrd;
	int r;

	if (m->img) {
		*ret_buf = kernel ? m->img->kernel : m->img->initrd;
		*ret_size = kernel ? m->img->kernel_size : m->img->initrd_size;
		return 0;
	}
	r = read_file(kernel ? "kernel" : "initrd", path, ret_copy, ret_size);
	*ret_buf = *ret_copy;
	return r;
}

/*
 * The bzImage split as QEMU hands it over: the real-mode setup part and
 * the rest; OVMF's kernel loader puts them back together. Any other EFI
 * application (a second stage such as GRUB for a shim) goes whole as the
 * kernel part: the loader starts a PE image, and a shim starts what the
 * loader calls "kernel".
 */
static int add_kernel(const struct fw_machine *m, struct fw_cfg *fc)
{
	const char *path = m->cfg->boot.kernel;
	_cleanup_free_ uint8_t *copy = NULL;
	const uint8_t *buf;
	struct bzimage img;
	char reason[512];
	uint64_t size;
	int r;

	r = boot_file(m, true, &copy, &buf, &size);
	if (r < 0)
		return r;
	r = bzimage_parse(buf, MIN(size, BZIMAGE_HEADER_READ), size, &img,
			  reason, sizeof(reason));
	if (r < 0 && fw_is_efi_app(buf, MIN(size, UINT32_MAX))) {
		img.setup_size = 0;
		img.payload_size = size;
		r = 0;
	}
	if (r < 0 || size > UINT32_MAX) {
		log_error("kernel '%s': %s", path,
			  r < 0 ? reason : "larger than fw_cfg's 4 GiB items");
		return -EINVAL;
	}
	r = fw_shim_check_kernel(m->cfg, buf, size, reason, sizeof(reason));
	if (r < 0) {
		log_error("%s", reason);
		return r;
	}
	r = fw_cfg_add_u32(fc, FW_CFG_SETUP_SIZE, img.setup_size);
	if (r == 0)
		r = fw_cfg_add_item(fc, FW_CFG_SETUP_DATA, buf, img.setup_size);
	if (r == 0)
		r = fw_cfg_add_u32(fc, FW_CFG_KERNEL_SIZE, img.payload_size);
	if (r == 0)
		r = fw_cfg_add_item(fc, FW_CFG_KERNEL_DATA,
				    buf + img.setup_size, img.payload_size);
	return r < 0 ? log_error_errno(r, "fw_cfg: kernel '%s'", path) : 0;
}

static int add_initrd(const struct fw_machine *m, struct fw_cfg *fc)
{
	const char *path = m->cfg->boot.initrd;
	_cleanup_free_ uint8_t *copy = NULL;
	const uint8_t *buf;
	uint64_t size;
	int r;

	r = boot_file(m, false, &copy, &buf, &size);
	if (r < 0)
		return r;
	if (size > UINT32_MAX) {
		log_error("initrd '%s' is larger than fw_cfg's 4 GiB items", path);
		return -EINVAL;
	}
	r = fw_cfg_add_u32(fc, FW_CFG_INITRD_SIZE, size);
	if (r == 0)
		r = fw_cfg_add_item(fc, FW_CFG_INITRD_DATA, buf, size);
	return r < 0 ? log_error_errno(r, "fw_cfg: initrd '%s'", path) : 0;
}

static int add_cmdline(struct fw_cfg *fc, const char *cmdline)
{
	uint32_t len = strlen(cmdline) + 1;
	int r;

	r = fw_cfg_add_u32(fc, FW_CFG_CMDLINE_SIZE, len);
	if (r == 0)
		r = fw_cfg_add_item(fc, FW_CFG_CMDLINE_DATA, cmdline, len);
	return r;
}

/* The shim OVMF's kernel loader starts first (QemuKernelLoaderFsDxe). */
static int add_shim(const char *path, struct fw_cfg *fc)
{
	_cleanup_free_ uint8_t *buf = NULL;
	uint64_t size;
	int r;

	r = read_file("shim", path, &buf, &size);
	if (r < 0)
		return r;
	if (size > UINT32_MAX) {
		log_error("shim '%s' is larger than fw_cfg's 4 GiB items", path);
		return -EINVAL;
	}
	r = fw_cfg_add_file(fc, "etc/boot/shim", buf, size);
	return r < 0 ? log_error_errno(r, "fw_cfg: shim '%s'", path) : 0;
}

static int add_boot_items(const struct fw_machine *m, struct fw_cfg *fc)
{
	const struct vm_config *cfg = m->cfg;
	int r;

	if (!cfg->boot.kernel)
		return 0;
	r = add_kernel(m, fc);
	if (r == 0 && cfg->boot.shim)
		r = add_shim(cfg->boot.shim, fc);
	if (r == 0 && cfg->boot.initrd)
		r = add_initrd(m, fc);
	/* As QEMU: always a command line, "" if none, which SEV hashes. */
	if (r == 0)
		r = add_cmdline(fc, cfg->boot.cmdline ? cfg->boot.cmdline : "");
	if (r == 0)
		r = fw_secure_boot_add_files(cfg, fc);
	return r;
}

/* Every item and file; fc is initialised already. Reports its errors. */
static int fill_fw_cfg(const struct fw_machine *m, struct fw_cfg *fc)
{
	int r;

	r = fw_cfg_add_u16(fc, FW_CFG_NB_CPUS, m->nr_vcpus);
	if (r == 0)
		r = fw_cfg_add_u16(fc, FW_CFG_MAX_CPUS, m->nr_vcpus);
	if (r == 0)
		r = add_e820(m, fc);
	if (r == 0)
		r = add_acpi(m, fc);
	if (r == 0)
		r = fw_bootorder_add(fc, m->disk_slots, m->nr_disks);
	if (r < 0)
		return log_error_errno(r, "building the fw_cfg items");
	r = add_boot_items(m, fc);
	if (r < 0)
		return r;
	r = fw_cfg_finish(fc);
	return r < 0 ? log_error_errno(r, "building the fw_cfg directory") : 0;
}

static int add_fw_cfg(struct vm *vm, struct pc_firmware *fw)
{
	struct mem_region_plan ram[MEM_MAX_REGIONS];
	struct fw_machine m = {
		.cfg = vm->cfg,
		.img = vm->cc ? &vm->cc->img :
		       fw->files.kernel ? &fw->files : NULL,
		.regions = ram,
		.nr_vcpus = vm->nr_vcpus,
		.pci_mmio64_base = vm->pc->pci.mmio64_base,
	};
	int r;

	m.nr_disks = fw_bootorder_disk_slots(&vm->pc->pci, m.disk_slots,
					     ARRAY_SIZE(m.disk_slots));
	for (unsigned int i = 0; i < vm->mem.nr_regions; i++)
		ram[m.nr_regions++] = (struct mem_region_plan){
			.kind = vm->mem.regions[i].kind,
			.gpa = vm->mem.regions[i].gpa,
			.size = vm->mem.regions[i].size,
		};
	r = fw_cfg_init(&fw->fw_cfg, fw_cfg_gpa, &vm->mem);
	if (r < 0)
		return log_error_errno(r, "creating fw_cfg");
	r = fill_fw_cfg(&m, &fw->fw_cfg);
	if (r < 0)
		return r;
	fw_secure_boot_watch(&fw->secure_boot, vm, &fw->fw_cfg);
	r = fw_cfg_register(&fw->fw_cfg, &vm->pio);
	return r < 0 ? log_error_errno(r, "registering fw_cfg") : 0;
}

/*
 * The reset state KVM gave every vCPU stays, but for what cpu.c sets as
 * firmware would (MTRRs, XCR0, the LAPIC's virtual wire): XCR0 for the
 * kernel the firmware starts, since the rig's nested KVM never sees the
 * guest's own XSETBV (cpu.c).
 */
static int setup_vcpus(struct vm *vm)
{
	for (uint32_t i = 0; i < vm->nr_vcpus; i++) {
		int r = cpu_init_pc_state(vm->vcpus[i].fd,
					  cpu_cpuid_xcr0(vm->cpuid));

		if (r < 0)
			return log_error_errno(r, "setting vCPU %u's MSRs and LAPIC",
					       i);
	}
	return 0;
}

int boot_firmware(struct vm *vm)
{
	struct pc_firmware *fw = calloc(1, sizeof(*fw));
	int r;

	if (!fw)
		return log_error_errno(-ENOMEM, "allocating the firmware platform");
	vm->pc->firmware = fw;
	/*
	 * SNP, TDX: the image is the launch's, private and measured
	 * (launch_load()), and the vCPUs' state is the launch's too.
	 */
	r = vm->cc ? 0 : map_firmware(vm, fw);
	if (r < 0)
		return r;
	r = add_chipset(vm, fw);
	if (r < 0)
		return r;
	set_cmos_memory(vm);
	r = add_fw_cfg(vm, fw);
	if (r < 0)
		return r;
	return vm->cc ? 0 : setup_vcpus(vm);
}

struct fw_cfg *boot_firmware_fw_cfg(struct vm *vm)
{
	return vm->pc && vm->pc->firmware ? &vm->pc->firmware->fw_cfg : NULL;
}

void boot_firmware_free(struct pc_firmware *fw)
{
	if (!fw)
		return;
	fw_cfg_free(&fw->fw_cfg);
	cc_image_free(&fw->files);
	if (fw->image)
		munmap(fw->image, fw->size);
	free(fw);
}

static const char *const item_names[FW_CFG_FILE_DIR] = {
	[FW_CFG_SIGNATURE] = "signature",
	[FW_CFG_ID] = "interface version",
	[FW_CFG_NB_CPUS] = "CPU count",
	[FW_CFG_MAX_CPUS] = "maximum CPUs",
	[FW_CFG_KERNEL_SIZE] = "kernel size",
	[FW_CFG_KERNEL_DATA] = "kernel",
	[FW_CFG_INITRD_SIZE] = "initrd size",
	[FW_CFG_INITRD_DATA] = "initrd",
	[FW_CFG_CMDLINE_SIZE] = "command line size",
	[FW_CFG_CMDLINE_DATA] = "command line",
	[FW_CFG_SETUP_SIZE] = "setup size",
	[FW_CFG_SETUP_DATA] = "setup (real-mode part)",
};

static void print_fw_cfg(const struct fw_cfg *fc, FILE *f)
{
	fprintf(f, "fw_cfg (ports 0x510/0x511, DMA 0x514):\n");
	for (unsigned int i = 0; i < FW_CFG_FILE_DIR; i++)
		if (fc->items[i].size)
			fprintf(f, "  item 0x%02x %-24s %10u bytes\n", i,
				item_names[i] ? item_names[i] : "?",
				fc->items[i].size);
	fprintf(f, "  item 0x%02x %-24s %10u bytes\n", FW_CFG_FILE_DIR,
		"file directory", fc->items[FW_CFG_FILE_DIR].size);
	for (unsigned int i = 0; i < fc->nr_files; i++)
		fprintf(f, "  file 0x%02x %-24s %10u bytes\n",
			FW_CFG_FILE_FIRST + i, fc->names[i],
			fc->items[FW_CFG_FILE_FIRST + i].size);
}

static void print_machine(const struct fw_machine *m, uint64_t fw_size,
			  FILE *f)
{
	const struct vm_config *cfg = m->cfg;

	fprintf(f, "firmware boot: %s, cc.mode %s, %u vCPU(s)\n",
		cfg->boot.firmware, cc_mode_name(cfg->cc.mode), m->nr_vcpus);
	fprintf(f, "memslots:\n");
	for (unsigned int i = 0; i < m->nr_regions; i++)
		fprintf(f, "  %u  RAM       0x%09llx-0x%09llx\n", i,
			(unsigned long long)m->regions[i].gpa,
			(unsigned long long)(m->regions[i].gpa +
					     m->regions[i].size - 1));
	fprintf(f, "  %u  firmware  0x%09llx-0x%09llx  KVM_MEM_READONLY, never written back\n",
		FIRMWARE_SLOT, (unsigned long long)(MEM_4G - fw_size),
		(unsigned long long)(MEM_4G - 1));
	fprintf(f, "vCPUs: at the reset vector f000:fff0 (CS base 0xffff0000); APs wait for INIT-SIPI in the in-kernel LAPIC\n");
	fprintf(f, "devices: Q35 MCH 00.0 (8086:29c0), ICH9 LPC 00:1f.0 (8086:2918), ICH9 PM ports 0x600-0x67f (PMBASE 0x600, ACPI_EN), reset 0xcf9, COM1 0x3f8, CMOS 0x70, ACPI power 0x680, PCI ECAM 0x%llx, %u disk(s), %u net(s)%s%s\n",
		(unsigned long long)PCI_ECAM_BASE, cfg->devices.nr_disks,
		cfg->devices.nr_nets, cfg->devices.rng ? ", rng" : "",
		cfg->devices.console ? ", console" : "");
}

int boot_firmware_plan(const struct vm_config *cfg, FILE *f)
{
	const uint64_t in_place = GUEST_MEMFD_FLAG_MMAP |
				  GUEST_MEMFD_FLAG_INIT_SHARED;
	struct mem_plan plan;
	struct fw_machine m = { .cfg = cfg, .nr_vcpus = cfg->machine.vcpus };
	struct mem_region_plan ram[MEM_MAX_REGIONS];
	_cleanup_free_ uint8_t *image = NULL;
	struct fw_cfg fc;
	uint64_t end = MEM_4G, size;
	int r;

	r = read_file("firmware", cfg->boot.firmware, &image, &size);
	if (r == 0)
		r = check_kernel_loader(cfg, image, size);
	if (r < 0)
		return r;
	r = mem_plan_build(cfg, 0, in_place, cfg->cc.mode != CC_MODE_NONE,
			   &plan);
	if (r < 0)
		return log_error_errno(r, "memory size 0x%llx cannot be laid out",
				       (unsigned long long)cfg->machine.memory_size);
	for (unsigned int i = 0; i < plan.nr_regions; i++) {
		ram[m.nr_regions++] = plan.regions[i];
		end = MAX(end, plan.regions[i].gpa + plan.regions[i].size);
	}
	m.regions = ram;
	/* pc-virtio.c plugs the disks first, from the first free slot. */
	for (unsigned int i = 0; i < cfg->devices.nr_disks; i++)
		m.disk_slots[m.nr_disks++] = 1 + i;
	/* As pci_host_init() places the 64-bit window. */
	m.pci_mmio64_base = ALIGN_UP(end, SZ_1G);
	r = fw_cfg_init(&fc, NULL, NULL);
	if (r == 0)
		r = fill_fw_cfg(&m, &fc);
	if (r == 0) {
		print_machine(&m, size, f);
		print_fw_cfg(&fc, f);
	}
	fw_cfg_free(&fc);
	return r;
}
