// SPDX-License-Identifier: GPL-2.0-only
/*
 * The plan of the arm64 test guest (cc/plan-arm64.c), step by step, as
 * vmm/arm64/vm.c and vmm/arm64/boot-test.c build the VM: nothing of the
 * x86 guest (CPUID, boot tables, long mode) in it, and its text. On an
 * arm64 build `cvmm run --plan` prints it (tests/rig-arm64 checks that).
 */
#include <string.h>

#include "cc/plan.h"
#include "guest/bootinfo.h"
#include "guest/image.h"
#include "tests/test.h"

#define RAM 0x80000000ull

static void cfg_for(struct vm_config *cfg, enum cc_mode mode,
		    unsigned int vcpus)
{
	vm_config_init(cfg);
	cfg->cc.mode = mode;
	cfg->machine.vcpus = vcpus;
	vm_config_finish(cfg);
}

/* Step i is op in stage; returns it for the caller's own checks. */
static const struct launch_step *step(const struct launch_plan *p,
				      unsigned int *i, enum launch_op op,
				      enum launch_stage stage)
{
	static const struct launch_step none;
	const struct launch_step *s;

	if (*i >= p->nr_steps) {
		EXPECT(false, "step %u should be %s, the plan has %u steps",
		       *i + 1, launch_op_name(op), p->nr_steps);
		return &none;
	}
	s = &p->steps[(*i)++];
	EXPECT(s->op == op && s->stage == stage,
	       "step %u should be %s %s, is %s %s", *i,
	       launch_stage_name(stage), launch_op_name(op),
	       launch_stage_name(s->stage), launch_op_name(s->op));
	return s;
}

static void expect_steps(const struct launch_plan *p, unsigned int vcpus,
			 bool gmem, unsigned long type)
{
	const struct launch_step *s;
	unsigned int i = 0;

	EXPECT_EQ(step(p, &i, LAUNCH_CREATE_VM, LAUNCH_STAGE_VM)->arg, type,
		  "the VM type");
	if (gmem) {
		s = step(p, &i, LAUNCH_CREATE_GUEST_MEMFD, LAUNCH_STAGE_MEMORY);
		EXPECT(s->len == 256ull << 20 &&
		       s->arg == (GUEST_MEMFD_FLAG_MMAP |
				  GUEST_MEMFD_FLAG_INIT_SHARED),
		       "a guest_memfd of all RAM, MMAP|INIT_SHARED");
	}
	s = step(p, &i, LAUNCH_SET_MEMSLOT, LAUNCH_STAGE_MEMORY);
	EXPECT(s->gpa == RAM && s->len == 256ull << 20 &&
	       s->arg == (gmem ? KVM_MEM_GUEST_MEMFD : 0),
	       "one slot of RAM at 2 GiB, is 0x%llx+0x%llx",
	       (unsigned long long)s->gpa, (unsigned long long)s->len);
	for (unsigned int v = 0; v < vcpus; v++) {
		EXPECT_EQ(step(p, &i, LAUNCH_CREATE_VCPU,
			       LAUNCH_STAGE_VCPUS)->vcpu, v, "vCPU");
		EXPECT_EQ(step(p, &i, LAUNCH_ARM_VCPU_INIT,
			       LAUNCH_STAGE_VCPUS)->vcpu, v, "vCPU");
	}
	EXPECT_EQ(step(p, &i, LAUNCH_ARM_CREATE_GIC, LAUNCH_STAGE_IRQ)->arg,
		  vcpus, "the GIC after every vCPU, covering them");
	s = step(p, &i, LAUNCH_WRITE, LAUNCH_STAGE_LOAD);
	EXPECT(s->gpa == RAM + GUEST_LOAD_GPA && s->len == guest_image_size &&
	       s->src == LAUNCH_SRC_TEST_GUEST, "the image at RAM + 1 MiB");
	s = step(p, &i, LAUNCH_WRITE, LAUNCH_STAGE_LOAD);
	EXPECT(s->gpa == RAM + GUEST_BOOTINFO_GPA &&
	       s->len == sizeof(struct bootinfo) && s->src == LAUNCH_SRC_BOOTINFO,
	       "the boot info at RAM + 0x7000");
	s = step(p, &i, LAUNCH_ARM_SET_ENTRY, LAUNCH_STAGE_LOAD);
	EXPECT(s->gpa == RAM + GUEST_LOAD_GPA &&
	       s->arg == RAM + GUEST_BOOTINFO_GPA,
	       "vCPU 0 at the image, x0 the boot info");
	EXPECT_EQ(step(p, &i, LAUNCH_RUN, LAUNCH_STAGE_RUN)->arg, vcpus,
		  "a thread per vCPU");
	EXPECT_EQ(p->nr_steps, i, "nothing after KVM_RUN");
}

static char *plan_text(const struct launch_plan *p, const struct vm_config *cfg)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);

	if (!f)
		return NULL;
	launch_plan_write(p, cfg, f);
	fclose(f);
	return text;
}

static void expect_text(const char *text, const char *const *has,
			const char *const *hasnt)
{
	for (; *has; has++)
		EXPECT(strstr(text, *has), "the text should say '%s':\n%s",
		       *has, text);
	for (; *hasnt; hasnt++)
		EXPECT(!strstr(text, *hasnt), "the text should not say '%s':\n%s",
		       *hasnt, text);
}

/* Nothing of the x86 guest's launch. */
static const char *const x86_words[] = {
	"KVM_SET_CPUID2", "64-bit mode", "page tables", "KVM_X86_",
	"KVM_CREATE_IRQCHIP", "MAP_GPA_RANGE", NULL,
};

static void test_default_vm(void)
{
	static const char *const has[] = {
		"cc.mode none, default (40-bit IPA), 2 vCPUs",
		"slot 0, gpa 0x80000000, size 0x10000000, flags KVM_MEM_GUEST_MEMFD",
		"vCPU 1: KVM_ARM_PREFERRED_TARGET's target, PSCI 0.2, PMUv3 where offered; powered off until the guest's PSCI CPU_ON",
		"redistributors for 2 vCPUs",
		"gpa 0x80100000", "gpa 0x80007000",
		"vCPU 0: pc 0x80100000 (the test guest), x0 0x80007000 (its boot info)",
		NULL,
	};
	_cleanup_free_ struct launch_plan *p = NULL;
	char reason[CC_REASON_MAX];
	struct vm_config cfg;
	char *text;

	cfg_for(&cfg, CC_MODE_NONE, 2);
	EXPECT_EQ(launch_plan_build_arm64(&cfg, &p, reason, sizeof(reason)), 0,
		  "the plan should build");
	if (p) {
		EXPECT(p->arm64, "an arm64 plan");
		expect_steps(p, 2, true, 0);
		text = plan_text(p, &cfg);
		EXPECT(text, "the text");
		if (text)
			expect_text(text, has, x86_words);
		free(text);
	}
	vm_config_free(&cfg);
}

static void test_protected_vm(void)
{
	static const char *const has[] = {
		"cc.mode pkvm, KVM_VM_TYPE_ARM_PROTECTED | IPA 40 bits",
		"(0x80000028)", "1 vCPU,", "flags 0, RAM, shared side anonymous",
		"pointer authentication where offered",
		"cvmm writes guest memory only before the first KVM_RUN",
		NULL,
	};
	static const char *const hasnt[] = { "KVM_CREATE_GUEST_MEMFD",
					     "powered off", NULL };
	_cleanup_free_ struct launch_plan *p = NULL;
	char reason[CC_REASON_MAX];
	struct vm_config cfg;
	char *text;

	cfg_for(&cfg, CC_MODE_PKVM, 1);
	EXPECT_EQ(launch_plan_build_arm64(&cfg, &p, reason, sizeof(reason)), 0,
		  "the pkvm plan should build");
	if (p) {
		expect_steps(p, 1, false, LAUNCH_ARM64_PROTECTED | 40);
		text = plan_text(p, &cfg);
		if (text) {
			expect_text(text, has, x86_words);
			expect_text(text, (const char *const[]){ NULL }, hasnt);
		}
		free(text);
	}
	vm_config_free(&cfg);
}

static void test_kernel_not_planned(void)
{
	struct launch_plan *p = NULL;
	char reason[CC_REASON_MAX] = "";
	struct vm_config cfg;

	cfg_for(&cfg, CC_MODE_NONE, 1);
	cfg.boot.kernel = strdup("Image");
	EXPECT_EQ(launch_plan_build_arm64(&cfg, &p, reason, sizeof(reason)),
		  -EOPNOTSUPP, "a kernel boot is not planned");
	EXPECT(strstr(reason, "arm64 test guest"), "the reason says what is, is '%s'",
	       reason);
	EXPECT(!p, "no plan");
	vm_config_free(&cfg);
}

TEST_MAIN(TEST_CASE(test_default_vm),
	  TEST_CASE(test_protected_vm),
	  TEST_CASE(test_kernel_not_planned))
