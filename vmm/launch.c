// SPDX-License-Identifier: GPL-2.0-only
/*
 * The executor of the launch plan (cc/plan.h). The plan is built once,
 * before KVM_CREATE_VM, from the same code `cvmm run --plan` prints; each
 * stage runs its steps in plan order when vm_build() reaches it, and the
 * stages vm_build() does itself (the VM, memory, vCPUs) are checked against
 * the plan before the launch relies on them.
 *
 * The sources of the launch commands are the shared mappings of the
 * ranges themselves (guest_memfd flags 0, kvm-private-memory.md section
 * 3): the images are written there, the range is made private in KVM's
 * attributes with its shared side kept (mem_convert_keep_shared()), the
 * launch command copies the bytes into the private pages, and once the
 * launch is finished the shared copies are discarded. In-place launch from
 * guest_memfd itself needs kernel support that 7.2 lacks (spec section 12),
 * so there is nothing to probe yet: --stats says "shared-mapping".
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/kvm.h"
#include "lib/log.h"
#include "memory/convert.h"
#include "vmm/launch-internal.h"

int launch_prepare(struct vm *vm, struct cc_image *img)
{
	const struct vm_config *cfg = vm->cfg;
	char reason[CC_REASON_MAX];
	struct cc_launch *l;
	int r;

	if (!cc_mode_is_measured(cfg->cc.mode))
		return 0;
	l = calloc(1, sizeof(*l));
	if (!l)
		return log_error_errno(-ENOMEM, "allocating the launch");
	l->sev_fd = -1;
	vm->cc = l;
	r = 0;
	if (img && img->fw) {
		l->img = *img;
		*img = (struct cc_image){ 0 };
	} else {
		r = cc_image_load(cfg, &l->img, reason, sizeof(reason));
	}
	if (r == 0)
		r = launch_plan_build(cfg, &l->img, &l->plan, reason,
				      sizeof(reason));
	if (r == -ENOMEM)
		return log_error_errno(r, "planning the launch");
	if (r < 0) {
		log_error("%s", reason);
		return r;
	}
	if (cfg->cc.mode == CC_MODE_SNP) {
		r = launch_snp_prepare(vm);
		if (r < 0)
			return r;
	}
	for (unsigned int i = 0; i < l->plan->nr_steps; i++) {
		const struct launch_step *s = &l->plan->steps[i];
		char text[LAUNCH_STEP_TEXT_MAX];

		launch_step_describe(l->plan, s, text, sizeof(text));
		log_debug("launch plan %u: %s %s %s", i + 1,
			  launch_stage_name(s->stage), launch_op_name(s->op),
			  text);
	}
	return 0;
}

uint64_t launch_firmware_size(const struct vm *vm)
{
	return vm->cc ? vm->cc->plan->fw_size : 0;
}

static int do_memory(struct vm *vm, const struct launch_step *s)
{
	int r;

	if (s->op == LAUNCH_SET_PRIVATE)
		r = mem_convert_keep_shared(&vm->mem, s->gpa, s->len);
	else
		r = mem_discard_shared(&vm->mem, s->gpa, s->len);
	if (r < 0)
		return log_error_errno(r, "%s gpa 0x%llx size 0x%llx",
				       s->op == LAUNCH_SET_PRIVATE ?
					       "KVM_SET_MEMORY_ATTRIBUTES(PRIVATE)" :
					       "discarding the shared copy at",
				       (unsigned long long)s->gpa,
				       (unsigned long long)s->len);
	return 0;
}

static int do_cap(struct vm *vm, const struct launch_step *s)
{
	int r;

	if (s->op == LAUNCH_CREATE_IRQCHIP) {
		r = kvm_ioctl_val(vm->vm_fd, KVM_CREATE_IRQCHIP, 0);
		return r < 0 ? log_error_errno(r, "KVM_CREATE_IRQCHIP") : 0;
	}
	if (kvm_check_extension(vm->vm_fd, s->cap) <= 0) {
		log_error("this host's KVM lacks capability %u, which the launch enables",
			  s->cap);
		return VM_ERR_NO_CAP;
	}
	r = kvm_enable_cap(vm->vm_fd, s->cap, s->arg);
	if (r < 0)
		return log_error_errno(r, "KVM_ENABLE_CAP(%u, %llu)", s->cap,
				       (unsigned long long)s->arg);
	return 0;
}

static int do_step(struct vm *vm, const struct launch_step *s)
{
	switch (s->op) {
	case LAUNCH_ENABLE_CAP:
	case LAUNCH_CREATE_IRQCHIP:
		return do_cap(vm, s);
	case LAUNCH_WRITE:
		return launch_write_step(vm, s);
	case LAUNCH_SET_PRIVATE:
	case LAUNCH_DISCARD_SHARED:
		return do_memory(vm, s);
	case LAUNCH_SEV_INIT2:
	case LAUNCH_SET_RESET_STATE:
	case LAUNCH_SNP_LAUNCH_START:
	case LAUNCH_SNP_LAUNCH_UPDATE:
	case LAUNCH_SNP_LAUNCH_FINISH:
	case LAUNCH_SNP_ENABLE_REQ_CERTS:
		return launch_snp_step(vm, s);
	case LAUNCH_TDX_CAPABILITIES:
	case LAUNCH_TDX_INIT_VM:
	case LAUNCH_SET_TSC_KHZ:
	case LAUNCH_TDX_INIT_VCPU:
	case LAUNCH_TDX_GET_CPUID:
	case LAUNCH_SET_CPUID:
	case LAUNCH_TDX_INIT_MEM_REGION:
	case LAUNCH_TDX_FINALIZE_VM:
		return launch_tdx_step(vm, s);
	default:
		/* vm_build()'s own steps never reach the executor. */
		log_error("launch step %s is not the launch's to do",
			  launch_op_name(s->op));
		return -EINVAL;
	}
}

/* The steps of stages [from, to], in plan order. */
static int run_stages(struct vm *vm, enum launch_stage from,
		      enum launch_stage to)
{
	const struct launch_plan *plan = vm->cc->plan;
	int r;

	for (unsigned int i = 0; i < plan->nr_steps; i++) {
		if (plan->steps[i].stage < from || plan->steps[i].stage > to)
			continue;
		r = do_step(vm, &plan->steps[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

/* What vm_build() made must be what the plan says it makes. */
static int check_built(struct vm *vm, enum launch_stage upto)
{
	const struct launch_plan *plan = vm->cc->plan;
	unsigned int vcpus = 0;

	for (unsigned int i = 0; i < plan->nr_steps; i++) {
		const struct launch_step *s = &plan->steps[i];
		const struct mem_region *reg;

		if (s->stage > upto)
			break;
		if (s->op == LAUNCH_CREATE_VM && s->arg != vm->type)
			goto differs;
		if (s->op == LAUNCH_CREATE_VCPU)
			vcpus++;
		if (s->op != LAUNCH_SET_MEMSLOT)
			continue;
		if (s->index >= vm->mem.nr_regions)
			goto differs;
		reg = &vm->mem.regions[s->index];
		if (reg->gpa != s->gpa || reg->size != s->len ||
		    (reg->gmem_fd >= 0) != !!(s->arg & KVM_MEM_GUEST_MEMFD))
			goto differs;
	}
	if (upto >= LAUNCH_STAGE_VCPUS && vcpus != vm->nr_vcpus)
		goto differs;
	return 0;

differs:
	log_error("the VM built differs from its launch plan (%s stage)",
		  launch_stage_name(upto));
	return -EINVAL;
}

int launch_vm_init(struct vm *vm)
{
	int r;

	if (!vm->cc)
		return 0;
	r = check_built(vm, LAUNCH_STAGE_VM);
	if (r < 0)
		return r;
	/* TDX: the split irqchip sits between CAPABILITIES and the APIC bus. */
	return run_stages(vm, LAUNCH_STAGE_CC_VM, LAUNCH_STAGE_IRQ);
}

int launch_memory_init(struct vm *vm)
{
	const struct launch_plan *plan;
	int r;

	if (!vm->cc)
		return 0;
	r = check_built(vm, LAUNCH_STAGE_MEMORY);
	if (r < 0)
		return r;
	plan = vm->cc->plan;
	for (unsigned int i = 0; i < plan->nr_steps; i++) {
		const struct launch_step *s = &plan->steps[i];

		/* The guest_memfds and slots are vm_build()'s own steps. */
		if (s->stage != LAUNCH_STAGE_MEMORY || s->op != LAUNCH_SET_PRIVATE)
			continue;
		r = do_memory(vm, s);
		if (r < 0)
			return r;
	}
	return 0;
}

int launch_load(struct vm *vm)
{
	uint64_t start = monotonic_ns();
	int r;

	if (!vm->cc)
		return 0;
	r = check_built(vm, LAUNCH_STAGE_VCPUS);
	if (r < 0)
		return r;
	r = run_stages(vm, LAUNCH_STAGE_LOAD, LAUNCH_STAGE_LOAD);
	if (r < 0)
		return r;
	vm->cc->launch_ns = monotonic_ns() - start;
	launch_expect_measurement(vm);
	if (vm->cfg->cc.mode == CC_MODE_TDX && vm->cfg->cc.tdx.quote_service)
		return launch_tdx_quote_start(vm);
	return 0;
}

struct cc_launch *launch_free(struct cc_launch *l)
{
	if (!l)
		return NULL;
	tdx_quote_stop(&l->quote);
	if (l->sev_fd >= 0)
		close(l->sev_fd);
	cc_image_free(&l->img);
	free(l->plan);
	free(l->tdx_caps);
	free(l->cpuid_read);
	free(l->cpuid_page);
	free(l);
	return NULL;
}
