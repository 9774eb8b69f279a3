// SPDX-License-Identifier: GPL-2.0-only
/*
 * The launch planner: from the config and the firmware to the list of
 * steps, in the order KVM needs them.
 *
 * SNP (sev-snp.md section 3): CREATE_VM(4), EXIT_HYPERCALL, SEV_INIT2
 * before any vCPU, the irqchip, guest_memfd slots for RAM and firmware,
 * vCPUs with CPUID and the reset state that becomes their VMSA, the
 * images written into the shared mapping, LAUNCH_START, then per launch
 * range (firmware, then the ASEV descriptors in table order) PRIVATE and
 * LAUNCH_UPDATE, LAUNCH_FINISH, and the shared copies discarded.
 *
 * TDX (tdx.md section 3, as corrected from the kernel source):
 * CREATE_VM(5), CAPABILITIES, the split irqchip (the APIC-bus cap returns
 * ENXIO without an irqchip), the APIC bus and the TSC frequency, INIT_VM
 * before any vCPU, slots, vCPUs, then per vCPU the CPUID read back from
 * the TD set with KVM_SET_CPUID2 (X2APIC on) before INIT_VCPU, which puts
 * the APIC in x2APIC mode and fails with EINVAL while the vCPU's CPUID
 * lacks X2APIC; the firmware and the HOB written into the shared mapping,
 * per TDVF section in table order PRIVATE and INIT_MEM_REGION,
 * FINALIZE_VM (retried while the module is busy), the shared copies
 * discarded. One step moves against QEMU's order where KVM does not care:
 * cvmm enables EXIT_HYPERCALL right after CREATE_VM (QEMU's step 4; KVM
 * wants it before the vCPUs run).
 *
 * In both, guest_memfd RAM is private from the start (marked when its
 * memslot is made, as QEMU does), and each launch range is made private
 * in KVM's attributes before its launch command (KVM requires it; for a
 * range in RAM this changes nothing) with its shared side kept until the
 * launch is finished: it is the source the command copies from.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "build-config.h"
#include "cc/plan-internal.h"
#include "cc/tdx-measure.h"

/* The range lies in one region of guest memory (RAM or firmware). */
static bool in_memory(const struct mem_plan *mem, uint64_t gpa, uint64_t len)
{
	for (unsigned int i = 0; i < mem->nr_regions; i++) {
		const struct mem_region_plan *r = &mem->regions[i];

		if (gpa >= r->gpa && len <= r->size &&
		    gpa - r->gpa <= r->size - len)
			return true;
	}
	return false;
}

unsigned int launch_ram_ranges(const struct mem_plan *mem,
			       struct tdx_ram_range *ret)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < mem->nr_regions; i++)
		if (mem->regions[i].kind == MEM_REGION_RAM)
			ret[n++] = (struct tdx_ram_range){
				.gpa = mem->regions[i].gpa,
				.size = mem->regions[i].size,
			};
	return n;
}

static void plan_vm(struct planner *p, const struct vm_config *cfg)
{
	p->stage = LAUNCH_STAGE_VM;
	add(p, LAUNCH_CREATE_VM)->arg = p->plan->vm_type;
	/* Guests ask for conversions through MAP_GPA_RANGE exits. */
	if (cfg->cc.mode != CC_MODE_NONE)
		add_cap(p, KVM_CAP_EXIT_HYPERCALL,
			1ull << KVM_HC_MAP_GPA_RANGE);
}

/* Before any vCPU: KVM attaches each local APIC to the irqchip. */
static void plan_irqchip(struct planner *p, const struct vm_config *cfg)
{
	enum launch_stage stage = p->stage;

	p->stage = LAUNCH_STAGE_IRQ;
	if (cfg->machine.irqchip == IRQCHIP_SPLIT)
		add_cap(p, KVM_CAP_SPLIT_IRQCHIP, LAUNCH_SPLIT_IRQCHIP_ROUTES);
	else
		add(p, LAUNCH_CREATE_IRQCHIP);
	p->stage = stage;
}

/* Before memory and vCPUs: KVM rejects these once vCPUs exist. */
static void plan_cc_vm(struct planner *p, const struct vm_config *cfg)
{
	p->stage = LAUNCH_STAGE_CC_VM;
	switch (cfg->cc.mode) {
	case CC_MODE_SNP:
		/* KVM adds SNPActive itself (sev-snp.md section 3 step 3). */
		add(p, LAUNCH_SEV_INIT2)->arg =
			cfg->cc.snp_debug_swap ? SNP_SEV_FEAT_DEBUG_SWAP : 0;
		/* Before any vCPU, which KVM requires (sev-snp.md step 4). */
		if (cfg->cc.snp.certs)
			add(p, LAUNCH_SNP_ENABLE_REQ_CERTS);
		break;
	case CC_MODE_TDX:
		add(p, LAUNCH_TDX_CAPABILITIES);
		/* x86.c: the APIC-bus cap is -ENXIO without an irqchip. */
		plan_irqchip(p, cfg);
		add_cap(p, KVM_CAP_X86_APIC_BUS_CYCLES_NS,
			LAUNCH_TDX_APIC_BUS_NS);
		/* INIT_VM hands the VM's TSC frequency to the module. */
		add(p, LAUNCH_SET_TSC_KHZ)->arg = 0;
		add(p, LAUNCH_TDX_INIT_VM)->arg = cfg->cc.tdx_attributes;
		break;
	default:
		break;
	}
}

/*
 * SNP and TDX: guest_memfd RAM private from the start, as QEMU marks it
 * when it creates the memslot (sev-snp.md, "Initial state of RAM"): the
 * guest validates or accepts it without a memory-fault exit per page, and
 * what it shares it asks for. The firmware region is made private by its
 * launch commands.
 */
static bool ram_private_from_start(const struct launch_plan *plan,
				   const struct mem_region_plan *r)
{
	return cc_mode_is_measured(plan->mode) && plan->mem.use_gmem &&
	       r->kind == MEM_REGION_RAM;
}

static void plan_memory(struct planner *p)
{
	const struct mem_plan *mem = &p->plan->mem;

	p->stage = LAUNCH_STAGE_MEMORY;
	for (unsigned int i = 0; i < mem->nr_regions; i++) {
		const struct mem_region_plan *r = &mem->regions[i];
		struct launch_step *s;

		if (mem->use_gmem) {
			s = add(p, LAUNCH_CREATE_GUEST_MEMFD);
			s->len = r->size;
			s->arg = mem->gmem_flags;
		}
		s = add(p, LAUNCH_SET_MEMSLOT);
		s->index = i;
		s->gpa = r->gpa;
		s->len = r->size;
		s->arg = mem->use_gmem ? KVM_MEM_GUEST_MEMFD : 0;
		if (ram_private_from_start(p->plan, r))
			add_range(p, LAUNCH_SET_PRIVATE, r->gpa, r->size,
				  LAUNCH_SRC_NONE)->index = i;
	}
}

static void plan_vcpus(struct planner *p)
{
	p->stage = LAUNCH_STAGE_VCPUS;
	for (uint32_t i = 0; i < p->plan->nr_vcpus; i++) {
		add(p, LAUNCH_CREATE_VCPU)->vcpu = i;
		/* TDX: only once the TD knows its CPUID (plan_tdx()). */
		if (p->plan->mode != CC_MODE_TDX)
			add(p, LAUNCH_SET_CPUID)->vcpu = i;
	}
}

static int check_snp_ranges(struct planner *p,
			    const struct snp_launch_range *r, unsigned int nr)
{
	for (unsigned int i = 0; i < nr; i++) {
		if (!in_memory(&p->plan->mem, r[i].gpa, r[i].len))
			return fail(p, -EINVAL,
				    "SNP launch range 0x%llx+0x%llx lies outside guest memory (RAM 0x%llx bytes)",
				    (unsigned long long)r[i].gpa,
				    (unsigned long long)r[i].len,
				    (unsigned long long)p->plan->ram_size);
		for (unsigned int j = 0; j < i; j++)
			if (ranges_overlap(r[i].gpa, r[i].len, r[j].gpa,
					   r[j].len))
				return fail(p, -EINVAL,
					    "SNP launch ranges 0x%llx and 0x%llx overlap: a page is launched once",
					    (unsigned long long)r[j].gpa,
					    (unsigned long long)r[i].gpa);
	}
	return 0;
}

static enum launch_src snp_src(enum snp_src src)
{
	switch (src) {
	case SNP_SRC_FIRMWARE:
		return LAUNCH_SRC_FIRMWARE;
	case SNP_SRC_CPUID:
		return LAUNCH_SRC_CPUID_PAGE;
	case SNP_SRC_KERNEL_HASHES:
		return LAUNCH_SRC_KERNEL_HASHES;
	default:
		/* ZERO ignores its source; SECRETS pages start zeroed. */
		return LAUNCH_SRC_ZERO;
	}
}

static int plan_snp(struct planner *p, const struct vm_config *cfg,
		    const struct cc_image *img)
{
	struct snp_launch_range r[SNP_MAX_LAUNCH_RANGES];
	struct launch_plan *plan = p->plan;
	unsigned int nr;
	int err;

	err = snp_launch_ranges(&img->info, img->has_kernel_hashes, r, &nr);
	if (err == -ENOENT)
		return fail(p, -EINVAL,
			    "%s: its SEV metadata has no kernel-hashes descriptor, so boot.kernel cannot be measured",
			    cfg->boot.firmware);
	if (err < 0)
		return fail(p, -EINVAL,
			    "%s: its kernel-hashes table does not fit in one page of its SEV metadata descriptor",
			    cfg->boot.firmware);
	err = check_snp_ranges(p, r, nr);
	if (err < 0)
		return err;

	/* Step 6: the reset state KVM turns into each VMSA. */
	for (uint32_t i = 0; i < plan->nr_vcpus; i++) {
		struct launch_step *s = add(p, LAUNCH_SET_RESET_STATE);

		s->vcpu = i;
		s->arg = i ? img->info.sev_es_reset_eip : SNP_BSP_RESET_EIP;
	}
	/* Step 7: the sources, in place in the shared mapping. */
	for (unsigned int i = 0; i < nr; i++)
		if (r[i].src != SNP_SRC_NONE && r[i].src != SNP_SRC_SECRETS)
			add_range(p, LAUNCH_WRITE, r[i].gpa, r[i].len,
				  snp_src(r[i].src));
	add(p, LAUNCH_SNP_LAUNCH_START)->arg = cfg->cc.snp_policy;
	/* Step 9: each range private, then launch-updated. */
	for (unsigned int i = 0; i < nr; i++) {
		struct launch_step *s;

		add_range(p, LAUNCH_SET_PRIVATE, r[i].gpa, r[i].len,
			  LAUNCH_SRC_NONE);
		s = add(p, LAUNCH_SNP_LAUNCH_UPDATE);
		s->gpa = r[i].gpa;
		s->len = r[i].len;
		s->page_type = r[i].type;
		s->src = snp_src(r[i].src);
		s->index = i;
	}
	add(p, LAUNCH_SNP_LAUNCH_FINISH)->arg = plan->nr_vcpus;
	/* Step 11: the shared copies are no longer needed. */
	for (unsigned int i = 0; i < nr; i++)
		add_range(p, LAUNCH_DISCARD_SHARED, r[i].gpa, r[i].len,
			  LAUNCH_SRC_NONE);
	return 0;
}

/* BFV and CFV bytes lie where the whole image already put them. */
static bool tdvf_in_place(const struct launch_plan *plan,
			  const struct tdvf_section *s)
{
	return s->gpa == plan->fw_gpa + s->data_offset &&
	       s->raw_data_size == s->size;
}

static enum launch_src tdvf_src(const struct launch_plan *plan,
				const struct tdvf_section *s)
{
	switch (s->type) {
	case TDVF_SECTION_BFV:
	case TDVF_SECTION_CFV:
		return tdvf_in_place(plan, s) ? LAUNCH_SRC_FIRMWARE :
						LAUNCH_SRC_TDVF_SECTION;
	case TDVF_SECTION_TD_HOB:
		return LAUNCH_SRC_TD_HOB;
	default:
		return LAUNCH_SRC_ZERO;
	}
}

static int check_tdvf(struct planner *p, const struct ovmf_info *info)
{
	for (unsigned int i = 0; i < info->nr_tdvf; i++) {
		const struct tdvf_section *s = &info->tdvf[i];

		if (!in_memory(&p->plan->mem, s->gpa, s->size))
			return fail(p, -EINVAL,
				    "TDVF section %u (%s) at 0x%llx+0x%llx lies outside guest memory (RAM 0x%llx bytes)",
				    i, tdvf_section_type_name(s->type),
				    (unsigned long long)s->gpa,
				    (unsigned long long)s->size,
				    (unsigned long long)p->plan->ram_size);
		for (unsigned int j = 0; j < i; j++)
			if (ranges_overlap(s->gpa, s->size, info->tdvf[j].gpa,
					   info->tdvf[j].size))
				return fail(p, -EINVAL,
					    "TDVF sections %u and %u overlap", j,
					    i);
	}
	return 0;
}

/* Where the TD HOB goes and how long it is; it must fit its section. */
static int plan_td_hob(struct planner *p, const struct ovmf_info *info)
{
	struct launch_plan *plan = p->plan;
	struct tdx_ram_range ram[MEM_MAX_REGIONS];
	_cleanup_free_ uint8_t *buf = NULL;
	unsigned int nr_ram;
	size_t size, len;
	int r;

	nr_ram = launch_ram_ranges(&plan->mem, ram);
	size = tdx_hob_max_size(nr_ram, info->nr_tdvf);
	buf = malloc(size);
	if (!buf)
		return -ENOMEM;
	r = tdx_hob_build(ram, nr_ram, info->tdvf, info->nr_tdvf, buf, size,
			  &len);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return fail(p, -EINVAL,
			    "the TD HOB cannot be built: %s",
			    r == -E2BIG ? "it is larger than the TD_HOB section" :
			    "the TDVF needs exactly one TD_HOB section, and TD_HOB and TEMP_MEM sections each inside one RAM range");
	for (unsigned int i = 0; i < info->nr_tdvf; i++)
		if (info->tdvf[i].type == TDVF_SECTION_TD_HOB)
			plan->td_hob_gpa = info->tdvf[i].gpa;
	plan->td_hob_len = len;
	return 0;
}

static void plan_tdvf_sections(struct planner *p, const struct ovmf_info *info)
{
	for (unsigned int i = 0; i < info->nr_tdvf; i++) {
		const struct tdvf_section *s = &info->tdvf[i];
		struct launch_step *st;

		/* PAGE.AUG: not added now; the guest accepts it later. */
		if (s->attributes & TDVF_ATTR_PAGE_AUG)
			continue;
		add_range(p, LAUNCH_SET_PRIVATE, s->gpa, s->size,
			  LAUNCH_SRC_NONE);
		st = add(p, LAUNCH_TDX_INIT_MEM_REGION);
		st->gpa = s->gpa;
		st->len = s->size;
		st->measure = s->attributes & TDVF_ATTR_MR_EXTEND;
		st->src = tdvf_src(p->plan, s);
		st->index = i;
	}
}

static int plan_tdx(struct planner *p, const struct vm_config *cfg,
		    const struct cc_image *img)
{
	const struct ovmf_info *info = &img->info;
	struct launch_plan *plan = p->plan;
	int r;

	(void)cfg;
	r = check_tdvf(p, info);
	if (r < 0)
		return r;
	r = plan_td_hob(p, info);
	if (r < 0)
		return r;
	/* Only fails for a measured TD_HOB, whose MRTD is not predicted. */
	plan->has_mrtd = tdx_mrtd(img->fw, img->fw_size, info->tdvf,
				  info->nr_tdvf, TDX_MRTD_SINGLE_PASS,
				  plan->mrtd) == 0;
	/*
	 * Step 8, per vCPU: the CPUID the TD really has, set with X2APIC
	 * before INIT_VCPU (RCX = the TD HOB) switches the APIC to x2APIC.
	 */
	for (uint32_t i = 0; i < plan->nr_vcpus; i++) {
		struct launch_step *s;

		add(p, LAUNCH_TDX_GET_CPUID)->vcpu = i;
		add(p, LAUNCH_SET_CPUID)->vcpu = i;
		s = add(p, LAUNCH_TDX_INIT_VCPU);
		s->vcpu = i;
		s->arg = plan->td_hob_gpa;
	}
	/* Step 9: the sources in the shared mapping, then the sections. */
	add_range(p, LAUNCH_WRITE, plan->fw_gpa, plan->fw_size,
		  LAUNCH_SRC_FIRMWARE);
	for (unsigned int i = 0; i < info->nr_tdvf; i++) {
		const struct tdvf_section *s = &info->tdvf[i];

		if (tdvf_src(plan, s) != LAUNCH_SRC_TDVF_SECTION ||
		    (s->attributes & TDVF_ATTR_PAGE_AUG))
			continue;
		add_range(p, LAUNCH_WRITE, s->gpa, s->size,
			  LAUNCH_SRC_TDVF_SECTION)->index = i;
	}
	add_range(p, LAUNCH_WRITE, plan->td_hob_gpa, plan->td_hob_len,
		  LAUNCH_SRC_TD_HOB);
	plan_tdvf_sections(p, info);
	add(p, LAUNCH_TDX_FINALIZE_VM);
	/* Step 11 */
	for (unsigned int i = 0; i < info->nr_tdvf; i++)
		if (!(info->tdvf[i].attributes & TDVF_ATTR_PAGE_AUG))
			add_range(p, LAUNCH_DISCARD_SHARED, info->tdvf[i].gpa,
				  info->tdvf[i].size, LAUNCH_SRC_NONE);
	return 0;
}

static int plan_init(struct planner *p, const struct vm_config *cfg,
		     const struct cc_image *img)
{
	struct launch_plan *plan = p->plan;
	int r;

	if (cc_mode_is_measured(cfg->cc.mode) && !img)
		return fail(p, -EINVAL, "cc.mode '%s' needs boot.firmware",
			    cc_mode_name(cfg->cc.mode));
	plan->mode = cfg->cc.mode;
	plan->vm_type = cc_mode_vm_type(cfg->cc.mode);
	plan->nr_vcpus = cfg->machine.vcpus;
	plan->ram_size = cfg->machine.memory_size;
	plan->fw_size = cc_mode_is_measured(cfg->cc.mode) ? img->fw_size : 0;
	plan->fw_gpa = MEM_4G - plan->fw_size;
	plan->sev_features = SNP_SEV_FEAT_SNP_ACTIVE;
	if (cfg->cc.snp_debug_swap)
		plan->sev_features |= SNP_SEV_FEAT_DEBUG_SWAP;
	/*
	 * The host's guest_memfd flags only matter to a default VM, which
	 * runs from guest_memfd where it can (see launch_plan_write()).
	 */
	r = mem_plan_build(cfg, plan->fw_size, 0,
			   cfg->cc.mode != CC_MODE_NONE, &plan->mem);
	if (r < 0)
		return fail(p, r, "guest memory of 0x%llx bytes cannot be laid out",
			    (unsigned long long)cfg->machine.memory_size);
	return 0;
}

unsigned long cc_mode_vm_type(enum cc_mode mode)
{
	switch (mode) {
	case CC_MODE_SW:
		return KVM_X86_SW_PROTECTED_VM;
	case CC_MODE_SNP:
		return KVM_X86_SNP_VM;
	case CC_MODE_TDX:
		return KVM_X86_TDX_VM;
	/* arm64 only: the config rules keep it from x86 (config/rules.c). */
	case CC_MODE_PKVM:
	case CC_MODE_NONE:
		break;
	}
	return KVM_X86_DEFAULT_VM;
}

int launch_plan_build(const struct vm_config *cfg, const struct cc_image *img,
		      struct launch_plan **ret, char *reason, size_t len)
{
	_cleanup_free_ struct launch_plan *plan = calloc(1, sizeof(*plan));
	struct planner p = { .plan = plan, .reason = reason, .len = len };
	int r;

	if (CONFIG_ARM64)
		return launch_plan_build_arm64(cfg, ret, reason, len);
	if (!plan)
		return -ENOMEM;
	r = plan_init(&p, cfg, img);
	if (r < 0)
		return r;
	launch_plan_inputs(plan, cfg, img);
	plan_vm(&p, cfg);
	plan_cc_vm(&p, cfg);
	/*
	 * The test guest runs without one: its HLT must exit to cvmm. TDX
	 * planned its own among the VM-wide steps.
	 */
	if (cfg->cc.mode == CC_MODE_SNP)
		plan_irqchip(&p, cfg);
	plan_memory(&p);
	plan_vcpus(&p);
	p.stage = LAUNCH_STAGE_LOAD;
	switch (cfg->cc.mode) {
	case CC_MODE_SNP:
		r = plan_snp(&p, cfg, img);
		break;
	case CC_MODE_TDX:
		r = plan_tdx(&p, cfg, img);
		break;
	default:
		r = plan_test_guest(&p, cfg);
		break;
	}
	if (r < 0)
		return r;
	p.stage = LAUNCH_STAGE_RUN;
	add(&p, LAUNCH_RUN)->arg = plan->nr_vcpus;
	*ret = TAKE_PTR(plan);
	return 0;
}
