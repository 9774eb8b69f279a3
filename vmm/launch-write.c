// SPDX-License-Identifier: GPL-2.0-only
/*
 * The launch plan's LAUNCH_WRITE steps: the firmware, the TDVF sections,
 * the TD HOB and the SNP kernel hashes written into the shared mapping
 * of guest memory, where the launch commands copy them from (launch.c).
 */
#include <stdlib.h>

#include "lib/log.h"
#include "vmm/launch-internal.h"

static int write_firmware(struct vm *vm, const struct launch_step *s)
{
	const struct cc_launch *l = vm->cc;
	uint64_t off = s->gpa - l->plan->fw_gpa;

	if (s->gpa < l->plan->fw_gpa || s->len > l->img.fw_size - off)
		return -EINVAL;
	return mem_populate(&vm->mem, s->gpa, l->img.fw + off, s->len);
}

static int write_tdvf_section(struct vm *vm, const struct launch_step *s)
{
	const struct cc_launch *l = vm->cc;
	const struct tdvf_section *sec = &l->img.info.tdvf[s->index];
	uint8_t page[PAGE_SIZE];
	int r;

	for (uint64_t i = 0; i < sec->size / PAGE_SIZE; i++) {
		r = tdx_section_page(l->img.fw, l->img.fw_size, sec, i, page);
		if (r < 0)
			return r;
		r = mem_populate(&vm->mem, sec->gpa + i * PAGE_SIZE, page,
				 PAGE_SIZE);
		if (r < 0)
			return r;
	}
	return 0;
}

static int write_td_hob(struct vm *vm, const struct launch_step *s)
{
	const struct ovmf_info *info = &vm->cc->img.info;
	struct tdx_ram_range ram[MEM_MAX_REGIONS];
	_cleanup_free_ uint8_t *buf = malloc(s->len);
	unsigned int nr_ram;
	size_t len;
	int r;

	if (!buf)
		return -ENOMEM;
	nr_ram = launch_ram_ranges(&vm->cc->plan->mem, ram);
	r = tdx_hob_build(ram, nr_ram, info->tdvf, info->nr_tdvf, buf, s->len,
			  &len);
	if (r < 0)
		return r;
	return mem_populate(&vm->mem, s->gpa, buf, len);
}

static int write_kernel_hashes(struct vm *vm, const struct launch_step *s)
{
	const struct cc_launch *l = vm->cc;
	uint32_t table = l->img.info.sev_hashes_gpa;
	uint8_t page[PAGE_SIZE];
	int r;

	(void)s;
	r = snp_kernel_hashes_page(&l->img.hashes, table & (PAGE_SIZE - 1),
				   page);
	if (r < 0)
		return r;
	/* The rest of the range is still zero, as the digest assumes. */
	return mem_populate(&vm->mem, ALIGN_DOWN((uint64_t)table, PAGE_SIZE),
			    page, PAGE_SIZE);
}

int launch_write_step(struct vm *vm, const struct launch_step *s)
{
	int r;

	switch (s->src) {
	case LAUNCH_SRC_FIRMWARE:
		r = write_firmware(vm, s);
		break;
	case LAUNCH_SRC_TDVF_SECTION:
		r = write_tdvf_section(vm, s);
		break;
	case LAUNCH_SRC_TD_HOB:
		r = write_td_hob(vm, s);
		break;
	case LAUNCH_SRC_KERNEL_HASHES:
		r = write_kernel_hashes(vm, s);
		break;
	case LAUNCH_SRC_CPUID_PAGE:
		return launch_snp_step(vm, s);
	default:
		r = -EINVAL;
		break;
	}
	if (r < 0)
		return log_error_errno(r, "writing %s at gpa 0x%llx into guest memory",
				       s->src == LAUNCH_SRC_FIRMWARE ? "the firmware" :
				       s->src == LAUNCH_SRC_TD_HOB ? "the TD HOB" :
				       "launch data",
				       (unsigned long long)s->gpa);
	return 0;
}
