// SPDX-License-Identifier: GPL-2.0-only
/*
 * pvh_elf_parse(): a synthetic vmlinux (ELF64 and ELF32) with two PT_LOAD
 * segments and a PT_NOTE holding the PVH entry, then one bad field at a
 * time, each refused with its reason; every truncation refused too.
 */
#include <stdio.h>
#include <string.h>

#include "tests/test.h"
#include "vmm/x86/boot-linux.h"
#include "vmm/x86/boot-pvh.h"

#define FILE_SIZE 0x380
#define NOTES_OFF 0x100
#define SEG0_OFF 0x200
#define SEG1_OFF 0x300
#define SEG0_PADDR 0x1000000
#define SEG1_PADDR 0x1200000
#define ENTRY 0x1000040

static uint8_t elf[FILE_SIZE];
static unsigned int bits;
/* Offsets in the image of fields the bad cases change. */
static unsigned int ph0, ph1, ph2, xen_note;

static void put(uint32_t off, uint64_t v, unsigned int bytes)
{
	for (unsigned int i = 0; i < bytes; i++)
		elf[off + i] = v >> (8 * i);
}

/* An address-sized field: 4 bytes in ELF32, 8 in ELF64. */
static void put_addr(uint32_t off, uint64_t v)
{
	put(off, v, bits / 8);
}

static void put_phdr(unsigned int off, uint32_t type, uint64_t file_off,
		     uint64_t paddr, uint64_t filesz, uint64_t memsz)
{
	put(off, type, 4);
	if (bits == 64) {
		put(off + 8, file_off, 8);
		put(off + 16, paddr | 0xffffffff80000000ull, 8);
		put(off + 24, paddr, 8);
		put(off + 32, filesz, 8);
		put(off + 40, memsz, 8);
		put(off + 48, 4, 8);
	} else {
		put(off + 4, file_off, 4);
		put(off + 8, paddr | 0xc0000000, 4);
		put(off + 12, paddr, 4);
		put(off + 16, filesz, 4);
		put(off + 20, memsz, 4);
		put(off + 28, 4, 4);
	}
}

/* A "Linux" note first, as in Debian's vmlinux, then Xen's PHYS32_ENTRY. */
static unsigned int put_notes(void)
{
	unsigned int off = NOTES_OFF;

	put(off, 6, 4);
	put(off + 4, 4, 4);
	put(off + 8, 0x100, 4);
	memcpy(elf + off + 12, "Linux", 6);
	off += 12 + 8 + 4;
	xen_note = off;
	put(off, 4, 4);
	put(off + 4, bits / 8, 4);
	put(off + 8, 18, 4);
	memcpy(elf + off + 12, "Xen", 4);
	put_addr(off + 16, ENTRY);
	return off + 16 + bits / 8 - NOTES_OFF;
}

static void good_elf(unsigned int elf_bits)
{
	unsigned int phoff = elf_bits == 64 ? 64 : 52;
	unsigned int phsize = elf_bits == 64 ? 56 : 32;
	unsigned int notes_size;

	bits = elf_bits;
	memset(elf, 0, sizeof(elf));
	memcpy(elf, "\x7f" "ELF", 4);
	elf[4] = bits == 64 ? 2 : 1;
	elf[5] = 1;
	elf[6] = 1;
	put(16, 2, 2);
	put(18, bits == 64 ? 62 : 3, 2);
	put(20, 1, 4);
	put_addr(24, 0x1000000);
	put_addr(bits == 64 ? 32 : 28, phoff);
	put(bits == 64 ? 52 : 40, phoff, 2);
	put(bits == 64 ? 54 : 42, phsize, 2);
	put(bits == 64 ? 56 : 44, 3, 2);
	ph0 = phoff;
	ph1 = phoff + phsize;
	ph2 = phoff + 2 * phsize;
	notes_size = put_notes();
	put_phdr(ph0, 1, SEG0_OFF, SEG0_PADDR, 0x100, 0x100);
	put_phdr(ph1, 1, SEG1_OFF, SEG1_PADDR, 0x80, 0x1000);
	put_phdr(ph2, 4, NOTES_OFF, 0, notes_size, notes_size);
	memset(elf + SEG0_OFF, 0x90, 0x100);
	memset(elf + SEG1_OFF, 0xaa, 0x80);
}

static int parse(size_t len, struct pvh_image *img, char *reason,
		 size_t reason_len)
{
	return pvh_elf_parse(elf, len, img, reason, reason_len);
}

static void check_good(unsigned int elf_bits)
{
	struct pvh_image img;
	char reason[200] = "";

	good_elf(elf_bits);
	EXPECT(parse(sizeof(elf), &img, reason, sizeof(reason)) == 0,
	       "a good ELF%u vmlinux should parse (%s)", elf_bits, reason);
	EXPECT_EQ(img.entry, ENTRY, "the entry is the note's value");
	EXPECT_EQ(img.nr_segments, 2, "two PT_LOAD segments");
	EXPECT(img.segments[0].file_off == SEG0_OFF &&
		       img.segments[0].paddr == SEG0_PADDR &&
		       img.segments[0].filesz == 0x100 &&
		       img.segments[0].memsz == 0x100,
	       "segment 0 at its p_paddr, not its virtual address");
	EXPECT(img.segments[1].filesz == 0x80 &&
		       img.segments[1].memsz == 0x1000,
	       "segment 1 with its bss");
	EXPECT_EQ(img.end, SEG1_PADDR + 0x1000, "the kernel ends with its bss");
}

static void test_good_elf64(void)
{
	check_good(64);
}

static void test_good_elf32(void)
{
	check_good(32);
}

/* Linux 32-bit builds and others give the entry as 4 bytes in ELF64. */
static void test_entry_of_four_bytes(void)
{
	struct pvh_image img;
	char reason[200] = "";

	good_elf(64);
	put(xen_note + 4, 4, 4);
	put(xen_note + 16, ENTRY, 4);
	/* The PT_NOTE is 4 bytes shorter now. */
	put(ph2 + 32, xen_note + 20 - NOTES_OFF, 8);
	EXPECT(parse(sizeof(elf), &img, reason, sizeof(reason)) == 0,
	       "a 4-byte entry should parse (%s)", reason);
	EXPECT_EQ(img.entry, ENTRY, "the 4-byte entry");
}

static void test_is_elf(void)
{
	good_elf(64);
	EXPECT(pvh_is_elf(elf, 4), "the ELF magic is an ELF");
	EXPECT(!pvh_is_elf(elf, 3), "three bytes are not");
	EXPECT(!pvh_is_elf((const uint8_t *)"MZ\0\0", 4), "a PE is not");
}

struct bad_case {
	const char *name;
	void (*mutate)(void);
	size_t len;
	const char *reason;
};

static void bad_class(void)
{
	elf[4] = 3;
}

static void big_endian(void)
{
	elf[5] = 2;
}

static void i386_in_elf64(void)
{
	put(18, 3, 2);
}

static void shared_object(void)
{
	put(16, 3, 2);
}

static void bad_phentsize(void)
{
	put(54, 32, 2);
}

static void no_phdrs(void)
{
	put(56, 0, 2);
}

static void phdrs_past_end(void)
{
	put(32, FILE_SIZE - 8, 8);
}

static void seg_past_end(void)
{
	put(ph1 + 32, 0x81, 8);
	put(ph1 + 40, 0x1000, 8);
}

static void seg_offset_huge(void)
{
	put(ph0 + 8, ~0ull - 8, 8);
}

static void filesz_over_memsz(void)
{
	put(ph1 + 40, 0x40, 8);
}

static void overlap(void)
{
	put(ph1 + 24, SEG0_PADDR + 0x80, 8);
}

static void above_4g(void)
{
	put(ph1 + 24, 0xfffff800, 8);
}

static void paddr_wraps(void)
{
	put(ph1 + 24, ~0ull - 0x10, 8);
}

static void no_pvh_note(void)
{
	put(xen_note + 8, 17, 4);
}

static void other_owner(void)
{
	memcpy(elf + xen_note + 12, "Xem", 4);
}

static void note_past_segment(void)
{
	put(xen_note + 4, 0x1000, 4);
}

static void note_name_huge(void)
{
	put(xen_note, 0xfffffff0, 4);
}

static void notes_past_end(void)
{
	put(ph2 + 32, FILE_SIZE, 8);
}

static void entry_above_4g(void)
{
	put(xen_note + 16, 1ull << 32, 8);
}

static void entry_outside(void)
{
	put(xen_note + 16, SEG1_PADDR + 0x100, 8);
}

static void entry_of_two_bytes(void)
{
	put(xen_note + 4, 2, 4);
}

static void no_load(void)
{
	put(ph0, 0, 4);
	put(ph1, 6, 4);
}

static const struct bad_case bad_cases[] = {
	{ "not ELF", NULL, 3, "not an ELF file" },
	{ "ELF class 3", bad_class, FILE_SIZE,
	  "ELF class 3 is neither ELFCLASS32 (1) nor ELFCLASS64 (2)" },
	{ "big-endian", big_endian, FILE_SIZE,
	  "ELF data encoding 2 is not little-endian" },
	{ "header truncated", NULL, 40,
	  "truncated: 40 bytes, shorter than the 64-byte ELF64 header" },
	{ "i386 machine in ELF64", i386_in_elf64, FILE_SIZE,
	  "e_machine 3 in an ELF64 file is not x86-64 (62)" },
	{ "a shared object", shared_object, FILE_SIZE,
	  "e_type 3 is not ET_EXEC (2)" },
	{ "program header size", bad_phentsize, FILE_SIZE,
	  "e_phentsize 32 is not 56" },
	{ "no program headers", no_phdrs, FILE_SIZE,
	  "e_phnum 0: no program headers" },
	{ "program headers past the end", phdrs_past_end, FILE_SIZE,
	  "program headers at 0x378 run past the end of the file (0x380 bytes): truncated" },
	{ "segment past the end", seg_past_end, FILE_SIZE,
	  "program header 1: its bytes 0x300+0x81 run past the end of the file (0x380 bytes): truncated" },
	{ "segment offset wraps", seg_offset_huge, FILE_SIZE,
	  "program header 0: its bytes 0xfffffffffffffff7+0x100 run past the end" },
	{ "file size over memory size", filesz_over_memsz, FILE_SIZE,
	  "program header 1: p_filesz 0x80 is larger than p_memsz 0x40" },
	{ "overlapping segments", overlap, FILE_SIZE,
	  "program header 1 (0x1000080-0x1001080) overlaps an earlier PT_LOAD segment (0x1000000-0x1000100)" },
	{ "segment across 4 GiB", above_4g, FILE_SIZE,
	  "program header 1: p_paddr 0xfffff800+0x1000 does not end below 4 GiB" },
	{ "segment address wraps", paddr_wraps, FILE_SIZE,
	  "does not end below 4 GiB" },
	{ "no PVH note", no_pvh_note, FILE_SIZE,
	  "vmlinux has no XEN_ELFNOTE_PHYS32_ENTRY; build with CONFIG_PVH or use the bzImage" },
	{ "note of another owner", other_owner, FILE_SIZE,
	  "vmlinux has no XEN_ELFNOTE_PHYS32_ENTRY" },
	{ "note past its segment", note_past_segment, FILE_SIZE,
	  "program header 2: a note at offset 0x18 runs past the PT_NOTE segment's" },
	{ "note name wraps", note_name_huge, FILE_SIZE,
	  "program header 2: a note at offset 0x18 runs past" },
	{ "notes past the end", notes_past_end, FILE_SIZE,
	  "program header 2: its notes 0x100+0x380 run past the end of the file" },
	{ "entry above 4 GiB", entry_above_4g, FILE_SIZE,
	  "XEN_ELFNOTE_PHYS32_ENTRY 0x100000000 is above 4 GiB" },
	{ "entry outside the segments", entry_outside, FILE_SIZE,
	  "XEN_ELFNOTE_PHYS32_ENTRY 0x1200100 is outside the file bytes of every PT_LOAD segment" },
	{ "entry of two bytes", entry_of_two_bytes, FILE_SIZE,
	  "XEN_ELFNOTE_PHYS32_ENTRY's value is 2 bytes, not 4 or 8" },
	{ "no PT_LOAD", no_load, FILE_SIZE,
	  "no PT_LOAD segment: nothing to load" },
};

static void test_bad_fields(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(bad_cases); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct pvh_image img;
		char reason[200] = "";
		int r;

		good_elf(64);
		if (c->mutate)
			c->mutate();
		r = parse(c->len, &img, reason, sizeof(reason));
		EXPECT(r == -EINVAL, "%s should be refused (got %d)", c->name,
		       r);
		EXPECT(strstr(reason, c->reason),
		       "%s: reason should say \"%s\", said \"%s\"", c->name,
		       c->reason, reason);
	}
}

/* The last segment's bytes end the file: every shorter file is refused. */
static void test_truncated(void)
{
	for (unsigned int elf_bits = 32; elf_bits <= 64; elf_bits += 32) {
		good_elf(elf_bits);
		for (size_t len = 0; len < sizeof(elf); len++) {
			struct pvh_image img;
			char reason[200] = "";
			int r = parse(len, &img, reason, sizeof(reason));

			EXPECT(r == -EINVAL,
			       "an ELF%u file cut to %zu bytes should be refused",
			       elf_bits, len);
		}
	}
}

/* ELF32: the same checks on the 32-bit layout. */
static void test_elf32_bad(void)
{
	struct pvh_image img;
	char reason[200] = "";

	good_elf(32);
	put(18, 62, 2);
	EXPECT(parse(sizeof(elf), &img, reason, sizeof(reason)) == -EINVAL &&
		       strstr(reason, "e_machine 62 in an ELF32 file is not i386 (3)"),
	       "x86-64 in ELF32 should be refused: %s", reason);
	good_elf(32);
	put(ph1 + 12, SEG0_PADDR, 4);
	EXPECT(parse(sizeof(elf), &img, reason, sizeof(reason)) == -EINVAL &&
		       strstr(reason, "overlaps"),
	       "overlapping ELF32 segments should be refused: %s", reason);
}

/* The firmware paths parse a bzImage: a vmlinux gets its own reason. */
static void test_bzimage_parse_names_vmlinux(void)
{
	uint8_t hdr[BZIMAGE_HEADER_READ] = { 0 };
	struct bzimage bz;
	char reason[200] = "";

	good_elf(64);
	memcpy(hdr, elf, sizeof(elf));
	EXPECT(bzimage_parse(hdr, sizeof(hdr), FILE_SIZE, &bz, reason,
			     sizeof(reason)) == -EINVAL &&
		       strstr(reason, "an ELF vmlinux, not a bzImage"),
	       "bzimage_parse() should name a vmlinux: %s", reason);
}

TEST_MAIN(TEST_CASE(test_good_elf64),
	  TEST_CASE(test_good_elf32),
	  TEST_CASE(test_entry_of_four_bytes),
	  TEST_CASE(test_is_elf),
	  TEST_CASE(test_bad_fields),
	  TEST_CASE(test_truncated),
	  TEST_CASE(test_elf32_bad),
	  TEST_CASE(test_bzimage_parse_names_vmlinux))
