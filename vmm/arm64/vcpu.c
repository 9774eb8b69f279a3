// SPDX-License-Identifier: GPL-2.0-only
/*
 * arm64 vCPUs: KVM_ARM_VCPU_INIT with the target KVM prefers, PSCI 0.2+
 * (the guest starts its secondaries with CPU_ON, handled in the kernel,
 * and ends the VM with SYSTEM_OFF or SYSTEM_RESET, which reach us as
 * KVM_EXIT_SYSTEM_EVENT), a PMUv3 where KVM offers one. The exit handler
 * is a plain switch, called by the vCPU thread (vmm/vcpu.c); a guest can
 * end its own VM but not crash cvmm.
 */
#include <stddef.h>

#include "lib/kvm.h"
#include "lib/log.h"
#include "vmm/arch.h"
#include "vmm/arm64/arm64.h"
#include "vmm/arm64/layout.h"

#define CORE_REG(field)                                          \
	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE |   \
	 (offsetof(struct kvm_regs, field) / sizeof(__u32)))

int arch_vcpu_init(struct vm *vm, struct vcpu *vcpu)
{
	struct kvm_vcpu_init init = vm->arm64->vcpu_init;
	int r;

	/* Secondaries wait, powered off, for the guest's PSCI CPU_ON. */
	if (vcpu->id > 0)
		init.features[0] |= 1u << KVM_ARM_VCPU_POWER_OFF;
	r = kvm_ioctl(vcpu->fd, KVM_ARM_VCPU_INIT, &init);
	if (r < 0)
		return log_error_errno(r, "KVM_ARM_VCPU_INIT on vCPU %u", vcpu->id);
	return 0;
}

/* After the GIC's CTRL_INIT: KVM checks the PPI against it. */
int arm64_vcpu_init_pmu(struct vm *vm, struct vcpu *vcpu)
{
	int irq = ARM64_PPI_BASE + ARM64_PMU_PPI;
	struct kvm_device_attr a = {
		.group = KVM_ARM_VCPU_PMU_V3_CTRL,
		.attr = KVM_ARM_VCPU_PMU_V3_IRQ,
		.addr = (uintptr_t)&irq,
	};
	int r;

	if (!vm->arm64->pmu)
		return 0;
	r = kvm_ioctl(vcpu->fd, KVM_SET_DEVICE_ATTR, &a);
	if (r < 0)
		return r;
	a.attr = KVM_ARM_VCPU_PMU_V3_INIT;
	a.addr = 0;
	r = kvm_ioctl(vcpu->fd, KVM_SET_DEVICE_ATTR, &a);
	return r < 0 ? r : 0;
}

static int set_reg(int fd, uint64_t id, uint64_t value)
{
	struct kvm_one_reg reg = { .id = id, .addr = (uintptr_t)&value };
	int r = kvm_ioctl(fd, KVM_SET_ONE_REG, &reg);

	return r < 0 ? r : 0;
}

/*
 * Linux's boot protocol: x0 = the device tree, x1-x3 = 0, MMU off, EL1h
 * with DAIF masked (KVM's reset state, which we keep).
 */
int arm64_vcpu_set_entry(struct vcpu *vcpu, uint64_t pc, uint64_t x0)
{
	int r = set_reg(vcpu->fd, CORE_REG(regs.pc), pc);

	if (r == 0)
		r = set_reg(vcpu->fd, CORE_REG(regs.regs[0]), x0);
	return r;
}

const char arch_pc_name[] = "pc";

/* For error reports; arm64 has no KVM_GET_REGS, one register at a time. */
uint64_t arch_vcpu_pc(struct vcpu *vcpu)
{
	uint64_t pc;
	struct kvm_one_reg reg = { .id = CORE_REG(regs.pc), .addr = (uintptr_t)&pc };

	if (kvm_ioctl(vcpu->fd, KVM_GET_ONE_REG, &reg) < 0)
		return ~0ull;
	return pc;
}

static enum vcpu_action handle_system_event(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	switch (run->system_event.type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		log_debug("vcpu%u: PSCI SYSTEM_OFF", vcpu->id);
		vm_request_stop(vcpu->vm, 0);
		return VCPU_SHUTDOWN;
	case KVM_SYSTEM_EVENT_RESET:
		log_debug("vcpu%u: PSCI SYSTEM_RESET", vcpu->id);
		vm_request_reset(vcpu->vm);
		return VCPU_SHUTDOWN;
	default:
		log_error("vcpu%u: system event %u (data[0] 0x%llx) at pc 0x%llx",
			  vcpu->id, run->system_event.type,
			  (unsigned long long)run->system_event.data[0],
			  (unsigned long long)arch_vcpu_pc(vcpu));
		return VCPU_FAIL;
	}
}

enum vcpu_action vcpu_handle_exit(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	uint32_t reason = run->exit_reason;

	vcpu->exits[MIN(reason, VM_EXIT_REASONS)]++;
	vcpu_note_exit(vcpu);
	switch (reason) {
	case KVM_EXIT_MMIO:
		return vcpu_handle_mmio(vcpu);
	case KVM_EXIT_SYSTEM_EVENT:
		return handle_system_event(vcpu);
	case KVM_EXIT_INTR:
		return VCPU_CONTINUE;
	case KVM_EXIT_ARM_NISV:
		log_error("vcpu%u: guest access to 0x%llx that KVM cannot decode (KVM_EXIT_ARM_NISV, esr 0x%llx) at pc 0x%llx",
			  vcpu->id, (unsigned long long)run->arm_nisv.fault_ipa,
			  (unsigned long long)run->arm_nisv.esr_iss,
			  (unsigned long long)arch_vcpu_pc(vcpu));
		return VCPU_FAIL;
	case KVM_EXIT_INTERNAL_ERROR:
		log_error("vcpu%u: KVM internal error, suberror %u at pc 0x%llx",
			  vcpu->id, run->internal.suberror,
			  (unsigned long long)arch_vcpu_pc(vcpu));
		return VCPU_FAIL;
	default:
		log_error("vcpu%u: unexpected exit KVM_EXIT_%s (%u) at pc 0x%llx",
			  vcpu->id, kvm_exit_reason_name(reason), reason,
			  (unsigned long long)arch_vcpu_pc(vcpu));
		return VCPU_FAIL;
	}
}

/* After a failed KVM_RUN (vmm/vcpu.c): where the guest was. */
void arch_vcpu_log_registers(struct vcpu *vcpu)
{
	log_error("vcpu%u: stopped at pc 0x%llx", vcpu->id,
		  (unsigned long long)arch_vcpu_pc(vcpu));
}

/* SIGQUIT, SIGUSR2: where the vCPU is (vm-run.c logs its last exit). */
void arch_vcpu_log_state(struct vcpu *vcpu)
{
	log_error("vcpu%u: pc 0x%llx", vcpu->id,
		  (unsigned long long)arch_vcpu_pc(vcpu));
}
