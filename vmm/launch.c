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
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "memory/convert.h"
#include "vmm/kvm.h"
#include "vmm/launch-internal.h"
#include "vmm/x86.h"

uint32_t launch_cpuid_sig(const struct kvm_cpuid2 *cpuid)
{
	for (uint32_t i = 0; i < cpuid->nent; i++)
		if (cpuid->entries[i].function == 1)
			return cpuid->entries[i].eax;
	return 0;
}

int launch_prepare(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
	char reason[CC_REASON_MAX];
	struct cc_launch *l;
	int r;

	if (!cc_mode_is_measured(cfg->cc.mode))
		return 0;
	r = cc_config_check(cfg, reason, sizeof(reason));
	if (r < 0) {
		log_error("%s", reason);
		return r;
	}
	l = calloc(1, sizeof(*l));
	if (!l)
		return log_error_errno(-ENOMEM, "allocating the launch");
	l->sev_fd = -1;
	vm->cc = l;
	r = cc_image_load(cfg, &l->img, reason, sizeof(reason));
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

static int do_write(struct vm *vm, const struct launch_step *s)
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
		return do_write(vm, s);
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

static int run_stage(struct vm *vm, enum launch_stage stage)
{
	const struct launch_plan *plan = vm->cc->plan;
	int r;

	for (unsigned int i = 0; i < plan->nr_steps; i++) {
		if (plan->steps[i].stage != stage)
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
	r = run_stage(vm, LAUNCH_STAGE_CC_VM);
	if (r < 0)
		return r;
	return run_stage(vm, LAUNCH_STAGE_IRQ);
}

static void log_expected(const struct cc_launch *l, enum cc_mode mode)
{
	char hex[2 * SHA384_DIGEST_SIZE + 1];

	for (size_t i = 0; i < sizeof(l->expected); i++)
		sprintf(hex + 2 * i, "%02x", l->expected[i]);
	if (mode == CC_MODE_SNP)
		log_info("SNP guest launched; expected MEASUREMENT %s (vCPU signature 0x%x: 'cvmm measure --snp-vcpu-sig 0x%x' gives the same)",
			 hex, l->vcpu_sig, l->vcpu_sig);
	else
		log_info("TD launched; expected MRTD %s", hex);
}

/* The measurement the hardware should now report, computed offline. */
static void expect_measurement(struct vm *vm)
{
	struct cc_launch *l = vm->cc;
	struct snp_measure_input in = {
		.fw = l->img.fw,
		.fw_size = l->img.fw_size,
		.nr_vcpus = vm->nr_vcpus,
		.vcpu_sig = l->vcpu_sig,
		.sev_features = l->plan->sev_features,
		.kernel_hashes = l->img.has_kernel_hashes ? &l->img.hashes :
							    NULL,
	};

	if (vm->cfg->cc.mode == CC_MODE_TDX) {
		l->has_expected = l->plan->has_mrtd;
		memcpy(l->expected, l->plan->mrtd, sizeof(l->expected));
	} else {
		l->has_expected = snp_launch_digest(&in, l->expected) == 0;
	}
	if (l->has_expected)
		log_expected(l, vm->cfg->cc.mode);
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
	r = run_stage(vm, LAUNCH_STAGE_LOAD);
	if (r < 0)
		return r;
	vm->cc->launch_ns = monotonic_ns() - start;
	expect_measurement(vm);
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

static void add_u64(struct json_object *o, const char *key, uint64_t v)
{
	json_object_object_add(o, key, json_object_new_uint64(v));
}

struct json_object *launch_stats_json(const struct vm *vm)
{
	const struct cc_launch *l = vm->cc;
	char hex[2 * SHA384_DIGEST_SIZE + 1];
	struct json_object *o;

	if (!l)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "cc_mode", json_object_new_string(
		cc_mode_name(vm->cfg->cc.mode)));
	/* Where the launch commands copied from (see the top of this file). */
	json_object_object_add(o, "launch_source",
			       json_object_new_string("shared-mapping"));
	add_u64(o, "plan_steps", l->plan->nr_steps);
	add_u64(o, "encrypt_ops", l->encrypt_ops);
	add_u64(o, "retries", l->retries);
	add_u64(o, "bytes_launched", l->bytes_launched);
	json_object_object_add(o, "launch_ms",
			       json_object_new_double(l->launch_ns / 1e6));
	if (l->has_expected) {
		for (size_t i = 0; i < sizeof(l->expected); i++)
			sprintf(hex + 2 * i, "%02x", l->expected[i]);
		json_object_object_add(o, "expected_measurement",
				       json_object_new_string(hex));
	}
	if (vm->cfg->cc.mode == CC_MODE_SNP) {
		add_u64(o, "vcpu_signature", l->vcpu_sig);
		add_u64(o, "certs_served", l->certs_served);
		add_u64(o, "certs_refused", l->certs_refused);
	}
	if (vm->cfg->cc.mode == CC_MODE_TDX) {
		add_u64(o, "tdx_exits", l->tdx_exits);
		add_u64(o, "quotes_refused", l->quotes_refused);
		add_u64(o, "notify_vector", l->notify_vector);
		if (l->quote.started) {
			add_u64(o, "quotes_served", __atomic_load_n(
				&l->quote.served, __ATOMIC_RELAXED));
			add_u64(o, "quotes_failed", __atomic_load_n(
				&l->quote.failed, __ATOMIC_RELAXED));
		}
	}
	return o;
}
