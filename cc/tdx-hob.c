// SPDX-License-Identifier: GPL-2.0-only
/*
 * TD HOB (tdx.md section 5), laid out as QEMU's hw/i386/tdvf-hob.c does:
 * RAM is split around the accepted TDVF sections (TD_HOB, TEMP_MEM) as in
 * QEMU's tdx_accept_ram_range(), then sorted and described one resource
 * HOB per piece.
 */
#include <endian.h>
#include <string.h>

#include "cc/tdx-hob.h"
#include "lib/byteorder.h"

#define HOB_TYPE_HANDOFF 0x0001
#define HOB_TYPE_RESOURCE 0x0003
#define HOB_TYPE_END 0xFFFF
#define HOB_HANDOFF_VERSION 9

static int cmp_entry(const void *a, const void *b)
{
	const struct tdx_ram_entry *x = a, *y = b;

	return x->gpa < y->gpa ? -1 : x->gpa > y->gpa;
}

static bool section_accepted(const struct tdvf_section *s)
{
	return (s->type == TDVF_SECTION_TD_HOB ||
		s->type == TDVF_SECTION_TEMP_MEM) &&
	       !(s->attributes & TDVF_ATTR_PAGE_AUG);
}

/* Sorted copy of the RAM ranges, all unaccepted. */
static int load_ram(const struct tdx_ram_range *ram, size_t nr_ram,
		    struct tdx_ram_entry *e)
{
	uint64_t end;

	for (size_t i = 0; i < nr_ram; i++) {
		if (!ram[i].size || !IS_ALIGNED(ram[i].gpa, PAGE_SIZE) ||
		    !IS_ALIGNED(ram[i].size, PAGE_SIZE) ||
		    !add_ok(ram[i].gpa, ram[i].size, &end))
			return -EINVAL;
		e[i] = (struct tdx_ram_entry){ ram[i].gpa, ram[i].size, false };
	}
	qsort(e, nr_ram, sizeof(*e), cmp_entry);
	for (size_t i = 1; i < nr_ram; i++)
		if (e[i - 1].gpa + e[i - 1].size > e[i].gpa)
			return -EINVAL;
	return 0;
}

/*
 * Accept [gpa, gpa + size) inside the one entry that overlaps it first,
 * splitting off unaccepted head and tail pieces at the end of e[].
 */
static int accept_range(struct tdx_ram_entry *e, size_t *nr, uint64_t gpa,
			uint64_t size)
{
	struct tdx_ram_entry *x = NULL;
	uint64_t end = gpa + size, x_end;

	for (size_t i = 0; i < *nr && !x; i++)
		if (ranges_overlap(e[i].gpa, e[i].size, gpa, size))
			x = &e[i];
	if (!x)
		return -EINVAL;
	x_end = x->gpa + x->size;
	if (x->gpa > gpa || x_end < end)
		return -EINVAL;
	if (x->accepted)
		return 0;

	if (x->gpa < gpa)
		e[(*nr)++] = (struct tdx_ram_entry){ x->gpa, gpa - x->gpa,
						     false };
	if (end < x_end)
		e[(*nr)++] = (struct tdx_ram_entry){ end, x_end - end, false };
	*x = (struct tdx_ram_entry){ gpa, size, true };
	return 0;
}

int tdx_ram_split(const struct tdx_ram_range *ram, size_t nr_ram,
		  const struct tdvf_section *secs, size_t nr_secs,
		  struct tdx_ram_entry *ret, size_t *ret_nr)
{
	size_t nr = nr_ram;
	uint64_t end;
	int r;

	r = load_ram(ram, nr_ram, ret);
	if (r < 0)
		return r;
	for (size_t i = 0; i < nr_secs; i++) {
		const struct tdvf_section *s = &secs[i];

		if (!section_accepted(s))
			continue;
		if (!s->size || !IS_ALIGNED(s->gpa, PAGE_SIZE) ||
		    !IS_ALIGNED(s->size, PAGE_SIZE) ||
		    !add_ok(s->gpa, s->size, &end))
			return -EINVAL;
		r = accept_range(ret, &nr, s->gpa, s->size);
		if (r < 0)
			return r;
	}
	qsort(ret, nr, sizeof(*ret), cmp_entry);
	*ret_nr = nr;
	return 0;
}

size_t tdx_hob_max_size(size_t nr_ram, size_t nr_secs)
{
	return TDX_HOB_HANDOFF_SIZE + TDX_HOB_END_SIZE +
	       TDX_RAM_SPLIT_MAX(nr_ram, nr_secs) * TDX_HOB_RESOURCE_SIZE;
}

static int find_td_hob(const struct tdvf_section *secs, size_t nr_secs,
		       const struct tdvf_section **ret)
{
	const struct tdvf_section *hob = NULL;

	for (size_t i = 0; i < nr_secs; i++) {
		if (secs[i].type != TDVF_SECTION_TD_HOB)
			continue;
		/* One HOB, present at launch: its GPA is every vCPU's RCX. */
		if (hob || (secs[i].attributes & TDVF_ATTR_PAGE_AUG))
			return -EINVAL;
		hob = &secs[i];
	}
	if (!hob)
		return -EINVAL;
	*ret = hob;
	return 0;
}

static uint8_t *put_resource(uint8_t *p, const struct tdx_ram_entry *e)
{
	memset(p, 0, TDX_HOB_RESOURCE_SIZE);	/* reserved, owner GUID */
	put_le16(p, HOB_TYPE_RESOURCE);
	put_le16(p + 2, TDX_HOB_RESOURCE_SIZE);
	put_le32(p + 24, e->accepted ? TDX_HOB_RES_SYSTEM_MEMORY :
				       TDX_HOB_RES_UNACCEPTED);
	put_le32(p + 28, TDX_HOB_RES_ATTR);
	put_le64(p + 32, e->gpa);
	put_le64(p + 40, e->size);
	return p + TDX_HOB_RESOURCE_SIZE;
}

int tdx_hob_build(const struct tdx_ram_range *ram, size_t nr_ram,
		  const struct tdvf_section *secs, size_t nr_secs,
		  uint8_t *buf, size_t buf_size, size_t *ret_len)
{
	_cleanup_free_ struct tdx_ram_entry *e = NULL;
	const struct tdvf_section *hob;
	size_t nr, len;
	uint8_t *p;
	int r;

	r = find_td_hob(secs, nr_secs, &hob);
	if (r < 0)
		return r;
	e = calloc(TDX_RAM_SPLIT_MAX(nr_ram, nr_secs) + 1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	r = tdx_ram_split(ram, nr_ram, secs, nr_secs, e, &nr);
	if (r < 0)
		return r;

	len = TDX_HOB_HANDOFF_SIZE + nr * TDX_HOB_RESOURCE_SIZE +
	      TDX_HOB_END_SIZE;
	if (len > hob->size)
		return -E2BIG;
	if (len > buf_size)
		return -ENOBUFS;

	/* Handoff info: memory top/bottom fields stay 0 as in QEMU. */
	memset(buf, 0, TDX_HOB_HANDOFF_SIZE);
	put_le16(buf, HOB_TYPE_HANDOFF);
	put_le16(buf + 2, TDX_HOB_HANDOFF_SIZE);
	put_le32(buf + 8, HOB_HANDOFF_VERSION);
	put_le64(buf + 48, hob->gpa + len);	/* end of the HOB list */

	p = buf + TDX_HOB_HANDOFF_SIZE;
	for (size_t i = 0; i < nr; i++)
		p = put_resource(p, &e[i]);

	memset(p, 0, TDX_HOB_END_SIZE);
	put_le16(p, HOB_TYPE_END);
	put_le16(p + 2, TDX_HOB_END_SIZE);
	*ret_len = len;
	return 0;
}
