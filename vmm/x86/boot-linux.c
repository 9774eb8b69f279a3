// SPDX-License-Identifier: GPL-2.0-only
/*
 * Linux direct boot through the 64-bit entry point of a bzImage
 * (shared/spec/x86-boot.md). Guest memory below 1 MiB:
 *
 *	0x01000-0x07000	boot stack (RSP starts at 0x7000)
 *	0x07000		zero page (boot_params)
 *	0x08000		boot GDT
 *	0x09000-0x0efff	identity-mapped page tables for the low 4 GiB
 *	0x20000		command line
 *	0xe0000-0xeffff	ACPI tables   } the BIOS area, reserved in the
 *	0xffff0		reset vector  } e820 map
 *
 * The kernel goes at its preferred address (16 MiB for Debian's), the
 * initrd as high below initrd_addr_max as RAM allows. Files are read once,
 * with pread() straight into guest memory.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "devices/x86/legacy.h"
#include "lib/byteorder.h"
#include "lib/io.h"
#include "lib/log.h"
#include "vmm/x86/acpi.h"
#include "vmm/x86/boot-linux.h"
#include "vmm/x86/boot-pvh.h"
#include "vmm/x86/cpu.h"
#include "vmm/x86/pc.h"
#include "vmm/boot.h"
#include "vmm/vm.h"
#include "vmm/x86/regs.h"

#define BOOT_STACK_GPA 0x7000ull
#define ZERO_PAGE_GPA 0x7000ull
#define GDT_GPA 0x8000ull
#define PML4_GPA 0x9000ull
#define CMDLINE_GPA BOOT_CMDLINE_GPA
#define KERNEL_DEFAULT_GPA 0x1000000ull
#define LOW_MEMORY_END BOOT_LOW_MEMORY_END
/* Conventional memory ends where the EBDA and the VGA hole begin. */
#define EBDA_START 0x9fc00ull

#define DEFAULT_CMDLINE "console=ttyS0"

/*
 * The reset vector (real mode, CS:IP f000:fff0) as firmware would have
 * it, except that it resets at once: mov al, RESET_VALUE; mov dx,
 * RESET_PORT; out dx, al; hlt; jmp $-1. A kernel that "jumps to the BIOS"
 * to reboot ends up here; Linux does on a hardware-reduced ACPI platform
 * without EFI, its default there being BOOT_EFI and then BOOT_BIOS.
 */
#define RESET_VECTOR_GPA 0xffff0ull
static const uint8_t reset_vector[] = {
	0xb0, ACPI_RESET_VALUE,
	0xba, ACPI_RESET_PORT & 0xff, ACPI_RESET_PORT >> 8,
	0xee,
	0xf4,
	0xeb, 0xfd,
};

/* Setup header fields: offsets in the file and in boot_params. */
#define HDR_SETUP_SECTS 0x1f1
#define HDR_BOOT_FLAG 0x1fe
#define HDR_JUMP_END 0x201
#define HDR_MAGIC 0x202
#define HDR_VERSION 0x206
#define HDR_TYPE_OF_LOADER 0x210
#define HDR_LOADFLAGS 0x211
#define HDR_RAMDISK_IMAGE 0x218
#define HDR_RAMDISK_SIZE 0x21c
#define HDR_CMD_LINE_PTR 0x228
#define HDR_INITRD_ADDR_MAX 0x22c
#define HDR_KERNEL_ALIGNMENT 0x230
#define HDR_RELOCATABLE 0x234
#define HDR_XLOADFLAGS 0x236
#define HDR_CMDLINE_SIZE 0x238
#define HDR_PREF_ADDRESS 0x258
#define HDR_INIT_SIZE 0x260
/* The last field cvmm reads ends here; boot_params.hdr ends at 0x26c. */
#define HDR_MIN_LEN 0x264
#define HDR_MAX_END 0x290

#define BOOT_FLAG 0xaa55
#define HDR_MAGIC_HDRS 0x53726448 /* "HdrS" */
#define LOADED_HIGH 0x01
#define XLF_KERNEL_64 0x01
#define MIN_VERSION 0x020c
#define ACPI_RSDP_VERSION 0x020e
#define LOADER_UNDEFINED 0xff
#define SECTOR 512

/* boot_params fields outside the setup header. */
#define BP_ACPI_RSDP_ADDR 0x070
#define BP_EXT_RAMDISK_IMAGE 0x0c0
#define BP_EXT_RAMDISK_SIZE 0x0c4
#define BP_EXT_CMD_LINE_PTR 0x0c8
#define BP_E820_ENTRIES 0x1e8
#define BP_E820_TABLE 0x2d0
#define E820_ENTRY_SIZE 20

enum e820_type {
	E820_RAM = 1,
	E820_RESERVED = 2,
};

#define reject(...)                                          \
	({                                                   \
		snprintf(reason, reason_len, __VA_ARGS__);   \
		-EINVAL;                                     \
	})

int bzimage_parse(const uint8_t *buf, size_t len, uint64_t file_size,
		  struct bzimage *ret, char *reason, size_t reason_len)
{
	struct bzimage img = { 0 };
	unsigned int sects;
	uint32_t align;

	if (pvh_is_elf(buf, len))
		return reject("an ELF vmlinux, not a bzImage: a vmlinux boots only without firmware, through its PVH entry");
	if (len < HDR_MIN_LEN)
		return reject("%llu bytes is too short for a setup header",
			      (unsigned long long)file_size);
	if (get_le16(buf + HDR_BOOT_FLAG) != BOOT_FLAG)
		return reject("no boot sector signature 0xAA55 at offset 0x1FE");
	if (get_le32(buf + HDR_MAGIC) != HDR_MAGIC_HDRS)
		return reject("no setup header (\"HdrS\" at offset 0x202)");
	img.version = get_le16(buf + HDR_VERSION);
	if (img.version < MIN_VERSION)
		return reject("boot protocol %u.%02u is older than 2.12, the oldest cvmm can boot",
			      img.version >> 8, img.version & 0xff);
	if (!(buf[HDR_LOADFLAGS] & LOADED_HIGH))
		return reject("not a bzImage (loadflags LOADED_HIGH clear: a zImage)");
	if (!(get_le16(buf + HDR_XLOADFLAGS) & XLF_KERNEL_64))
		return reject("no 64-bit entry point (xloadflags XLF_KERNEL_64 clear)");
	sects = buf[HDR_SETUP_SECTS] ? buf[HDR_SETUP_SECTS] : 4;
	img.setup_size = (sects + 1) * SECTOR;
	if (file_size <= img.setup_size)
		return reject("truncated: %llu bytes, but the setup part alone is %u",
			      (unsigned long long)file_size, img.setup_size);
	img.payload_size = file_size - img.setup_size;
	img.header_end = MIN(HDR_MAGIC + buf[HDR_JUMP_END], HDR_MAX_END);
	if (img.header_end > len)
		return reject("truncated: the setup header ends at 0x%x, past the %zu bytes read",
			      img.header_end, len);
	img.cmdline_size = get_le32(buf + HDR_CMDLINE_SIZE);
	img.initrd_addr_max = get_le32(buf + HDR_INITRD_ADDR_MAX);
	img.kernel_alignment = get_le32(buf + HDR_KERNEL_ALIGNMENT);
	img.relocatable = buf[HDR_RELOCATABLE];
	img.pref_address = get_le64(buf + HDR_PREF_ADDRESS);
	img.init_size = get_le32(buf + HDR_INIT_SIZE);
	align = img.kernel_alignment;
	if (img.relocatable && (!align || (align & (align - 1))))
		return reject("kernel_alignment 0x%x is not a power of two",
			      img.kernel_alignment);
	if (!img.init_size)
		return reject("init_size is 0");
	*ret = img;
	return 0;
}

uint64_t boot_low_ram_end(struct vm *vm)
{
	return MIN(vm->cfg->machine.memory_size, MEM_HOLE_START);
}

/* [load, load + span) inside [LOW_MEMORY_END, ram_end), without overflowing. */
static bool fits(uint64_t load, uint64_t span, uint64_t ram_end)
{
	return load >= LOW_MEMORY_END && load <= ram_end &&
	       span <= ram_end - load;
}

int bzimage_place(const struct bzimage *img, uint64_t ram_end,
		  uint64_t *ret_load, uint64_t *ret_end, char *reason,
		  size_t reason_len)
{
	uint64_t span = MAX((uint64_t)img->init_size, img->payload_size);
	uint64_t load = img->pref_address;

	if (!fits(load, span, ram_end) ||
	    (img->relocatable && !IS_ALIGNED(load, img->kernel_alignment))) {
		if (!img->relocatable)
			return reject("it is not relocatable and its load address 0x%llx (+0x%llx bytes for init_size) is not in guest RAM below 0x%llx",
				      (unsigned long long)load,
				      (unsigned long long)span,
				      (unsigned long long)ram_end);
		load = ALIGN_UP(KERNEL_DEFAULT_GPA,
				(uint64_t)img->kernel_alignment);
	}
	if (!fits(load, span, ram_end))
		return reject("it needs 0x%llx bytes from 0x%llx (init_size), but guest RAM ends at 0x%llx",
			      (unsigned long long)span,
			      (unsigned long long)load,
			      (unsigned long long)ram_end);
	*ret_load = load;
	*ret_end = load + span;
	return 0;
}

static int place_kernel(struct vm *vm, const char *path,
			const struct bzimage *img, uint64_t *ret_load,
			uint64_t *ret_end)
{
	char reason[200];

	if (bzimage_place(img, boot_low_ram_end(vm), ret_load, ret_end,
			  reason, sizeof(reason)) < 0) {
		log_error("kernel '%s': %s", path, reason);
		return -EINVAL;
	}
	return 0;
}

int boot_read_into_guest(struct vm *vm, int fd, uint64_t off, uint64_t gpa,
			 uint64_t len)
{
	uint8_t *dst = mem_gpa_to_hva(&vm->mem, gpa, len);
	int r;

	if (!dst)
		return -EFAULT;
	r = pread_full(fd, dst, len, off);
	if (r == 0)
		vm->mem.stats.bytes_populated += len;
	return r;
}

int boot_open_file(const char *what, const char *path, uint64_t *ret_size)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		log_error("%s '%s' cannot be opened: %s", what, path,
			  strerror(errno));
		return -EINVAL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		log_error("%s '%s' is not a regular file", what, path);
		close(fd);
		return -EINVAL;
	}
	*ret_size = st.st_size;
	return fd;
}

int boot_load_initrd(struct vm *vm, uint64_t addr_max, uint64_t kernel_end,
		     uint64_t *ret_gpa, uint64_t *ret_size)
{
	const char *path = vm->cfg->boot.initrd;
	_cleanup_close_ int fd = -1;
	uint64_t size, limit, gpa;
	int r;

	*ret_gpa = *ret_size = 0;
	if (!path)
		return 0;
	fd = boot_open_file("initrd", path, &size);
	if (fd < 0)
		return fd;
	limit = MIN(addr_max + 1, boot_low_ram_end(vm));
	gpa = size < limit ? ALIGN_DOWN(limit - size, PAGE_SIZE) : 0;
	if (size >= limit || gpa < ALIGN_UP(kernel_end, PAGE_SIZE)) {
		log_error("initrd '%s' (%llu bytes) does not fit between the kernel's end 0x%llx and 0x%llx (initrd_addr_max or the end of RAM below 3 GiB)",
			  path, (unsigned long long)size,
			  (unsigned long long)kernel_end,
			  (unsigned long long)limit);
		return -EINVAL;
	}
	r = boot_read_into_guest(vm, fd, 0, gpa, size);
	if (r < 0) {
		log_error("initrd '%s' cannot be read: %s", path, strerror(-r));
		return -EINVAL;
	}
	*ret_gpa = gpa;
	*ret_size = size;
	return 0;
}

int boot_write_cmdline(struct vm *vm, uint32_t max, const char *kernel)
{
	const char *cmdline = vm->cfg->boot.cmdline ? vm->cfg->boot.cmdline :
						      DEFAULT_CMDLINE;
	size_t len = strlen(cmdline);
	int r;

	if (len > max) {
		log_error("command line is %zu bytes, longer than the %u bytes kernel '%s' accepts (cmdline_size)",
			  len, max, kernel);
		return -EINVAL;
	}
	r = mem_populate(&vm->mem, CMDLINE_GPA, cmdline, len + 1);
	return r < 0 ? log_error_errno(r, "writing the command line") : 0;
}

static void e820_add(struct boot_e820 *map, uint64_t addr, uint64_t size,
		     enum e820_type type)
{
	if (map->nr == BOOT_E820_MAX || !size)
		return;
	map->e[map->nr++] = (struct boot_e820_entry){ addr, size, type };
}

/*
 * RAM as the memory plan laid it out, minus the legacy hole between the
 * EBDA and 1 MiB; the BIOS area with the ACPI tables and the PCI ECAM
 * reserved. Fewer than a dozen entries: no SETUP_E820_EXT needed.
 */
void boot_e820_build(struct vm *vm, struct boot_e820 *map)
{
	map->nr = 0;
	for (unsigned int i = 0; i < vm->mem.nr_regions; i++) {
		const struct mem_region *r = &vm->mem.regions[i];

		if (r->kind != MEM_REGION_RAM)
			continue;
		if (r->gpa != 0) {
			e820_add(map, r->gpa, r->size, E820_RAM);
			continue;
		}
		e820_add(map, 0, EBDA_START, E820_RAM);
		e820_add(map, ACPI_TABLES_GPA, LOW_MEMORY_END - ACPI_TABLES_GPA,
			 E820_RESERVED);
		e820_add(map, LOW_MEMORY_END, r->size - LOW_MEMORY_END,
			 E820_RAM);
	}
	e820_add(map, PCI_ECAM_BASE, PCI_ECAM_SIZE, E820_RESERVED);
}

static void write_e820(struct vm *vm, uint8_t *bp)
{
	struct boot_e820 map;

	boot_e820_build(vm, &map);
	for (unsigned int i = 0; i < map.nr; i++) {
		uint8_t *e = bp + BP_E820_TABLE + i * E820_ENTRY_SIZE;

		put_le64(e, map.e[i].addr);
		put_le64(e + 8, map.e[i].size);
		put_le32(e + 16, map.e[i].type);
	}
	bp[BP_E820_ENTRIES] = map.nr;
}

static int write_zero_page(struct vm *vm, const uint8_t *hdr,
			   const struct bzimage *img, uint64_t initrd_gpa,
			   uint64_t initrd_size, uint64_t rsdp)
{
	uint8_t *bp = mem_gpa_to_hva(&vm->mem, ZERO_PAGE_GPA, PAGE_SIZE);

	if (!bp)
		return -EFAULT;
	memset(bp, 0, PAGE_SIZE);
	/* From 0x1f1 on: the sentinel at 0x1ef must stay 0 (x86-boot.md). */
	memcpy(bp + HDR_SETUP_SECTS, hdr + HDR_SETUP_SECTS,
	       img->header_end - HDR_SETUP_SECTS);
	bp[HDR_TYPE_OF_LOADER] = LOADER_UNDEFINED;
	put_le32(bp + HDR_CMD_LINE_PTR, CMDLINE_GPA);
	put_le32(bp + BP_EXT_CMD_LINE_PTR, CMDLINE_GPA >> 32);
	put_le32(bp + HDR_RAMDISK_IMAGE, initrd_gpa);
	put_le32(bp + BP_EXT_RAMDISK_IMAGE, initrd_gpa >> 32);
	put_le32(bp + HDR_RAMDISK_SIZE, initrd_size);
	put_le32(bp + BP_EXT_RAMDISK_SIZE, initrd_size >> 32);
	/* Older kernels find the RSDP by scanning 0xe0000-0xfffff. */
	if (img->version >= ACPI_RSDP_VERSION)
		put_le64(bp + BP_ACPI_RSDP_ADDR, rsdp);
	write_e820(vm, bp);
	vm->mem.stats.bytes_populated += PAGE_SIZE;
	return 0;
}

/*
 * The vCPUs but the boot one wait in KVM (UNINITIALIZED, as the in-kernel
 * LAPIC makes every vCPU but 0) for the kernel's INIT-SIPI.
 */
int boot_reset_vcpus(struct vm *vm)
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

/* The boot vCPU at the 64-bit entry. */
static int setup_vcpus(struct vm *vm, uint64_t entry)
{
	int r;

	r = boot_reset_vcpus(vm);
	if (r < 0)
		return r;
	r = x86_write_boot_tables(&vm->mem, PML4_GPA, GDT_GPA);
	if (r < 0)
		return log_error_errno(r, "writing the boot page tables");
	r = x86_enter_long_mode(vm->vcpus[0].fd, PML4_GPA, GDT_GPA, entry,
				BOOT_STACK_GPA, ZERO_PAGE_GPA, 0);
	if (r < 0)
		return log_error_errno(r, "setting the boot vCPU's registers");
	return 0;
}

static int read_header(int fd, const char *path, uint64_t size, uint8_t *hdr,
		       struct bzimage *img)
{
	char reason[160];
	ssize_t n = pread(fd, hdr, MIN(size, (uint64_t)BZIMAGE_HEADER_READ), 0);

	if (n < 0) {
		log_error("kernel '%s' cannot be read: %s", path,
			  strerror(errno));
		return -EINVAL;
	}
	if (bzimage_parse(hdr, n, size, img, reason, sizeof(reason)) < 0) {
		log_error("kernel '%s' cannot be booted: %s", path, reason);
		return -EINVAL;
	}
	return 0;
}

static int write_acpi(struct vm *vm, uint64_t *ret_rsdp)
{
	const struct acpi_platform p = {
		.nr_vcpus = vm->nr_vcpus,
		.pic = vm->cfg->machine.irqchip == IRQCHIP_IN_KERNEL,
		.pci_mmio64_base = vm->pc->pci.mmio64_base,
		.pci_mmio64_size = PCI_MMIO64_SIZE,
	};
	int r = acpi_write_tables(&vm->mem, &p, ret_rsdp);

	return r < 0 ? log_error_errno(r, "writing the ACPI tables") : 0;
}

int boot_write_platform(struct vm *vm, uint64_t *ret_rsdp)
{
	int r = write_acpi(vm, ret_rsdp);

	if (r < 0)
		return r;
	r = mem_populate(&vm->mem, RESET_VECTOR_GPA, reset_vector,
			 sizeof(reset_vector));
	return r < 0 ? log_error_errno(r, "writing the reset vector") : 0;
}

int boot_linux(struct vm *vm)
{
	const char *path = vm->cfg->boot.kernel;
	uint8_t hdr[BZIMAGE_HEADER_READ];
	uint64_t size, load, end, initrd_gpa, initrd_size, rsdp;
	_cleanup_close_ int fd = -1;
	struct bzimage img;
	int r;

	fd = boot_open_file("kernel", path, &size);
	if (fd < 0)
		return fd;
	if (pvh_file_is_elf(fd))
		return boot_pvh(vm, fd, path, size);
	r = read_header(fd, path, size, hdr, &img);
	if (r < 0)
		return r;
	r = boot_write_cmdline(vm, img.cmdline_size, path);
	if (r < 0)
		return r;
	r = place_kernel(vm, path, &img, &load, &end);
	if (r < 0)
		return r;
	r = boot_read_into_guest(vm, fd, img.setup_size, load,
				 img.payload_size);
	if (r < 0) {
		log_error("kernel '%s' cannot be read: %s", path, strerror(-r));
		return -EINVAL;
	}
	r = boot_load_initrd(vm, img.initrd_addr_max, end, &initrd_gpa,
			     &initrd_size);
	if (r < 0)
		return r;
	r = boot_write_platform(vm, &rsdp);
	if (r < 0)
		return r;
	r = write_zero_page(vm, hdr, &img, initrd_gpa, initrd_size, rsdp);
	if (r < 0)
		return log_error_errno(r, "writing the zero page");
	return setup_vcpus(vm, load + 0x200);
}
