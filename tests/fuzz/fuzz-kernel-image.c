// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel-image parsers on a user's file: the input is the whole file,
 * given to bzimage_parse() as its callers give it (the first
 * BZIMAGE_HEADER_READ bytes, and the file's size) and then to
 * bzimage_place(), and to pvh_elf_parse() (the whole file). Neither
 * needs a selector: each refuses the other's format by its magic.
 *
 * Properties:
 * - the answer is 0 or -EINVAL; on -EINVAL a reason, and the result left
 *   as it was; never both parsers accept one file;
 * - an accepted bzImage: setup part and payload split the file, the
 *   setup part is what setup_sects says, the setup header cvmm copies
 *   into the zero page lies inside the bytes read, protocol 2.12 or
 *   later, a power-of-two alignment when relocatable, a non-zero
 *   init_size; the same from a short read, or a refusal; placed in RAM,
 *   the kernel's whole span lies between 1 MiB and the end of RAM, at
 *   pref_address if not relocatable, else aligned;
 * - an accepted vmlinux: 1 to PVH_MAX_SEGMENTS segments, each with its
 *   file bytes inside the file, no more than its memory size, non-empty,
 *   ending below 4 GiB, none overlapping another; end the highest end of
 *   a segment; the entry inside the file bytes of a segment.
 */
#include <errno.h>

#include "vmm/x86/boot-linux.h"
#include "vmm/x86/boot-pvh.h"
#include "fuzz.h"

#define SZ_4G 0x100000000ull
#define SETUP_SECTS 0x1f1
#define POISON 0xa5

static void check_reason(int r, const char *reason, const char *parser)
{
	FUZZ_CHECK(r == -EINVAL, "%s returned %d", parser, r);
	FUZZ_CHECK(memchr(reason, 0, 200) && reason[0],
		   "%s refused a file without a reason", parser);
}

static bool untouched(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != POISON)
			return false;
	return true;
}

/* Where the kernel goes in RAM ending at ram_end, if anywhere. */
static void check_place(const struct bzimage *img, uint64_t ram_end)
{
	uint64_t span = MAX((uint64_t)img->init_size, img->payload_size);
	uint64_t load = POISON, end = POISON;
	char reason[200] = "";
	int r;

	r = bzimage_place(img, ram_end, &load, &end, reason, sizeof(reason));
	if (r) {
		check_reason(r, reason, "bzimage_place()");
		FUZZ_CHECK(load == POISON && end == POISON,
			   "bzimage_place() failed but wrote its result");
		return;
	}
	FUZZ_CHECK(load >= 0x100000 && load <= ram_end &&
			   span <= ram_end - load && end == load + span,
		   "kernel at 0x%llx-0x%llx (span 0x%llx) outside 1 MiB-0x%llx",
		   (unsigned long long)load, (unsigned long long)end,
		   (unsigned long long)span, (unsigned long long)ram_end);
	if (img->relocatable)
		FUZZ_CHECK(!(load & (img->kernel_alignment - 1)),
			   "load 0x%llx not aligned to 0x%x",
			   (unsigned long long)load, img->kernel_alignment);
	else
		FUZZ_CHECK(load == img->pref_address,
			   "a fixed kernel moved from 0x%llx to 0x%llx",
			   (unsigned long long)img->pref_address,
			   (unsigned long long)load);
}

/* The first len bytes of a file of size bytes, as read from its start. */
static bool check_bzimage(const uint8_t *data, size_t len, size_t size,
			  struct bzimage *img)
{
	char reason[200] = "";
	unsigned int sects;
	uint32_t align;
	int r;

	memset(img, POISON, sizeof(*img));
	r = bzimage_parse(data, len, size, img, reason, sizeof(reason));
	if (r) {
		check_reason(r, reason, "bzimage_parse()");
		FUZZ_CHECK(untouched(img, sizeof(*img)),
			   "bzimage_parse() failed but wrote its result");
		return false;
	}
	sects = data[SETUP_SECTS] ? data[SETUP_SECTS] : 4;
	FUZZ_CHECK(img->setup_size == (sects + 1) * 512,
		   "setup_size %u for setup_sects %u", img->setup_size,
		   data[SETUP_SECTS]);
	FUZZ_CHECK(img->payload_size &&
			   img->setup_size + img->payload_size == size,
		   "setup 0x%x + payload 0x%llx is not the file's 0x%zx bytes",
		   img->setup_size, (unsigned long long)img->payload_size,
		   size);
	FUZZ_CHECK(img->header_end >= 0x202 && img->header_end <= len &&
			   img->header_end <= img->setup_size,
		   "header_end 0x%x outside the setup part read (0x%zx bytes)",
		   img->header_end, len);
	FUZZ_CHECK(img->version >= 0x020c, "boot protocol 0x%x",
		   img->version);
	align = img->kernel_alignment;
	FUZZ_CHECK(!img->relocatable || (align && !(align & (align - 1))),
		   "relocatable with kernel_alignment 0x%x", align);
	FUZZ_CHECK(img->init_size, "init_size 0");
	return true;
}

/*
 * As the callers read it (the first BZIMAGE_HEADER_READ bytes), then as a
 * short read would (a length the last byte picks): accepted only with
 * the same result. Then placed in a small, a 3 GiB and an endless RAM.
 */
static bool check_bzimage_file(const uint8_t *data, size_t size)
{
	size_t len = MIN(size, (size_t)BZIMAGE_HEADER_READ), short_len;
	static const uint64_t rams[] = { 0x2000000, 0xc0000000, UINT64_MAX };
	struct bzimage img, again;

	if (!check_bzimage(data, len, size, &img))
		return false;
	short_len = MIN(len, 0x250 + (size_t)data[size - 1] % 0x50);
	if (check_bzimage(data, short_len, size, &again))
		FUZZ_CHECK(!memcmp(&img, &again, sizeof(img)),
			   "a short read of 0x%zx bytes parsed differently",
			   short_len);
	for (size_t i = 0; i < ARRAY_SIZE(rams); i++)
		check_place(&img, rams[i]);
	return true;
}

static void check_segment(const struct pvh_image *img, unsigned int i,
			  size_t size)
{
	const struct pvh_segment *s = &img->segments[i];

	FUZZ_CHECK(s->file_off <= size && s->filesz <= size - s->file_off,
		   "segment %u: file bytes 0x%llx+0x%llx past 0x%zx", i,
		   (unsigned long long)s->file_off,
		   (unsigned long long)s->filesz, size);
	FUZZ_CHECK(s->memsz && s->filesz <= s->memsz,
		   "segment %u: filesz 0x%llx, memsz 0x%llx", i,
		   (unsigned long long)s->filesz,
		   (unsigned long long)s->memsz);
	FUZZ_CHECK(s->paddr < SZ_4G && s->memsz <= SZ_4G - s->paddr,
		   "segment %u: 0x%llx+0x%llx past 4 GiB", i,
		   (unsigned long long)s->paddr,
		   (unsigned long long)s->memsz);
	FUZZ_CHECK(s->paddr + s->memsz <= img->end,
		   "segment %u ends past end 0x%llx", i,
		   (unsigned long long)img->end);
	for (unsigned int j = 0; j < i; j++) {
		const struct pvh_segment *o = &img->segments[j];

		FUZZ_CHECK(s->paddr >= o->paddr + o->memsz ||
				   o->paddr >= s->paddr + s->memsz,
			   "segments %u and %u overlap", j, i);
	}
}

static bool check_vmlinux(const uint8_t *data, size_t size)
{
	char reason[200] = "";
	struct pvh_image img;
	bool entry_in = false, end_reached = false;
	int r;

	memset(&img, POISON, sizeof(img));
	r = pvh_elf_parse(data, size, &img, reason, sizeof(reason));
	if (r) {
		check_reason(r, reason, "pvh_elf_parse()");
		FUZZ_CHECK(untouched(&img, sizeof(img)),
			   "pvh_elf_parse() failed but wrote its result");
		return false;
	}
	FUZZ_CHECK(pvh_is_elf(data, size), "accepted without the ELF magic");
	FUZZ_CHECK(img.nr_segments >= 1 && img.nr_segments <= PVH_MAX_SEGMENTS,
		   "%u segments", img.nr_segments);
	for (unsigned int i = 0; i < img.nr_segments; i++) {
		const struct pvh_segment *s = &img.segments[i];

		check_segment(&img, i, size);
		if (img.entry >= s->paddr && img.entry - s->paddr < s->filesz)
			entry_in = true;
		if (s->paddr + s->memsz == img.end)
			end_reached = true;
	}
	FUZZ_CHECK(entry_in, "entry 0x%x outside every segment's file bytes",
		   img.entry);
	FUZZ_CHECK(end_reached, "end 0x%llx is no segment's end",
		   (unsigned long long)img.end);
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bool bzimage = check_bzimage_file(data, size);
	bool vmlinux = check_vmlinux(data, size);

	FUZZ_CHECK(!(bzimage && vmlinux), "a bzImage and a vmlinux at once");
	return 0;
}
