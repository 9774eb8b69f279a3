// SPDX-License-Identifier: GPL-2.0-only
/*
 * What each vCPU last did, kept at every exit and told when the user ends
 * the VM with SIGINT or SIGTERM: a firmware or kernel that stops making
 * progress (polling a port, spinning on a timer, halted) then does not
 * end with no word. Relaxed atomics: a diagnostic, not state.
 */
#include <stdio.h>
#include <string.h>

#include "lib/log.h"
#include "lib/kvm.h"
#include "vmm/vm.h"

#define STORE(field, v) __atomic_store_n(&(field), (v), __ATOMIC_RELAXED)
#define LOAD(field) __atomic_load_n(&(field), __ATOMIC_RELAXED)

void vcpu_note_exit(struct vcpu *vcpu)
{
	const struct kvm_run *run = vcpu->run;
	struct vcpu_last_exit *l = &vcpu->last;
	uint64_t value = 0;

	STORE(l->reason, run->exit_reason);
	if (run->exit_reason == KVM_EXIT_IO) {
		STORE(l->addr, run->io.port);
		STORE(l->size, run->io.size);
		STORE(l->write, run->io.direction == KVM_EXIT_IO_OUT);
		if (run->io.size <= sizeof(value) &&
		    run->io.data_offset <= vcpu->vm->run_size - run->io.size)
			memcpy(&value, (const uint8_t *)run + run->io.data_offset,
			       run->io.size);
	} else if (run->exit_reason == KVM_EXIT_MMIO) {
		STORE(l->addr, run->mmio.phys_addr);
		STORE(l->size, MIN(run->mmio.len, sizeof(value)));
		STORE(l->write, run->mmio.is_write);
		memcpy(&value, run->mmio.data, MIN(run->mmio.len, sizeof(value)));
	}
	STORE(l->value, value);
}

static uint64_t total_exits(struct vcpu *vcpu)
{
	uint64_t n = 0;

	for (unsigned int i = 0; i <= VM_EXIT_REASONS; i++)
		n += LOAD(vcpu->exits[i]);
	return n;
}

static void log_one(struct vcpu *vcpu)
{
	const struct vcpu_last_exit *l = &vcpu->last;
	uint32_t reason = LOAD(l->reason);
	uint64_t n = total_exits(vcpu);
	bool write = LOAD(l->write);

	if (!n) {
		log_info("vcpu%u: no exit yet (never ran, or waits for INIT/SIPI)",
			 vcpu->id);
	} else if (reason == KVM_EXIT_IO || reason == KVM_EXIT_MMIO) {
		char value[32] = "";

		if (write)
			snprintf(value, sizeof(value), ", value 0x%llx",
				 (unsigned long long)LOAD(l->value));
		log_info("vcpu%u: %llu exits; the last: %s %s 0x%llx (size %u%s)",
			 vcpu->id, (unsigned long long)n,
			 write ? "write to" : "read of",
			 reason == KVM_EXIT_IO ? "port" : "MMIO address",
			 (unsigned long long)LOAD(l->addr), LOAD(l->size), value);
	} else {
		log_info("vcpu%u: %llu exits; the last: %s", vcpu->id,
			 (unsigned long long)n, kvm_exit_reason_name(reason));
	}
}

void vm_log_last_exits(struct vm *vm)
{
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		if (vm->vcpus[i].run)
			log_one(&vm->vcpus[i]);
}
