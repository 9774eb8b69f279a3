// SPDX-License-Identifier: GPL-2.0-only
/*
 * The x86 VM behind vmm/arch.h: its type and launch, the private-memory
 * capability, RAM laid out around the PC's holes, the debug ports, the PC
 * platform for a kernel or firmware, each vCPU's CPUID, and the images.
 * Each step's constraints are noted where they bind.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cc/mode.h"
#include "lib/kvm.h"
#include "lib/log.h"
#include "vmm/arch.h"
#include "vmm/boot.h"
#include "vmm/launch.h"
#include "vmm/vm.h"
#include "vmm/x86/cpu.h"
#include "vmm/x86/pc.h"
#include "vmm/x86/regs.h"

/* Where KVM may put the TSS it needs for real mode on Intel hosts. */
#define VM_TSS_GPA 0xfffbd000ull

/* Guests ask for conversions through MAP_GPA_RANGE exits (vm_validate()). */
static int enable_private_memory(struct vm *vm)
{
	int r;

	r = kvm_enable_cap(vm->vm_fd, KVM_CAP_EXIT_HYPERCALL,
			   1ull << KVM_HC_MAP_GPA_RANGE);
	if (r < 0)
		return log_error_errno(r, "KVM_ENABLE_CAP(KVM_CAP_EXIT_HYPERCALL)");
	return 0;
}

static bool vm_has_private_memory(const struct vm *vm)
{
	return vm->type != KVM_X86_DEFAULT_VM;
}

static int create_memory(struct vm *vm)
{
	int gmem = kvm_check_extension(vm->vm_fd, KVM_CAP_GUEST_MEMFD);
	int flags = kvm_check_extension(vm->vm_fd, KVM_CAP_GUEST_MEMFD_FLAGS);
	struct mem_plan plan;
	int r;

	r = mem_plan_build(vm->cfg, launch_firmware_size(vm),
			   gmem > 0 && flags > 0 ? flags : 0,
			   vm_has_private_memory(vm), &plan);
	if (r < 0)
		return log_error_errno(r, "memory size 0x%llx cannot be laid out",
				       (unsigned long long)vm->cfg->machine.memory_size);
	r = mem_create(&vm->mem, vm->vm_fd, &plan);
	if (r < 0)
		return log_error_errno(r, "creating guest memory (%s backing%s)",
				       shared_backing_name(plan.backing),
				       plan.use_gmem ? " with guest_memfd" : "");
	vm->mem.coalesce_discards = vm->cfg->cc.coalesce_discards;
	vm->mem.preallocate = vm->cfg->cc.preallocate;
	return 0;
}

static void on_guest_exit(void *ctx, uint32_t status)
{
	vm_request_stop(ctx, status > 255 ? 255 : (int)status);
}

static int create_devices(struct vm *vm)
{
	int r;

	vm->pio.name = "pio";
	vm->mmio.name = "mmio";
	uart_init(&vm->uart, STDOUT_FILENO);
	r = uart_register(&vm->uart, &vm->pio, UART_COM1_BASE);
	if (r < 0)
		return log_error_errno(r, "registering the UART");
	vm->debug_exit = (struct debug_exit){
		.on_exit = on_guest_exit,
		.ctx = vm,
	};
	r = debug_exit_register(&vm->debug_exit, &vm->pio);
	if (r < 0)
		return log_error_errno(r, "registering the debug-exit port");
	return 0;
}

int arch_vm_create(struct vm *vm, struct cc_image *img)
{
	int r;

	vm->type = cc_mode_vm_type(vm->cfg->cc.mode);
	/* SNP, TDX: the firmware and the plan, up front. */
	r = launch_prepare(vm, img);
	if (r < 0)
		return r;
	vm->vm_fd = kvm_create_vm(vm->kvm_fd, vm->type);
	if (vm->vm_fd < 0)
		return log_error_errno(vm->vm_fd, "KVM_CREATE_VM(%s)",
				       kvm_vm_type_macro(vm->type));
	return 0;
}

/* After the irqchip, before any vCPU, as KVM requires. */
static int set_apic_bus(struct vm *vm)
{
	uint32_t ns = vm->cfg->machine.apic_bus_ns;
	int r;

	if (!vm->pc || !ns)
		return 0;
	r = kvm_enable_cap(vm->vm_fd, KVM_CAP_X86_APIC_BUS_CYCLES_NS, ns);
	if (r < 0)
		return log_error_errno(r, "--apic-bus-ns %u: KVM_ENABLE_CAP(KVM_CAP_X86_APIC_BUS_CYCLES_NS)",
				       ns);
	return 0;
}

/* What KVM_SET_CPUID2 gives each vCPU (arch_vcpu_init()). */
static int prepare_cpuid(struct vm *vm)
{
	int r;

	r = x86_get_cpuid(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, &vm->cpuid);
	if (r < 0)
		return log_error_errno(r, "KVM_GET_SUPPORTED_CPUID");
	/* SNP and TDX derive theirs under their firmware's rules (launch.c). */
	if (!vm->cc) {
		r = cpu_build_cpuid(&vm->cpuid, vm->cfg->machine.vcpus);
		if (r < 0)
			return log_error_errno(r, "building the vCPUs' CPUID");
	}
	return 0;
}

int arch_vm_setup(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
	int r;

	/* Capabilities of the VM must be enabled before vCPUs exist. */
	if (vm_has_private_memory(vm)) {
		r = enable_private_memory(vm);
		if (r < 0)
			return r;
	}
	/* Only used for real mode on Intel; harmless elsewhere. */
	(void)kvm_ioctl_val(vm->vm_fd, KVM_SET_TSS_ADDR, VM_TSS_GPA);
	/* SEV_INIT2, TDX INIT_VM: before memory and any vCPU. */
	r = launch_vm_init(vm);
	if (r < 0)
		return r;

	r = create_memory(vm);
	if (r < 0)
		return r;
	/* SNP, TDX: RAM private from the start, as QEMU makes it. */
	r = launch_memory_init(vm);
	if (r < 0)
		return r;
	r = create_devices(vm);
	if (r < 0)
		return r;
	/*
	 * A kernel or firmware gets a PC: the irqchip, which must exist
	 * before the vCPUs (SNP and TDX made theirs in launch_vm_init()),
	 * legacy ports, PCI and console input. The test guest runs without
	 * an irqchip on purpose: its HLT must exit to us (a hlt with IF=0
	 * fails the VM), and any port it touches must exist.
	 */
	if (cfg->boot.kernel || cfg->boot.firmware) {
		r = pc_create(vm);
		if (r < 0)
			return r;
	}
	r = set_apic_bus(vm);
	if (r < 0)
		return r;
	return prepare_cpuid(vm);
}

int arch_vcpu_init(struct vm *vm, struct vcpu *vcpu)
{
	int r;

	/*
	 * A TD's CPUID is what KVM_TDX_GET_CPUID reads back from the TD, set
	 * before KVM_TDX_INIT_VCPU by the launch (vmm/launch-tdx.c).
	 */
	if (vm->type == KVM_X86_TDX_VM)
		return 0;
	r = x86_set_cpuid(vcpu->fd, vm->cpuid, vcpu->id, vm->nr_vcpus);
	if (r < 0)
		return log_error_errno(r, "KVM_SET_CPUID2 on vCPU %u", vcpu->id);
	return 0;
}

int arch_vm_finish(struct vm *vm)
{
	int r;

	/*
	 * Images go in place, into memory the guest runs from, last. SNP
	 * and TDX: the measured launch, then the firmware's platform.
	 */
	r = vm->cc ? launch_load(vm) : 0;
	if (r == 0)
		r = boot_load(vm);
	return r;
}

void arch_vm_free(struct vm *vm)
{
	free(vm->cpuid);
	vm->cc = launch_free(vm->cc);
	pc_destroy(vm);
}

struct console *arch_vm_console(struct vm *vm)
{
	return vm->pc ? &vm->pc->console : NULL;
}

void arch_vm_stopped(struct vm *vm)
{
	(void)vm;
}
