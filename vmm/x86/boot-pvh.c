// SPDX-License-Identifier: GPL-2.0-only
/*
 * Linux direct boot through the PVH entry of a vmlinux (ELF): no
 * decompression in the guest. Guest memory below 1 MiB:
 *
 *	0x07000		hvm_start_info, its module list (the initrd) and
 *			memory map
 *	0x08000		GDT: flat 32-bit code 0x08, data 0x10
 *	0x20000		command line
 *	0xe0000-0xfffff	ACPI tables and the reset vector, as for a bzImage
 *
 * The PT_LOAD segments go at their p_paddr (16 MiB on for Debian's), the
 * initrd as high below 4 GiB as RAM allows: Linux's PVH code copies its
 * address into the 32-bit ramdisk_image (arch/x86/platform/pvh/
 * enlighten.c), as it does cmdline_paddr into cmd_line_ptr.
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lib/byteorder.h"
#include "lib/log.h"
#include "vmm/boot.h"
#include "vmm/vm.h"
#include "vmm/x86/boot-linux.h"
#include "vmm/x86/boot-pvh.h"
#include "vmm/x86/regs.h"

#define START_INFO_GPA 0x7000ull
#define MODLIST_GPA (START_INFO_GPA + 0x40)
#define MEMMAP_GPA (START_INFO_GPA + 0x80)
#define GDT_GPA 0x8000ull

/* hvm_start_info (Xen's public/arch-x86/hvm/start_info.h), version 1. */
#define SI_MAGIC 0x336ec578
#define SI_VERSION 1
#define SI_OFF_MAGIC 0
#define SI_OFF_VERSION 4
#define SI_OFF_NR_MODULES 12
#define SI_OFF_MODLIST 16
#define SI_OFF_CMDLINE 24
#define SI_OFF_RSDP 32
#define SI_OFF_MEMMAP 40
#define SI_OFF_MEMMAP_ENTRIES 48
#define MODLIST_ENTRY_SIZE 32
#define MEMMAP_ENTRY_SIZE 24

_Static_assert(MEMMAP_GPA + BOOT_E820_MAX * MEMMAP_ENTRY_SIZE <= GDT_GPA,
	       "the memory map fits below the GDT");

/* x86's COMMAND_LINE_SIZE is 2048 with the NUL; PVH has no header to ask. */
#define PVH_CMDLINE_MAX 2047

/* ELF (the System V gABI); the 32- and 64-bit layouts. */
#define EI_CLASS 4
#define EI_DATA 5
#define ELFCLASS32 1
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define ET_EXEC 2
#define EM_386 3
#define EM_X86_64 62
#define PT_LOAD 1
#define PT_NOTE 4
#define PN_XNUM 0xffff
/* Xen's public/elfnote.h. */
#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define NOTE_HDR_SIZE 12
#define SZ_4G (4 * SZ_1G)

static const uint8_t elf_magic[4] = { 0x7f, 'E', 'L', 'F' };

/* Field offsets and sizes that differ between ELF32 and ELF64. */
struct elf_layout {
	unsigned int bits;
	uint16_t machine;
	unsigned int ehsize;
	unsigned int phoff, phentsize, phnum;
	unsigned int ph_size;
	unsigned int p_offset, p_paddr, p_filesz, p_memsz, p_align;
};

static const struct elf_layout elf32 = {
	.bits = 32, .machine = EM_386, .ehsize = 52,
	.phoff = 28, .phentsize = 42, .phnum = 44, .ph_size = 32,
	.p_offset = 4, .p_paddr = 12, .p_filesz = 16, .p_memsz = 20,
	.p_align = 28,
};

static const struct elf_layout elf64 = {
	.bits = 64, .machine = EM_X86_64, .ehsize = 64,
	.phoff = 32, .phentsize = 54, .phnum = 56, .ph_size = 56,
	.p_offset = 8, .p_paddr = 24, .p_filesz = 32, .p_memsz = 40,
	.p_align = 48,
};

#define reject(...)                                          \
	({                                                   \
		snprintf(reason, reason_len, __VA_ARGS__);   \
		-EINVAL;                                     \
	})

#define ULL(x) ((unsigned long long)(x))

/* An address-sized field: 4 bytes in ELF32, 8 in ELF64. */
static uint64_t get_addr(const struct elf_layout *l, const uint8_t *p)
{
	return l->bits == 64 ? get_le64(p) : get_le32(p);
}

bool pvh_is_elf(const uint8_t *buf, size_t len)
{
	return len >= sizeof(elf_magic) &&
	       !memcmp(buf, elf_magic, sizeof(elf_magic));
}

/* [off, off + n) inside a file of len bytes, without overflowing. */
static bool in_file(uint64_t off, uint64_t n, size_t len)
{
	return off <= len && n <= len - off;
}

/*
 * The notes of one PT_NOTE segment, [p, p + size): the PVH entry if one
 * is there. Each note is a 12-byte header, the owner's name and the
 * value, both padded to the segment's alignment (4 in Linux's vmlinux).
 */
static int find_entry_note(const uint8_t *p, uint64_t size, uint64_t align,
			   unsigned int seg, struct pvh_image *img,
			   bool *found, char *reason, size_t reason_len)
{
	uint64_t off = 0;

	while (size - off >= NOTE_HDR_SIZE) {
		uint32_t namesz = get_le32(p + off);
		uint32_t descsz = get_le32(p + off + 4);
		uint32_t type = get_le32(p + off + 8);
		uint64_t name = off + NOTE_HDR_SIZE;
		uint64_t desc = name + ALIGN_UP((uint64_t)namesz, align);
		uint64_t value;

		if (desc > size || descsz > size - desc)
			return reject("program header %u: a note at offset 0x%llx runs past the PT_NOTE segment's 0x%llx bytes",
				      seg, ULL(off), ULL(size));
		/* The last value's padding may lie past the segment. */
		off = MIN(desc + ALIGN_UP((uint64_t)descsz, align), size);
		if (type != XEN_ELFNOTE_PHYS32_ENTRY || namesz != 4 ||
		    memcmp(p + name, "Xen", 4))
			continue;
		if (descsz != 4 && descsz != 8)
			return reject("XEN_ELFNOTE_PHYS32_ENTRY's value is %u bytes, not 4 or 8",
				      descsz);
		value = descsz == 8 ? get_le64(p + desc) : get_le32(p + desc);
		if (value > UINT32_MAX)
			return reject("XEN_ELFNOTE_PHYS32_ENTRY 0x%llx is above 4 GiB: not a 32-bit entry",
				      ULL(value));
		img->entry = value;
		*found = true;
	}
	return 0;
}

static int add_segment(const struct elf_layout *l, const uint8_t *ph,
		       size_t len, unsigned int seg, struct pvh_image *img,
		       char *reason, size_t reason_len)
{
	struct pvh_segment s = {
		.file_off = get_addr(l, ph + l->p_offset),
		.filesz = get_addr(l, ph + l->p_filesz),
		.paddr = get_addr(l, ph + l->p_paddr),
		.memsz = get_addr(l, ph + l->p_memsz),
	};

	if (s.filesz > s.memsz)
		return reject("program header %u: p_filesz 0x%llx is larger than p_memsz 0x%llx",
			      seg, ULL(s.filesz), ULL(s.memsz));
	if (!in_file(s.file_off, s.filesz, len))
		return reject("program header %u: its bytes 0x%llx+0x%llx run past the end of the file (0x%zx bytes): truncated",
			      seg, ULL(s.file_off), ULL(s.filesz), len);
	if (!s.memsz)
		return 0;
	if (s.paddr >= SZ_4G || s.memsz > SZ_4G - s.paddr)
		return reject("program header %u: p_paddr 0x%llx+0x%llx does not end below 4 GiB, where a 32-bit entry with paging off can reach",
			      seg, ULL(s.paddr), ULL(s.memsz));
	for (unsigned int i = 0; i < img->nr_segments; i++) {
		const struct pvh_segment *o = &img->segments[i];

		if (s.paddr < o->paddr + o->memsz &&
		    o->paddr < s.paddr + s.memsz)
			return reject("program header %u (0x%llx-0x%llx) overlaps an earlier PT_LOAD segment (0x%llx-0x%llx)",
				      seg, ULL(s.paddr), ULL(s.paddr + s.memsz),
				      ULL(o->paddr), ULL(o->paddr + o->memsz));
	}
	if (img->nr_segments == PVH_MAX_SEGMENTS)
		return reject("more than %u PT_LOAD segments", PVH_MAX_SEGMENTS);
	img->segments[img->nr_segments++] = s;
	img->end = MAX(img->end, s.paddr + s.memsz);
	return 0;
}

static int check_header(const uint8_t *buf, size_t len,
			const struct elf_layout **ret, char *reason,
			size_t reason_len)
{
	const struct elf_layout *l;
	uint16_t machine, type, phentsize;

	if (!pvh_is_elf(buf, len))
		return reject("not an ELF file (no 7f 45 4c 46 at offset 0)");
	if (len <= EI_DATA)
		return reject("truncated: %zu bytes, shorter than an ELF header",
			      len);
	if (buf[EI_CLASS] != ELFCLASS32 && buf[EI_CLASS] != ELFCLASS64)
		return reject("ELF class %u is neither ELFCLASS32 (1) nor ELFCLASS64 (2)",
			      buf[EI_CLASS]);
	l = buf[EI_CLASS] == ELFCLASS64 ? &elf64 : &elf32;
	if (buf[EI_DATA] != ELFDATA2LSB)
		return reject("ELF data encoding %u is not little-endian (ELFDATA2LSB, 1)",
			      buf[EI_DATA]);
	if (len < l->ehsize)
		return reject("truncated: %zu bytes, shorter than the %u-byte ELF%u header",
			      len, l->ehsize, l->bits);
	machine = get_le16(buf + 18);
	if (machine != l->machine)
		return reject("e_machine %u in an ELF%u file is not %s (%u)",
			      machine, l->bits,
			      l->bits == 64 ? "x86-64" : "i386", l->machine);
	type = get_le16(buf + 16);
	if (type != ET_EXEC)
		return reject("e_type %u is not ET_EXEC (2): not an executable kernel",
			      type);
	phentsize = get_le16(buf + l->phentsize);
	if (phentsize != l->ph_size)
		return reject("e_phentsize %u is not %u, the size of an ELF%u program header",
			      phentsize, l->ph_size, l->bits);
	*ret = l;
	return 0;
}

int pvh_elf_parse(const uint8_t *buf, size_t len, struct pvh_image *ret,
		  char *reason, size_t reason_len)
{
	struct pvh_image img = { 0 };
	const struct elf_layout *l;
	uint64_t phoff, phnum, align;
	bool found = false;
	int r;

	r = check_header(buf, len, &l, reason, reason_len);
	if (r < 0)
		return r;
	phoff = get_addr(l, buf + l->phoff);
	phnum = get_le16(buf + l->phnum);
	if (!phnum || phnum == PN_XNUM)
		return reject("e_phnum %llu: %s", ULL(phnum),
			      phnum ? "more program headers than a kernel has" :
				      "no program headers");
	if (!in_file(phoff, phnum * l->ph_size, len))
		return reject("the %llu program headers at 0x%llx run past the end of the file (0x%zx bytes): truncated",
			      ULL(phnum), ULL(phoff), len);
	for (unsigned int i = 0; i < phnum; i++) {
		const uint8_t *ph = buf + phoff + i * l->ph_size;
		uint64_t off = get_addr(l, ph + l->p_offset);
		uint64_t size = get_addr(l, ph + l->p_filesz);

		switch (get_le32(ph)) {
		case PT_LOAD:
			r = add_segment(l, ph, len, i, &img, reason,
					reason_len);
			break;
		case PT_NOTE:
			if (!in_file(off, size, len))
				return reject("program header %u: its notes 0x%llx+0x%llx run past the end of the file (0x%zx bytes): truncated",
					      i, ULL(off), ULL(size), len);
			align = get_addr(l, ph + l->p_align) == 8 ? 8 : 4;
			r = find_entry_note(buf + off, size, align, i, &img,
					    &found, reason, reason_len);
			break;
		default:
			r = 0;
		}
		if (r < 0)
			return r;
	}
	if (!img.nr_segments)
		return reject("no PT_LOAD segment: nothing to load");
	if (!found)
		return reject("vmlinux has no XEN_ELFNOTE_PHYS32_ENTRY; build with CONFIG_PVH or use the bzImage");
	for (unsigned int i = 0; i < img.nr_segments; i++) {
		const struct pvh_segment *s = &img.segments[i];

		if (img.entry >= s->paddr && img.entry < s->paddr + s->filesz) {
			*ret = img;
			return 0;
		}
	}
	return reject("XEN_ELFNOTE_PHYS32_ENTRY 0x%x is outside the file bytes of every PT_LOAD segment",
		      img.entry);
}

bool pvh_file_is_elf(int fd)
{
	uint8_t magic[sizeof(elf_magic)];

	return pread(fd, magic, sizeof(magic), 0) == sizeof(magic) &&
	       pvh_is_elf(magic, sizeof(magic));
}

/* The headers and notes read from a mapping; the segments with pread(). */
static int parse_file(int fd, const char *path, uint64_t size,
		      struct pvh_image *img)
{
	char reason[200];
	void *buf;
	int r;

	if (size > SIZE_MAX) {
		log_error("kernel '%s' is %llu bytes, too large to map", path,
			  ULL(size));
		return -EINVAL;
	}
	buf = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (buf == MAP_FAILED) {
		log_error("kernel '%s' cannot be mapped: %s", path,
			  strerror(errno));
		return -EINVAL;
	}
	r = pvh_elf_parse(buf, size, img, reason, sizeof(reason));
	munmap(buf, size);
	if (r < 0) {
		log_error("kernel '%s' cannot be booted: %s", path, reason);
		return -EINVAL;
	}
	return 0;
}

/* Every segment in RAM above cvmm's boot structures, below the PCI hole. */
static int check_placement(struct vm *vm, const char *path,
			   const struct pvh_image *img)
{
	uint64_t ram = boot_low_ram_end(vm);

	for (unsigned int i = 0; i < img->nr_segments; i++) {
		const struct pvh_segment *s = &img->segments[i];

		if (s->paddr < BOOT_LOW_MEMORY_END) {
			log_error("kernel '%s': PT_LOAD segment 0x%llx-0x%llx lies below 1 MiB, over cvmm's boot structures, ACPI tables and BIOS area",
				  path, ULL(s->paddr),
				  ULL(s->paddr + s->memsz));
			return -EINVAL;
		}
		if (s->paddr + s->memsz > ram) {
			log_error("kernel '%s': PT_LOAD segment 0x%llx-0x%llx is beyond guest RAM below 0x%llx (machine.memory or the PCI hole at 3 GiB)",
				  path, ULL(s->paddr), ULL(s->paddr + s->memsz),
				  ULL(ram));
			return -EINVAL;
		}
	}
	return 0;
}

static int load_segments(struct vm *vm, int fd, const char *path,
			 const struct pvh_image *img)
{
	for (unsigned int i = 0; i < img->nr_segments; i++) {
		const struct pvh_segment *s = &img->segments[i];
		uint64_t bss = s->memsz - s->filesz;
		uint8_t *hva;
		int r;

		r = boot_read_into_guest(vm, fd, s->file_off, s->paddr,
					 s->filesz);
		if (r < 0) {
			log_error("kernel '%s' cannot be read: %s", path,
				  strerror(-r));
			return -EINVAL;
		}
		if (!bss)
			continue;
		hva = mem_gpa_to_hva(&vm->mem, s->paddr + s->filesz, bss);
		if (!hva)
			return log_error_errno(-EFAULT, "zeroing the kernel's bss at 0x%llx",
					       ULL(s->paddr + s->filesz));
		memset(hva, 0, bss);
		vm->mem.stats.bytes_populated += bss;
	}
	return 0;
}

/*
 * hvm_start_info version 1 with the initrd as its one module and the
 * e820 map of a bzImage boot; Linux reads the map only from version 1.
 */
static int write_start_info(struct vm *vm, uint64_t initrd_gpa,
			    uint64_t initrd_size, uint64_t rsdp)
{
	uint8_t *si = mem_gpa_to_hva(&vm->mem, START_INFO_GPA, PAGE_SIZE);
	uint8_t *mod = si + (MODLIST_GPA - START_INFO_GPA);
	uint8_t *mm = si + (MEMMAP_GPA - START_INFO_GPA);
	struct boot_e820 map;

	if (!si)
		return -EFAULT;
	memset(si, 0, PAGE_SIZE);
	put_le32(si + SI_OFF_MAGIC, SI_MAGIC);
	put_le32(si + SI_OFF_VERSION, SI_VERSION);
	put_le64(si + SI_OFF_CMDLINE, BOOT_CMDLINE_GPA);
	put_le64(si + SI_OFF_RSDP, rsdp);
	if (initrd_size) {
		put_le32(si + SI_OFF_NR_MODULES, 1);
		put_le64(si + SI_OFF_MODLIST, MODLIST_GPA);
		put_le64(mod, initrd_gpa);
		put_le64(mod + 8, initrd_size);
	}
	boot_e820_build(vm, &map);
	for (unsigned int i = 0; i < map.nr; i++) {
		uint8_t *e = mm + i * MEMMAP_ENTRY_SIZE;

		put_le64(e, map.e[i].addr);
		put_le64(e + 8, map.e[i].size);
		put_le32(e + 16, map.e[i].type);
	}
	put_le64(si + SI_OFF_MEMMAP, MEMMAP_GPA);
	put_le32(si + SI_OFF_MEMMAP_ENTRIES, map.nr);
	vm->mem.stats.bytes_populated += PAGE_SIZE;
	return 0;
}

/* The boot vCPU at the PVH entry, EBX = hvm_start_info. */
static int setup_vcpus(struct vm *vm, uint32_t entry)
{
	int r;

	r = boot_reset_vcpus(vm);
	if (r < 0)
		return r;
	r = x86_write_gdt32(&vm->mem, GDT_GPA);
	if (r < 0)
		return log_error_errno(r, "writing the boot GDT");
	r = x86_enter_protected_mode(vm->vcpus[0].fd, GDT_GPA, entry,
				     START_INFO_GPA);
	if (r < 0)
		return log_error_errno(r, "setting the boot vCPU's registers");
	return 0;
}

int boot_pvh(struct vm *vm, int fd, const char *path, uint64_t size)
{
	uint64_t initrd_gpa, initrd_size, rsdp;
	struct pvh_image img;
	int r;

	r = parse_file(fd, path, size, &img);
	if (r < 0)
		return r;
	r = check_placement(vm, path, &img);
	if (r < 0)
		return r;
	r = boot_write_cmdline(vm, PVH_CMDLINE_MAX, path);
	if (r < 0)
		return r;
	r = load_segments(vm, fd, path, &img);
	if (r < 0)
		return r;
	r = boot_load_initrd(vm, UINT32_MAX, img.end, &initrd_gpa,
			     &initrd_size);
	if (r < 0)
		return r;
	r = boot_write_platform(vm, &rsdp);
	if (r < 0)
		return r;
	r = write_start_info(vm, initrd_gpa, initrd_size, rsdp);
	if (r < 0)
		return log_error_errno(r, "writing the hvm_start_info");
	return setup_vcpus(vm, img.entry);
}
