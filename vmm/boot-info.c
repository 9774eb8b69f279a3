// SPDX-License-Identifier: GPL-2.0-only
/*
 * The embedded test guest's boot info (guest/bootinfo.h), the same on
 * every architecture: what the guest runs on and which scenario to play.
 */
#include <stdio.h>
#include <string.h>

#include "guest/bootinfo.h"
#include "lib/log.h"
#include "vmm/boot.h"
#include "vmm/vm.h"

static void describe_backing(const struct guest_memory *mem, char *buf,
			     size_t size)
{
	const struct mem_plan *plan = &mem->plan;

	/* guest_memfd, or guest_memfd for private memory beside another. */
	if (plan->use_gmem && plan->backing != BACKING_GUEST_MEMFD)
		snprintf(buf, size, "guest_memfd+%s",
			 shared_backing_name(plan->backing));
	else
		snprintf(buf, size, "%s", shared_backing_name(plan->backing));
}

int boot_test_write_info(struct vm *vm, uint64_t gpa, uint32_t flags)
{
	struct bootinfo *bi = mem_gpa_to_hva(&vm->mem, gpa, sizeof(*bi));
	const struct vm_config *cfg = vm->cfg;
	const char *scenario = cfg->boot.scenario ? cfg->boot.scenario : "default";

	if (!bi)
		return -EFAULT;
	if (strlen(scenario) >= sizeof(bi->scenario)) {
		log_error("scenario name '%s' is longer than %zu characters",
			  scenario, sizeof(bi->scenario) - 1);
		return -EINVAL;
	}
	*bi = (struct bootinfo){
		.magic = BOOTINFO_MAGIC,
		.version = 1,
		.nr_vcpus = vm->nr_vcpus,
		.ram_size = cfg->machine.memory_size,
		.cc_mode = cfg->cc.mode,
		.flags = flags,
		.seed = cfg->boot.seed,
		.arg = cfg->boot.scenario_arg,
	};
	snprintf(bi->cc_name, sizeof(bi->cc_name), "%s", cc_mode_name(cfg->cc.mode));
	snprintf(bi->scenario, sizeof(bi->scenario), "%s", scenario);
	describe_backing(&vm->mem, bi->backing, sizeof(bi->backing));
	for (unsigned int i = 0; i < vm->mem.nr_regions; i++) {
		const struct mem_region *r = &vm->mem.regions[i];

		if (r->kind != MEM_REGION_RAM || bi->nr_ram == BOOTINFO_MAX_RAM)
			continue;
		bi->ram[bi->nr_ram++] = (struct bootinfo_ram){ r->gpa, r->size };
	}
	vm->mem.stats.bytes_populated += sizeof(*bi);
	return 0;
}
