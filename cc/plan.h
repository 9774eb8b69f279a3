/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The launch plan: every step that builds a VM up to its first KVM_RUN, in
 * order, computed from the config and the firmware alone. `cvmm run --plan`
 * prints it on any host; vm_build() and vmm/launch.c carry it out, each
 * stage at its place (launch.c checks that the stages vm_build() does on its
 * own agree with the plan). The order is sev-snp.md section 3 for snp and
 * tdx.md section 3 for tdx; see plan.c for the few places that differ.
 *
 * Also here: cc_config_check(), the rules a CC launch imposes on the
 * machine (split irqchip, no SMM, ...), pure so that they run before any
 * fd is open.
 */
#ifndef CVMM_CC_PLAN_H
#define CVMM_CC_PLAN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "cc/image.h"
#include "cc/mode.h"
#include "cc/tdx-hob.h"
#include "cc/tdx-measure.h"
#include "config/config.h"
#include "memory/memory.h"


/* Who carries a step out, in this order. */
enum launch_stage {
	LAUNCH_STAGE_VM,	/* vm_build(): the VM and its capabilities */
	/*
	 * launch_vm_init() runs the CC_VM and IRQ steps together, in plan
	 * order: TDX needs its irqchip between two VM-wide steps.
	 */
	LAUNCH_STAGE_CC_VM,	/* VM-wide CC setup */
	LAUNCH_STAGE_IRQ,	/* the irqchip of snp, tdx */
	LAUNCH_STAGE_MEMORY,	/* vm_build(): guest_memfds and memslots */
	LAUNCH_STAGE_VCPUS,	/* vm_build(): vCPUs and their CPUID */
	LAUNCH_STAGE_LOAD,	/* launch_load() or boot_load(): images */
	LAUNCH_STAGE_RUN,
};

enum launch_op {
	LAUNCH_CREATE_VM,		/* arg: VM type */
	LAUNCH_ENABLE_CAP,		/* cap, arg: args[0] */
	LAUNCH_CREATE_IRQCHIP,
	LAUNCH_SEV_INIT2,		/* arg: vmsa_features */
	LAUNCH_TDX_CAPABILITIES,
	LAUNCH_TDX_INIT_VM,		/* arg: TD attributes */
	LAUNCH_SET_TSC_KHZ,		/* arg: kHz, 0 = the host's */
	LAUNCH_CREATE_GUEST_MEMFD,	/* len, arg: flags */
	LAUNCH_SET_MEMSLOT,		/* index: slot, gpa, len, arg: flags */
	LAUNCH_CREATE_VCPU,		/* vcpu */
	LAUNCH_SET_CPUID,		/* vcpu */
	LAUNCH_TDX_INIT_VCPU,		/* vcpu, arg: RCX (TD HOB GPA) */
	LAUNCH_TDX_GET_CPUID,		/* vcpu */
	LAUNCH_SET_RESET_STATE,		/* vcpu, arg: reset EIP (SNP VMSA) */
	LAUNCH_SET_LONG_MODE,		/* vcpu: the test guest's entry */
	LAUNCH_WRITE,			/* gpa, len, src: into shared memory */
	LAUNCH_SNP_LAUNCH_START,	/* arg: policy */
	LAUNCH_SET_PRIVATE,		/* gpa, len: the PRIVATE attribute */
	LAUNCH_SNP_LAUNCH_UPDATE,	/* gpa, len, page_type, src */
	LAUNCH_SNP_LAUNCH_FINISH,	/* arg: number of VMSAs */
	LAUNCH_TDX_INIT_MEM_REGION,	/* gpa, len, measure, src, index */
	LAUNCH_TDX_FINALIZE_VM,
	LAUNCH_DISCARD_SHARED,		/* gpa, len */
	LAUNCH_RUN,			/* arg: vCPU threads */
	LAUNCH_SNP_ENABLE_REQ_CERTS,	/* KVM_EXIT_SNP_REQ_CERTS to cvmm */
	/* arm64 (cc/plan-arm64.c) */
	LAUNCH_ARM_VCPU_INIT,		/* vcpu */
	LAUNCH_ARM_CREATE_GIC,		/* arg: vCPUs its redistributors cover */
	LAUNCH_ARM_SET_ENTRY,		/* gpa: vCPU 0's pc, arg: its x0 */
};

/* What bytes a WRITE or a launch command's source holds. */
enum launch_src {
	LAUNCH_SRC_NONE,
	LAUNCH_SRC_FIRMWARE,		/* the image, ending at 4 GiB */
	LAUNCH_SRC_ZERO,		/* the shared mapping, still zero */
	LAUNCH_SRC_CPUID_PAGE,		/* snp_cpuid_page() of vCPU 0 */
	LAUNCH_SRC_KERNEL_HASHES,	/* snp_kernel_hashes_page() */
	LAUNCH_SRC_TDVF_SECTION,	/* section index's bytes */
	LAUNCH_SRC_TD_HOB,		/* tdx_hob_build() */
	LAUNCH_SRC_TEST_GUEST,		/* the embedded test guest */
	LAUNCH_SRC_BOOT_TABLES,		/* its page tables and GDT */
	LAUNCH_SRC_BOOTINFO,		/* its struct bootinfo */
};

/* PML4, PDPT and four PDs (x86_write_boot_tables()). */
#define LAUNCH_BOOT_TABLES_SIZE (6 * PAGE_SIZE)

struct launch_step {
	enum launch_op op;
	enum launch_stage stage;
	enum launch_src src;
	uint32_t vcpu;
	uint32_t cap;
	/* Memslot number, SNP range or TDVF section index. */
	uint32_t index;
	uint64_t gpa;
	uint64_t len;
	uint64_t arg;
	uint8_t page_type;		/* enum snp_page_type */
	bool measure;			/* KVM_TDX_MEASURE_MEMORY_REGION */
};

/*
 * Room for every step: a few per vCPU, three per memory region (its
 * guest_memfd, its slot, RAM made private), some per launch range.
 */
#define LAUNCH_MAX_STEPS                                                \
	(16 + 3 * MEM_MAX_REGIONS + 6 * CFG_MAX_VCPUS +                 \
	 4 * (SNP_MAX_LAUNCH_RANGES + OVMF_MAX_TDVF_SECTIONS))

/* QEMU's values (tdx.md section 3). */
#define LAUNCH_SPLIT_IRQCHIP_ROUTES 24
#define LAUNCH_TDX_APIC_BUS_NS 40

struct launch_plan {
	bool arm64;			/* launch_plan_build_arm64()'s */
	enum cc_mode mode;
	unsigned long vm_type;
	unsigned int nr_vcpus;
	uint64_t ram_size;
	/* The guest RAM and firmware regions, as mem_plan_build() gives. */
	struct mem_plan mem;
	/* CC: the firmware; TDX: where the HOB goes and its length. */
	uint64_t fw_gpa;
	uint64_t fw_size;
	uint64_t td_hob_gpa;
	uint64_t td_hob_len;
	/* SNP: the measured SEV_FEATURES (SNPActive | DebugSwap). */
	uint64_t sev_features;
	/*
	 * What SNP_LAUNCH_FINISH and KVM_TDX_INIT_VM pass beside the
	 * measurement, into the report (cc/snp-idblock.h, tdx.md section 2).
	 */
	bool snp_id_block_en;
	bool snp_auth_key_en;
	uint8_t snp_id_ld[SHA384_DIGEST_SIZE];
	bool snp_host_data_set;
	uint8_t snp_host_data[SNP_HOST_DATA_SIZE];
	bool tdx_mr_set[3];
	uint8_t tdx_mr[3][CFG_TDX_MR_SIZE];
	/* TDX: the MRTD this launch gives, single pass (tdx_mrtd()). */
	bool has_mrtd;
	uint8_t mrtd[TDX_DIGEST_SIZE];
	unsigned int nr_steps;
	struct launch_step steps[LAUNCH_MAX_STEPS];
};

/**
 * launch_plan_build() - the launch of @cfg, step by step
 * @img: the firmware and kernel hashes, for snp and tdx; NULL otherwise
 * @reason: why not, on failure
 *
 * cfg must have passed vm_validate() (vmm/validate.h). Returns 0
 * with *ret malloc()ed, -EINVAL (reason set) for a launch that cannot be
 * planned, -EOPNOTSUPP for a boot this build does not do, or -ENOMEM.
 */
int __must_check launch_plan_build(const struct vm_config *cfg,
				   const struct cc_image *img,
				   struct launch_plan **ret, char *reason,
				   size_t len);

/*
 * cc/plan-arm64.c: the plan of the arm64 test guest, which
 * launch_plan_build() gives on arm64 builds; built on every host.
 */
int __must_check launch_plan_build_arm64(const struct vm_config *cfg,
					 struct launch_plan **ret,
					 char *reason, size_t len);

/* KVM_VM_TYPE_ARM_PROTECTED (<linux/kvm.h> of Linux 7.2, arm64 only). */
#define LAUNCH_ARM64_PROTECTED (1ul << 31)

/* The arm64 VM type of @mode, an IPA size of 40 bits for a protected VM. */
unsigned long launch_arm64_vm_type(enum cc_mode mode);

/* The TD HOB's RAM ranges: the guest RAM regions of @mem. */
unsigned int launch_ram_ranges(const struct mem_plan *mem,
			       struct tdx_ram_range *ret);

/*
 * cc/plan-inputs.c: the report inputs of SNP_LAUNCH_FINISH and
 * KVM_TDX_INIT_VM into the plan, and their text after a step's own.
 */
void launch_plan_inputs(struct launch_plan *plan, const struct vm_config *cfg,
			const struct cc_image *img);
void launch_inputs_describe(const struct launch_plan *plan,
			    enum launch_op op, char *buf, size_t len);

const char *launch_op_name(enum launch_op op);
const char *launch_stage_name(enum launch_stage stage);
const char *snp_page_type_name(unsigned int type);
const char *tdvf_section_type_name(unsigned int type);

/* Room for the longest step text: INIT_VM with its three MR values. */
#define LAUNCH_STEP_TEXT_MAX 512

/* One line describing the step's arguments (no ioctl name). */
void launch_step_describe(const struct launch_plan *plan,
			  const struct launch_step *s, char *buf, size_t len);

/* The plan as text: a header and one numbered line per step. */
void launch_plan_write(const struct launch_plan *plan,
		       const struct vm_config *cfg, FILE *f);

/*
 * The machine a CC launch builds, as far as its rules care: cvmm's fixed
 * choices, the config, and what is known of the host.
 */
struct cc_machine {
	enum cc_mode mode;
	enum irqchip irqchip;
	bool has_firmware;
	bool pic;		/* an 8259 PIC is emulated, in KVM or cvmm */
	bool smm;		/* the guest can enter SMM */
	bool readonly_slots;	/* some memslot is KVM_MEM_READONLY */
	uint32_t apic_bus_ns;	/* KVM_CAP_X86_APIC_BUS_CYCLES_NS; 0: unset */
	uint32_t tsc_khz;	/* KVM_SET_TSC_KHZ; 0: KVM's default */
	uint64_t ram_end;	/* highest RAM GPA + 1 */
	/* CPUID 0x80000008 EAX[7:0]; 0: not known (no host probed yet). */
	unsigned int host_phys_bits;
	unsigned int guest_phys_bits;
};

/* What cvmm builds for @cfg; the host fields are left 0. */
void cc_machine_init(const struct vm_config *cfg, struct cc_machine *ret);

/*
 * Check the rules of the machine's CC mode, each with its own message
 * in @reason (the first that fails). Returns 0 or -EINVAL. Pure.
 */
int cc_machine_check(const struct cc_machine *m, char *reason, size_t len);

/*
 * cc_machine_init() and cc_machine_check() for a config, before any fd
 * exists: what can be refused from the config alone is refused here.
 */
int cc_config_check(const struct vm_config *cfg, char *reason, size_t len);

/*
 * Every rule of the config's CC mode that fails, one error each to @d.
 * Returns 0 or -EINVAL. Pure.
 */
int cc_config_report(const struct vm_config *cfg, struct cfg_diag *d);

#endif
