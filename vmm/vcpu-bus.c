// SPDX-License-Identifier: GPL-2.0-only
/*
 * A vCPU's accesses to the buses, for the architectures' exit handlers:
 * what a device's answer means for the vCPU, what an access nobody claims
 * does under the VM's io_policy, and KVM_EXIT_MMIO, the same on every
 * architecture.
 */
#include <string.h>

#include "lib/log.h"
#include "vmm/arch.h"
#include "vmm/vm.h"

enum vcpu_action vcpu_bus_result(struct vcpu *vcpu, int r, const char *what,
				 uint64_t addr, uint32_t size, bool is_write,
				 uint64_t value)
{
	if (r == BUS_STOP_VCPU)
		return vcpu->vm->stopping ? VCPU_SHUTDOWN : VCPU_PAUSE;
	if (r >= 0)
		return VCPU_CONTINUE;
	if (r == -ENODEV) {
		if (is_write)
			log_error("vcpu%u: guest wrote 0x%llx to unknown %s 0x%llx (size %u) at %s 0x%llx",
				  vcpu->id, (unsigned long long)value, what,
				  (unsigned long long)addr, size, arch_pc_name,
				  (unsigned long long)arch_vcpu_pc(vcpu));
		else
			log_error("vcpu%u: guest read unknown %s 0x%llx (size %u) at %s 0x%llx",
				  vcpu->id, what, (unsigned long long)addr, size,
				  arch_pc_name,
				  (unsigned long long)arch_vcpu_pc(vcpu));
		return VCPU_FAIL;
	}
	log_error_errno(r, "vcpu%u: %s 0x%llx access failed", vcpu->id, what,
			(unsigned long long)addr);
	return VCPU_FAIL;
}

/*
 * VM_IO_PROBE: as on a PC, nobody answering means reads float to
 * all-ones and writes vanish. Kernels probe ports and addresses to find
 * hardware.
 */
int vcpu_probe_unknown(struct vcpu *vcpu, int r, const char *what,
		       uint64_t addr, uint8_t *data, uint32_t size,
		       bool is_write)
{
	if (r != -ENODEV || vcpu->vm->io_policy != VM_IO_PROBE)
		return r;
	if (!is_write)
		memset(data, 0xff, size);
	log_debug("vcpu%u: %s unknown %s 0x%llx (size %u), ignoring",
		  vcpu->id, is_write ? "write to" : "read of", what,
		  (unsigned long long)addr, size);
	return 0;
}

enum vcpu_action vcpu_handle_mmio(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	uint32_t len = run->mmio.len;
	uint64_t value = 0;
	int r;

	if (len == 0 || len > sizeof(run->mmio.data))
		return VCPU_FAIL;
	memcpy(&value, run->mmio.data, len);
	r = bus_access(&vcpu->vm->mmio, run->mmio.phys_addr, run->mmio.data,
		       len, run->mmio.is_write);
	r = vcpu_probe_unknown(vcpu, r, "MMIO address", run->mmio.phys_addr,
			       run->mmio.data, len, run->mmio.is_write);
	return vcpu_bus_result(vcpu, r, "MMIO address", run->mmio.phys_addr,
			       len, run->mmio.is_write, value);
}
