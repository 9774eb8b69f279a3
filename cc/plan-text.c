// SPDX-License-Identifier: GPL-2.0-only
/*
 * The launch plan as text, for `cvmm run --plan` and for the launch's own
 * debug log: one line per step, the ioctl's name and what it is given.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cc/plan.h"
#include "lib/hex.h"
#include "guest/bootinfo.h"
#include "lib/kvm.h"

const char *launch_op_name(enum launch_op op)
{
	static const char *const names[] = {
		[LAUNCH_CREATE_VM] = "KVM_CREATE_VM",
		[LAUNCH_ENABLE_CAP] = "KVM_ENABLE_CAP",
		[LAUNCH_CREATE_IRQCHIP] = "KVM_CREATE_IRQCHIP",
		[LAUNCH_SEV_INIT2] = "KVM_SEV_INIT2",
		[LAUNCH_TDX_CAPABILITIES] = "KVM_TDX_CAPABILITIES",
		[LAUNCH_TDX_INIT_VM] = "KVM_TDX_INIT_VM",
		[LAUNCH_SET_TSC_KHZ] = "KVM_SET_TSC_KHZ",
		[LAUNCH_CREATE_GUEST_MEMFD] = "KVM_CREATE_GUEST_MEMFD",
		[LAUNCH_SET_MEMSLOT] = "KVM_SET_USER_MEMORY_REGION2",
		[LAUNCH_CREATE_VCPU] = "KVM_CREATE_VCPU",
		[LAUNCH_SET_CPUID] = "KVM_SET_CPUID2",
		[LAUNCH_TDX_INIT_VCPU] = "KVM_TDX_INIT_VCPU",
		[LAUNCH_TDX_GET_CPUID] = "KVM_TDX_GET_CPUID",
		[LAUNCH_SET_RESET_STATE] = "KVM_SET_SREGS+KVM_SET_REGS",
		[LAUNCH_SET_LONG_MODE] = "KVM_SET_SREGS+KVM_SET_REGS",
		[LAUNCH_WRITE] = "write",
		[LAUNCH_SNP_LAUNCH_START] = "KVM_SEV_SNP_LAUNCH_START",
		[LAUNCH_SET_PRIVATE] = "KVM_SET_MEMORY_ATTRIBUTES",
		[LAUNCH_SNP_LAUNCH_UPDATE] = "KVM_SEV_SNP_LAUNCH_UPDATE",
		[LAUNCH_SNP_LAUNCH_FINISH] = "KVM_SEV_SNP_LAUNCH_FINISH",
		[LAUNCH_SNP_ENABLE_REQ_CERTS] = "KVM_SEV_SNP_ENABLE_REQ_CERTS",
		[LAUNCH_TDX_INIT_MEM_REGION] = "KVM_TDX_INIT_MEM_REGION",
		[LAUNCH_TDX_FINALIZE_VM] = "KVM_TDX_FINALIZE_VM",
		[LAUNCH_DISCARD_SHARED] = "discard",
		[LAUNCH_RUN] = "KVM_RUN",
		[LAUNCH_ARM_VCPU_INIT] = "KVM_ARM_VCPU_INIT",
		[LAUNCH_ARM_CREATE_GIC] = "KVM_CREATE_DEVICE",
		[LAUNCH_ARM_SET_ENTRY] = "KVM_SET_ONE_REG",
	};

	return (unsigned int)op < ARRAY_SIZE(names) && names[op] ? names[op] :
								     "?";
}

const char *launch_stage_name(enum launch_stage stage)
{
	static const char *const names[] = {
		[LAUNCH_STAGE_VM] = "vm",
		[LAUNCH_STAGE_CC_VM] = "cc-vm",
		[LAUNCH_STAGE_IRQ] = "irq",
		[LAUNCH_STAGE_MEMORY] = "memory",
		[LAUNCH_STAGE_VCPUS] = "vcpus",
		[LAUNCH_STAGE_LOAD] = "load",
		[LAUNCH_STAGE_RUN] = "run",
	};

	return (unsigned int)stage < ARRAY_SIZE(names) ? names[stage] : "?";
}

const char *snp_page_type_name(unsigned int type)
{
	static const char *const names[] = {
		[SNP_PAGE_TYPE_NORMAL] = "NORMAL",
		[SNP_PAGE_TYPE_VMSA] = "VMSA",
		[SNP_PAGE_TYPE_ZERO] = "ZERO",
		[SNP_PAGE_TYPE_UNMEASURED] = "UNMEASURED",
		[SNP_PAGE_TYPE_SECRETS] = "SECRETS",
		[SNP_PAGE_TYPE_CPUID] = "CPUID",
	};

	return type < ARRAY_SIZE(names) && names[type] ? names[type] : "?";
}

const char *tdvf_section_type_name(unsigned int type)
{
	static const char *const names[] = {
		[TDVF_SECTION_BFV] = "BFV",
		[TDVF_SECTION_CFV] = "CFV",
		[TDVF_SECTION_TD_HOB] = "TD_HOB",
		[TDVF_SECTION_TEMP_MEM] = "TEMP_MEM",
		[TDVF_SECTION_PERM_MEM] = "PERM_MEM",
		[TDVF_SECTION_PAYLOAD] = "PAYLOAD",
		[TDVF_SECTION_PAYLOAD_PARAM] = "PAYLOAD_PARAM",
	};

	return type < ARRAY_SIZE(names) ? names[type] : "?";
}

static const char *cap_text(uint32_t cap)
{
	switch (cap) {
	case KVM_CAP_EXIT_HYPERCALL:
		return "KVM_CAP_EXIT_HYPERCALL: MAP_GPA_RANGE exits to cvmm";
	case KVM_CAP_SPLIT_IRQCHIP:
		return "KVM_CAP_SPLIT_IRQCHIP: local APICs in KVM, IOAPIC routes";
	case KVM_CAP_X86_APIC_BUS_CYCLES_NS:
		return "KVM_CAP_X86_APIC_BUS_CYCLES_NS: a 25 MHz APIC bus";
	default:
		return "?";
	}
}

static const char *src_text(enum launch_src src)
{
	switch (src) {
	case LAUNCH_SRC_FIRMWARE:
		return "the firmware image";
	case LAUNCH_SRC_ZERO:
		return "zero pages";
	case LAUNCH_SRC_CPUID_PAGE:
		return "the SNP CPUID page, from vCPU 0's KVM_GET_CPUID2";
	case LAUNCH_SRC_KERNEL_HASHES:
		return "the kernel-hashes page";
	case LAUNCH_SRC_TDVF_SECTION:
		return "the TDVF section's bytes";
	case LAUNCH_SRC_TD_HOB:
		return "the TD HOB";
	case LAUNCH_SRC_TEST_GUEST:
		return "the embedded test guest";
	case LAUNCH_SRC_BOOT_TABLES:
		return "identity page tables (and the GDT)";
	case LAUNCH_SRC_BOOTINFO:
		return "the test guest's boot-info block";
	default:
		return "nothing";
	}
}

/* arm64: a default VM (40-bit IPA) or a protected one with its IPA size. */
static const char *vm_type_text(const struct launch_plan *plan,
				unsigned long type)
{
	if (!plan->arm64)
		return kvm_vm_type_macro(type);
	if (type & LAUNCH_ARM64_PROTECTED)
		return "KVM_VM_TYPE_ARM_PROTECTED | IPA 40 bits (the host's limit if lower)";
	return "default (40-bit IPA)";
}

static void hex_text(char *buf, size_t len, const char *prefix,
		     const uint8_t *d, size_t n)
{
	char hex[2 * SHA384_DIGEST_SIZE + 1];

	hex_encode(d, MIN(n, (size_t)SHA384_DIGEST_SIZE), hex);
	snprintf(buf, len, "%s%s", prefix, hex);
}

static void describe_vcpu(const struct launch_plan *plan,
			  const struct launch_step *s, char *buf, size_t len)
{
	switch (s->op) {
	case LAUNCH_SET_CPUID:
		snprintf(buf, len, "vCPU %u: %s, with its APIC ID", s->vcpu,
			 plan->mode == CC_MODE_TDX ?
				 "the CPUID KVM_TDX_GET_CPUID reported, with X2APIC" :
				 "KVM_GET_SUPPORTED_CPUID");
		break;
	case LAUNCH_TDX_INIT_VCPU:
		snprintf(buf, len, "vCPU %u, RCX 0x%" PRIx64 " (the TD HOB)",
			 s->vcpu, s->arg);
		break;
	case LAUNCH_SET_RESET_STATE:
		snprintf(buf, len,
			 "vCPU %u: reset state, CS 0xf000 base 0x%" PRIx64
			 ", RIP 0x%" PRIx64 ", RDX = CPUID(1).EAX: its VMSA",
			 s->vcpu, s->arg & 0xffff0000, s->arg & 0xffff);
		break;
	case LAUNCH_SET_LONG_MODE:
		snprintf(buf, len, "vCPU %u: 64-bit mode, RIP 0x%llx", s->vcpu,
			 GUEST_LOAD_GPA);
		break;
	case LAUNCH_ARM_VCPU_INIT:
		snprintf(buf, len,
			 "vCPU %u: KVM_ARM_PREFERRED_TARGET's target, PSCI 0.2, PMUv3 where offered%s%s",
			 s->vcpu,
			 plan->mode == CC_MODE_PKVM ?
				 ", pointer authentication where offered" : "",
			 s->vcpu ? "; powered off until the guest's PSCI CPU_ON" :
				   "");
		break;
	default:
		snprintf(buf, len, "vCPU %u", s->vcpu);
		break;
	}
}

static void describe_memory(const struct launch_plan *plan,
			    const struct launch_step *s, char *buf,
			    size_t len)
{
	const struct mem_region_plan *r = &plan->mem.regions[s->index];

	switch (s->op) {
	case LAUNCH_CREATE_GUEST_MEMFD:
		snprintf(buf, len, "size 0x%" PRIx64 ", flags 0x%" PRIx64,
			 s->len, s->arg);
		break;
	case LAUNCH_SET_MEMSLOT:
		snprintf(buf, len,
			 "slot %u, gpa 0x%" PRIx64 ", size 0x%" PRIx64
			 ", flags %s, %s, shared side %s",
			 s->index, s->gpa, s->len,
			 s->arg & KVM_MEM_GUEST_MEMFD ? "KVM_MEM_GUEST_MEMFD" :
							"0",
			 r->kind == MEM_REGION_FIRMWARE ? "firmware" : "RAM",
			 shared_backing_name(plan->mem.backing));
		break;
	default:
		break;
	}
}

static void describe_launch(const struct launch_plan *plan,
			    const struct launch_step *s, char *buf,
			    size_t len)
{
	switch (s->op) {
	case LAUNCH_WRITE:
		snprintf(buf, len, "gpa 0x%" PRIx64 ", len 0x%" PRIx64
			 ": %s, into the shared mapping",
			 s->gpa, s->len, src_text(s->src));
		break;
	case LAUNCH_SET_PRIVATE:
		if (s->stage == LAUNCH_STAGE_MEMORY)
			snprintf(buf, len, "gpa 0x%" PRIx64 ", size 0x%" PRIx64
				 ", PRIVATE: RAM private from the start; shared only where the guest asks",
				 s->gpa, s->len);
		else
			snprintf(buf, len, "gpa 0x%" PRIx64 ", size 0x%" PRIx64
				 ", PRIVATE; the shared copy stays as the source",
				 s->gpa, s->len);
		break;
	case LAUNCH_SNP_LAUNCH_UPDATE:
		snprintf(buf, len, "gpa 0x%" PRIx64 ", len 0x%" PRIx64
			 ", type %s, source: %s in the shared mapping",
			 s->gpa, s->len, snp_page_type_name(s->page_type),
			 src_text(s->src));
		break;
	case LAUNCH_TDX_INIT_MEM_REGION:
		snprintf(buf, len, "gpa 0x%" PRIx64 ", nr_pages 0x%" PRIx64
			 ", flags %s, section %u, source: %s in the shared mapping",
			 s->gpa, (uint64_t)(s->len / PAGE_SIZE),
			 s->measure ? "MEASURE" : "0", s->index,
			 src_text(s->src));
		break;
	case LAUNCH_DISCARD_SHARED:
		snprintf(buf, len, "gpa 0x%" PRIx64 ", len 0x%" PRIx64
			 ": the shared copy, now private in the guest",
			 s->gpa, s->len);
		break;
	default:
		(void)plan;
		break;
	}
}

void launch_step_describe(const struct launch_plan *plan,
			  const struct launch_step *s, char *buf, size_t len)
{
	buf[0] = '\0';
	switch (s->op) {
	case LAUNCH_CREATE_VM:
		snprintf(buf, len, plan->arm64 ? "type %s (0x%" PRIx64 ")" :
						 "type %s (%" PRIu64 ")",
			 vm_type_text(plan, s->arg), s->arg);
		break;
	case LAUNCH_ENABLE_CAP:
		snprintf(buf, len, "%s, args[0] 0x%" PRIx64, cap_text(s->cap),
			 s->arg);
		break;
	case LAUNCH_CREATE_IRQCHIP:
		snprintf(buf, len, "IOAPIC, PIC and local APICs in KVM");
		break;
	case LAUNCH_SEV_INIT2:
		snprintf(buf, len, "vmsa_features 0x%" PRIx64
			 ", ghcb_version 0; measured SEV_FEATURES 0x%" PRIx64,
			 s->arg, plan->sev_features);
		break;
	case LAUNCH_TDX_CAPABILITIES:
		snprintf(buf, len,
			 "supported attributes, XFAM and configurable CPUID");
		break;
	case LAUNCH_TDX_INIT_VM:
		snprintf(buf, len, "attributes 0x%" PRIx64
			 ", XFAM and CPUID masked by the capabilities, GPAW 48; retried on EAGAIN",
			 s->arg);
		launch_inputs_describe(plan, s->op, buf, len);
		break;
	case LAUNCH_SET_TSC_KHZ:
		if (s->arg)
			snprintf(buf, len, "VM-wide, %" PRIu64 " kHz", s->arg);
		else
			snprintf(buf, len, "VM-wide, 0: the host's TSC frequency");
		break;
	case LAUNCH_SNP_LAUNCH_START:
		snprintf(buf, len, "policy 0x%" PRIx64, s->arg);
		break;
	case LAUNCH_SNP_ENABLE_REQ_CERTS:
		snprintf(buf, len, "KVM_EXIT_SNP_REQ_CERTS to cvmm, which serves cc.snp.certs");
		break;
	case LAUNCH_SNP_LAUNCH_FINISH:
		snprintf(buf, len, "%" PRIu64 " VMSA%s at gpa 0x%" PRIx64 ", vCPU 0 first",
			 s->arg, s->arg == 1 ? "" : "s",
			 (uint64_t)SNP_VMSA_GPA);
		launch_inputs_describe(plan, s->op, buf, len);
		break;
	case LAUNCH_TDX_FINALIZE_VM:
		if (plan->has_mrtd)
			hex_text(buf, len, "retried on EBUSY/EAGAIN; MRTD fixed, expected ",
				 plan->mrtd, sizeof(plan->mrtd));
		else
			snprintf(buf, len, "retried on EBUSY/EAGAIN; MRTD fixed");
		break;
	case LAUNCH_RUN:
		snprintf(buf, len, "%" PRIu64 " vCPU thread%s", s->arg,
			 s->arg == 1 ? "" : "s");
		break;
	case LAUNCH_ARM_CREATE_GIC:
		snprintf(buf, len,
			 "KVM_DEV_TYPE_ARM_VGIC_V3: distributor, redistributors for %" PRIu64
			 " vCPU%s, CTRL_INIT; an ITS where KVM offers one",
			 s->arg, s->arg == 1 ? "" : "s");
		break;
	case LAUNCH_ARM_SET_ENTRY:
		snprintf(buf, len,
			 "vCPU 0: pc 0x%" PRIx64 " (the test guest), x0 0x%" PRIx64
			 " (its boot info)",
			 s->gpa, s->arg);
		break;
	case LAUNCH_CREATE_GUEST_MEMFD:
	case LAUNCH_SET_MEMSLOT:
		describe_memory(plan, s, buf, len);
		break;
	case LAUNCH_CREATE_VCPU:
	case LAUNCH_SET_CPUID:
	case LAUNCH_TDX_INIT_VCPU:
	case LAUNCH_TDX_GET_CPUID:
	case LAUNCH_SET_RESET_STATE:
	case LAUNCH_SET_LONG_MODE:
	case LAUNCH_ARM_VCPU_INIT:
		describe_vcpu(plan, s, buf, len);
		break;
	default:
		describe_launch(plan, s, buf, len);
		break;
	}
}

static void write_header_arm64(const struct launch_plan *plan,
			       const struct vm_config *cfg, FILE *f)
{
	fprintf(f, "machine: arm64, the embedded test guest (guest/arm64/), RAM from 0x%llx\n",
		GUEST_ARM64_RAM_GPA);
	if (plan->mem.use_gmem && cfg->machine.backing == BACKING_AUTO)
		fprintf(f, "guest RAM: a guest_memfd MMAP|INIT_SHARED where the host offers one (as below), a memfd otherwise\n");
	if (plan->mode == CC_MODE_PKVM)
		fprintf(f, "protected VM: pKVM takes each page the guest touches; cvmm writes guest memory only before the first KVM_RUN, and serves no test device\n");
	fprintf(f, "stage: when (vm, memory, vcpus, irq: building the VM; load: the images; run)\n");
}

static void write_header(const struct launch_plan *plan,
			 const struct vm_config *cfg, FILE *f)
{
	char size[CFG_SIZE_STR_MAX];

	cfg_format_size(plan->ram_size, size);
	fprintf(f, "cvmm launch plan: cc.mode %s, %s, %u vCPU%s, %s RAM\n",
		cc_mode_name(plan->mode), vm_type_text(plan, plan->vm_type),
		plan->nr_vcpus, plan->nr_vcpus == 1 ? "" : "s", size);
	if (plan->arm64) {
		write_header_arm64(plan, cfg, f);
		return;
	}
	if (plan->fw_size) {
		cfg_format_size(plan->fw_size, size);
		fprintf(f, "firmware: %s, %s at 0x%" PRIx64 "\n",
			cfg->boot.firmware, size, plan->fw_gpa);
	}
	if (plan->mode == CC_MODE_NONE)
		fprintf(f, "guest RAM: where the host offers guest_memfd MMAP|INIT_SHARED, each slot below is a guest_memfd mapped as RAM instead\n");
	if (plan->mode == CC_MODE_SNP || plan->mode == CC_MODE_TDX)
		fprintf(f, "launch source: the shared mapping of each range (guest_memfd flags 0)\n");
	fprintf(f, "stage: when (vm, cc-vm, irq, memory, vcpus: building the VM; load: the images; run)\n");
}

void launch_plan_write(const struct launch_plan *plan,
		       const struct vm_config *cfg, FILE *f)
{
	char text[LAUNCH_STEP_TEXT_MAX];

	write_header(plan, cfg, f);
	for (unsigned int i = 0; i < plan->nr_steps; i++) {
		const struct launch_step *s = &plan->steps[i];

		launch_step_describe(plan, s, text, sizeof(text));
		fprintf(f, "%4u  %-6s %-28s %s\n", i + 1,
			launch_stage_name(s->stage), launch_op_name(s->op),
			text);
	}
}
