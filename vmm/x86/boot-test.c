// SPDX-License-Identifier: GPL-2.0-only
/*
 * The embedded test guest (guest/): its image goes straight into guest RAM
 * at GUEST_LOAD_GPA, the boot info block tells it what it runs on and
 * which scenario to play, and every vCPU starts in 64-bit mode at its
 * entry. Its memory and vCPU limits are vm_validate()'s.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "lib/log.h"
#include "guest/bootinfo.h"
#include "vmm/boot.h"
#include "vmm/debug-hooks.h"
#include "vmm/vm.h"
#include "vmm/x86/regs.h"

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

static int write_bootinfo(struct vm *vm)
{
	struct bootinfo *bi = mem_gpa_to_hva(&vm->mem, GUEST_BOOTINFO_GPA,
					     sizeof(*bi));
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
		.flags = (vm->type != KVM_X86_DEFAULT_VM ?
				  BOOTINFO_F_PRIVATE_MEM | BOOTINFO_F_HYPERCALL : 0),
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

int boot_test_guest(struct vm *vm)
{
	int r;

	vm->testdev = (struct testdev){
		.mem = &vm->mem,
		.req_gpa = GUEST_BOOTINFO_GPA + offsetof(struct bootinfo, req),
	};
	r = testdev_register(&vm->testdev, &vm->pio);
	if (r < 0)
		return log_error_errno(r, "registering the test device");
	/* Only with -Ddebug_hooks=true: forbidden calls on demand. */
	r = debug_hooks_init(vm);
	if (r < 0)
		return log_error_errno(r, "arming the debug hooks");
	r = mem_populate(&vm->mem, GUEST_LOAD_GPA, guest_image, guest_image_size);
	if (r < 0)
		return log_error_errno(r, "writing the test guest image");
	r = x86_write_boot_tables(&vm->mem, GUEST_PML4_GPA, GUEST_GDT_GPA);
	if (r < 0)
		return log_error_errno(r, "writing the boot page tables");
	r = write_bootinfo(vm);
	if (r < 0)
		return r;
	for (uint32_t i = 0; i < vm->nr_vcpus; i++) {
		r = x86_enter_long_mode(vm->vcpus[i].fd, GUEST_PML4_GPA,
					GUEST_GDT_GPA, GUEST_LOAD_GPA,
					GUEST_STACK_TOP - i * GUEST_STACK_SIZE,
					GUEST_BOOTINFO_GPA, i);
		if (r < 0)
			return log_error_errno(r, "setting vCPU %u's registers", i);
	}
	return 0;
}
