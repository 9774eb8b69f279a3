// SPDX-License-Identifier: GPL-2.0-only
/*
 * Building and tearing down a VM (running it is vm-run.c). vm_build()
 * reads top to bottom in the order KVM requires; each step's constraints
 * are noted where they bind. The config has passed vm_validate().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "cc/mode.h"
#include "lib/kvm.h"
#include "lib/log.h"
#include "vmm/boot.h"
#include "vmm/kvm-stats.h"
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

/* --stats reads KVM's counters at exit, when no ioctl() is allowed. */
static int open_stats(struct vm *vm, int fd, int *ret_stats_fd)
{
	int r;

	if (!vm->cfg->stats.path)
		return 0;
	r = kvm_stats_open(fd);
	if (r < 0)
		return log_error_errno(r, "KVM_GET_STATS_FD for --stats");
	*ret_stats_fd = r;
	return 0;
}

static int create_vcpu(struct vm *vm, struct vcpu *vcpu, uint32_t id)
{
	void *run;
	int r;

	*vcpu = (struct vcpu){ .vm = vm, .id = id, .fd = -1, .stats_fd = -1 };
	vcpu->fd = kvm_ioctl_val(vm->vm_fd, KVM_CREATE_VCPU, id);
	if (vcpu->fd < 0)
		return log_error_errno(vcpu->fd, "KVM_CREATE_VCPU(%u)", id);
	run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   vcpu->fd, 0);
	if (run == MAP_FAILED)
		return log_error_errno(-errno, "mapping vCPU %u's kvm_run", id);
	vcpu->run = run;
	r = open_stats(vm, vcpu->fd, &vcpu->stats_fd);
	if (r < 0)
		return r;
	/*
	 * A TD's CPUID is what KVM_TDX_GET_CPUID reads back from the TD, set
	 * before KVM_TDX_INIT_VCPU by the launch (vmm/launch-tdx.c).
	 */
	if (vm->type == KVM_X86_TDX_VM)
		return 0;
	r = x86_set_cpuid(vcpu->fd, vm->cpuid, id, vm->nr_vcpus);
	if (r < 0)
		return log_error_errno(r, "KVM_SET_CPUID2 on vCPU %u", id);
	return 0;
}

static int create_vcpus(struct vm *vm)
{
	int r;

	r = kvm_ioctl_val(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (r < 0)
		return log_error_errno(r, "KVM_GET_VCPU_MMAP_SIZE");
	vm->run_size = r;
	r = x86_get_cpuid(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, &vm->cpuid);
	if (r < 0)
		return log_error_errno(r, "KVM_GET_SUPPORTED_CPUID");
	/* SNP and TDX derive theirs under their firmware's rules (launch.c). */
	if (!vm->cc) {
		r = cpu_build_cpuid(&vm->cpuid, vm->cfg->machine.vcpus);
		if (r < 0)
			return log_error_errno(r, "building the vCPUs' CPUID");
	}
	vm->vcpus = calloc(vm->cfg->machine.vcpus, sizeof(*vm->vcpus));
	if (!vm->vcpus)
		return log_error_errno(-ENOMEM, "allocating vCPUs");
	vm->nr_vcpus = vm->cfg->machine.vcpus;
	/* vm_free() closes the fds of vCPUs a failure left uncreated. */
	for (uint32_t i = 0; i < vm->nr_vcpus; i++)
		vm->vcpus[i].fd = vm->vcpus[i].stats_fd = -1;
	for (uint32_t i = 0; i < vm->nr_vcpus; i++) {
		r = create_vcpu(vm, &vm->vcpus[i], i);
		if (r < 0)
			return r;
	}
	return 0;
}

int vm_build(const struct vm_config *cfg, struct cc_image *img,
	     uint64_t start_ns, struct vm **ret_vm)
{
	struct vm *vm = calloc(1, sizeof(*vm));
	char why[320];
	int r;

	if (!vm)
		return log_error_errno(-ENOMEM, "allocating the VM");
	vm->cfg = cfg;
	vm->kvm_fd = -1;
	vm->vm_fd = -1;
	vm->stats_fd = -1;
	vm->type = cc_mode_vm_type(cfg->cc.mode);
	vm->times.start = start_ns;
	pthread_mutex_init(&vm->lock, NULL);
	/* First: vm_free() needs its fds, even those it could not open. */
	r = event_loop_init(&vm->loop);
	if (r < 0) {
		(void)log_error_errno(r, "creating the event loop");
		goto err_free;
	}
	/* Names need the user database: before KVM is opened. */
	r = privs_lookup(cfg, &vm->privs);
	if (r < 0)
		goto err_free;

	vm->kvm_fd = kvm_open_explained(why, sizeof(why));
	if (vm->kvm_fd < 0) {
		log_error("no KVM: %s", why);
		r = VM_ERR_NO_CAP;
		goto err_free;
	}
	/* SNP, TDX: the firmware and the plan, up front. */
	r = launch_prepare(vm, img);
	if (r < 0)
		goto err_free;

	vm->vm_fd = kvm_create_vm(vm->kvm_fd, vm->type);
	if (vm->vm_fd < 0) {
		r = log_error_errno(vm->vm_fd, "KVM_CREATE_VM(%s)",
				    kvm_vm_type_macro(vm->type));
		goto err_free;
	}
	r = open_stats(vm, vm->vm_fd, &vm->stats_fd);
	if (r < 0)
		goto err_free;
	/* Capabilities of the VM must be enabled before vCPUs exist. */
	if (vm_has_private_memory(vm)) {
		r = enable_private_memory(vm);
		if (r < 0)
			goto err_free;
	}
	/* Only used for real mode on Intel; harmless elsewhere. */
	(void)kvm_ioctl_val(vm->vm_fd, KVM_SET_TSS_ADDR, VM_TSS_GPA);
	/* SEV_INIT2, TDX INIT_VM: before memory and any vCPU. */
	r = launch_vm_init(vm);
	if (r < 0)
		goto err_free;

	r = create_memory(vm);
	if (r < 0)
		goto err_free;
	/* SNP, TDX: RAM private from the start, as QEMU makes it. */
	r = launch_memory_init(vm);
	if (r < 0)
		goto err_free;
	r = create_devices(vm);
	if (r < 0)
		goto err_free;
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
			goto err_free;
	}
	/* After the irqchip, before any vCPU, as KVM requires. */
	if (vm->pc && cfg->machine.apic_bus_ns) {
		r = kvm_enable_cap(vm->vm_fd, KVM_CAP_X86_APIC_BUS_CYCLES_NS,
				   cfg->machine.apic_bus_ns);
		if (r < 0) {
			(void)log_error_errno(r, "--apic-bus-ns %u: KVM_ENABLE_CAP(KVM_CAP_X86_APIC_BUS_CYCLES_NS)",
					      cfg->machine.apic_bus_ns);
			goto err_free;
		}
	}
	r = create_vcpus(vm);
	if (r < 0)
		goto err_free;
	/*
	 * Images go in place, into memory the guest runs from, last. SNP
	 * and TDX: the measured launch, then the firmware's platform.
	 */
	r = vm->cc ? launch_load(vm) : 0;
	if (r == 0)
		r = boot_load(vm);
	if (r < 0)
		goto err_free;
	*ret_vm = vm;
	return 0;

err_free:
	vm_free(vm);
	return r;
}

struct vm *vm_free(struct vm *vm)
{
	if (!vm)
		return NULL;
	for (unsigned int i = 0; vm->vcpus && i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		if (v->run)
			munmap(v->run, vm->run_size);
		if (v->fd >= 0)
			close(v->fd);
		if (v->stats_fd >= 0)
			close(v->stats_fd);
	}
	free(vm->vcpus);
	free(vm->cpuid);
	vm->cc = launch_free(vm->cc);
	pc_destroy(vm);
	event_loop_fini(&vm->loop);
	bus_free(&vm->pio);
	bus_free(&vm->mmio);
	mem_destroy(&vm->mem);
	if (vm->stats_fd >= 0)
		close(vm->stats_fd);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	free(vm);
	return NULL;
}
