/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The SNP and TDX launch: vmm/launch.c carries out the steps of the launch
 * plan (cc/plan.h) that vm_build() leaves to it, and checks that the ones
 * vm_build() does itself agree with the plan. vm_build() calls, in order:
 *
 *	launch_prepare()	before KVM_CREATE_VM: firmware, plan
 *	launch_vm_init()	after KVM_CREATE_VM and EXIT_HYPERCALL,
 *				before memory and vCPUs (SEV_INIT2; TDX
 *				CAPABILITIES, APIC bus, INIT_VM; then the
 *				irqchip, in-kernel or split)
 *	launch_memory_init()	after the memslots: RAM private from the start
 *	launch_load()		after the vCPUs exist, before boot_load(),
 *				which adds the firmware's platform (fw_cfg)
 *
 * All of them do nothing but return 0 for cc.mode none and sw.
 */
#ifndef CVMM_LAUNCH_H
#define CVMM_LAUNCH_H

#include <stdint.h>

#include "cc/image.h"
#include "cc/plan.h"
#include "lib/util.h"
#include "lib/kvm-abi.h"
#include "vmm/x86/tdx-quote.h"

struct json_object;
struct vm;

/* What a CC VM keeps after the launch, for its exits and --stats. */
struct cc_launch {
	struct cc_image img;
	struct launch_plan *plan;
	/* SNP: /dev/sev, passed in every KVM_MEMORY_ENCRYPT_OP. */
	int sev_fd;
	/* TDX: the module's capabilities, KVM_TDX_CAPABILITIES. */
	struct cvmm_tdx_capabilities *tdx_caps;
	/* TDX: between KVM_TDX_GET_CPUID and KVM_SET_CPUID2. */
	struct kvm_cpuid2 *cpuid_read;
	/* SNP: CPUID(1).EAX of vCPU 0, which each VMSA's RDX holds. */
	uint32_t vcpu_sig;
	/* The CPUID page as written, to explain a firmware rejection. */
	uint8_t *cpuid_page;
	/* The measurement this launch should give, once known. */
	bool has_expected;
	uint8_t expected[SHA384_DIGEST_SIZE];
	/* TDX: SetupEventNotifyInterrupt's vector, 0 for none, and vCPU. */
	uint64_t notify_vector;
	uint32_t notify_apic_id;
	/* TDX: the GetQuote relay of cc.tdx.quote_service. */
	struct tdx_quote_relay quote;

	/* For --stats */
	uint64_t launch_ns;
	uint64_t encrypt_ops;		/* KVM_MEMORY_ENCRYPT_OP calls */
	uint64_t retries;		/* of those, -EAGAIN/-EINTR repeats */
	uint64_t bytes_launched;
	uint64_t tdx_exits;
	uint64_t quotes_refused;
	/* SNP: certificate requests served and refused. */
	uint64_t certs_served;
	uint64_t certs_refused;
};

/*
 * Take the firmware and the kernel vm_validate() read (@img, left zeroed;
 * read them when @img is NULL or empty) and build the plan into vm->cc,
 * for a config vm_validate() passed. Logs; returns 0, -EINVAL for a
 * config that cannot be launched, or another -errno.
 */
int __must_check launch_prepare(struct vm *vm, struct cc_image *img);

/* The firmware region vm_build() must map below 4 GiB, 0 for none. */
uint64_t launch_firmware_size(const struct vm *vm);

/*
 * The VM-wide steps before memory and vCPUs. Logs; returns 0,
 * VM_ERR_NO_CAP when the host cannot do what the config asks, or -errno.
 */
int __must_check launch_vm_init(struct vm *vm);

/*
 * The memory steps the launch owns: guest_memfd RAM made private as soon
 * as its memslot exists (sev-snp.md, "Initial state of RAM"). Logs;
 * returns 0 or -errno.
 */
int __must_check launch_memory_init(struct vm *vm);

/*
 * Everything from the vCPUs' CC state to the end of the measured launch:
 * images in place in the shared mapping, ranges private, launch commands,
 * the shared copies discarded. Logs; returns 0 or -errno.
 */
int __must_check launch_load(struct vm *vm);

struct cc_launch *launch_free(struct cc_launch *l);

/* The "launch" object of --stats, NULL for none. */
struct json_object *launch_stats_json(const struct vm *vm);

#endif
