// SPDX-License-Identifier: GPL-2.0-only
/*
 * The launch plan of the fixture firmware, step by step, written out here
 * from the spec: sev-snp.md section 3 (order), 5 (descriptor types to page
 * types) and 7 (the fixture's metadata), tdx.md section 3 (order) and 4
 * (the fixture's TDVF table). Then the CC rules one by one, the TD's CPUID
 * mask, and the answers to KVM_EXIT_TDX and the termination events.
 */
#include "cc/plan.h"
#include "cc/tdx-cpuid.h"
#include "tests/test.h"
#include "tests/unit/fixture.h"
#include "guest/bootinfo.h"
#include "vmm/boot.h"
#include "vmm/x86/cc-exits.h"

#define M256 0x10000000ull
#define M4 0x400000ull
#define FW_GPA 0xffc00000ull

static uint8_t *amdsev, *inteltdx;
static size_t amdsev_size, inteltdx_size;

/* One expected step; fields left 0 must be 0 in the plan too. */
struct want {
	enum launch_op op;
	enum launch_stage stage;
	uint64_t gpa, len, arg;
	uint32_t cap, vcpu, index;
	uint8_t type;
	bool measure;
	enum launch_src src;
};

struct wants {
	struct want w[LAUNCH_MAX_STEPS];
	unsigned int n;
};

static struct want *want(struct wants *ws, enum launch_op op,
			 enum launch_stage stage)
{
	struct want *w = &ws->w[ws->n++];

	*w = (struct want){ .op = op, .stage = stage };
	return w;
}

static void want_range(struct wants *ws, enum launch_op op, uint64_t gpa,
		       uint64_t len, enum launch_src src)
{
	struct want *w = want(ws, op, LAUNCH_STAGE_LOAD);

	w->gpa = gpa;
	w->len = len;
	w->src = src;
}

static void expect_plan(const struct launch_plan *p, const struct wants *ws,
			const char *what)
{
	EXPECT_EQ(p->nr_steps, ws->n, "%s: the plan should have as many steps as the spec's",
		  what);
	for (unsigned int i = 0; i < MIN(p->nr_steps, ws->n); i++) {
		const struct launch_step *s = &p->steps[i];
		const struct want *w = &ws->w[i];
		bool same = s->op == w->op && s->stage == w->stage &&
			    s->gpa == w->gpa && s->len == w->len &&
			    s->arg == w->arg && s->cap == w->cap &&
			    s->vcpu == w->vcpu && s->index == w->index &&
			    s->page_type == w->type && s->measure == w->measure &&
			    s->src == w->src;

		EXPECT(same, "%s: step %u should be %s %s gpa 0x%llx len 0x%llx arg 0x%llx, is %s %s gpa 0x%llx len 0x%llx arg 0x%llx",
		       what, i + 1, launch_stage_name(w->stage),
		       launch_op_name(w->op), (unsigned long long)w->gpa,
		       (unsigned long long)w->len, (unsigned long long)w->arg,
		       launch_stage_name(s->stage), launch_op_name(s->op),
		       (unsigned long long)s->gpa, (unsigned long long)s->len,
		       (unsigned long long)s->arg);
	}
}

static void cfg_for(struct vm_config *cfg, enum cc_mode mode,
		    unsigned int vcpus)
{
	vm_config_init(cfg);
	cfg->cc.mode = mode;
	cfg->machine.vcpus = vcpus;
	if (mode == CC_MODE_SNP || mode == CC_MODE_TDX)
		cfg->boot.firmware = strdup("fixture.fd");
	vm_config_finish(cfg);
}

static void image_of(struct cc_image *img, uint8_t *fw, size_t size,
		     unsigned int what)
{
	*img = (struct cc_image){ .fw = fw, .fw_size = size };
	EXPECT_EQ(ovmf_parse(fw, size, what, &img->info), 0,
		  "the fixture should parse");
}

/* Steps 1 to 5 of either launch: the VM, its caps, memory, vCPUs. */
static void want_vm(struct wants *ws, unsigned long type, bool private)
{
	struct want *w = want(ws, LAUNCH_CREATE_VM, LAUNCH_STAGE_VM);

	w->arg = type;
	if (!private)
		return;
	w = want(ws, LAUNCH_ENABLE_CAP, LAUNCH_STAGE_VM);
	w->cap = KVM_CAP_EXIT_HYPERCALL;
	w->arg = 1 << KVM_HC_MAP_GPA_RANGE;
}

static void want_memory(struct wants *ws, bool gmem, uint64_t fw_size)
{
	const uint64_t gpa[] = { 0, FW_GPA }, size[] = { M256, fw_size };

	for (unsigned int i = 0; i < (fw_size ? 2u : 1u); i++) {
		struct want *w;

		if (gmem)
			want(ws, LAUNCH_CREATE_GUEST_MEMFD,
			     LAUNCH_STAGE_MEMORY)->len = size[i];
		w = want(ws, LAUNCH_SET_MEMSLOT, LAUNCH_STAGE_MEMORY);
		w->index = i;
		w->gpa = gpa[i];
		w->len = size[i];
		w->arg = gmem ? KVM_MEM_GUEST_MEMFD : 0;
		/* snp, tdx: RAM private from the start, not the firmware. */
		if (!fw_size || i)
			continue;
		w = want(ws, LAUNCH_SET_PRIVATE, LAUNCH_STAGE_MEMORY);
		w->gpa = gpa[i];
		w->len = size[i];
	}
}

static void want_vcpus(struct wants *ws, unsigned int n, bool cpuid)
{
	for (unsigned int i = 0; i < n; i++) {
		want(ws, LAUNCH_CREATE_VCPU, LAUNCH_STAGE_VCPUS)->vcpu = i;
		if (cpuid)
			want(ws, LAUNCH_SET_CPUID, LAUNCH_STAGE_VCPUS)->vcpu = i;
	}
}

static void want_run(struct wants *ws, unsigned int vcpus)
{
	want(ws, LAUNCH_RUN, LAUNCH_STAGE_RUN)->arg = vcpus;
}

/* sev-snp.md section 7: the fixture's ASEV table, typed per section 5. */
static const struct {
	uint64_t gpa, len;
	uint8_t type;
	enum launch_src src;
} snp_fixture_ranges[] = {
	{ FW_GPA, M4, SNP_PAGE_TYPE_NORMAL, LAUNCH_SRC_FIRMWARE },
	{ 0x800000, 0x9000, SNP_PAGE_TYPE_ZERO, LAUNCH_SRC_ZERO },
	{ 0x80a000, 0x3000, SNP_PAGE_TYPE_ZERO, LAUNCH_SRC_ZERO },
	{ 0x80d000, 0x1000, SNP_PAGE_TYPE_SECRETS, LAUNCH_SRC_ZERO },
	{ 0x80e000, 0x1000, SNP_PAGE_TYPE_CPUID, LAUNCH_SRC_CPUID_PAGE },
	{ 0x80f000, 0x1000, SNP_PAGE_TYPE_ZERO, LAUNCH_SRC_ZERO },
	{ 0x811000, 0x1f000, SNP_PAGE_TYPE_ZERO, LAUNCH_SRC_ZERO },
	{ 0x810000, 0x1000, SNP_PAGE_TYPE_ZERO, LAUNCH_SRC_ZERO },
};
#define SNP_HASHES_RANGE 7

static void want_snp(struct wants *ws, unsigned int vcpus, bool hashes)
{
	const unsigned int nr = ARRAY_SIZE(snp_fixture_ranges);
	struct want *w;

	want_vm(ws, KVM_X86_SNP_VM, true);
	want(ws, LAUNCH_SEV_INIT2, LAUNCH_STAGE_CC_VM)->arg = hashes ? 0x20 : 0;
	want(ws, LAUNCH_CREATE_IRQCHIP, LAUNCH_STAGE_IRQ);
	want_memory(ws, true, M4);
	want_vcpus(ws, vcpus, true);
	/* The BSP at the reset vector, APs at the SEV-ES reset block's EIP. */
	for (unsigned int i = 0; i < vcpus; i++) {
		w = want(ws, LAUNCH_SET_RESET_STATE, LAUNCH_STAGE_LOAD);
		w->vcpu = i;
		w->arg = i ? 0x80b004 : 0xfffffff0;
	}
	want_range(ws, LAUNCH_WRITE, FW_GPA, M4, LAUNCH_SRC_FIRMWARE);
	want_range(ws, LAUNCH_WRITE, 0x80e000, 0x1000, LAUNCH_SRC_CPUID_PAGE);
	if (hashes)
		want_range(ws, LAUNCH_WRITE, 0x810000, 0x1000,
			   LAUNCH_SRC_KERNEL_HASHES);
	want(ws, LAUNCH_SNP_LAUNCH_START, LAUNCH_STAGE_LOAD)->arg = 0x30000;
	for (unsigned int i = 0; i < nr; i++) {
		bool h = hashes && i == SNP_HASHES_RANGE;

		want_range(ws, LAUNCH_SET_PRIVATE, snp_fixture_ranges[i].gpa,
			   snp_fixture_ranges[i].len, LAUNCH_SRC_NONE);
		want_range(ws, LAUNCH_SNP_LAUNCH_UPDATE,
			   snp_fixture_ranges[i].gpa, snp_fixture_ranges[i].len,
			   h ? LAUNCH_SRC_KERNEL_HASHES :
			       snp_fixture_ranges[i].src);
		w = &ws->w[ws->n - 1];
		w->type = h ? SNP_PAGE_TYPE_NORMAL : snp_fixture_ranges[i].type;
		w->index = i;
	}
	want(ws, LAUNCH_SNP_LAUNCH_FINISH, LAUNCH_STAGE_LOAD)->arg = vcpus;
	for (unsigned int i = 0; i < nr; i++)
		want_range(ws, LAUNCH_DISCARD_SHARED, snp_fixture_ranges[i].gpa,
			   snp_fixture_ranges[i].len, LAUNCH_SRC_NONE);
	want_run(ws, vcpus);
}

static void test_snp_plan(void)
{
	struct launch_plan *plan = NULL;
	static struct wants ws;
	struct vm_config cfg;
	struct cc_image img;
	char reason[CC_REASON_MAX];

	cfg_for(&cfg, CC_MODE_SNP, 2);
	image_of(&img, amdsev, amdsev_size, OVMF_PARSE_SEV);
	EXPECT_EQ(launch_plan_build(&cfg, &img, &plan, reason, sizeof(reason)),
		  0, "the fixture's SNP launch should be planned");
	ws.n = 0;
	want_snp(&ws, 2, false);
	if (plan)
		expect_plan(plan, &ws, "snp, 2 vCPUs");
	if (plan)
		EXPECT_EQ(plan->sev_features, 0x1, "SEV_FEATURES is SNPActive");
	free(plan);
	plan = NULL;

	/* DebugSwap and a measured kernel: NORMAL kernel-hashes page. */
	cfg.machine.vcpus = 1;
	cfg.cc.snp_debug_swap = true;
	img.has_kernel_hashes = true;
	EXPECT_EQ(launch_plan_build(&cfg, &img, &plan, reason, sizeof(reason)),
		  0, "the launch with kernel hashes should be planned");
	ws.n = 0;
	want_snp(&ws, 1, true);
	if (plan)
		expect_plan(plan, &ws, "snp, kernel hashes");
	if (plan)
		EXPECT_EQ(plan->sev_features, 0x21, "SEV_FEATURES with DebugSwap");
	free(plan);
	vm_config_free(&cfg);
}

/* tdx.md section 4: the fixture's six sections, in table order. */
static const struct {
	uint64_t gpa, size;
	bool measure;
	enum launch_src src;
} tdx_fixture_sections[] = {
	{ 0xffc84000, 0x37c000, true, LAUNCH_SRC_FIRMWARE },	/* BFV */
	{ 0xffc00000, 0x84000, false, LAUNCH_SRC_FIRMWARE },	/* CFV */
	{ 0x810000, 0x10000, false, LAUNCH_SRC_ZERO },		/* TEMP_MEM */
	{ 0x80b000, 0x2000, false, LAUNCH_SRC_ZERO },		/* TEMP_MEM */
	{ 0x809000, 0x2000, false, LAUNCH_SRC_TD_HOB },		/* TD_HOB */
	{ 0x800000, 0x6000, false, LAUNCH_SRC_ZERO },		/* TEMP_MEM */
};

/*
 * The HOB: handoff info (56), one resource per RAM piece and the end
 * (8). RAM [0, 256M) split around the four accepted sections gives 8
 * pieces: [0,8M) u, TEMP 0x800000 a, [0x806000,0x809000) u, HOB a,
 * TEMP 0x80b000 a, [0x80d000,0x810000) u, TEMP 0x810000 a, the rest u.
 */
#define TD_HOB_LEN (56 + 8 * 48 + 8)

static void want_tdx(struct wants *ws, unsigned int vcpus)
{
	const unsigned int nr = ARRAY_SIZE(tdx_fixture_sections);
	struct want *w;

	want_vm(ws, KVM_X86_TDX_VM, true);
	/* tdx.md section 3 as corrected: the irqchip before the APIC bus. */
	want(ws, LAUNCH_TDX_CAPABILITIES, LAUNCH_STAGE_CC_VM);
	w = want(ws, LAUNCH_ENABLE_CAP, LAUNCH_STAGE_IRQ);
	w->cap = KVM_CAP_SPLIT_IRQCHIP;
	w->arg = 24;
	w = want(ws, LAUNCH_ENABLE_CAP, LAUNCH_STAGE_CC_VM);
	w->cap = KVM_CAP_X86_APIC_BUS_CYCLES_NS;
	w->arg = 40;
	want(ws, LAUNCH_SET_TSC_KHZ, LAUNCH_STAGE_CC_VM);
	want(ws, LAUNCH_TDX_INIT_VM, LAUNCH_STAGE_CC_VM)->arg = 1ull << 28;
	want_memory(ws, true, M4);
	want_vcpus(ws, vcpus, false);
	/* Per vCPU: its CPUID (with X2APIC) before INIT_VCPU. */
	for (unsigned int i = 0; i < vcpus; i++) {
		want(ws, LAUNCH_TDX_GET_CPUID, LAUNCH_STAGE_LOAD)->vcpu = i;
		want(ws, LAUNCH_SET_CPUID, LAUNCH_STAGE_LOAD)->vcpu = i;
		w = want(ws, LAUNCH_TDX_INIT_VCPU, LAUNCH_STAGE_LOAD);
		w->vcpu = i;
		w->arg = 0x809000;
	}
	want_range(ws, LAUNCH_WRITE, FW_GPA, M4, LAUNCH_SRC_FIRMWARE);
	want_range(ws, LAUNCH_WRITE, 0x809000, TD_HOB_LEN, LAUNCH_SRC_TD_HOB);
	for (unsigned int i = 0; i < nr; i++) {
		want_range(ws, LAUNCH_SET_PRIVATE, tdx_fixture_sections[i].gpa,
			   tdx_fixture_sections[i].size, LAUNCH_SRC_NONE);
		want_range(ws, LAUNCH_TDX_INIT_MEM_REGION,
			   tdx_fixture_sections[i].gpa,
			   tdx_fixture_sections[i].size,
			   tdx_fixture_sections[i].src);
		ws->w[ws->n - 1].measure = tdx_fixture_sections[i].measure;
		ws->w[ws->n - 1].index = i;
	}
	want(ws, LAUNCH_TDX_FINALIZE_VM, LAUNCH_STAGE_LOAD);
	for (unsigned int i = 0; i < nr; i++)
		want_range(ws, LAUNCH_DISCARD_SHARED,
			   tdx_fixture_sections[i].gpa,
			   tdx_fixture_sections[i].size, LAUNCH_SRC_NONE);
	want_run(ws, vcpus);
}

static void test_tdx_plan(void)
{
	static const char mrtd[] =
		"a7a1f751abc454f9cbab198ca8d2edb2821935df525c74182b5e776c"
		"b0929e8c59aefecce725b0d08a5e9d3d3183bd08";
	char reason[CC_REASON_MAX], hex[97];
	static struct wants ws;

	for (unsigned int vcpus = 1; vcpus <= 2; vcpus++) {
		struct launch_plan *plan = NULL;
		struct vm_config cfg;
		struct cc_image img;

		cfg_for(&cfg, CC_MODE_TDX, vcpus);
		image_of(&img, inteltdx, inteltdx_size, OVMF_PARSE_TDX);
		EXPECT_EQ(launch_plan_build(&cfg, &img, &plan, reason,
					    sizeof(reason)),
			  0, "the fixture's TDX launch should be planned");
		ws.n = 0;
		want_tdx(&ws, vcpus);
		if (plan) {
			expect_plan(plan, &ws, vcpus == 1 ? "tdx" : "tdx, 2 vCPUs");
			to_hex(plan->mrtd, sizeof(plan->mrtd), hex);
			EXPECT(plan->has_mrtd && !strcmp(hex, mrtd),
			       "the plan's MRTD should be tdx.md's single-pass vector");
			EXPECT_EQ(plan->td_hob_gpa, 0x809000,
				  "the HOB is at TD_HOB");
		}
		free(plan);
		vm_config_free(&cfg);
	}
}

static void test_simple_plans(void)
{
	static const enum cc_mode modes[] = { CC_MODE_NONE, CC_MODE_SW };
	struct launch_plan *plan = NULL;
	char reason[CC_REASON_MAX];
	static struct wants ws;
	struct vm_config cfg;

	for (size_t i = 0; i < ARRAY_SIZE(modes); i++) {
		bool sw = modes[i] == CC_MODE_SW;

		cfg_for(&cfg, modes[i], 1);
		EXPECT_EQ(launch_plan_build(&cfg, NULL, &plan, reason,
					    sizeof(reason)), 0,
			  "the %s plan should build", cc_mode_name(modes[i]));
		ws.n = 0;
		want_vm(&ws, sw ? KVM_X86_SW_PROTECTED_VM : KVM_X86_DEFAULT_VM,
			sw);
		want_memory(&ws, sw, 0);
		want_vcpus(&ws, 1, true);
		want_range(&ws, LAUNCH_WRITE, GUEST_LOAD_GPA, guest_image_size,
			   LAUNCH_SRC_TEST_GUEST);
		want_range(&ws, LAUNCH_WRITE, GUEST_PML4_GPA, LAUNCH_BOOT_TABLES_SIZE,
			   LAUNCH_SRC_BOOT_TABLES);
		want_range(&ws, LAUNCH_WRITE, GUEST_BOOTINFO_GPA,
			   sizeof(struct bootinfo), LAUNCH_SRC_BOOTINFO);
		want(&ws, LAUNCH_SET_LONG_MODE, LAUNCH_STAGE_LOAD);
		want_run(&ws, 1);
		if (plan)
			expect_plan(plan, &ws, cc_mode_name(modes[i]));
		free(plan);
		plan = NULL;
		vm_config_free(&cfg);
	}
}

static void test_plan_refusals(void)
{
	struct launch_plan *plan = NULL;
	char reason[CC_REASON_MAX] = "";
	struct vm_config cfg;
	struct cc_image img;

	/* 4M of RAM: the ASEV ranges at 8M are outside guest memory. */
	cfg_for(&cfg, CC_MODE_SNP, 1);
	cfg.machine.memory_size = 4ull << 20;
	image_of(&img, amdsev, amdsev_size, OVMF_PARSE_SEV);
	EXPECT_EQ(launch_plan_build(&cfg, &img, &plan, reason, sizeof(reason)),
		  -EINVAL, "ranges outside RAM should be refused");
	EXPECT(strstr(reason, "outside guest memory"),
	       "the reason should say so, is '%s'", reason);
	EXPECT(!plan, "no plan on failure");
	EXPECT_EQ(launch_plan_build(&cfg, NULL, &plan, reason, sizeof(reason)),
		  -EINVAL, "snp without firmware should be refused");
	vm_config_free(&cfg);

	cfg_for(&cfg, CC_MODE_TDX, 1);
	cfg.machine.memory_size = 4ull << 20;
	image_of(&img, inteltdx, inteltdx_size, OVMF_PARSE_TDX);
	EXPECT_EQ(launch_plan_build(&cfg, &img, &plan, reason, sizeof(reason)),
		  -EINVAL, "TDVF sections outside RAM should be refused");
	vm_config_free(&cfg);

	cfg_for(&cfg, CC_MODE_NONE, 1);
	free(cfg.boot.scenario);
	cfg.boot.scenario = NULL;
	cfg.boot.firmware = strdup("fw.fd");
	EXPECT_EQ(launch_plan_build(&cfg, NULL, &plan, reason, sizeof(reason)),
		  -EOPNOTSUPP, "firmware without snp/tdx is not booted yet");
	vm_config_free(&cfg);
}

/* ---- rules ---- */

/*
 * One machine per case, written out in struct cc_machine's order: mode,
 * irqchip, firmware, PIC, SMM, read-only slots, APIC bus ns, TSC
 * kHz, RAM end, host and guest physical-address bits; then what the
 * refusal must say (NULL: the machine is fine).
 */
static const struct {
	const char *name;
	struct cc_machine m;
	const char *says;
} rule_cases[] = {
#define T CC_MODE_TDX
#define S CC_MODE_SNP
#define SPLIT IRQCHIP_SPLIT
#define KERN IRQCHIP_IN_KERNEL
	{ "valid TD", { T, SPLIT, 1, 0, 0, 0, 40, 0, M256, 0, 0 }, NULL },
	{ "no firmware", { T, SPLIT, 0, 0, 0, 0, 40, 0, M256, 0, 0 },
	  "needs boot.firmware" },
	{ "read-only slots", { T, SPLIT, 1, 0, 0, 1, 40, 0, M256, 0, 0 },
	  "read-only memslots" },
	{ "SMM", { T, SPLIT, 1, 0, 1, 0, 40, 0, M256, 0, 0 },
	  "cannot offer SMM" },
	{ "PIC", { T, KERN, 1, 1, 0, 0, 40, 0, M256, 0, 0 },
	  "cannot have a PIC" },
	{ "no split irqchip",
	  { T, IRQCHIP_AUTO, 1, 0, 0, 0, 40, 0, M256, 0, 0 },
	  "split irqchip" },
	{ "APIC bus", { T, SPLIT, 1, 0, 0, 0, 0, 0, M256, 0, 0 }, "25 MHz" },
	{ "TSC multiple", { T, SPLIT, 1, 0, 0, 0, 40, 2100001, M256, 0, 0 },
	  "multiple of 25 MHz" },
	{ "TSC low", { T, SPLIT, 1, 0, 0, 0, 40, 75000, M256, 0, 0 },
	  "multiple of 25 MHz" },
	{ "TSC high", { T, SPLIT, 1, 0, 0, 0, 40, 10025000, M256, 0, 0 },
	  "multiple of 25 MHz" },
	{ "TSC fine", { T, SPLIT, 1, 0, 0, 0, 40, 2100000, M256, 0, 0 },
	  NULL },
	{ "GPA width", { T, SPLIT, 1, 0, 0, 0, 40, 0, M256, 52, 48 },
	  "physical-address width" },
	{ "GPA width equal", { T, SPLIT, 1, 0, 0, 0, 40, 0, M256, 46, 46 },
	  NULL },
	{ "shared bit", { T, SPLIT, 1, 0, 0, 0, 40, 0, 1ull << 48, 0, 0 },
	  "shared-GPA bit" },
	{ "SNP with a PIC", { S, KERN, 1, 1, 0, 0, 0, 0, M256, 0, 0 },
	  NULL },
	{ "SNP without firmware", { S, KERN, 0, 1, 0, 0, 0, 0, M256, 0, 0 },
	  "OVMF built for SEV-SNP" },
	{ "SNP SMM", { S, KERN, 1, 1, 1, 0, 0, 0, M256, 0, 0 }, "SMM" },
	{ "none has no rules",
	  { CC_MODE_NONE, IRQCHIP_AUTO, 0, 1, 1, 1, 0, 1, 1ull << 50, 52, 40 }, NULL },
#undef T
#undef S
#undef SPLIT
#undef KERN
};

static void test_cc_rules(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(rule_cases); i++) {
		char reason[CC_REASON_MAX] = "";
		int r;

		r = cc_machine_check(&rule_cases[i].m, reason, sizeof(reason));
		if (!rule_cases[i].says) {
			EXPECT_EQ(r, 0, "%s should pass: %s", rule_cases[i].name,
				  reason);
			continue;
		}
		EXPECT(r == -EINVAL && strstr(reason, rule_cases[i].says),
		       "%s should fail saying '%s', says '%s'",
		       rule_cases[i].name, rule_cases[i].says, reason);
	}
}

static void test_cc_config_check(void)
{
	char reason[CC_REASON_MAX] = "";
	struct vm_config cfg;

	cfg_for(&cfg, CC_MODE_TDX, 1);
	EXPECT_EQ(cc_config_check(&cfg, reason, sizeof(reason)), 0,
		  "a TD config with firmware and the default irqchip passes: %s",
		  reason);
	cfg.machine.irqchip = IRQCHIP_IN_KERNEL;
	EXPECT(cc_config_check(&cfg, reason, sizeof(reason)) == -EINVAL &&
	       strstr(reason, "PIC"), "in-kernel irqchip is refused for tdx");
	vm_config_free(&cfg);

	cfg_for(&cfg, CC_MODE_SNP, 1);
	free(cfg.boot.firmware);
	cfg.boot.firmware = NULL;
	EXPECT(cc_config_check(&cfg, reason, sizeof(reason)) == -EINVAL &&
	       strstr(reason, "needs boot.firmware"),
	       "snp without firmware is refused before any fd");
	vm_config_free(&cfg);
}

/* ---- TD CPUID ---- */

static void test_tdx_cpuid_mask(void)
{
	struct {
		struct kvm_cpuid2 c;
		struct kvm_cpuid_entry2 e[4];
	} host = { .c.nent = 4, .e = {
		{ .function = 1, .eax = 0xffffffff, .ecx = 0xf0f0 },
		{ .function = 0xd, .index = 0, .eax = 0x2e7, .edx = 0x1 },
		{ .function = 0xd, .index = 1, .ecx = 0x1800, .edx = 0x2 },
		{ .function = 0x40000000, .eax = 0x40000001 },
	} }, conf = { .c.nent = 3, .e = {
		{ .function = 1, .eax = 0xfff, .ecx = 0xff },
		{ .function = 0xd, .index = 0, .eax = 0xff, .edx = 0x1 },
		{ .function = 0xd, .index = 1, .ecx = 0x800, .edx = 0x2 },
	} };
	struct kvm_cpuid_entry2 out[4];
	uint32_t n;

	n = tdx_cpuid_mask(&host.c, &conf.c, out);
	EXPECT_EQ(n, 3, "leaves the capabilities do not list are dropped");
	EXPECT(out[0].eax == 0xfff && out[0].ecx == 0xf0,
	       "each register is ANDed with the configurable bits");
	EXPECT_EQ(tdx_cpuid_xfam(out, n), 0x3000008e7ull,
		  "XFAM is XCR0 (0xD.0 EDX:EAX) | XSS (0xD.1 EDX:ECX)");
	EXPECT_EQ(cpuid_phys_bits(out, n), 0, "no 0x80000008: width unknown");
}

/* ---- KVM_EXIT_TDX and termination ---- */

static void test_tdx_exits(void)
{
	struct cc_exit_state st = { .kernel_r11 = 0x10, .user_r11 = 0x3,
				    .kernel_r12 = 0x4, .user_r12 = 0x8 };
	struct cvmm_exit_tdx e;
	char note[256];

	e = (struct cvmm_exit_tdx){ .nr = TDVMCALL_GET_TD_VM_CALL_INFO };
	e.get_tdvmcall_info.leaf = 1;
	e.get_tdvmcall_info.r13 = 7;
	EXPECT_EQ(tdx_exit_answer(&e, &st, note, sizeof(note)), 0, "info");
	EXPECT(e.get_tdvmcall_info.ret == 0 && e.get_tdvmcall_info.r11 == 0x10 &&
	       e.get_tdvmcall_info.r12 == 0x4 && !e.get_tdvmcall_info.r13 &&
	       !e.get_tdvmcall_info.r14,
	       "leaf 1 lists KVM's TDVMCALLs and none cvmm does not serve");
	e.get_tdvmcall_info.leaf = 2;
	EXPECT_EQ(tdx_exit_answer(&e, &st, note, sizeof(note)), 0, "info 2");
	EXPECT_EQ(e.get_tdvmcall_info.ret, TDVMCALL_STATUS_INVALID_OPERAND,
		  "only leaf 1 exists");

	e = (struct cvmm_exit_tdx){ .nr = TDVMCALL_GET_QUOTE };
	e.get_quote.gpa = 0x5000;
	e.get_quote.size = 0x2000;
	EXPECT_EQ(tdx_exit_answer(&e, &st, note, sizeof(note)), 0, "quote");
	EXPECT(e.get_quote.ret == TDVMCALL_STATUS_INVALID_OPERAND &&
	       st.quotes_refused == 1 && strstr(note, "no quote service"),
	       "without a quote service GetQuote fails clearly, once logged");
	EXPECT_EQ(tdx_exit_answer(&e, &st, note, sizeof(note)), 0, "again");
	EXPECT(!note[0] && st.quotes_refused == 2, "logged only once");
	e.get_quote.gpa = 0x5800;
	EXPECT_EQ(tdx_exit_answer(&e, &st, note, sizeof(note)), 0, "unaligned");
	EXPECT_EQ(e.get_quote.ret, TDVMCALL_STATUS_ALIGN_ERROR,
		  "an unaligned buffer is ALIGN_ERROR");
	e.get_quote.gpa = 0x5000;
	e.get_quote.size = 0x800;
	EXPECT_EQ(tdx_exit_answer(&e, &st, note, sizeof(note)), 0, "size");
	EXPECT_EQ(e.get_quote.ret, TDVMCALL_STATUS_ALIGN_ERROR,
		  "an unaligned size is ALIGN_ERROR");

	for (uint64_t v = 30; v <= 257; v++) {
		bool ok = v >= 32 && v <= 255;

		e = (struct cvmm_exit_tdx){
			.nr = TDVMCALL_SETUP_EVENT_NOTIFY_INTERRUPT };
		e.setup_event_notify.vector = v;
		EXPECT_EQ(tdx_exit_answer(&e, &st, note, sizeof(note)), 0, "n");
		EXPECT_EQ(e.setup_event_notify.ret,
			  ok ? TDVMCALL_STATUS_SUCCESS :
			       TDVMCALL_STATUS_INVALID_OPERAND,
			  "vector %llu should be %s", (unsigned long long)v,
			  ok ? "taken" : "refused");
		if (ok)
			EXPECT_EQ(st.notify_vector, v, "and remembered");
	}

	e = (struct cvmm_exit_tdx){ .nr = 0x10099 };
	e.unknown.ret = 0xabc;
	EXPECT_EQ(tdx_exit_answer(&e, &st, note, sizeof(note)), 0, "unknown");
	EXPECT_EQ(e.unknown.ret, 0xabc, "KVM's preset answer stays");
	e.flags = 1;
	EXPECT_EQ(tdx_exit_answer(&e, &st, note, sizeof(note)), -EINVAL,
		  "unknown flags from KVM stop the VM");
}

static void test_termination_events(void)
{
	uint64_t d[16] = {};
	char buf[512];

	d[0] = 0x100 | 1 << 12 | 0x2 << 16;
	EXPECT(cc_describe_system_event(KVM_SYSTEM_EVENT_SEV_TERM, 1, d, buf,
					sizeof(buf)) == 0 &&
	       strstr(buf, "reason set 1, code 0x2"),
	       "SEV_TERM decodes the GHCB termination request: %s", buf);
	/* R14 "hello, w", R15 "orld": RCX selects them. */
	d[1] = 1u << 14 | 1u << 15;
	memcpy(&d[14], "hello, w", 8);
	memcpy(&d[15], "orld\0\0\0\0", 8);
	d[12] = 1ull << 63 | 0x10000;
	d[13] = 0xabc000;
	EXPECT(cc_describe_system_event(KVM_SYSTEM_EVENT_TDX_FATAL, 16, d, buf,
					sizeof(buf)) == 0 &&
	       strstr(buf, "\"hello, world\"") && strstr(buf, "GPA 0xabc000") &&
	       !strstr(buf, "malformed"),
	       "TDX_FATAL gives code, message and GPA: %s", buf);
	d[12] = 0x1;
	d[14] = 0x0a0d41;	/* "A\r\n": kept on one line */
	EXPECT(cc_describe_system_event(KVM_SYSTEM_EVENT_TDX_FATAL, 16, d, buf,
					sizeof(buf)) == 0 &&
	       strstr(buf, "malformed") && strstr(buf, "\"A??\"") &&
	       !strchr(buf, '\n'),
	       "control bytes are replaced and bad codes flagged: %s", buf);
	EXPECT_EQ(cc_describe_system_event(KVM_SYSTEM_EVENT_SHUTDOWN, 0, d, buf,
					   sizeof(buf)), -EINVAL,
		  "other events are not CC terminations");
}

int main(void)
{
	static const struct test_case pure[] = {
		TEST_CASE(test_simple_plans),
		TEST_CASE(test_cc_rules),
		TEST_CASE(test_cc_config_check),
		TEST_CASE(test_tdx_cpuid_mask),
		TEST_CASE(test_tdx_exits),
		TEST_CASE(test_termination_events),
	};
	static const struct test_case fixture[] = {
		TEST_CASE(test_snp_plan),
		TEST_CASE(test_tdx_plan),
		TEST_CASE(test_plan_refusals),
	};
	int r;

	r = test_run(pure, ARRAY_SIZE(pure));
	amdsev = fixture_load("OVMF.amdsev.fd", AMDSEV_SHA256, &amdsev_size);
	if (amdsev)
		inteltdx = fixture_load("OVMF.inteltdx.ms.fd", INTELTDX_SHA256,
					&inteltdx_size);
	if (!amdsev || !inteltdx) {
		printf("fixture tests skipped: %s\n", skip_why);
		return r || test_failed_checks;
	}
	r |= test_run(fixture, ARRAY_SIZE(fixture));
	free(amdsev);
	free(inteltdx);
	return r;
}
