// SPDX-License-Identifier: GPL-2.0-only
/*
 * The plan of the arm64 embedded test guest (guest/arm64/), in the order
 * vmm/arm64/vm.c builds the VM: the VM (a protected one for --cc pkvm,
 * with its IPA size), one RAM slot from GUEST_ARM64_RAM_GPA, every vCPU
 * created and initialised (KVM_ARM_VCPU_INIT; the secondaries powered
 * off), the GICv3 once they all exist, then the image and the boot info
 * at the x86 guest's offsets from RAM's start and vCPU 0's pc and x0
 * (vmm/arm64/boot-test.c). The guest builds its own translation tables
 * and starts the other vCPUs with PSCI CPU_ON: nothing else is written.
 *
 * Pure, built on every host: the x86 unit tests check it.
 */
#include "cc/plan-internal.h"
#include "guest/bootinfo.h"
#include "guest/image.h"

/* The IPA size a protected VM asks for: 40 bits, or the host's limit. */
#define ARM64_PLAN_IPA_BITS 40

static void plan_memory_arm64(struct planner *p)
{
	const struct mem_plan *mem = &p->plan->mem;
	struct launch_step *s;

	p->stage = LAUNCH_STAGE_MEMORY;
	if (mem->use_gmem) {
		s = add(p, LAUNCH_CREATE_GUEST_MEMFD);
		s->len = mem->regions[0].size;
		s->arg = mem->gmem_flags;
	}
	s = add(p, LAUNCH_SET_MEMSLOT);
	s->gpa = mem->regions[0].gpa;
	s->len = mem->regions[0].size;
	s->arg = mem->use_gmem ? KVM_MEM_GUEST_MEMFD : 0;
}

static void plan_vcpus_arm64(struct planner *p)
{
	p->stage = LAUNCH_STAGE_VCPUS;
	for (uint32_t i = 0; i < p->plan->nr_vcpus; i++) {
		add(p, LAUNCH_CREATE_VCPU)->vcpu = i;
		add(p, LAUNCH_ARM_VCPU_INIT)->vcpu = i;
	}
	/* The redistributors must cover every vCPU: after them. */
	p->stage = LAUNCH_STAGE_IRQ;
	add(p, LAUNCH_ARM_CREATE_GIC)->arg = p->plan->nr_vcpus;
}

static void plan_load_arm64(struct planner *p)
{
	const uint64_t ram = GUEST_ARM64_RAM_GPA;
	struct launch_step *s;

	p->stage = LAUNCH_STAGE_LOAD;
	add_range(p, LAUNCH_WRITE, ram + GUEST_LOAD_GPA, guest_image_size,
		  LAUNCH_SRC_TEST_GUEST);
	add_range(p, LAUNCH_WRITE, ram + GUEST_BOOTINFO_GPA,
		  sizeof(struct bootinfo), LAUNCH_SRC_BOOTINFO);
	s = add(p, LAUNCH_ARM_SET_ENTRY);
	s->gpa = ram + GUEST_LOAD_GPA;
	s->arg = ram + GUEST_BOOTINFO_GPA;
}

unsigned long launch_arm64_vm_type(enum cc_mode mode)
{
	if (mode != CC_MODE_PKVM)
		return 0;
	return LAUNCH_ARM64_PROTECTED | ARM64_PLAN_IPA_BITS;
}

int launch_plan_build_arm64(const struct vm_config *cfg,
			    struct launch_plan **ret, char *reason, size_t len)
{
	_cleanup_free_ struct launch_plan *plan = calloc(1, sizeof(*plan));
	struct planner p = { .plan = plan, .reason = reason, .len = len };
	/* Where the host offers it; the header says so (plan-text.c). */
	const uint64_t in_place = GUEST_MEMFD_FLAG_MMAP |
				  GUEST_MEMFD_FLAG_INIT_SHARED;
	int r;

	if (!plan)
		return -ENOMEM;
	if (cfg->boot.kernel || cfg->boot.firmware)
		return fail(&p, -EOPNOTSUPP,
			    "--plan describes the arm64 test guest; a kernel boot is not planned yet");
	plan->arm64 = true;
	plan->mode = cfg->cc.mode;
	plan->vm_type = launch_arm64_vm_type(cfg->cc.mode);
	plan->nr_vcpus = cfg->machine.vcpus;
	plan->ram_size = cfg->machine.memory_size;
	/* No private memory on arm64: a protected VM's RAM is anonymous. */
	r = mem_plan_build(cfg, 0, in_place, false, &plan->mem);
	if (r < 0)
		return fail(&p, r, "guest memory of 0x%llx bytes cannot be laid out",
			    (unsigned long long)cfg->machine.memory_size);
	plan->mem.nr_regions = 1;
	plan->mem.regions[0] = (struct mem_region_plan){
		.kind = MEM_REGION_RAM,
		.gpa = GUEST_ARM64_RAM_GPA,
		.size = cfg->machine.memory_size,
	};
	p.stage = LAUNCH_STAGE_VM;
	add(&p, LAUNCH_CREATE_VM)->arg = plan->vm_type;
	plan_memory_arm64(&p);
	plan_vcpus_arm64(&p);
	plan_load_arm64(&p);
	p.stage = LAUNCH_STAGE_RUN;
	add(&p, LAUNCH_RUN)->arg = plan->nr_vcpus;
	*ret = TAKE_PTR(plan);
	return 0;
}
