// SPDX-License-Identifier: GPL-2.0-only
/*
 * The x86 exit dispatcher (the vCPU thread is vmm/vcpu.c). Every exit
 * reason goes through exit_handlers[]; one that is not there is reported
 * with its data and the registers and ends the VM. A guest can end its
 * own VM, but nothing it does can crash cvmm: bad requests get error
 * codes.
 */
#include <stdio.h>
#include <string.h>

#include "lib/kvm.h"
#include "lib/log.h"
#include "memory/convert.h"
#include "vmm/arch.h"
#include "vmm/vm.h"
#include "vmm/x86/cc-exits.h"
#include "vmm/x86/regs.h"
#include "vmm/x86/snp-certs.h"

#define RFLAGS_IF (1ull << 9)

typedef enum vcpu_action (*exit_handler_fn)(struct vcpu *vcpu);

const char arch_pc_name[] = "rip";

uint64_t arch_vcpu_pc(struct vcpu *vcpu)
{
	struct kvm_regs regs;

	if (kvm_ioctl(vcpu->fd, KVM_GET_REGS, &regs) < 0)
		return ~0ull;
	return regs.rip;
}

void arch_vcpu_log_registers(struct vcpu *vcpu)
{
	char prefix[16];

	snprintf(prefix, sizeof(prefix), "vcpu%u", vcpu->id);
	x86_dump_registers(vcpu->fd, prefix);
}

static enum vcpu_action fail_with_registers(struct vcpu *vcpu)
{
	arch_vcpu_log_registers(vcpu);
	return VCPU_FAIL;
}

static enum vcpu_action handle_io(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	/*
	 * A copy, checked once (fuzz-exit): the data may overlap kvm_run
	 * itself, and what a device reads must not change the count.
	 */
	__typeof__(run->io) io = run->io;
	bool is_write = io.direction == KVM_EXIT_IO_OUT;
	uint32_t size = io.size;
	enum vcpu_action action = VCPU_CONTINUE;
	uint64_t end;
	uint8_t *data;

	if (size != 1 && size != 2 && size != 4)
		return VCPU_FAIL;
	if (!add_ok(io.data_offset, (uint64_t)size * io.count, &end) ||
	    end > vcpu->vm->run_size)
		return VCPU_FAIL;
	data = (uint8_t *)run + io.data_offset;
	for (uint32_t i = 0; i < io.count && action == VCPU_CONTINUE;
	     i++, data += size) {
		uint64_t value = 0;
		int r;

		memcpy(&value, data, size);
		r = bus_access(&vcpu->vm->pio, io.port, data, size, is_write);
		r = vcpu_probe_unknown(vcpu, r, "port", io.port, data, size,
				       is_write);
		action = vcpu_bus_result(vcpu, r, "port", io.port, size,
					 is_write, value);
	}
	return action;
}

/*
 * Without an in-kernel irqchip a halted vCPU comes back to us, and no
 * interrupt can ever wake it; with interrupts off it could not be woken
 * even with one.
 */
static enum vcpu_action handle_hlt(struct vcpu *vcpu)
{
	struct kvm_regs regs;

	if (kvm_ioctl(vcpu->fd, KVM_GET_REGS, &regs) < 0) {
		log_error("vcpu%u: hlt, and its registers cannot be read", vcpu->id);
		return VCPU_FAIL;
	}
	if (!(regs.rflags & RFLAGS_IF))
		log_error("vcpu%u: hlt with interrupts disabled at rip 0x%llx: the vCPU can never wake",
			  vcpu->id, regs.rip);
	else
		log_error("vcpu%u: hlt at rip 0x%llx with no interrupt controller to wake it",
			  vcpu->id, regs.rip);
	return VCPU_FAIL;
}

/* The guest's own doing: one line, registers only when debugging. */
static enum vcpu_action handle_shutdown(struct vcpu *vcpu)
{
	log_error("vcpu%u: triple fault (KVM_EXIT_SHUTDOWN) at rip 0x%llx",
		  vcpu->id, (unsigned long long)arch_vcpu_pc(vcpu));
	if (log_get_level() >= LOG_LEVEL_DEBUG)
		return fail_with_registers(vcpu);
	return VCPU_FAIL;
}

/*
 * Best effort, as QEMU does it: a failed pre-fault only means the guest
 * faults the pages in itself. Shared ranges are never pre-faulted.
 */
static void prefault(struct vcpu *vcpu, uint64_t gpa, uint64_t len)
{
	int r = mem_prefault_private(&vcpu->vm->mem, vcpu->fd, gpa, len);

	if (r < 0)
		log_debug("vcpu%u: pre-fault of 0x%llx+0x%llx failed: %s, ignoring",
			  vcpu->id, (unsigned long long)gpa,
			  (unsigned long long)len, errno_name(r));
}

static enum vcpu_action handle_hypercall(struct vcpu *vcpu)
{
	struct cvmm_exit_hypercall *hc = kvm_run_hypercall(vcpu->run);
	uint64_t ret = EINVAL, done;
	int r;

	if (hc->nr != KVM_HC_MAP_GPA_RANGE) {
		/* Only MAP_GPA_RANGE is enabled; answer anything else. */
		hc->ret = -KVM_ENOSYS;
		return VCPU_CONTINUE;
	}
	r = mem_map_gpa_range(&vcpu->vm->mem, hc->args[0], hc->args[1],
			      hc->args[2], &ret, &done);
	hc->ret = ret;
	if (r == 0 && vcpu->vm->cfg->cc.prefault &&
	    (hc->args[2] & KVM_MAP_GPA_RANGE_ENCRYPTED))
		prefault(vcpu, hc->args[0], hc->args[1] * PAGE_SIZE);
	log_event("conversion", "origin=explicit vcpu=%u gpa=0x%llx pages=%llu attrs=0x%llx ret=%llu",
		  vcpu->id, (unsigned long long)hc->args[0],
		  (unsigned long long)hc->args[1],
		  (unsigned long long)hc->args[2], (unsigned long long)ret);
	if (r < 0)
		log_debug("vcpu%u: MAP_GPA_RANGE gpa 0x%llx pages %llu attrs 0x%llx refused: %s; converted before: 0x%llx bytes",
			  vcpu->id, (unsigned long long)hc->args[0],
			  (unsigned long long)hc->args[1],
			  (unsigned long long)hc->args[2], errno_name(r),
			  (unsigned long long)(done - hc->args[0]));
	return VCPU_CONTINUE;
}

static enum vcpu_action handle_memory_fault(struct vcpu *vcpu)
{
	struct cvmm_exit_memory_fault *mf = kvm_run_memory_fault(vcpu->run);
	struct guest_memory *mem = &vcpu->vm->mem;
	uint64_t page = ALIGN_DOWN(mf->gpa, PAGE_SIZE);
	int r;

	r = mem_handle_memory_fault(mem, mf->gpa, mf->size, mf->flags,
				    vcpu->vm->cfg->cc.implicit_conversion);
	log_event("conversion", "origin=implicit vcpu=%u gpa=0x%llx size=0x%llx flags=0x%llx result=%s",
		  vcpu->id, (unsigned long long)mf->gpa,
		  (unsigned long long)mf->size, (unsigned long long)mf->flags,
		  r ? errno_name(r) : "ok");
	/*
	 * -EALREADY: the range is already as the access wants it, e.g. another
	 * vCPU converted it first. Re-enter once; a fault on the same page
	 * again, with no other exit between, means no progress is possible.
	 * Pages racing vCPUs converted one after the other are progress.
	 */
	if (r == -EALREADY && !(vcpu->fault_repeated &&
				vcpu->fault_page == page)) {
		vcpu->fault_repeated = true;
		vcpu->fault_page = page;
		return VCPU_CONTINUE;
	}
	if (r == 0) {
		vcpu->fault_repeated = false;
		return VCPU_CONTINUE;
	}
	log_error("vcpu%u: memory fault at gpa 0x%llx size 0x%llx flags 0x%llx (%s access to %s memory) not resolved: %s",
		  vcpu->id, (unsigned long long)mf->gpa,
		  (unsigned long long)mf->size, (unsigned long long)mf->flags,
		  mf->flags & KVM_MEMORY_EXIT_FLAG_PRIVATE ? "private" : "shared",
		  mem_gpa_is_private(mem, mf->gpa) ? "private" : "shared",
		  r == -EPERM ? "implicit conversions are denied" :
		  r == -EALREADY ? "it is already in that state" : strerror(-r));
	return VCPU_FAIL;
}

static enum vcpu_action handle_system_event(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	switch (run->system_event.type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		vm_request_stop(vcpu->vm, 0);
		return VCPU_SHUTDOWN;
	case KVM_SYSTEM_EVENT_RESET:
		vm_request_reset(vcpu->vm);
		return VCPU_SHUTDOWN;
	case KVM_SYSTEM_EVENT_SEV_TERM:
	case KVM_SYSTEM_EVENT_TDX_FATAL:
		return vcpu_handle_cc_termination(vcpu);
	default:
		log_error("vcpu%u: system event %u (ndata %u, data[0] 0x%llx)",
			  vcpu->id, run->system_event.type,
			  run->system_event.ndata,
			  (unsigned long long)run->system_event.data[0]);
		return VCPU_FAIL;
	}
}

static enum vcpu_action handle_internal_error(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;

	log_error("vcpu%u: KVM internal error, suberror %u, ndata %u, data[0] 0x%llx",
		  vcpu->id, run->internal.suberror, run->internal.ndata,
		  (unsigned long long)(run->internal.ndata ? run->internal.data[0] : 0));
	return fail_with_registers(vcpu);
}

static enum vcpu_action handle_fail_entry(struct vcpu *vcpu)
{
	log_error("vcpu%u: VM entry failed, hardware reason 0x%llx on cpu %u",
		  vcpu->id,
		  (unsigned long long)vcpu->run->fail_entry.hardware_entry_failure_reason,
		  vcpu->run->fail_entry.cpu);
	return fail_with_registers(vcpu);
}

static enum vcpu_action handle_intr(struct vcpu *vcpu)
{
	(void)vcpu;
	return VCPU_CONTINUE;
}

/* Split irqchip: a vCPU EOIed a vector our IOAPIC sent level-triggered. */
static enum vcpu_action handle_ioapic_eoi(struct vcpu *vcpu)
{
	uint8_t vector = vcpu->run->eoi.vector;

	if (irq_ioapic_eoi(&vcpu->vm->irq, vector) < 0) {
		log_error("vcpu%u: KVM_EXIT_IOAPIC_EOI (vector %u) without a userspace IOAPIC",
			  vcpu->id, vector);
		return VCPU_FAIL;
	}
	return VCPU_CONTINUE;
}

static const exit_handler_fn exit_handlers[] = {
	[KVM_EXIT_IO] = handle_io,
	[KVM_EXIT_MMIO] = vcpu_handle_mmio,
	[KVM_EXIT_HLT] = handle_hlt,
	[KVM_EXIT_SHUTDOWN] = handle_shutdown,
	[KVM_EXIT_HYPERCALL] = handle_hypercall,
	[KVM_EXIT_MEMORY_FAULT] = handle_memory_fault,
	[KVM_EXIT_SYSTEM_EVENT] = handle_system_event,
	[KVM_EXIT_INTERNAL_ERROR] = handle_internal_error,
	[KVM_EXIT_FAIL_ENTRY] = handle_fail_entry,
	[KVM_EXIT_INTR] = handle_intr,
	[KVM_EXIT_TDX] = vcpu_handle_tdx,
	[KVM_EXIT_SNP_REQ_CERTS] = vcpu_handle_snp_req_certs,
	[KVM_EXIT_IOAPIC_EOI] = handle_ioapic_eoi,
};

static enum vcpu_action handle_unknown(struct vcpu *vcpu)
{
	const uint64_t *d = (const uint64_t *)((const char *)vcpu->run +
					       KVM_RUN_EXIT_UNION_OFFSET);
	uint32_t reason = vcpu->run->exit_reason;

	log_error("vcpu%u: unexpected exit KVM_EXIT_%s (%u), data %016llx %016llx %016llx %016llx",
		  vcpu->id, kvm_exit_reason_name(reason), reason,
		  (unsigned long long)d[0], (unsigned long long)d[1],
		  (unsigned long long)d[2], (unsigned long long)d[3]);
	return fail_with_registers(vcpu);
}

enum vcpu_action vcpu_handle_exit(struct vcpu *vcpu)
{
	uint32_t reason = vcpu->run->exit_reason;

	vcpu->exits[MIN(reason, VM_EXIT_REASONS)]++;
	vcpu_note_exit(vcpu);
	if (reason != KVM_EXIT_MEMORY_FAULT)
		vcpu->fault_repeated = false;
	if (reason < ARRAY_SIZE(exit_handlers) && exit_handlers[reason])
		return exit_handlers[reason](vcpu);
	return handle_unknown(vcpu);
}

/* A 256-bit LAPIC register (IRR, ISR, TMR) as hex, vector 255 first. */
static void lapic_bits(const struct kvm_lapic_state *s, uint32_t reg,
		       char *buf, size_t size)
{
	size_t len = 0;

	for (int i = 7; i >= 0 && len < size; i--) {
		uint32_t v;

		memcpy(&v, s->regs + reg + 0x10 * i, sizeof(v));
		len += snprintf(buf + len, size - len, "%08x", v);
	}
}

static uint32_t lapic_reg(const struct kvm_lapic_state *s, uint32_t reg)
{
	uint32_t v;

	memcpy(&v, s->regs + reg, sizeof(v));
	return v;
}

/*
 * After SIGQUIT or SIGUSR2: where the vCPU was, whether it takes
 * interrupts, what its LAPIC holds and what KVM has pending for it, to
 * tell a guest deadlock from a lost interrupt (docs/linux.md).
 */
void arch_vcpu_log_state(struct vcpu *vcpu)
{
	struct kvm_vcpu_events ev = { 0 };
	struct kvm_lapic_state lapic;
	struct kvm_mp_state mp = { 0 };
	struct kvm_regs regs = { 0 };
	char irr[72], isr[72];

	(void)kvm_ioctl(vcpu->fd, KVM_GET_REGS, &regs);
	(void)kvm_ioctl(vcpu->fd, KVM_GET_MP_STATE, &mp);
	(void)kvm_ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &ev);
	log_error("vcpu%u: rip 0x%llx rflags 0x%llx (IF %u) mp_state %u; events: irq injected %u vector 0x%x shadow %u, nmi injected %u pending %u masked %u, exception injected %u pending %u",
		  vcpu->id, regs.rip, regs.rflags, !!(regs.rflags & RFLAGS_IF),
		  mp.mp_state, ev.interrupt.injected, ev.interrupt.nr,
		  ev.interrupt.shadow, ev.nmi.injected, ev.nmi.pending,
		  ev.nmi.masked, ev.exception.injected, ev.exception.pending);
	if (kvm_ioctl(vcpu->fd, KVM_GET_LAPIC, &lapic) < 0) {
		log_error("vcpu%u: no LAPIC", vcpu->id);
		return;
	}
	lapic_bits(&lapic, 0x200, irr, sizeof(irr));
	lapic_bits(&lapic, 0x100, isr, sizeof(isr));
	log_error("vcpu%u: LAPIC irr %s isr %s tpr 0x%x icr 0x%08x:%08x lvtt 0x%x tmict 0x%x tmcct 0x%x",
		  vcpu->id, irr, isr,
		  lapic_reg(&lapic, 0x80), lapic_reg(&lapic, 0x310),
		  lapic_reg(&lapic, 0x300), lapic_reg(&lapic, 0x320),
		  lapic_reg(&lapic, 0x380), lapic_reg(&lapic, 0x390));
}
